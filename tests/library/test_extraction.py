"""Text extraction: the readers of each format (library.extraction) on files the tests build, their limits,
and the claim and sweep that run them (library.services.extraction): Redis down at upload, a worker killed
mid-file, two sweeps at once, an older version read after a newer one."""

import io
import os
import zipfile
from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from kombu.exceptions import OperationalError

from library import extraction, tasks
from library.extraction import (
    DAMAGED,
    LOCKED,
    NO_TEXT_PDF,
    TOO_SLOW,
    ExtractionFailed,
    extract_text,
)
from library.models import TEXT_MAX_LENGTH, Document, DocumentVersion, TextState
from library.services import extraction as service
from library.services.documents import document_add_version, document_remove
from library.services.extraction import GAVE_UP, MAX_ATTEMPTS, REMOVED, STALE, extract_due
from tests.communities.helpers import community, person_as
from tests.concurrency import at_once
from tests.library.helpers import (
    bomb,
    document,
    docx_bytes,
    encrypted_pdf,
    odf_bytes,
    pdf_bytes,
    pdf_pages_bytes,
    pptx_bytes,
    upload_file,
    xlsx_bytes,
    zip_bytes,
)


def _read(kind: str, data: bytes, **limits) -> str:
    return extract_text(kind, io.BytesIO(data), **limits)


def _docx_with_table() -> bytes:
    import docx

    word = docx.Document()
    word.add_paragraph("Before the table")
    table = word.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, (("Council", "Saving"), ("Leeds", "12000")), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    word.add_paragraph("After the table")
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# --- Each format ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "data", "expected"),
    [
        ("pdf", pdf_pages_bytes(["First page", "Second page"]), "First page\nSecond page"),
        ("docx", docx_bytes("Procurement framework"), "Procurement framework"),
        ("pptx", pptx_bytes(), "Workshop on shared procurement\nThree councils, one framework"),
        ("xlsx", xlsx_bytes((("Council", "Saving"), ("Leeds", 12000))), "Council\tSaving\nLeeds\t12000"),
        ("odt", odf_bytes("odt", ("Heading", "Shared", "services")), "Heading\nShared services"),
        ("ods", odf_bytes("ods", ("Council", "Saving", "Leeds")), "Council\nSaving\nLeeds"),
        ("odp", odf_bytes("odp", ("Agenda", "Welcome", "Questions")), "Agenda\nWelcome\nQuestions"),
        ("txt", "Notes on shared services — café".encode(), "Notes on shared services — café"),
        ("csv", b"council,saving\nLeeds,12000\n", "council,saving\nLeeds,12000"),
    ],
)
def test_each_format_gives_its_text(kind, data, expected):
    assert expected in _read(kind, data)


def test_word_tables_are_read_in_place_between_the_paragraphs():
    text = _read("docx", _docx_with_table())

    assert text == "Before the table\nCouncil\tSaving\nLeeds\t12000\nAfter the table"


def test_powerpoint_speaker_notes_are_read():
    assert "Speaker notes: ask about timelines" in _read("pptx", pptx_bytes())


def test_a_spreadsheet_gives_each_sheet_name_and_its_cell_values():
    assert _read("xlsx", xlsx_bytes((("Waste", None, 3.5),))).splitlines() == ["Sheet", "Waste\t3.5"]


def test_windows_1252_text_is_read_and_a_utf8_character_cut_at_the_limit_is_dropped():
    assert _read("txt", "Café budget".encode("cp1252")) == "Café budget"
    cut = ("a" * (TEXT_MAX_LENGTH * 4 - 1) + "é").encode()  # é's second byte falls beyond what is read
    assert set(_read("txt", cut)) == {"a"}


def test_images_have_no_reader():
    with pytest.raises(ExtractionFailed):
        _read("png", b"\x89PNG\r\n\x1a\n")


# --- Limits and hostile files -----------------------------------------------------------------------------
def test_text_kept_stops_at_the_maximum_length():
    assert len(_read("txt", b"x" * 2 * TEXT_MAX_LENGTH)) == TEXT_MAX_LENGTH
    paragraphs = pdf_pages_bytes(["x" * 1000] * 300)
    assert len(_read("pdf", paragraphs)) <= TEXT_MAX_LENGTH


