"""Sending digests exactly once: a delivery row per member and period, claimed before it is built and
claimed again before it is sent.

    PENDING --claim--> BUILDING --build--> EMPTY (nothing new: no email)
                                     \\--> READY --claim--> SENDING --> SENT
                                                                   \\--> FAILED --(backoff)--> SENDING ...
                                                                   \\--> GAVE_UP (after MAX_ATTEMPTS)

A rerun, or a second worker given the same chunk, finds the rows already claimed and leaves them. A worker
killed while building leaves BUILDING rows that the sweep returns to PENDING. A chunk claims its built
digests for sending a batch of SEND_BATCH at a time (one UPDATE, on disk before any of them is sent), hands
them to the mail backend in id order and records them sent RECORD_EVERY at a time (one short UPDATE whose
commit does not wait for the disk), a refusal as it comes. No digest is ever sent twice; what may be lost,
given up rather than risk a second copy, is at most:

- a worker stopped by an exception while sending (its soft time limit, a shutdown): the one digest being
  handed over (left SENDING, given up by the sweep); it records what it sent and returns the rest to READY;
- a worker killed outright (SIGKILL, out of memory): RECORD_EVERY digests, the first of its batch left
  SENDING (those sent since the last record, and the one in hand), given up by the sweep, which sends the
  rest of the batch (never tried: they come after them in id order);
- the database server stopping while a batch is sent: that batch, whose last outcomes may not have reached
  the disk (the sweep gives up whatever was claimed before the server started).
"""

import logging
import uuid
from collections import Counter
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as database
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import get_language

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
# Built digests claimed for sending in one UPDATE, whose commit waits for the disk: the chunk's all at once,
# as what a killed worker may lose is bounded by RECORD_EVERY, not by the claim, and each such commit waits
# on the disk (13 ms each at times on this machine, with other writers busy). Safe while a task's time
# limit is shorter than STALE: the claim cannot go stale under a live worker.
SEND_BATCH = 500
# Sent digests recorded this many at a time: what a worker killed outright may lose, against a statement
# per email (each a round trip through two busy cores: 517 UPDATEs waited 1.45 s in a chunk of 500 at load
# average 4, where about 100 of them, five at a time, wait 0.26-0.56 s).
RECORD_EVERY = 5


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


def _claim(*, pk: int, now: datetime) -> str:
    """Mark a built digest (or a failed one whose backoff has passed) as being sent, in one UPDATE, and
    return the claim; "" if it is not due.

    The caller's copy may have been read before another worker's attempt: the due check is made again in
    the UPDATE (which PostgreSQL re-evaluates on the row once a concurrent claim commits). Once claimed the
    row is this worker's until it records the outcome, so its attempt count can be read then."""
    claim = uuid.uuid4().hex  # a claim of its own: the sweep takes it for one being sent
    claimed = DigestDelivery.objects.filter(Q(state=D.READY) | _retry_due(now), pk=pk).update(
        state=D.SENDING,
        claim=claim,
        claimed_at=timezone.now(),  # the claim's own time: the sweep judges staleness by it
        attempts=F("attempts") + 1,
    )
    return claim if claimed else ""


def _record_outcomes(*, claim: str, sent: list[int], failed: dict[int, str], now: datetime) -> int:
    """Record how the sends of one claim went, in one UPDATE of the rows it still holds: `sent` as sent;
    each of `failed` (id: the mail server's error) to be retried after its backoff, or given up after
    MAX_ATTEMPTS, by the attempt count on the row (this attempt included). Returns the rows written."""
    if not sent and not failed:
        return 0
    mine = DigestDelivery.objects.filter(claim=claim, state=D.SENDING, pk__in=[*sent, *failed])
    if not failed:
        return mine.update(state=D.SENT, sent_at=now, error="")

    def if_sent(value) -> list[When]:
        return [When(pk__in=sent, then=value)] if sent else []

    return mine.update(
        state=Case(
            *if_sent(Value(D.SENT)),
            When(attempts__lt=MAX_ATTEMPTS, then=Value(D.FAILED)),
            default=Value(D.GAVE_UP),
        ),
        sent_at=Case(*if_sent(Value(now)), default=F("sent_at")),
        retry_at=Case(
            *if_sent(F("retry_at")),
            *(When(attempts=n, then=Value(now + _backoff(n))) for n in range(1, MAX_ATTEMPTS + 1)),
            default=F("retry_at"),
        ),
        error=Case(*(When(pk=pk, then=Value(error)) for pk, error in failed.items()), default=Value("")),
    )


def _refused(*, delivery: DigestDelivery, user: User, error: Exception) -> str:
    """What the mail server said, to record on the row (the digest is retried after its backoff)."""
    logger.warning("Digest %s for member %s not sent: %s", delivery.pk, user.pk, error)
    return str(error)[:300] or type(error).__name__


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
    claim = _claim(pk=delivery.pk, now=now)
    if not claim:
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
    try:
        digest_message(delivery=delivery, user=user, connection=connection).send()
    except SoftTimeLimitExceeded:
        raise  # the task is out of time, not the mail server: the sweep gives this one up
    except Exception as error:  # the mail server refused or was unreachable: recorded, retried later
        _record_outcomes(
            claim=claim,
            sent=[],
            failed={delivery.pk: _refused(delivery=delivery, user=user, error=error)},
            now=now,
        )
        return "failed"
    _record_outcomes(claim=claim, sent=[delivery.pk], failed={}, now=now)
    return "sent"


