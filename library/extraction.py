"""The text of an uploaded file, for search. Each reader runs with limits (time, bytes unpacked, characters
kept) and fails with ExtractionFailed, in words a member can read, on a damaged, encrypted or hostile file.

The limits, and why each is where it is:
- TIME_LIMIT_SECONDS per file, checked between pages, slides, rows and XML elements: a file that is slow to
  read fails on its own instead of holding the worker until Celery's hard time limit kills it (which the
  extraction service then meets as a stale claim, retried and finally given up).
- PAGES_MAX pages, slides or sheets are read; text beyond them is not searched (nor beyond TEXT_MAX_LENGTH
  characters, where reading stops).
- Office and OpenDocument files are ZIP archives: before anything is unpacked their directory is checked
  (ZipInfo.file_size of every member, and each member's compression ratio), so a zip bomb is refused
  unread. Python's zipfile never inflates a member past its declared file_size (it stops, and the CRC
  check fails), so the declared sizes are a real bound. python-docx and python-pptx hold every part in
  memory and parse the main one into a tree several times its size, hence a ceiling well below the
  machine's memory.
- pypdf bounds each decompressed stream itself (pypdf.filters: 75 MB).
- XML is read with entity expansion off: defusedxml for OpenDocument, and openpyxl, python-docx and
  python-pptx each parse without resolving entities.
"""

import time
import zipfile
import zlib
from collections.abc import Iterable

from django.template.defaultfilters import filesizeformat

from library.models import TEXT_MAX_LENGTH, Kind

TIME_LIMIT_SECONDS = 60
PAGES_MAX = 2_000  # pages of a PDF, slides of a presentation, sheets of a workbook
UNPACKED_MAX_BYTES = 100 * 1024 * 1024  # all the members of an Office or OpenDocument archive, unpacked
RATIO_MAX = 100  # a member unpacking to more than this many times its packed size is a bomb
RATIO_FLOOR_BYTES = 1024 * 1024  # ... once it unpacks to more than this (tiny members compress oddly)
MEMBERS_MAX = 10_000

DAMAGED = "The file is damaged, so its text could not be read."
LOCKED = "The file is password-protected, so its text could not be read."
TOO_SLOW = f"Reading the file took longer than {TIME_LIMIT_SECONDS} seconds, so its text was not read."
NO_TEXT = "No text was found in the file."
NO_TEXT_PDF = "No text was found in the file: it may be a scanned image of the pages."
_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_LINES = {f"{_ODF_TEXT}p", f"{_ODF_TEXT}h"}  # paragraphs and headings; cells and list items hold them
# Spaces, tabs and line breaks are elements in OpenDocument.
_ODF_SPACES = {f"{_ODF_TEXT}s": " ", f"{_ODF_TEXT}tab": "\t", f"{_ODF_TEXT}line-break": "\n"}


class ExtractionFailed(Exception):
    """The file's text could not be read; the message says why, for the document's page."""


class _Text:
    """The text read so far, with the file's deadline: `full` once TEXT_MAX_LENGTH characters are kept
    (reading stops there, keeping them), ExtractionFailed once the deadline has passed."""

    def __init__(self, *, seconds: float = TIME_LIMIT_SECONDS):
        self.parts: list[str] = []
        self.length = 0
        self.deadline = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ExtractionFailed(TOO_SLOW)

    @property
    def full(self) -> bool:
        return self.length >= TEXT_MAX_LENGTH

    def add(self, text: str | None) -> None:
        if text and not self.full:
            text = text[: TEXT_MAX_LENGTH - self.length]
            self.parts.append(text)
            self.length += len(text)

    def __str__(self) -> str:
        return "\n".join(self.parts)


# --- ZIP archives -----------------------------------------------------------------------------------------
def check_archive(handle) -> None:
    """Refuse an archive whose members would unpack past the limits, from its directory alone."""
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise ExtractionFailed(DAMAGED) from error
    if len(members) > MEMBERS_MAX:
        raise ExtractionFailed(f"The file holds more than {MEMBERS_MAX:,} parts, so its text was not read.")
    unpacked = sum(member.file_size for member in members)
    bomb = any(
        member.file_size > RATIO_FLOOR_BYTES and member.file_size > RATIO_MAX * max(member.compress_size, 1)
        for member in members
    )
    if unpacked > UNPACKED_MAX_BYTES or bomb:
        raise ExtractionFailed(
            f"The file unpacks to more than {filesizeformat(UNPACKED_MAX_BYTES)}, or is packed suspiciously "
            "tightly: its text was not read."
        )
    handle.seek(0)


# --- Readers ----------------------------------------------------------------------------------------------
def _read_pdf(handle, text: _Text) -> None:
    import pypdf

    try:
        reader = pypdf.PdfReader(handle)
        if reader.is_encrypted and not reader.decrypt(""):  # an owner password alone still lets it be read
            raise ExtractionFailed(LOCKED)
        for number, page in enumerate(reader.pages):
            if number >= PAGES_MAX or text.full:
                break
            text.check()
            text.add(page.extract_text())
    except (pypdf.errors.FileNotDecryptedError, pypdf.errors.DependencyError) as error:
        raise ExtractionFailed(LOCKED) from error  # DependencyError: an encryption pypdf cannot undo