def test_only_the_first_pages_are_read_past_the_page_cap(monkeypatch):
    monkeypatch.setattr(extraction, "PAGES_MAX", 2)

    assert _read("pdf", pdf_pages_bytes(["one", "two", "three"])) == "one\ntwo"


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("pdf", pdf_bytes()),
        ("docx", docx_bytes()),
        ("pptx", pptx_bytes()),
        ("xlsx", xlsx_bytes()),
        ("odt", odf_bytes("odt")),
    ],
)
def test_a_file_read_past_its_deadline_fails_with_a_reason(kind, data):
    with pytest.raises(ExtractionFailed, match="took longer than"):
        _read(kind, data, seconds=-1)
    assert TOO_SLOW.startswith("Reading the file took longer than")


def test_a_password_protected_pdf_fails_with_a_reason_and_one_with_only_an_owner_password_is_read():
    with pytest.raises(ExtractionFailed) as failure:
        _read("pdf", encrypted_pdf(user_password="council-secret"))
    assert str(failure.value) == LOCKED

    assert _read("pdf", encrypted_pdf(user_password="")) == "Business case for shared waste collection"


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes()[:200],  # cut short
        b"%PDF-1.4\n" + bytes(range(256)) * 8,  # a header and noise
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 1 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
    ],
    ids=["truncated", "noise", "pages-loop"],
)
def test_a_pdf_that_makes_the_reader_raise_is_reported_damaged(data):
    with pytest.raises(ExtractionFailed) as failure:
        _read("pdf", data)
    assert str(failure.value) == DAMAGED


def test_a_pdf_without_text_may_be_a_scan_and_says_so():
    with pytest.raises(ExtractionFailed) as failure:
        _read("pdf", pdf_pages_bytes([""]))
    assert str(failure.value) == NO_TEXT_PDF


@pytest.fixture(scope="module")
def docx_bomb():
    return bomb("word/document.xml", megabytes=300)


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking(docx_bomb):
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(ExtractionFailed, match="unpacks to more than 100"):
        _read("docx", docx_bomb)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(docx_bomb) < 2_000_000
    assert peak < 5 * 1024 * 1024


def test_a_small_member_packed_a_thousand_to_one_is_refused_too():
    with pytest.raises(ExtractionFailed, match="packed suspiciously tightly"):
        _read("xlsx", bomb("xl/workbook.xml", megabytes=2))


def test_an_archive_over_the_unpacked_limit_is_refused_whatever_its_ratio(monkeypatch):
    monkeypatch.setattr(extraction, "UNPACKED_MAX_BYTES", 1024 * 1024)

    with pytest.raises(ExtractionFailed, match="unpacks to more than 1"):
        _read("docx", zip_bytes({"[Content_Types].xml": b"<Types/>", "word/media/a.bin": os.urandom(2**21)}))


def test_an_opendocument_file_with_entity_expansion_is_not_expanded():
    laughs = (
        "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
        "<office:document-content xmlns:office='urn:oasis:names:tc:opendocument:xmlns:office:1.0'"
        " xmlns:text='urn:oasis:names:tc:opendocument:xmlns:text:1.0'><text:p>&b;</text:p>"
        "</office:document-content>"
    )
    data = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": laughs.encode()})

    with pytest.raises(ExtractionFailed) as failure:
        _read("odt", data)
    assert str(failure.value) == DAMAGED


@pytest.mark.parametrize("kind", ["docx", "xlsx", "pptx", "odt"])
def test_a_package_missing_its_parts_or_damaged_inside_is_reported_damaged(kind):
    hollow = zip_bytes({"[Content_Types].xml": b"<Types/>", "mimetype": b"x"})
    with pytest.raises(ExtractionFailed) as failure:
        _read(kind, hollow)
    assert str(failure.value) == DAMAGED

    good = {"docx": docx_bytes, "xlsx": xlsx_bytes, "pptx": pptx_bytes, "odt": odf_bytes}[kind]()
    broken = good[: len(good) // 2] + bytes(len(good) - len(good) // 2)  # its second half zeroed
    with pytest.raises(ExtractionFailed):
        _read(kind, broken)


def test_an_encrypted_zip_member_says_password_protected():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    data = bytearray(out.getvalue())
    for header in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag on content.xml's headers
        at = data.rfind(header)
        flag = at + (6 if header == b"PK\x03\x04" else 8)
        data[flag] |= 1

    with pytest.raises(ExtractionFailed) as failure:
        _read("odt", bytes(data))
    assert str(failure.value) == LOCKED


# --- The claim and the sweep ------------------------------------------------------------------------------
class Killed(BaseException):
    """The worker died in the middle of a file (killed for its memory, its time limit, a deploy)."""


@pytest.fixture
def place(db):
    home = community()
    return home, person_as("member", home)


@pytest.fixture
def redis_down(monkeypatch):
    """Queueing the task fails as it does with the broker unreachable: versions wait for the sweep."""

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.extract_text, "delay", unreachable)


