"""What an uploaded file is, decided from its content, never from its name or the browser's word: a
`.pdf` that is an executable, an HTML page called `notes.txt` or an SVG are refused. And the name it is
stored and downloaded under, cleaned of paths, control characters and excess length.

Office files are ZIP archives: they are told apart by the parts their packages must hold (OOXML's
[Content_Types].xml and main part; OpenDocument's `mimetype` entry), read from the archive's directory
without unpacking anything. Macro-enabled Office files are refused.
"""

import csv
import hashlib
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from library.models import FILENAME_MAX_LENGTH, Kind

CONTENT_TYPES = {
    Kind.PDF: "application/pdf",
    Kind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Kind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Kind.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    Kind.ODT: "application/vnd.oasis.opendocument.text",
    Kind.ODS: "application/vnd.oasis.opendocument.spreadsheet",
    Kind.ODP: "application/vnd.oasis.opendocument.presentation",
    Kind.CSV: "text/csv",
    Kind.TEXT: "text/plain",
    Kind.PNG: "image/png",
    Kind.JPEG: "image/jpeg",
}
EXTENSIONS = {
    Kind.PDF: "pdf",
    Kind.DOCX: "docx",
    Kind.XLSX: "xlsx",
    Kind.PPTX: "pptx",
    Kind.ODT: "odt",
    Kind.ODS: "ods",
    Kind.ODP: "odp",
    Kind.CSV: "csv",
    Kind.TEXT: "txt",
    Kind.PNG: "png",
    Kind.JPEG: "jpg",
}
ACCEPTED = "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text, PNG or JPEG"
_OOXML_MAIN = {
    "word/document.xml": Kind.DOCX,
    "xl/workbook.xml": Kind.XLSX,
    "ppt/presentation.xml": Kind.PPTX,
}
_ODF = {content_type: kind for kind, content_type in CONTENT_TYPES.items() if "opendocument" in content_type}
# VBA projects (OOXML), Basic and script libraries (OpenDocument); and OOXML's macro-enabled main parts.
_MACROS = re.compile(r"(^|/)vbaProject\.bin$|^Basic/|^Scripts/", re.IGNORECASE)
_MACRO_CONTENT_TYPE = re.compile(rb"macroEnabled", re.IGNORECASE)
# Compound files: Office 97-2003 (.doc, .xls, .ppt), and Office files saved with a password.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SNIFF_BYTES = 64 * 1024  # of a text file, read to decide whether it is text and whether it is CSV
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKUP = re.compile(rb"^\s*(<\?xml|<!doctype|<html|<svg|<script|<!--|<head|<body)", re.IGNORECASE)


@dataclass(frozen=True)
class Inspected:
    kind: str
    content_type: str
    filename: str  # cleaned, with the extension of the kind found
    size: int
    sha256: str


MACROS = "The selected file contains macros. Save it without macros and upload it again."
DAMAGED = "The selected file is damaged and cannot be opened. Check it and upload it again."
OLD_OR_LOCKED = (
    "The selected file is an old Office file (.doc, .xls or .ppt) or has a password. Save it as a .docx, "
    ".xlsx or .pptx file without a password and upload it again."
)


def _refuse(message: str):
    raise ValidationError({"file": message})


def _zip_kind(upload) -> str | None:
    """The kind of an Office or OpenDocument package, from its directory and two small parts, each read no
    further than SNIFF_BYTES (a bomb is left packed: text extraction checks it before unpacking)."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if any(_MACROS.search(name) for name in names):
                _refuse(MACROS)
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
                return _ODF.get(declared)
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as member:
                    if _MACRO_CONTENT_TYPE.search(member.read(SNIFF_BYTES)):
                        _refuse(MACROS)
                for part, kind in _OOXML_MAIN.items():
                    if part in names:
                        return kind
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        ValueError,
        EOFError,
        RuntimeError,  # a member encrypted ("password required")
        NotImplementedError,  # a compression method zipfile does not know
    ):
        _refuse(DAMAGED)
    return None


def _text_kind(head: bytes) -> str | None:
    """TEXT or CSV for UTF-8 (or Windows-1252) text with no control characters and no markup; else None."""
    if b"\x00" in head or _MARKUP.match(head.lstrip(b"\xef\xbb\xbf")):
        return None
    for encoding in ("utf-8", "cp1252"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of what was read is still UTF-8.
            if encoding == "utf-8" and error.start >= len(head) - 3 and len(head) == SNIFF_BYTES:
                text = head[: error.start].decode(encoding)
                break
    else:
        return None
    if _CONTROL.search(text):
        return None
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) >= 2:
        try:
            dialect = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t")
            widths = {len(row) for row in csv.reader(lines[:20], dialect)}
            if len(widths) == 1 and widths.pop() >= 2:
                return Kind.CSV
        except csv.Error:
            pass
    return Kind.TEXT


def sniff_kind(upload) -> str | None:
    """The kind of the file from its first bytes (and, for a ZIP, its directory); None if not one we take."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(upload)
    if head.startswith(_OLE):
        _refuse(OLD_OR_LOCKED)
    return _text_kind(head)


def clean_filename(name: str, *, kind: str) -> str:
    """The uploader's file name made safe to store and to offer back: no folders, no control or path
    characters, at most FILENAME_MAX_LENGTH characters, and the extension of the kind found."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # a name with folders keeps its last part
    name = _CONTROL.sub("", name.replace("\x00", ""))
    stem = name.rpartition(".")[0] if "." in name else name  # ".pdf" has no stem: it becomes "document"
    stem = re.sub(r"[^\w\s().,&'-]", "-", stem)
    stem = re.sub(r"\s+", " ", stem)
    stem = re.sub(r"-{2,}", "-", stem).strip(" .-_")
    extension = EXTENSIONS[kind]
    stem = stem[: FILENAME_MAX_LENGTH - len(extension) - 1].rstrip(" .-_") or "document"
    return f"{stem}.{extension}"


def inspect_upload(upload) -> Inspected:
    """Check an uploaded file (Django's UploadedFile, or any named binary file) and say what it is.
    ValidationError keyed "file", in the words of the GOV.UK file upload pattern, when it may not be kept."""
    size = upload.size if getattr(upload, "size", None) is not None else len(upload.read())
    if not size:
        _refuse("The selected file is empty.")
    if size > settings.LIBRARY_MAX_UPLOAD_BYTES:
        _refuse(
            f"The selected file must be smaller than {filesizeformat(settings.LIBRARY_MAX_UPLOAD_BYTES)}."
        )
    kind = sniff_kind(upload)
    if kind is None:
        _refuse(f"The selected file must be a {ACCEPTED} file.")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return Inspected(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        filename=clean_filename(getattr(upload, "name", "") or "", kind=kind),
        size=size,
        sha256=digest.hexdigest(),
    )
