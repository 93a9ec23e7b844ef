"""Builders shared by the library tests: small real files of each type, built by the tests (no fixtures on
disk), and documents uploaded through the services as the site uploads them."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from khub.demo.documents import pdf_pages, text_stream
from library.models import Document
from library.services.documents import document_upload


def pdf_bytes(text: str = "Business case for shared waste collection") -> bytes:
    """A one-page PDF whose page says `text` (a real, minimal PDF that readers open)."""
    return pdf_pages_bytes([text])


def pdf_pages_bytes(texts: list[str]) -> bytes:
    """A PDF of one page per text, built as the demo builds its PDFs (khub.demo.documents)."""
    return pdf_pages([text_stream([text], size=12) for text in texts])


def docx_bytes(text: str = "Procurement framework for temporary accommodation") -> bytes:
    """A Word document with one paragraph (python-docx, as Word writes them)."""
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(rows=(("Council", "Saving"), ("Leeds", 12000))) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pptx_bytes(
    title: str = "Workshop on shared procurement",
    body: str = "Three councils, one framework",
    notes: str = "Speaker notes: ask about timelines",
    table: tuple[tuple[str, ...], ...] = (("Council", "Saving"), ("York", "8000")),
) -> bytes:
    """A presentation of one slide: a title, a text box, a table and speaker notes (python-pptx)."""
    import pptx
    from pptx.util import Inches

    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
    slide.shapes.title.text = title
    slide.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1)).text_frame.text = body
    shape = slide.shapes.add_table(len(table), len(table[0]), Inches(1), Inches(3), Inches(6), Inches(2))
    for row_number, row in enumerate(table):
        for column, value in enumerate(row):
            shape.table.cell(row_number, column).text = value
    slide.notes_slide.notes_text_frame.text = notes
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


ODF_MIMETYPES = {
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
_ODF_BODIES = {
    "odt": (
        "<office:text><text:h text:outline-level='1'>{0}</text:h>"
        "<text:p>{1}<text:s/><text:span>{2}</text:span></text:p></office:text>"
    ),
    "ods": (
        "<office:spreadsheet><table:table table:name='Sheet1'><table:table-row>"
        "<table:table-cell><text:p>{0}</text:p></table:table-cell>"
        "<table:table-cell><text:p>{1}</text:p></table:table-cell></table:table-row><table:table-row>"
        "<table:table-cell><text:p>{2}</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet>"
    ),
    "odp": (
        "<office:presentation><draw:page draw:name='page1'><draw:frame><draw:text-box>"
        "<text:p>{0}</text:p><text:p>{1}</text:p><text:p>{2}</text:p>"
        "</draw:text-box></draw:frame></draw:page></office:presentation>"
    ),
}


def odf_bytes(kind: str = "odt", texts: tuple[str, str, str] = ("Heading", "Shared", "services")) -> bytes:
    """An OpenDocument file (odt, ods or odp) as LibreOffice packs one: `mimetype` first and stored, a
    manifest, and content.xml holding the three texts (a heading and paragraph, cells, or a slide)."""
    content = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<office:document-content xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0'"
        " xmlns:text='urn:oasis:names:tc:opendocument:xmlns:text:1.0'"
        " xmlns:table='urn:oasis:names:tc:opendocument:xmlns:table:1.0'"
        " xmlns:draw='urn:oasis:names:tc:opendocument:xmlns:drawing:1.0' office:version='1.3'>"
        f"<office:body>{_ODF_BODIES[kind].format(*texts)}</office:body></office:document-content>"
    )
    manifest = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<manifest:manifest xmlns:manifest='urn:oasis:names:tc:opendocument:xmlns:manifest:1.0'>"
        f"<manifest:file-entry manifest:full-path='/' manifest:media-type='{ODF_MIMETYPES[kind]}'/>"
        "<manifest:file-entry manifest:full-path='content.xml' manifest:media-type='text/xml'/>"
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", ODF_MIMETYPES[kind], compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(out, format="PNG")
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def encrypted_pdf(*, user_password: str) -> bytes:
    """pdf_bytes() encrypted (AES-128): a user password must be given to read it, unless it is empty."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bomb(part: str, *, megabytes: int) -> bytes:
    """An Office package whose `part` unpacks from about a thousandth of its size to `megabytes` of zeros,
    written a megabyte at a time (the test never holds it unpacked)."""
    out = io.BytesIO()
    chunk = b"\0" * 1024 * 1024
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(part, "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


def upload_file(
    data: bytes | None = None, name: str = "business-case.pdf", content_type: str = ""
) -> SimpleUploadedFile:
    """An uploaded file as a view or service receives it (the browser's content type is ignored)."""
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data, content_type=content_type)


def document(
    *,
    uploader,
    community,
    title: str = "Business case template",
    data: bytes | None = None,
    name: str = "business-case.pdf",
    **values,
) -> Document:
    return document_upload(
        user=uploader, community=community, file=upload_file(data, name), title=title, **values
    )
