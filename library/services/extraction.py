"""Reading the text out of uploaded versions, so documents are found by what they say, not only by title.

Each version is written PENDING with its upload. After the upload commits a task is queued; it claims a
batch of pending versions in one UPDATE (state stays PENDING, with a claim and the claim's time), reads
each file (library.extraction, with its time and size limits), and records EXTRACTED with the text, or
FAILED with the reason in words ("text not extracted": the document is still stored and found by its title).
A periodic sweep takes up what no task did: Redis down, a worker killed mid-file (a claim older than
STALE is taken again, and given up after MAX_ATTEMPTS, so a file that kills workers cannot loop forever).
"""

import logging
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from library.models import TEXT_MAX_LENGTH, Document, DocumentVersion, TextState

logger = logging.getLogger(__name__)
BATCH = 20  # versions claimed in one UPDATE
STALE = timedelta(minutes=15)  # longer than a task may run (CELERY_TASK_TIME_LIMIT)
MAX_ATTEMPTS = 3
GAVE_UP = "Reading this file stopped the reader more than once; its text was not extracted."


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


def _claim(*, limit: int = BATCH) -> str:
    """Take up to `limit` versions, oldest first, in one UPDATE; the claim, or "" when none was free. The
    condition is checked again on each row as it is updated, so two workers never hold the same version."""
    now = timezone.now()
    claim = uuid.uuid4().hex
    oldest = DocumentVersion.objects.filter(_claimable(now)).order_by("created_at", "pk").values("pk")[:limit]
    claimed = DocumentVersion.objects.filter(_claimable(now), pk__in=oldest).update(
        claim=claim, claimed_at=now, attempts=F("attempts") + 1
    )
    return claim if claimed else ""


def _record(version: DocumentVersion, claim: str, *, text: str = "", error: str = "") -> None:
    """The outcome, on the version while this claim still holds it, and on its document while it is the
    newest version (an older version's text is not what the document is searched by)."""
    state = TextState.FAILED if error else TextState.EXTRACTED
    text = text[:TEXT_MAX_LENGTH].replace("\x00", "")
    with transaction.atomic():
        recorded = DocumentVersion.objects.filter(
            pk=version.pk, claim=claim, text_state=TextState.PENDING
        ).update(text_state=state, text_error=error[:300], claim="")
        if recorded:
            Document.objects.filter(pk=version.document_id, current_version=version.pk).update(
                text=text, text_state=state
            )


def version_extract(version: DocumentVersion, claim: str) -> None:
    """Read one claimed version's file and record what came of it. Never raises for a bad file."""
    from library.extraction import ExtractionFailed, extract_text

    if version.attempts > MAX_ATTEMPTS:
        _record(version, claim, error=GAVE_UP)
        return
    try:
        with version.file.open("rb") as handle:
            text = extract_text(version.kind, handle)
    except ExtractionFailed as failure:
        _record(version, claim, error=str(failure))
    except Exception:  # a reader's own bug on a strange file: the file is kept, its text is not
        logger.exception("Text extraction failed for version %s", version.pk)
        _record(version, claim, error="The file could not be read; its text was not extracted.")
    else:
        _record(version, claim, text=text)


def extract_due(*, most: int = 200) -> int:
    """Claim and read pending versions until none is left or `most` were read. Returns how many."""
    done = 0
    while done < most:
        claim = _claim()
        if not claim:
            break
        for version in DocumentVersion.objects.filter(claim=claim).order_by("pk"):
            version_extract(version, claim)
            done += 1
    return done
