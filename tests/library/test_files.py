"""Bad input at upload (library.files through library.services.documents.document_upload): each file is
either refused with a message for the file field, leaving no record and no file behind, or stored and
marked "text not extracted" with the reason. Never an unhandled error."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from library.files import DAMAGED, MACROS, OLD_OR_LOCKED, clean_filename, inspect_upload
from library.models import FILENAME_MAX_LENGTH, Document, DocumentVersion, LibrarySpace, TextState
from library.services import documents as documents_service
from library.services.documents import document_add_version, document_upload
from tests.communities.helpers import community, person_as
from tests.library.helpers import (
    bomb,
    docx_bytes,
    encrypted_pdf,
    odf_bytes,
    pdf_bytes,
    png_bytes,
    pptx_bytes,
    upload_file,
    xlsx_bytes,
    zip_bytes,
)

pytestmark = pytest.mark.django_db
OOXML_TYPES = b"<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>"
MACRO_TYPES = (
    b"<Types><Override PartName='/word/document.xml'"
    b" ContentType='application/vnd.ms-word.document.macroEnabled.main+xml'/></Types>"
)


@pytest.fixture
def media(settings, tmp_path):
    """A MEDIA_ROOT of this test's own, so that what is left in it can be counted."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def place(media):
    home = community()
    return home, person_as("member", home)


def _files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def _upload(place, data: bytes, name: str = "report.pdf", content_type: str = "application/pdf", **values):
    home, member = place
    return document_upload(
        user=member,
        community=home,
        file=upload_file(data, name, content_type),
        title=values.pop("title", "Quarterly report"),
        **values,
    )


def _refused(place, media, data: bytes, name: str = "report.pdf", **values) -> str:
    """The message for the file field; and nothing was written: no rows, no file, no bytes counted."""
    with pytest.raises(ValidationError) as error:
        _upload(place, data, name, **values)
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert _files(media) == []
    assert not LibrarySpace.objects.filter(used_bytes__gt=0).exists()
    return " ".join(error.value.message_dict["file"])


def _stored(place, data: bytes, name: str, captured) -> Document:
    with captured(execute=True):
        doc = _upload(place, data, name)
    doc.refresh_from_db()
    return doc


# --- Refused, with a message ------------------------------------------------------------------------------
def test_an_empty_file_is_refused(place, media):
    assert _refused(place, media, b"") == "The selected file is empty."


def test_a_file_over_the_size_limit_is_refused_with_the_limit(place, media, settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 1024

    assert (
        _refused(place, media, b"x" * 1025, "notes.txt")
        == "The selected file must be smaller than 1.0\xa0KB."
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "report.pdf"),  # a Windows executable
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "report.pdf"),  # a Linux one
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "notes.txt"),
        (b"\xef\xbb\xbf  <html><body onload='alert(1)'>", "notes.txt"),  # after a BOM and spaces
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "logo.png"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg"),
        (b"GIF89a\x01\x00\x01\x00", "photo.jpg"),
        (zip_bytes({"notes.txt": b"A zip of text"}), "archive.docx"),  # a ZIP, but no Office package
        (b"PK\x05\x06" + b"\x00" * 18, "empty.xlsx"),  # an empty ZIP
    ],
    ids=["exe", "elf", "html", "html-after-bom", "svg", "svg-xml", "gif", "plain-zip", "empty-zip"],
)
def test_a_type_not_allowed_is_refused_whatever_its_name_and_the_browser_say(place, media, data, name):
    message = _refused(place, media, data, name)

    assert message.startswith("The selected file must be a PDF, Word, Excel, PowerPoint, OpenDocument")


