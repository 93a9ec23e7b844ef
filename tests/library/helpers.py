"""Builders shared by the library tests: small real files of each type, built by the tests (no fixtures on
disk), and documents uploaded through the services as the site uploads them."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from library.models import Document
from library.services.documents import document_upload


def pdf_bytes(text: str = "Business case for shared waste collection") -> bytes:
    """A one-page PDF whose page says `text` (a real, minimal PDF that readers open)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


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
