"""Sending digests exactly once: a delivery row per member and period, claimed before it is built and
claimed again before it is sent.

    PENDING --claim--> BUILDING --build--> EMPTY (nothing new: no email)
                                     \\--> READY --claim--> SENDING --> SENT
                                                                   \\--> FAILED --(backoff)--> SENDING ...
                                                                   \\--> GAVE_UP (after MAX_ATTEMPTS)

A rerun, or a second worker given the same chunk, finds the rows already claimed and leaves them. A worker
killed while building leaves BUILDING rows that the sweep returns to PENDING. A chunk claims its built
digests for sending a batch at a time (one UPDATE, on disk before any of them is sent) and sends each
batch in id order, recording each outcome as it comes: a worker killed while sending leaves the batch's
unrecorded rows SENDING, of which the first may or may not have gone out (the sweep records it as GAVE_UP
rather than risk a second copy) and the rest were never tried (the sweep sends them).
"""

import logging
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as database
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from khub.digests.content import digests_build, sections_still_readable, subject_for
from khub.digests.emails import digest_message
from khub.digests.models import DigestDelivery
from profiles.models import User
from profiles.permissions import on_the_hub

logger = logging.getLogger(__name__)

D = DigestDelivery.State
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=5)  # then 10, 20, 40 minutes
STALE = timedelta(minutes=15)  # longer than a task may run (CELERY_TASK_TIME_LIMIT)
CHUNK_SIZE = 500
SEND_BATCH = 25  # built digests claimed for sending in one UPDATE: one wait for the disk each


def period_for(*, frequency: str, moment: datetime | None = None) -> date:
    """The day (Europe/London) of a daily digest; the Monday of a weekly one."""
    day = timezone.localdate(moment or timezone.now())
    return day - timedelta(days=day.weekday()) if frequency == DigestDelivery.Frequency.WEEKLY else day


def recipients(*, frequency: str) -> QuerySet[User]:
    """Members who asked for this digest and can receive it: active, not erased, a confirmed address."""
    confirmed = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    return User.objects.filter(Exists(confirmed), on_the_hub(), digest_frequency=frequency).order_by("pk")


def with_history(users: QuerySet[User]) -> QuerySet[User]:
    """Each member's last digest: where it ended (the next starts there) and what it listed (not again)."""
    done = DigestDelivery.objects.filter(user=OuterRef("pk"), state__in=(D.SENT, D.EMPTY)).order_by(
        "-covered_to"
    )
    sent = DigestDelivery.objects.filter(user=OuterRef("pk"), state=D.SENT).order_by("-covered_to")
    return users.annotate(
        last_until=Subquery(done.values("covered_to")[:1]),
        previous_keys=Subquery(sent.values("item_keys")[:1]),
    )