@pytest.mark.parametrize(
    "members",
    [
        {"[Content_Types].xml": OOXML_TYPES, "word/document.xml": b"<w/>", "word/vbaProject.bin": b"VBA"},
        {"[Content_Types].xml": MACRO_TYPES, "word/document.xml": b"<w/>"},  # declared macro-enabled
        {"[Content_Types].xml": OOXML_TYPES, "xl/workbook.xml": b"<w/>", "xl/vbaProject.bin": b"VBA"},
        {"mimetype": b"application/vnd.oasis.opendocument.text", "Basic/Standard/Module1.xml": b"<m/>"},
        {"mimetype": b"application/vnd.oasis.opendocument.text", "Scripts/python/run.py": b"import os"},
    ],
    ids=["docm", "docm-content-type", "xlsm", "odt-basic", "odt-scripts"],
)
def test_a_macro_enabled_office_file_is_refused(place, media, members):
    assert _refused(place, media, zip_bytes(members), "budget.docx") == MACROS


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + bytes(range(256)) * 4,  # a ZIP's first bytes, then noise
        docx_bytes()[:-200],  # cut short: the archive's directory is gone
    ],
    ids=["noise", "truncated"],
)
def test_a_corrupt_zip_is_refused_as_damaged(place, media, data):
    assert _refused(place, media, data, "framework.docx") == DAMAGED


def test_an_old_office_file_or_one_saved_with_a_password_is_refused_with_what_to_do(place, media):
    compound_file = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

    assert _refused(place, media, compound_file, "minutes.doc") == OLD_OR_LOCKED


def test_an_upload_over_the_quota_leaves_no_file(place, media):
    LibrarySpace.objects.create(community=place[0], quota_bytes=10)

    assert _refused(place, media, pdf_bytes()).startswith("This library is full")


def test_a_failure_after_the_file_was_written_leaves_neither_record_nor_file(place, media, monkeypatch):
    def failing(names):
        raise RuntimeError("the tag table is unavailable")

    monkeypatch.setattr(documents_service, "tags_resolve", failing)
    with pytest.raises(RuntimeError):
        _upload(place, pdf_bytes(), tags=["waste"])

    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert _files(media) == []


def test_a_bad_new_version_is_refused_and_the_document_keeps_its_first(
    place, media, django_capture_on_commit_callbacks
):
    doc = _stored(place, b"First notes", "notes.txt", django_capture_on_commit_callbacks)
    before = _files(media)

    with pytest.raises(ValidationError) as error:
        document_add_version(user=place[1], document=doc, file=upload_file(b"MZ\x90\x00" * 50, "v2.pdf"))

    assert "must be a PDF" in " ".join(error.value.message_dict["file"])
    doc.refresh_from_db()
    assert (doc.version_count, doc.text) == (1, "First notes")
    assert _files(media) == before


# --- Stored, its text not extracted -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("part", "name", "kind"),
    [("word/document.xml", "bomb.docx", "docx"), ("xl/workbook.xml", "bomb.xlsx", "xlsx")],
)
def test_a_zip_bomb_is_stored_and_its_text_not_unpacked(
    place, media, django_capture_on_commit_callbacks, part, name, kind
):
    import tracemalloc

    data = bomb(part, megabytes=200)
    tracemalloc.start()
    doc = _stored(place, data, name, django_capture_on_commit_callbacks)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert (doc.kind, doc.text_state, doc.text) == (kind, TextState.FAILED, "")
    assert "unpacks to more than" in doc.current_version.text_error
    assert doc.current_version.file.size == len(data)
    assert peak < 20 * 1024 * 1024  # the 200 MB inside was never unpacked


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (pdf_bytes()[:250], "The file is damaged"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 20, "The file is damaged"),
        (encrypted_pdf(user_password="council-only"), "The file is password-protected"),
    ],
    ids=["truncated", "noise", "encrypted"],
)
def test_a_pdf_the_reader_cannot_read_is_stored_and_says_text_not_extracted(
    place, django_capture_on_commit_callbacks, data, reason
):
    doc = _stored(place, data, "report.pdf", django_capture_on_commit_callbacks)

    assert (doc.kind, doc.get_text_state_display()) == ("pdf", "Text not extracted")
    assert doc.current_version.text_error.startswith(reason)
    assert doc.current_version.file.read() == data


def test_an_image_is_stored_with_no_text_to_read(place, django_capture_on_commit_callbacks):
    doc = _stored(place, png_bytes(), "photo.png", django_capture_on_commit_callbacks)

    assert (doc.kind, doc.text_state) == ("png", TextState.NONE)


