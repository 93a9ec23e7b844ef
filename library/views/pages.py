"""A community's library (its documents in folders, with tags, sorted and filtered, and its guides), a
document's page with every version, uploading a document or a new version, changing a document's details,
removing it, and making a folder.

Sign-in comes from LoginRequiredMiddleware. A library is part of its community: whoever may not read the
community gets 404 on every page, so a private community's library does not exist for outsiders
(library.permissions). Each form's mistakes, the services' included, are shown beside their fields and
nothing is saved.

Uploads: the file is received through UploadLimit, which drops a file over LIBRARY_MAX_UPLOAD_BYTES while it
arrives (nothing that large is written to a temporary file) so the form can say so. Upload handlers must
be set before anything reads the request's body, and CsrfViewMiddleware reads it: the upload views are
csrf_exempt and check the token themselves (csrf_protect) once the handler is in place, as Django's
documentation on upload handlers describes.
"""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from communities.models import Community
from communities.selectors import community_for_page
from core.forms import add_service_errors
from core.pagination import paginate
from library import permissions, selectors
from library.forms import (
    DocumentDetailsForm,
    FolderForm,
    LibraryFilterForm,
    RemoveForm,
    UploadForm,
    VersionForm,
)
from library.models import Document, TextState
from library.services import documents as services

PAGE_SIZE = 25


# --- Finding what the URL names --------------------------------------------------------------------------
def readable_library(request: HttpRequest, slug: str) -> Community:
    """The community behind the URL, if the viewer may read it (and so its library); else 404."""
    community = community_for_page(slug=slug)
    if community is None or not permissions.can_read_library(user=request.user, community=community):
        raise Http404("No such community")
    return community


def readable_document(request: HttpRequest, slug: str, document_id: int) -> Document:
    """The document behind the URL, if the viewer may read it; else 404 (removed ones too)."""
    document = selectors.document_for_page(slug=slug, document_id=document_id)
    if document is None:
        raise Http404("No such document")
    permissions.check_read_document(user=request.user, document=document)
    return document


def _library_url(community: Community) -> str:
    return reverse("library:index", kwargs={"slug": community.slug})


# --- Receiving files -------------------------------------------------------------------------------------
class UploadLimit(FileUploadHandler):
    """First of the request's upload handlers: a file that grows past LIBRARY_MAX_UPLOAD_BYTES is dropped
    as it arrives (SkipFile: the handlers after this one close and delete what they kept of it, and the
    rest of the form is still read), and `refused` says so."""

    def __init__(self, request=None):
        super().__init__(request)
        self.limit = settings.LIBRARY_MAX_UPLOAD_BYTES
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.refused = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the handlers after this one make the file


def _limit_uploads(request: HttpRequest) -> UploadLimit:
    """Put UploadLimit first among the request's upload handlers: before anything reads the body."""
    limit = UploadLimit(request)
    request.upload_handlers.insert(0, limit)
    return limit


# --- The library -------------------------------------------------------------------------------------------
@require_GET
def library(request: HttpRequest, slug: str) -> HttpResponse:
    community = readable_library(request, slug)
    user = request.user
    folders = selectors.folders(community=community)
    form = LibraryFilterForm(
        request.GET or None, tags=selectors.library_tags(community=community), folders=folders
    )
    filters = form.filters()
    page = paginate(
        selectors.community_documents(community=community, **filters), request.GET.get("page"), PAGE_SIZE
    )
    page.object_list = selectors.urls_decorate(page.object_list, community=community)
    can_manage = permissions.can_manage_library(user=user, community=community)
    return render(
        request,
        "library/index.html",
        {
            "community": community,
            "form": form,
            "page_obj": page,
            "folder": filters.get("folder"),
            "filtered": any(filters.get(name) for name in ("kind", "tag", "folder")),
            "folders": folders,
            "guides": selectors.recent_guides(community=community),
            "can_upload": permissions.can_upload(user=user, community=community),
            "can_create_guide": permissions.can_create_guide(user=user, community=community),
            "space": selectors.library_space(community=community) if can_manage else None,
        },
    )


@csrf_exempt  # checked by _upload, once UploadLimit is in place (see the module's docstring)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    community = readable_library(request, slug)
    permissions.check_upload(user=request.user, community=community)  # before the body is read
    return _upload(request, community, _limit_uploads(request))


