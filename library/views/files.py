"""Downloads: a document's newest version, or any earlier one, served through this view, which checks on
every request that the viewer may read the document (404 for those who may not, removed documents too;
sign-in first, from LoginRequiredMiddleware). Storage addresses are never shown, so a guessed URL reaches
nothing.

Whatever a file holds, it cannot run in the hub's origin: it is sent as an attachment (PNG and JPEG images
may be shown in the browser), with the type its content was recognised as (library.files), nosniff, and a
Content-Security-Policy of its own that allows nothing and sandboxes the document. The file is streamed
from Django's default storage (the file system, or S3), never read whole into memory.
"""

import logging
import unicodedata
from urllib.parse import quote

from csp.constants import NONE
from csp.decorators import csp
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from library import selectors
from library.models import IMAGE_KINDS, Document, DocumentVersion
from library.services.documents import document_downloaded
from library.views.pages import readable_document

logger = logging.getLogger(__name__)

# Replaces the hub's policy for these responses (django-csp's @csp): no script, style, frame or anything
# else, and a sandbox (a unique origin, no scripts, no forms) should a browser render the file anyway.
DOWNLOAD_POLICY = {"default-src": [NONE], "frame-ancestors": [NONE], "form-action": [NONE], "sandbox": True}


@require_GET
@csp(DOWNLOAD_POLICY)
def download(request: HttpRequest, slug: str, document_id: int) -> FileResponse:
    """The document's newest version: the link everyone shares."""
    document = readable_document(request, slug, document_id)
    return _serve(document, selectors.version_for_download(document=document))


@require_GET
@csp(DOWNLOAD_POLICY)
def version_download(request: HttpRequest, slug: str, document_id: int, number: int) -> FileResponse:
    document = readable_document(request, slug, document_id)
    return _serve(document, selectors.version_for_download(document=document, number=number))


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266: `attachment; filename="..."`, and for a name that is not ASCII its UTF-8 form as filename*
    (RFC 8187) after an ASCII approximation for the few clients that read only filename."""
    disposition = "inline" if inline else "attachment"
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = ascii_name.replace("\\", "_").replace('"', "_") or "document"
    if ascii_name == filename:
        return f'{disposition}; filename="{ascii_name}"'
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _serve(document: Document, version: DocumentVersion | None) -> FileResponse:
    if version is None:
        raise Http404("No such version")
    try:
        handle = version.file.open("rb")  # the storage's own file: a local file, or S3's streamed object
    except (FileNotFoundError, OSError):
        logger.exception("The file of document %s version %s is missing", document.pk, version.number)
        raise Http404("The file is not available") from None
    response = FileResponse(handle, content_type=version.content_type)
    response["Content-Disposition"] = content_disposition(
        version.filename, inline=version.kind in IMAGE_KINDS
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private"
    document_downloaded(document=document)
    return response