@pytest.mark.parametrize(
    ("data", "name", "kind", "text"),
    [
        (docx_bytes("Waste framework"), "f.docx", "docx", "Waste framework"),
        (xlsx_bytes((("Council", "Saving"),)), "s.xlsx", "xlsx", "Council\tSaving"),
        (pptx_bytes(title="Workshop"), "w.pptx", "pptx", "Workshop"),
        (odf_bytes("odt", ("Guide", "to", "procurement")), "g.odt", "odt", "to procurement"),
        (odf_bytes("ods", ("Budget", "2025", "total")), "b.ods", "ods", "Budget"),
        (odf_bytes("odp", ("Slides", "on", "housing")), "s.odp", "odp", "housing"),
        (b"council;saving\nLeeds;12000\n", "c.csv", "csv", "Leeds;12000"),
    ],
)
def test_each_type_is_recognised_from_its_content_and_its_text_extracted(
    place, django_capture_on_commit_callbacks, data, name, kind, text
):
    doc = _stored(place, data, "upload.bin", django_capture_on_commit_callbacks)

    assert (doc.kind, doc.text_state) == (kind, TextState.EXTRACTED)
    assert text in doc.text
    assert doc.current_version.filename == f"upload.{name.rsplit('.', 1)[1]}"


# --- Names ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\clerk\\Desktop\\Budget 2025.pdf", "Budget 2025.pdf"),
        ("re\x00port\x00.exe.pdf", "report.exe.pdf"),
        ("\x00\x00.pdf", "document.pdf"),
        (". .pdf", "document.pdf"),
        ("<b onclick=alert(1)>Plan<b>.pdf", "b onclick-alert(1)-Plan-b.pdf"),
        ("Plan\r\nSet-Cookie: x=1.pdf", "Plan Set-Cookie- x-1.pdf"),
    ],
)
def test_a_name_is_cleaned_of_folders_control_characters_and_markup(
    place, media, django_capture_on_commit_callbacks, name, expected
):
    doc = _stored(place, pdf_bytes(), name, django_capture_on_commit_callbacks)
    version = doc.current_version

    assert version.filename == expected
    [path] = _files(media)
    assert path.is_relative_to(media / "library")
    assert ".." not in version.file.name


def test_a_300_character_name_is_cut_keeping_its_extension(place, media, django_capture_on_commit_callbacks):
    doc = _stored(place, pdf_bytes(), "a" * 296 + ".pdf", django_capture_on_commit_callbacks)

    filename = doc.current_version.filename
    assert (len(filename), filename[-4:]) == (FILENAME_MAX_LENGTH, ".pdf")
    assert len(_files(media)) == 1


def test_the_extension_is_the_found_kind_not_the_one_given():
    assert clean_filename("scan.pdf", kind="png") == "scan.png"
    assert clean_filename("", kind="txt") == "document.txt"


# --- inspect_upload itself --------------------------------------------------------------------------------
def test_inspect_upload_takes_any_named_binary_file_and_hashes_it():
    handle = io.BytesIO(pdf_bytes())
    handle.name = "../Minutes.PDF"

    inspected = inspect_upload(handle)

    assert (inspected.kind, inspected.filename, inspected.size) == ("pdf", "Minutes.pdf", len(pdf_bytes()))
    assert inspected.content_type == "application/pdf"
    assert len(inspected.sha256) == 64
    assert handle.tell() == 0  # left at the start, for storage to read


def test_inspect_upload_refuses_an_encrypted_member_in_the_directory_it_reads():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    data = bytearray(out.getvalue())
    data[6] |= 1  # the local header's "encrypted" flag
    data[data.rfind(b"PK\x01\x02") + 8] |= 1  # and the directory's
    handle = io.BytesIO(bytes(data))
    handle.name = "letter.odt"

    with pytest.raises(ValidationError) as error:
        inspect_upload(handle)
    assert error.value.message_dict["file"] == [DAMAGED]