@csrf_protect
def _upload(request: HttpRequest, community: Community, limit: UploadLimit) -> HttpResponse:
    if request.method != "POST":
        form = UploadForm(community=community, initial=_folder_asked(request))
        return _upload_page(request, community, form)
    data, files = request.POST, request.FILES  # the body is read here, through UploadLimit
    form = UploadForm(data, files, community=community, too_large=limit.refused)
    if form.is_valid():
        try:
            document = services.document_upload(
                user=request.user, community=community, file=form.cleaned_data["file"], **form.values()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{document.title}” is in {community.name}'s library.")
            return redirect(document.get_absolute_url())
    return _upload_page(request, community, form)


def _folder_asked(request: HttpRequest) -> dict:
    """?folder=<id> from a folder's view of the library: the upload goes there unless changed (any other
    value is ignored; the form offers only this library's folders)."""
    folder = request.GET.get("folder", "")
    return {"folder": int(folder)} if re.fullmatch(r"[0-9]{1,18}", folder) else {}


def _upload_page(request: HttpRequest, community: Community, form: UploadForm) -> HttpResponse:
    can_manage = permissions.can_manage_library(user=request.user, community=community)
    return render(
        request,
        "library/upload.html",
        {
            "community": community,
            "form": form,
            "space": selectors.library_space(community=community) if can_manage else None,
        },
    )


@require_http_methods(["GET", "POST"])
def folder_create(request: HttpRequest, slug: str) -> HttpResponse:
    community = readable_library(request, slug)
    permissions.check_upload(user=request.user, community=community)
    form = FolderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            folder = services.folder_create(
                user=request.user, community=community, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The folder “{folder.name}” is made. Upload documents to it.")
            return redirect(f"{_library_url(community)}?folder={folder.pk}")
    return render(request, "library/folder_form.html", {"community": community, "form": form})


# --- A document ------------------------------------------------------------------------------------------
@require_GET
def document(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = readable_document(request, slug, document_id)
    user, community = request.user, document.community
    versions = selectors.document_versions(document=document)
    head = reverse(
        "library:version-download", kwargs={"slug": community.slug, "document_id": document.pk, "number": 0}
    ).removesuffix("0/download/")
    for version in versions:
        version.url = f"{head}{version.number}/download/"
    newest = versions[0] if versions else None
    return render(
        request,
        "library/document/detail.html",
        {
            "document": document,
            "community": community,
            "versions": versions,
            "newest": newest,
            "text_failed": newest is not None and newest.text_state == TextState.FAILED,
            "text_pending": newest is not None and newest.text_state == TextState.PENDING,
            "tags": list(document.tags.all()),
            "can_add_version": permissions.can_add_version(user=user, document=document),
            "can_edit": permissions.can_edit_document(user=user, document=document),
            "can_remove": permissions.can_remove_document(user=user, document=document),
        },
    )


@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = readable_document(request, slug, document_id)
    permissions.check_edit_document(user=request.user, document=document)
    community = document.community
    form = DocumentDetailsForm(
        request.POST if request.method == "POST" else None,
        community=community,
        initial=DocumentDetailsForm.initial_for(document),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(user=request.user, document=document, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
            document.refresh_from_db()  # as it is, not as the refused change left it
        else:
            messages.success(request, "Your changes are saved.")
            return redirect(document.get_absolute_url())
    return render(
        request, "library/document/edit.html", {"document": document, "community": community, "form": form}
    )


@csrf_exempt  # checked by _version_upload, once UploadLimit is in place (see the module's docstring)
@require_http_methods(["GET", "POST"])
def version_upload(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = readable_document(request, slug, document_id)
    permissions.check_add_version(user=request.user, document=document)  # before the body is read
    return _version_upload(request, document, _limit_uploads(request))


@csrf_protect
def _version_upload(request: HttpRequest, document: Document, limit: UploadLimit) -> HttpResponse:
    form = VersionForm()
    if request.method == "POST":
        data, files = request.POST, request.FILES  # the body is read here, through UploadLimit
        form = VersionForm(data, files, too_large=limit.refused)
        if form.is_valid():
            try:
                version = services.document_add_version(
                    user=request.user,
                    document=document,
                    file=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, f"Version {version.number} is uploaded. The download link now gives it."
                )
                return redirect(document.get_absolute_url())
    return render(
        request,
        "library/document/version_form.html",
        {"document": document, "community": document.community, "form": form},
    )


@require_http_methods(["GET", "POST"])
def document_remove(request: HttpRequest, slug: str, document_id: int) -> HttpResponse:
    document = readable_document(request, slug, document_id)
    permissions.check_remove_document(user=request.user, document=document)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_remove(user=request.user, document=document, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{document.title}” is removed from the library.")
            return redirect(_library_url(document.community))
    return render(
        request,
        "library/document/remove.html",
        {"document": document, "community": document.community, "form": form},
    )