def _commits_wait_for_disk(wait: bool) -> None:
    """PostgreSQL: whether this connection's commits wait for the disk (the server's setting when they do).
    Each outcome of a batch is recorded without waiting (if the server then crashes, the sweep gives up
    what was claimed before it started); its claim waits, so it is never lost once a digest has gone out."""
    if database.vendor == "postgresql":
        with database.cursor() as cursor:
            cursor.execute("RESET synchronous_commit" if wait else "SET synchronous_commit = off")


def _on_the_way_out(*, claim: str, sent: list[int], untried: set[int], now: datetime) -> None:
    """A worker stopped while sending (not killed outright): record what it sent, and put the digests it
    never handed over back to READY, for the sweep to send."""
    _record_outcomes(claim=claim, sent=sent, failed={}, now=now)
    if untried:
        DigestDelivery.objects.filter(pk__in=untried, claim=claim, state=D.SENDING).update(
            state=D.READY, attempts=F("attempts") - 1
        )


def _batch_send(
    *, batch: list[tuple[DigestDelivery, User]], connection, now: datetime, fragments: dict
) -> Counter:
    """Claim these built digests in one UPDATE (its commit awaited: on disk before any of them is sent),
    hand them to the mail backend in id order, and record them sent RECORD_EVERY at a time (a refusal at
    once, to be retried).

    A worker killed outright (no handler runs) leaves SENDING those sent since its last record, the one it
    was handing over, and those after it in id order, never tried: the sweep gives up the first
    RECORD_EVERY (they may have arrived) and sends the rest. A worker stopped by an exception (its soft time
    limit, a shutdown) records what it sent and returns those not tried yet to READY on the way out."""
    claim = uuid.uuid4().hex
    pks = [delivery.pk for delivery, _ in batch]
    claimed = DigestDelivery.objects.filter(Q(state=D.READY) | _retry_due(now), pk__in=pks).update(
        state=D.SENDING, claim=claim, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if claimed == len(pks):
        mine = set(pks)
    else:  # someone else took some of them (a sweep, after the chunk ran past STALE)
        mine = set(DigestDelivery.objects.filter(claim=claim, state=D.SENDING).values_list("pk", flat=True))
    done: set[int] = set()
    unrecorded: list[int] = []  # sent, not yet recorded
    handing = None  # the digest the backend has been given and has not yet answered for
    result = Counter(skipped=len(pks) - len(mine), sent=0, failed=0)
    _commits_wait_for_disk(False)
    try:
        for delivery, user in sorted(batch, key=lambda pair: pair[0].pk):
            if delivery.pk not in mine:
                continue
            try:
                message = digest_message(
                    delivery=delivery, user=user, connection=connection, fragments=fragments
                )
                handing = delivery.pk
                message.send()
            except SoftTimeLimitExceeded:
                raise
            except Exception as error:
                error_text = _refused(delivery=delivery, user=user, error=error)
                _record_outcomes(claim=claim, sent=[], failed={delivery.pk: error_text}, now=now)
                result["failed"] += 1
            else:
                unrecorded.append(delivery.pk)
                result["sent"] += 1
                if len(unrecorded) == RECORD_EVERY:
                    _record_outcomes(claim=claim, sent=unrecorded, failed={}, now=now)
                    unrecorded = []
            done.add(delivery.pk)
            handing = None
        _record_outcomes(claim=claim, sent=unrecorded, failed={}, now=now)
    except BaseException:  # out of time, or stopped: the rest is still to be sent
        _on_the_way_out(claim=claim, sent=unrecorded, untried=mine - done - {handing}, now=now)
        raise
    finally:
        _commits_wait_for_disk(True)
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


_fragments: dict = {"run": None, "lines": {}}
FRAGMENTS_KEPT = 10_000  # items' lines, HTML and text: about 1.5 KB each


def _run_fragments(*, frequency: str, period: date) -> dict:
    """The item lines this worker process has rendered for this run's digests (see emails.digest_message),
    shared by its chunks: the same conversations and stories recur in chunk after chunk. Started afresh
    for each run (a day's or a week's digests), or when the site's address, the time zone or the language
    they were rendered with has changed, or when they pass FRAGMENTS_KEPT."""
    run = (frequency, period, settings.SITE_URL, timezone.get_current_timezone_name(), get_language())
    if _fragments["run"] != run or len(_fragments["lines"]) > FRAGMENTS_KEPT:
        _fragments["run"], _fragments["lines"] = run, {}
    return _fragments["lines"]


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
        fragments = _run_fragments(frequency=frequency, period=period)
        # One connection to the mail server for the chunk.
        with get_connection() as connection:
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
    # A worker died while sending: a second copy is worse than a missing one. A claim's digests are sent in
    # id order and recorded RECORD_EVERY at a time, so of its unrecorded ones the first RECORD_EVERY may
    # have gone out (given up) and the rest were never tried (sent below). Unless the database server has
    # restarted since the claim: outcomes are recorded without awaiting the disk, so the last ones before it
    # stopped may be lost with it, and none is sent again.
    interrupted = DigestDelivery.objects.filter(state=D.SENDING, claimed_at__lt=stale)
    started = _database_started_at()
    seen = Counter()
    untried = []
    for pk, claim, claimed_at in interrupted.order_by("pk").values_list("pk", "claim", "claimed_at"):
        if claim and seen[claim] >= RECORD_EVERY and not (started and claimed_at <= started):
            untried.append(pk)
        seen[claim] += 1
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