def _table_rows(rows: Iterable[Iterable[str]], text: _Text) -> None:
    """A table's rows as lines of tab-separated cells (a merged cell, repeated by the libraries, once)."""
    for row in rows:
        text.check()
        cells: list[str] = []
        for cell in row:
            cell = (cell or "").strip()
            if cell and (not cells or cells[-1] != cell):
                cells.append(cell)
        text.add("\t".join(cells))


def _read_docx(handle, text: _Text) -> None:
    import docx
    from docx.table import Table

    document = docx.Document(handle)
    for block in document.iter_inner_content():
        if text.full:
            break
        text.check()
        if isinstance(block, Table):
            _table_rows(([cell.text for cell in row.cells] for row in block.rows), text)
        else:
            text.add(block.text)


def _shape_texts(shapes, text: _Text) -> None:
    """The text of a slide's shapes: text frames, tables, and the shapes inside groups."""
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        text.check()
        if isinstance(shape, GroupShape):
            _shape_texts(shape.shapes, text)
        elif shape.has_text_frame:
            text.add(shape.text_frame.text)
        elif getattr(shape, "has_table", False) and shape.has_table:
            _table_rows(([cell.text for cell in row.cells] for row in shape.table.rows), text)


def _read_pptx(handle, text: _Text) -> None:
    import pptx

    presentation = pptx.Presentation(handle)
    for number, slide in enumerate(presentation.slides):
        if number >= PAGES_MAX or text.full:
            break
        _shape_texts(slide.shapes, text)
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            text.add(slide.notes_slide.notes_text_frame.text)


def _read_xlsx(handle, text: _Text) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    try:
        for number, sheet in enumerate(workbook.worksheets):
            if number >= PAGES_MAX or text.full:
                break
            text.add(sheet.title)
            sheet.reset_dimensions()  # rows as stored, not padded out to a (declared) huge range
            for count, row in enumerate(sheet.iter_rows(values_only=True)):
                if text.full:
                    break
                if count % 100 == 0:
                    text.check()
                text.add("\t".join(str(value) for value in row if value is not None and str(value).strip()))
    finally:
        workbook.close()


def _odf_line(element) -> str:
    """A paragraph's text, its spans' and links' included, its spaces and tabs written out."""
    parts = [element.text or ""]
    for child in element:
        parts += [_ODF_SPACES.get(child.tag, ""), _odf_line(child), child.tail or ""]
    return "".join(parts)


def _read_odf(handle, text: _Text) -> None:
    """The paragraphs and headings of content.xml (table cells and list items hold paragraphs), streamed:
    each is cleared once read, so a large document never becomes a large tree."""
    from defusedxml.ElementTree import iterparse

    with zipfile.ZipFile(handle) as archive, archive.open("content.xml") as content:
        for count, (_event, element) in enumerate(iterparse(content, events=("end",))):
            if count % 1000 == 0:
                text.check()
            if text.full:
                break
            if element.tag in _ODF_LINES:
                text.add(_odf_line(element).strip())
                element.clear()


def _read_plain(handle, text: _Text) -> None:
    raw = handle.read(TEXT_MAX_LENGTH * 4)
    try:
        decoded = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start >= len(raw) - 3:  # a character cut where reading stopped: the rest is UTF-8
            decoded = raw[: error.start].decode("utf-8-sig")
        else:
            decoded = raw.decode("cp1252", errors="replace")
    text.add(decoded)


_READERS = {
    Kind.PDF: _read_pdf,
    Kind.DOCX: _read_docx,
    Kind.PPTX: _read_pptx,
    Kind.XLSX: _read_xlsx,
    Kind.ODT: _read_odf,
    Kind.ODS: _read_odf,
    Kind.ODP: _read_odf,
    Kind.TEXT: _read_plain,
    Kind.CSV: _read_plain,
}
_ARCHIVES = {Kind.DOCX, Kind.PPTX, Kind.XLSX, Kind.ODT, Kind.ODS, Kind.ODP}


def extract_text(kind: str, handle, *, seconds: float = TIME_LIMIT_SECONDS) -> str:
    """The text of a file of `kind` (library.models.Kind) read from the binary, seekable `handle`, at most
    TEXT_MAX_LENGTH characters. ExtractionFailed, with the reason in words, when it cannot be read."""
    reader = _READERS.get(kind)
    if reader is None:
        raise ExtractionFailed("Text is not read from this type of file.")
    text = _Text(seconds=seconds)
    if kind in _ARCHIVES:
        check_archive(handle)
    try:
        reader(handle, text)
    except ExtractionFailed:
        raise
    except RuntimeError as error:  # zipfile: "File ... is encrypted, password required"
        raise ExtractionFailed(LOCKED if "encrypted" in str(error) else DAMAGED) from error
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, OSError) as error:
        raise ExtractionFailed(DAMAGED) from error
    except Exception as error:  # a parser's own error on a broken part (lxml, openpyxl, ...): damaged
        raise ExtractionFailed(DAMAGED) from error
    result = str(text).replace("\x00", "").strip()[:TEXT_MAX_LENGTH]
    if not result:
        raise ExtractionFailed(NO_TEXT_PDF if kind == Kind.PDF else NO_TEXT)
    return result