def deliveries_create(*, frequency: str, period: date, user_ids: list[int]) -> None:
    """The rows first: whatever happens to the tasks afterwards, the sweep finds what is still owed."""
    DigestDelivery.objects.bulk_create(
        [DigestDelivery(user_id=pk, frequency=frequency, period=period) for pk in user_ids],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _backoff(attempts: int) -> timedelta:
    return FIRST_RETRY * 2 ** (attempts - 1)


def _retry_due(now: datetime) -> Q:
    return Q(state=D.FAILED, retry_at__lte=now)


def _claim(*, pk: int, now: datetime) -> bool:
    """Mark a built digest (or a failed one whose backoff has passed) as being sent, in one UPDATE; False
    if it is not due.

    The caller's copy may have been read before another worker's attempt: the due check is made again in
    the UPDATE (which PostgreSQL re-evaluates on the row once a concurrent claim commits). Once claimed the
    row is this worker's until it records the outcome, so its attempt count can be read then."""
    claimed = DigestDelivery.objects.filter(Q(state=D.READY) | _retry_due(now), pk=pk).update(
        state=D.SENDING,
        claim=uuid.uuid4().hex,  # a claim of its own: the sweep takes it for one being sent
        claimed_at=timezone.now(),  # the claim's own time: the sweep judges staleness by it
        attempts=F("attempts") + 1,
    )
    return bool(claimed)


def _send_claimed(
    *, delivery: DigestDelivery, user: User, connection, now: datetime, fragments: dict | None = None
) -> str:
    """Send a digest this worker has claimed and record how it went: "sent" or "failed". `fragments`:
    see emails.digest_message."""
    try:
        digest_message(delivery=delivery, user=user, connection=connection, fragments=fragments).send()
    except SoftTimeLimitExceeded:
        raise  # the task is out of time, not the mail server: the sweep finishes the chunk
    except Exception as error:  # the mail server refused or was unreachable: recorded, retried later
        logger.warning("Digest %s for member %s not sent: %s", delivery.pk, user.pk, error)
        mine = DigestDelivery.objects.filter(pk=delivery.pk)
        attempts = mine.values_list("attempts", flat=True).get()  # this one included, from the row
        state = D.FAILED if attempts < MAX_ATTEMPTS else D.GAVE_UP
        mine.update(state=state, retry_at=now + _backoff(attempts), error=str(error)[:300])
        return "failed"
    DigestDelivery.objects.filter(pk=delivery.pk).update(state=D.SENT, sent_at=now, error="")
    return "sent"


def delivery_send(
    *,
    delivery: DigestDelivery,
    user: User,
    connection=None,
    now: datetime | None = None,
    recheck: bool = False,
) -> str:
    """Claim a built digest and send it: "sent", "failed", "empty", or "skipped" when it is not due
    (someone else has it or has sent it, or its backoff has not passed).

    With `recheck` (a retry or a late send, not the one straight after building), the member must still
    want the digest and each item is checked again against what they may read now."""
    now = now or timezone.now()
    if not _claim(pk=delivery.pk, now=now):
        return "skipped"
    if recheck:  # minutes or hours after it was built: is it still wanted, still theirs to read?
        still = recipients(frequency=delivery.frequency).filter(pk=user.pk).exists()
        sections = sections_still_readable(user=user, sections=delivery.sections)[0] if still else []
        if not still or not sections:
            DigestDelivery.objects.filter(pk=delivery.pk).update(
                # Not wanted: their window stays put. Nothing readable left: it is covered, and empty.
                state=D.SKIPPED if not still else D.EMPTY,
                error="Not sent on retry: "
                + ("no longer wanted." if not still else "nothing in it still readable."),
            )
            return "empty"
        delivery.sections = sections
        delivery.subject = subject_for(frequency=delivery.frequency, sections=sections)
        DigestDelivery.objects.filter(pk=delivery.pk).update(sections=sections, subject=delivery.subject)
    return _send_claimed(delivery=delivery, user=user, connection=connection, now=now)


@contextmanager
def _commits_not_awaited():
    """On PostgreSQL, this connection's commits return before they reach the disk (synchronous_commit
    off): as safe as waiting against a worker dying (the database has them), not against the database
    server dying (the last fraction of a second of them may be lost: see digests_sweep)."""
    if database.vendor != "postgresql":
        yield
        return
    with database.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with database.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


def _batch_send(
    *, batch: list[tuple[DigestDelivery, User]], connection, now: datetime, fragments: dict
) -> Counter:
    """Claim these built digests in one UPDATE, on disk before any of them is sent (synchronous_commit
    on), then send them in id order, each outcome recorded as it comes: if the worker dies, the sweep knows
    the first one not recorded as the one that may have gone out, and the rest as never tried."""
    claim = uuid.uuid4().hex
    pks = [delivery.pk for delivery, _ in batch]
    with transaction.atomic():
        if database.vendor == "postgresql":
            with database.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO on")
        claimed = DigestDelivery.objects.filter(Q(state=D.READY) | _retry_due(now), pk__in=pks).update(
            state=D.SENDING, claim=claim, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    if claimed == len(pks):
        mine = set(pks)
    else:  # someone else took some of them (a sweep, after the chunk ran past STALE)
        mine = set(DigestDelivery.objects.filter(claim=claim, state=D.SENDING).values_list("pk", flat=True))
    result = Counter(skipped=len(pks) - len(mine))
    untried = sorted(mine)
    try:
        while untried:
            pk = untried.pop(0)
            delivery, user = next(pair for pair in batch if pair[0].pk == pk)
            outcome = _send_claimed(
                delivery=delivery, user=user, connection=connection, now=now, fragments=fragments
            )
            result[outcome] += 1
    except BaseException:  # out of time, or stopped: the digests not tried yet are still to be sent
        if untried:
            DigestDelivery.objects.filter(pk__in=untried, claim=claim, state=D.SENDING).update(
                state=D.READY, attempts=F("attempts") - 1
            )
        raise
    return result


BUILT = ("state", "covered_from", "covered_to", "subject", "sections", "item_keys")
BUILT_CASTS = ("varchar", "timestamptz", "timestamptz", "varchar", "jsonb", "jsonb")


def _record_built(*, claim: str, deliveries: list[DigestDelivery]) -> set[int]:
    """Write what was built onto the rows still claimed for building, and return their ids: a sweep may
    have taken back a build that ran past STALE, and sent it.

    On PostgreSQL one UPDATE ... FROM (VALUES ...) per thousand rows, which re-checks the claim on each
    row as it locks it; elsewhere the rows are locked and read, then written with bulk_update."""
    if database.vendor != "postgresql":
        with transaction.atomic():
            ours = set(
                DigestDelivery.objects.select_for_update()
                .filter(claim=claim, state=D.BUILDING)
                .values_list("pk", flat=True)
            )
            DigestDelivery.objects.bulk_update(
                [delivery for delivery in deliveries if delivery.pk in ours], BUILT, batch_size=500
            )
        return ours
    meta = DigestDelivery._meta
    fields = [meta.get_field(name) for name in BUILT]
    row = "(%s::bigint, " + ", ".join(f"%s::{cast}" for cast in BUILT_CASTS) + ")"
    columns = ", ".join(field.column for field in fields)
    ours = set()
    for start in range(0, len(deliveries), 1000):
        batch = deliveries[start : start + 1000]
        values = [
            value
            for delivery in batch
            for value in (
                delivery.pk,
                *(field.get_db_prep_value(getattr(delivery, field.attname), database) for field in fields),
            )
        ]
        with database.cursor() as cursor:
            cursor.execute(
                f"UPDATE {meta.db_table} AS d SET "  # noqa: S608 (names from the model; values are parameters)
                + ", ".join(f"{field.column} = v.{field.column}" for field in fields)
                + f" FROM (VALUES {', '.join([row] * len(batch))}) AS v(id, {columns})"
                " WHERE d.id = v.id AND d.claim = %s AND d.state = %s RETURNING d.id",
                [*values, claim, D.BUILDING],
            )
            ours.update(pk for (pk,) in cursor.fetchall())
    return ours


def deliver_chunk(
    *, frequency: str, period: date, user_ids: list[int], now: datetime | None = None
) -> Counter:
    """Build and send the digests of these members for this period; returns what happened, counted."""
    now = now or timezone.now()
    deliveries_create(frequency=frequency, period=period, user_ids=user_ids)
    claim = uuid.uuid4().hex
    DigestDelivery.objects.filter(
        frequency=frequency, period=period, user_id__in=user_ids, state=D.PENDING
    ).update(state=D.BUILDING, claim=claim, claimed_at=now)
    deliveries = {d.user_id: d for d in DigestDelivery.objects.filter(claim=claim, state=D.BUILDING)}
    result = Counter(skipped=len(user_ids) - len(deliveries))
    if not deliveries:
        return result
    users = list(with_history(recipients(frequency=frequency)).filter(pk__in=list(deliveries)))
    # Content saved just before `now` may not be committed yet: stop short, the next digest starts here.
    until = now - timedelta(seconds=settings.DIGEST_SETTLE_SECONDS)
    digests = digests_build(users=users, frequency=frequency, until=until)
    ready = []
    for user_id, delivery in deliveries.items():
        digest = digests.get(user_id)
        if digest is None:  # no longer wants it (or cannot receive it) since the run began: their window
            delivery.state = D.SKIPPED  # stays where it was, so nothing is lost if they come back
            continue
        delivery.covered_from, delivery.covered_to = digest.since, digest.until
        if digest.is_empty:
            delivery.state = D.EMPTY
            continue
        delivery.state = D.READY
        delivery.subject = subject_for(frequency=frequency, sections=digest.sections)
        delivery.sections = digest.sections
        delivery.item_keys = digest.item_keys
        ready.append((delivery, digest.user))
    ours = _record_built(claim=claim, deliveries=list(deliveries.values()))
    ready = sorted(
        ((delivery, user) for delivery, user in ready if delivery.pk in ours), key=lambda pair: pair[0].pk
    )
    result["empty"] = sum(1 for d in deliveries.values() if d.pk in ours and d.state == D.EMPTY)
    result["not_wanted"] = sum(1 for d in deliveries.values() if d.pk in ours and d.state == D.SKIPPED)
    if ready:
        fragments = {}  # each item's lines rendered once for the chunk
        # One connection to the mail server for the chunk.
        with get_connection() as connection, _commits_not_awaited():
            for start in range(0, len(ready), SEND_BATCH):
                batch = ready[start : start + SEND_BATCH]
                result.update(_batch_send(batch=batch, connection=connection, now=now, fragments=fragments))
    return result


def _database_started_at() -> datetime | None:
    """When the PostgreSQL server last started (after a crash, say); None on SQLite, whose commits always
    wait for the disk."""
    if database.vendor != "postgresql":
        return None
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]


def digests_sweep(*, now: datetime | None = None) -> Counter:
    """Every few minutes: finish what was interrupted and retry what failed. Returns what it did."""
    now = now or timezone.now()
    stale = now - STALE
    result = Counter()
    # A worker died while building: build again (nothing was sent).
    result["rebuilt"] = DigestDelivery.objects.filter(state=D.BUILDING, claimed_at__lt=stale).update(
        state=D.PENDING, claim=""
    )
    # A worker died while sending a batch (one claim, sent in id order, each outcome recorded as it came):
    # the first not recorded may have gone out, and a second copy is worse than a missing one; the rest of
    # the batch was never tried, and is sent below. Unless the database server has restarted since the
    # claim: the last outcomes recorded before it stopped may be lost with it, so none is sent again.
    interrupted = DigestDelivery.objects.filter(state=D.SENDING, claimed_at__lt=stale)
    started = _database_started_at()
    first_of: set[str] = set()
    untried = []
    for pk, claim, claimed_at in interrupted.order_by("pk").values_list("pk", "claim", "claimed_at"):
        if claim and claim in first_of and not (started and claimed_at <= started):
            untried.append(pk)
        first_of.add(claim)
    result["resumed"] = interrupted.filter(pk__in=untried).update(state=D.READY, attempts=F("attempts") - 1)
    result["gave_up"] = interrupted.update(
        state=D.GAVE_UP, error="Interrupted while sending; not sent again in case it arrived."
    )
    # Rows whose chunk task never ran (the broker lost it, or Redis was down at the time).
    pending = DigestDelivery.objects.filter(state=D.PENDING, created_at__lt=stale)
    groups: dict[tuple[str, date], list[int]] = {}
    for frequency, period, user_id in pending.values_list("frequency", "period", "user_id")[:5000]:
        groups.setdefault((frequency, period), []).append(user_id)
    for (frequency, period), user_ids in groups.items():
        for start in range(0, len(user_ids), CHUNK_SIZE):
            result.update(
                deliver_chunk(
                    frequency=frequency, period=period, user_ids=user_ids[start : start + CHUNK_SIZE]
                )
            )
    # Failed sends whose backoff has passed, and built digests a chunk never sent (the mail server could
    # not be reached, or the task hit its time limit after building).
    due = DigestDelivery.objects.filter(
        _retry_due(now) | Q(state=D.READY, claimed_at__lt=stale)
    ).select_related("user")[:500]
    for delivery in due:
        result[delivery_send(delivery=delivery, user=delivery.user, now=now, recheck=True)] += 1
    return result