def _pending(place, texts: list[str], captured) -> list[Document]:
    home, member = place
    with captured(execute=True):
        return [
            document(uploader=member, community=home, title=text, data=text.encode(), name=f"{text}.txt")
            for text in texts
        ]


def _reads(monkeypatch, *, then=None) -> list[bytes]:
    """Every file the readers are given, by its content, in order; `then(data)` runs inside the read."""
    opened: list[bytes] = []
    real = extraction.extract_text

    def counting(kind, handle, **limits):
        opened.append(handle.getvalue())
        if then:
            then(handle.getvalue())
        return real(kind, handle, **limits)

    monkeypatch.setattr(extraction, "extract_text", counting)
    return opened


def test_with_redis_down_an_upload_is_stored_and_the_sweep_reads_it_later(
    place, redis_down, django_capture_on_commit_callbacks
):
    [doc] = _pending(place, ["Shared waste notes"], django_capture_on_commit_callbacks)
    doc.refresh_from_db()
    assert (doc.text_state, doc.text) == (TextState.PENDING, "")

    assert extract_due() == 1
    assert extract_due() == 0

    doc.refresh_from_db()
    assert (doc.text_state, doc.text) == (TextState.EXTRACTED, "Shared waste notes")
    assert doc.current_version.text_state == TextState.EXTRACTED


def test_beat_runs_the_extraction_sweep_every_five_minutes(settings):
    assert settings.CELERY_BEAT_SCHEDULE["library-extract-text"] == {
        "task": "library.extract_text",
        "schedule": 5 * 60,
    }
    assert tasks.extract_text.name == "library.extract_text"


def test_a_claim_still_fresh_is_left_alone_and_a_stale_one_is_taken_again(
    place, redis_down, django_capture_on_commit_callbacks
):
    _pending(place, ["Budget notes"], django_capture_on_commit_callbacks)
    claimed = service._claim()  # a worker took it, then died without recording anything
    DocumentVersion.objects.filter(pk=claimed.pk).update(claimed_at=timezone.now() - timedelta(minutes=5))

    assert extract_due() == 0  # within STALE: its worker may still be reading it

    stale = timezone.now() - STALE - timedelta(minutes=1)
    DocumentVersion.objects.filter(pk=claimed.pk).update(claimed_at=stale)
    assert extract_due() == 1

    version = DocumentVersion.objects.get(pk=claimed.pk)
    assert (version.text_state, version.attempts, version.claim) == (TextState.EXTRACTED, 2, "")


def test_a_file_that_kills_its_worker_is_given_up_after_the_most_attempts_and_not_the_files_after_it(
    place, redis_down, django_capture_on_commit_callbacks, monkeypatch
):
    texts = ["Hostile notes", "Harmless notes"]
    hostile, harmless = _pending(place, texts, django_capture_on_commit_callbacks)

    def die_on_hostile(data):
        if data == b"Hostile notes":
            raise Killed

    opened = _reads(monkeypatch, then=die_on_hostile)
    for attempt in range(MAX_ATTEMPTS):
        with pytest.raises(Killed):
            extract_due()
        if attempt == 0:
            assert extract_due() == 1  # the harmless one, behind it, is read at once by the next run
        DocumentVersion.objects.filter(claim__gt="").update(claimed_at=timezone.now() - STALE * 2)

    assert extract_due() == 1  # the fourth claim gives it up without reading it

    assert opened.count(b"Hostile notes") == MAX_ATTEMPTS
    hostile.refresh_from_db()
    harmless.refresh_from_db()
    assert (hostile.text_state, hostile.current_version.text_error) == (TextState.FAILED, GAVE_UP)
    assert (harmless.text_state, harmless.text) == (TextState.EXTRACTED, "Harmless notes")
    assert extract_due() == 0


def test_a_file_the_storage_cannot_give_now_is_left_claimed_and_read_once_the_claim_is_stale(
    place, redis_down, django_capture_on_commit_callbacks, monkeypatch
):
    [doc] = _pending(place, ["Stored far away"], django_capture_on_commit_callbacks)

    def unreachable(self, mode="rb"):
        raise OSError("Could not connect to the endpoint URL")

    monkeypatch.setattr(FieldFile, "open", unreachable)
    assert extract_due() == 1
    monkeypatch.undo()
    version = doc.current_version
    version.refresh_from_db()
    assert (version.text_state, version.text_error, bool(version.claim)) == (TextState.PENDING, "", True)

    assert extract_due() == 0  # not taken again at once (the storage may still be down)
    DocumentVersion.objects.filter(pk=version.pk).update(claimed_at=timezone.now() - STALE * 2)
    assert extract_due() == 1

    doc.refresh_from_db()
    assert (doc.text_state, doc.text) == (TextState.EXTRACTED, "Stored far away")


