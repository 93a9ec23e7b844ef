"""Sending digests exactly once: a delivery row per member and period, claimed before it is built and
claimed again before it is sent.

    PENDING --claim--> BUILDING --build--> EMPTY (nothing new: no email)
                                     \\--> READY --claim--> SENDING --> SENT
                                                                   \\--> FAILED --(backoff)--> SENDING ...
                                                                   \\--> GAVE_UP (after MAX_ATTEMPTS)

A rerun, or a second worker given the same chunk, finds the rows already claimed and leaves them. A worker
killed while building leaves BUILDING rows that the sweep returns to PENDING; one killed while sending
leaves a SENDING row that may or may not have gone out: the sweep records it as GAVE_UP rather than risk
a second copy.
"""

import logging
import uuid
from collections import Counter
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
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
        claimed_at=timezone.now(),  # the claim's own time: the sweep judges staleness by it
        attempts=F("attempts") + 1,
    )
    return bool(claimed)


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
    try:
        digest_message(delivery=delivery, user=user, connection=connection).send()
    except SoftTimeLimitExceeded:
        raise  # the task is out of time, not the mail server: the sweep finishes the chunk
    except Exception as error:  # the mail server refused or was unreachable: recorded, retried later
        logger.warning("Digest %s for member %s not sent: %s", delivery.pk, user.pk, error)
        mine = DigestDelivery.objects.filter(pk=delivery.pk)
        attempts = mine.values_list("attempts", flat=True).get()  # this one included, from the row
        state = D.FAILED if attempts < MAX_ATTEMPTS else D.GAVE_UP
        DigestDelivery.objects.filter(pk=delivery.pk).update(
            state=state, retry_at=now + _backoff(attempts), error=str(error)[:300]
        )
        return "failed"
    DigestDelivery.objects.filter(pk=delivery.pk).update(state=D.SENT, sent_at=now, error="")
    return "sent"


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
    with transaction.atomic():
        # Only rows still ours: a sweep may have taken back a build that ran past STALE and sent it.
        ours = set(
            DigestDelivery.objects.select_for_update()
            .filter(claim=claim, state=D.BUILDING)
            .values_list("pk", flat=True)
        )
        DigestDelivery.objects.bulk_update(
            [delivery for delivery in deliveries.values() if delivery.pk in ours],
            ["state", "covered_from", "covered_to", "subject", "sections", "item_keys"],
            batch_size=500,
        )
    ready = [(delivery, user) for delivery, user in ready if delivery.pk in ours]
    result["empty"] = sum(1 for d in deliveries.values() if d.pk in ours and d.state == D.EMPTY)
    result["not_wanted"] = sum(1 for d in deliveries.values() if d.pk in ours and d.state == D.SKIPPED)
    if ready:
        with get_connection() as connection:  # one connection to the mail server for the chunk
            for delivery, user in ready:
                result[delivery_send(delivery=delivery, user=user, connection=connection, now=now)] += 1
    return result


def digests_sweep(*, now: datetime | None = None) -> Counter:
    """Every few minutes: finish what was interrupted and retry what failed. Returns what it did."""
    now = now or timezone.now()
    stale = now - STALE
    result = Counter()
    # A worker died while building: build again (nothing was sent).
    result["rebuilt"] = DigestDelivery.objects.filter(state=D.BUILDING, claimed_at__lt=stale).update(
        state=D.PENDING, claim=""
    )
    # A worker died while sending: it may have gone out; a second copy is worse than a missing one.
    result["gave_up"] = DigestDelivery.objects.filter(state=D.SENDING, claimed_at__lt=stale).update(
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
