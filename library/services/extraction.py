"""Reading the text out of uploaded versions, so documents are found by what they say, not only by title.

Each version is written PENDING with its upload. After the upload commits a task is queued; it claims one
pending version at a time (state stays PENDING, with a claim and the claim's time), reads its file
(library.extraction, with its time and size limits), and records EXTRACTED with the text, or FAILED with
the reason in words ("text not extracted": the document is still stored and found by its title).
A periodic sweep takes up what no task did: Redis down, a worker killed mid-file (a claim older than
STALE is taken again, and given up after MAX_ATTEMPTS reads, so a file that kills workers cannot loop
forever).

One version per claim, not a batch: a worker killed on one file leaves only that file's claim to go
stale, and only that file's attempts grow, so the files queued behind a hostile one are not given up
with it.
"""

import io
import logging
import time
import uuid
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from library.models import TEXT_MAX_LENGTH, Document, DocumentVersion, TextState

logger = logging.getLogger(__name__)
STALE = timedelta(minutes=15)  # longer than a task may run (CELERY_TASK_TIME_LIMIT)
MAX_ATTEMPTS = 3  # reads of one version; the next claim gives it up
# A run stops claiming after this long (the file in hand is finished), well inside the task's soft time
# limit (CELERY_TASK_SOFT_TIME_LIMIT, 240 s) less one file's own limit (library.extraction, 60 s).
RUN_SECONDS = 150
GAVE_UP = "Reading this file failed several times, so its text was not extracted."
UNREADABLE = "The file could not be read; its text was not extracted."
REMOVED = "The document was removed before its text was read."


def extraction_queue() -> None:
    """Once the upload commits, ask a worker to read it now. With Redis down the version waits, pending,
    for the sweep."""

    def enqueue() -> None:
        from library.tasks import extract_text

        try:
            extract_text.delay()
        except Exception:  # the broker is down: the version is a row, the sweep reads it
            logger.warning("Could not queue text extraction; the sweep will read the file.")

    transaction.on_commit(enqueue)


def _claimable(now) -> Q:
    """Pending and not claimed, or claimed so long ago that its worker must have died."""
    return Q(text_state=TextState.PENDING) & (Q(claim="") | Q(claimed_at__lt=now - STALE))


def _claim(*, now=None) -> DocumentVersion | None:
    """Take the oldest claimable version, or None when there is none.

    On PostgreSQL the version is picked with FOR UPDATE SKIP LOCKED and held locked until its claim is
    written, so a second worker claiming at the same moment passes over it to the next one, instead of
    waiting for it and finding it taken (and stopping with work left). Two statements, not an UPDATE with
    the locking SELECT as its subquery: PostgreSQL may run such a subquery more than once, and with SKIP
    LOCKED each run can pick another row, so one claim would take several. SQLite writes one transaction
    at a time and has no row locks."""
    now = now or timezone.now()
    claim = uuid.uuid4().hex
    with transaction.atomic():
        oldest = list(
            DocumentVersion.objects.filter(_claimable(now))
            .order_by("created_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:1]
        )
        if not oldest:
            return None
        DocumentVersion.objects.filter(pk=oldest[0]).update(
            claim=claim, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    return DocumentVersion.objects.get(pk=oldest[0])


def _record(version: DocumentVersion, *, text: str = "", error: str = "") -> None:
    """The outcome, on the version while its claim still holds it, and on its document while it is the
    newest version and not removed (an older version's text is not what the document is searched by)."""
    state = TextState.FAILED if error else TextState.EXTRACTED
    text = text[:TEXT_MAX_LENGTH].replace("\x00", "")
    with transaction.atomic():
        recorded = DocumentVersion.objects.filter(
            pk=version.pk, claim=version.claim, text_state=TextState.PENDING
        ).update(text_state=state, text_error=error[:300], claim="")
        if recorded:
            Document.objects.filter(
                pk=version.document_id, current_version=version.pk, removed_at__isnull=True
            ).update(text=text, text_state=state)


def _stored_bytes(version: DocumentVersion) -> bytes | None:
    """The version's file (at most LIBRARY_MAX_UPLOAD_BYTES), or None when the storage cannot give it now.
    Read whole before any reader sees it, so that the storage failing (S3 unreachable, a disk error) is
    not mistaken for a damaged file: the claim is left to go stale and the sweep tries again later."""
    try:
        with version.file.open("rb") as stored:
            return stored.read()
    except Exception:
        logger.exception("Could not read %s from storage; the sweep will try again", version.file.name)
        return None


def version_extract(version: DocumentVersion) -> None:
    """Read one claimed version's file and record what came of it. Never raises for a bad file; a task's
    soft time limit is let through (the claim goes stale and the sweep tries again)."""
    from library.extraction import ExtractionFailed, extract_text

    if version.attempts > MAX_ATTEMPTS:
        _record(version, error=GAVE_UP)
        return
    if Document.objects.filter(pk=version.document_id, removed_at__isnull=False).exists():
        _record(version, error=REMOVED)  # its files are deleted, or about to be
        return
    data = _stored_bytes(version)
    if data is None:
        return
    try:
        text = extract_text(version.kind, io.BytesIO(data))
    except ExtractionFailed as failure:
        _record(version, error=str(failure))
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # a reader's own bug on a strange file: the file is kept, its text is not
        logger.exception("Text extraction failed for version %s", version.pk)
        _record(version, error=UNREADABLE)
    else:
        _record(version, text=text)


def extract_due(*, most: int = 200, seconds: float = RUN_SECONDS) -> int:
    """Claim and read pending versions, one at a time, until none is left, `most` were read or `seconds`
    have passed (what is left waits for the next run). Returns how many were read."""
    done, stop = 0, time.monotonic() + seconds
    while done < most and time.monotonic() < stop:
        version = _claim()
        if version is None:
            break
        version_extract(version)
        done += 1
    return done