def test_a_damaged_file_is_stored_marked_text_not_extracted_with_the_reason(
    place, django_capture_on_commit_callbacks
):
    home, member = place
    with django_capture_on_commit_callbacks(execute=True):
        doc = document(uploader=member, community=home, title="Minutes", data=pdf_bytes()[:300], name="m.pdf")

    doc.refresh_from_db()
    version = doc.current_version
    assert (doc.text_state, doc.get_text_state_display()) == (TextState.FAILED, "Text not extracted")
    assert version.text_error == DAMAGED
    assert version.file.read()[:5] == b"%PDF-"


def test_a_document_whose_text_failed_is_still_found_by_its_title(
    place, postgres_only, django_capture_on_commit_callbacks
):
    home, member = place
    with django_capture_on_commit_callbacks(execute=True):
        document(uploader=member, community=home, title="Homelessness prevention", data=pdf_bytes()[:300])

    found = Document.objects.filter(search_vector=SearchQuery("homelessness", config="english"))
    assert [doc.text_state for doc in found] == [TextState.FAILED]


def test_an_older_version_read_after_the_newest_does_not_replace_its_text(
    place, redis_down, django_capture_on_commit_callbacks
):
    member = place[1]
    [doc] = _pending(place, ["First draft"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        newest = document_add_version(user=member, document=doc, file=upload_file(b"Final text", "f.txt"))
    first = doc.versions.get(number=1)
    now = timezone.now()
    for version, claim in ((newest, "b" * 32), (first, "a" * 32)):  # the newest is read first
        DocumentVersion.objects.filter(pk=version.pk).update(claim=claim, claimed_at=now, attempts=1)
        service.version_extract(DocumentVersion.objects.get(pk=version.pk))

    doc.refresh_from_db()
    first.refresh_from_db()
    assert (doc.text, doc.text_state) == ("Final text", TextState.EXTRACTED)
    assert first.text_state == TextState.EXTRACTED  # its own state is recorded all the same


def test_a_version_added_while_the_older_one_is_being_read_keeps_the_document_on_the_newest(
    place, redis_down, django_capture_on_commit_callbacks, monkeypatch
):
    member = place[1]
    [doc] = _pending(place, ["First draft"], django_capture_on_commit_callbacks)
    added = []

    def add_a_version_meanwhile(data):
        if not added:
            added.append(document_add_version(user=member, document=doc, file=upload_file(b"Final", "f.txt")))

    _reads(monkeypatch, then=add_a_version_meanwhile)
    extract_due()

    doc.refresh_from_db()
    assert (doc.current_version_id, doc.text, doc.text_state) == (added[0].pk, "Final", TextState.EXTRACTED)


def test_a_document_removed_before_its_text_was_read_is_not_read(
    place, redis_down, django_capture_on_commit_callbacks, monkeypatch
):
    home = place[0]
    [doc] = _pending(place, ["Old policy"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(user=person_as("facilitator", home), document=doc, reason="Superseded")
    opened = _reads(monkeypatch)

    assert extract_due() == 1

    doc.refresh_from_db()
    assert opened == []
    assert (doc.text, doc.current_version.text_error) == ("", REMOVED)


def test_a_run_stops_claiming_when_its_time_is_up_and_leaves_the_rest_pending(
    place, redis_down, django_capture_on_commit_callbacks
):
    _pending(place, ["One", "Two"], django_capture_on_commit_callbacks)

    assert extract_due(seconds=0) == 0
    assert extract_due(most=1) == 1
    assert DocumentVersion.objects.filter(text_state=TextState.PENDING, claim="").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_read_each_version_once(
    postgres_only, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.extract_text, "delay", lambda: None)  # queued, not yet run
    home = community()
    member = person_as("member", home)
    texts = [f"Notes number {n}" for n in range(8)]
    _pending((home, member), texts, django_capture_on_commit_callbacks)

    def slowly(data):  # long enough for the two sweeps to be claiming at the same time
        import time

        time.sleep(0.05)

    opened = _reads(monkeypatch, then=slowly)
    errors = at_once(extract_due, extract_due)

    assert errors == []
    assert len(opened) == len(set(opened)) == len(texts)
    assert set(DocumentVersion.objects.values_list("text_state", "attempts")) == {(TextState.EXTRACTED, 1)}
    assert sorted(Document.objects.values_list("text", flat=True)) == sorted(texts)
    assert connection.vendor == "postgresql"
