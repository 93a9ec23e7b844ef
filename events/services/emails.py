"""The emails events send (a reminder the day before, a change of time or place, a cancellation, a place from
the waiting list), each an EventEmail row written in the same transaction as what caused it, or by the
reminder sweep, and sent exactly once:

    PENDING --claim--> SENDING --> SENT
                               \\--> SKIPPED (no longer due: not going any more, cannot read the event...)
                               \\--> FAILED --(backoff)--> SENDING ...
                               \\--> GAVE_UP (after MAX_ATTEMPTS refusals)

A sender claims a batch of due rows in one UPDATE (state, a claim of its own, the claim's time), so two
senders (the task queued after a commit and the sweep, two beats, a task run twice) never hold the same row.
It sends them in id order and records each outcome as it comes. A worker killed while sending leaves its
claim's rows SENDING: the sweep gives up the first of them (it may have gone out; a second copy is worse than
a missing one, as with the digests, khub.digests.delivery) and returns the rest, never tried, to PENDING. With
Redis down nothing is lost: the rows wait, and the sweep sends them.

These emails go to the people concerned whatever their email settings (they said they are going), and
each recipient is checked again when it is sent: still on the hub, still able to read the event, still going.
"""

import logging
import uuid
from collections import Counter
from datetime import datetime, timedelta
from email.mime.text import MIMEText

from allauth.account.models import EmailAddress
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from communities.models import Membership
from communities.permissions import memberships_remember
from core import dates
from core.email import absolute, message_id, multipart_email
from events import permissions
from events.calendar import event_calendar, ics_filename, location
from events.models import Event, EventEmail, Rsvp
from profiles.models import User
from profiles.permissions import is_on_the_hub

logger = logging.getLogger(__name__)

K, ST, RS = EventEmail.Kind, EventEmail.State, Rsvp.State
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=5)  # then 10, 20, 40 minutes
STALE = timedelta(minutes=15)  # longer than a task may run (CELERY_TASK_TIME_LIMIT)
REMINDER_AHEAD = timedelta(hours=24)
BATCH = 100  # rows claimed in one UPDATE
MOST_PER_RUN = 2000  # a run stops after this many (the next one goes on), well within a task's time limit
INTERRUPTED = "Interrupted while sending; not sent again in case it arrived."


# --- Queueing ---------------------------------------------------------------------------------------------
def event_emails_queue() -> None:
    """Once the transaction that wrote the rows commits, ask a worker to send them now. With Redis down the
    rows wait, pending, for the sweep."""

    def enqueue() -> None:
        from events.tasks import send_event_emails

        try:
            send_event_emails.delay()
        except Exception:  # the broker is down: the emails are rows, the sweep sends them
            logger.warning("Could not queue event emails; the sweep will send them.")

    transaction.on_commit(enqueue)


def reminders_create(*, now: datetime | None = None) -> int:
    """A reminder row for everyone going to an event that starts within REMINDER_AHEAD (not started, not
    cancelled), one per event, member and SEQUENCE: a second beat writes nothing (the unique constraint,
    and the rows already there left out), and an event moved since its reminder gets one for its new time.
    Returns the rows offered."""
    now = now or timezone.now()
    reminded = EventEmail.objects.filter(
        event=OuterRef("event"), user=OuterRef("user"), kind=K.REMINDER, sequence=OuterRef("event__sequence")
    )
    due = (
        Rsvp.objects.filter(
            state=RS.GOING,
            event__status=Event.Status.SCHEDULED,
            event__starts_at__gt=now,
            event__starts_at__lte=now + REMINDER_AHEAD,  # events_start index
        )
        .filter(~Exists(reminded))
        .order_by()
        .values_list("event_id", "user_id", "event__sequence")
    )
    rows = [
        EventEmail(event_id=event_id, user_id=user_id, kind=K.REMINDER, sequence=sequence, created_at=now)
        for event_id, user_id, sequence in due
    ]
    EventEmail.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


# --- Claiming and recording -------------------------------------------------------------------------------
def _due(now: datetime) -> Q:
    """New rows, and failed ones whose backoff has passed (the partial index events_email_unsent)."""
    return Q(state=ST.PENDING) | Q(state=ST.FAILED, retry_at__lte=now)


def _backoff(attempts: int) -> timedelta:
    return FIRST_RETRY * 2 ** (attempts - 1)


def _claim(*, now: datetime, limit: int = BATCH) -> str:
    """Mark up to `limit` due rows as being sent, oldest first, in one UPDATE; their claim, or "" for none.

    The due check is made again on each row as it is updated (PostgreSQL re-evaluates the condition on a
    row another claim has just taken, and leaves it), so two senders never hold the same row."""
    claim = uuid.uuid4().hex
    oldest = EventEmail.objects.filter(_due(now)).order_by("pk").values("pk")[:limit]
    claimed = EventEmail.objects.filter(_due(now), pk__in=oldest).update(
        state=ST.SENDING,
        claim=claim,
        claimed_at=timezone.now(),  # the claim's own time: the sweep judges staleness by it
        attempts=F("attempts") + 1,
    )
    return claim if claimed else ""


def _record(*, row: EventEmail, claim: str, **fields) -> None:
    """One outcome, on the row only while this claim still holds it."""
    EventEmail.objects.filter(pk=row.pk, claim=claim, state=ST.SENDING).update(**fields)


def _failed(*, row: EventEmail, claim: str, error: Exception, now: datetime) -> None:
    logger.warning("Event email %s to member %s not sent: %s", row.pk, row.user_id, error)
    given_up = row.attempts >= MAX_ATTEMPTS  # this attempt included (read after the claim)
    _record(
        row=row,
        claim=claim,
        state=ST.GAVE_UP if given_up else ST.FAILED,
        retry_at=None if given_up else now + _backoff(row.attempts),
        error=str(error)[:300] or type(error).__name__,
    )


# --- Who still gets it ------------------------------------------------------------------------------------
def _remember_recipients(*, event: Event, users: list[User]) -> None:
    """The recipients' memberships of the event's community and their replies to it, two queries for the
    lot, kept on the event so the permission checks below ask for no other."""
    user_ids = {user.pk for user in users}
    memberships = Membership.objects.filter(community_id=event.community_id, user_id__in=user_ids).order_by()
    memberships_remember(
        community=event.community,
        user_ids=frozenset(user_ids),
        memberships={membership.user_id: membership for membership in memberships},
    )
    rsvps = {rsvp.user_id: rsvp for rsvp in Rsvp.objects.filter(event=event, user_id__in=user_ids).order_by()}
    for user in users:
        permissions.rsvp_remember(user=user, event=event, rsvp=rsvps.get(user.pk))


def _confirmed(users: list[User]) -> set[int]:
    """Those whose address is confirmed (allauth): mail goes to nobody else."""
    addresses = EmailAddress.objects.filter(user_id__in=[user.pk for user in users], verified=True)
    confirmed = {(user_id, email.lower()) for user_id, email in addresses.values_list("user_id", "email")}
    return {user.pk for user in users if (user.pk, user.email.lower()) in confirmed}


def _not_due(*, row: EventEmail, event: Event, user: User, confirmed: set[int], now: datetime) -> str:
    """Why this email is no longer due, or "" when it is."""
    if not is_on_the_hub(user):
        return "The member's account is closed."
    if user.pk not in confirmed:
        return "The member has no confirmed email address."
    if not permissions.can_read(user=user, event=event):
        return "The member may no longer read the event."
    rsvp = permissions.rsvp_for(user=user, event=event)
    if rsvp is None or rsvp.state != RS.GOING:
        return "The member is no longer going."
    if event.is_cancelled and row.kind != K.CANCELLED:
        return "The event was cancelled."
    if row.kind == K.REMINDER:
        if event.has_started(now):
            return "The event has started."
        if row.sequence != event.sequence:  # moved: the reminder for its new time is due instead
            return "The event changed since: its reminder is written again."
    return ""


# --- The message ------------------------------------------------------------------------------------------
def when(event: Event) -> str:
    """ "25 October 2026 at 10:00 to 11:00" in Europe/London; the end's date too if it is another day."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    until = f"{end:%H:%M}" if end.date() == start.date() else dates.exact(end)
    return f"{dates.exact(start)} to {until}"


def _ics_part(*, event: Event, joining_link: bool) -> MIMEText:
    """The event's .ics, as mail programs take in a calendar update: text/calendar with its METHOD."""
    part = MIMEText(event_calendar(event, joining_link=joining_link).decode(), "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename=ics_filename(event))
    return part


def event_email_message(
    *, row: EventEmail, event: Event, user: User, connection=None
) -> EmailMultiAlternatives:
    """The email for this row: `emails/event_<kind>.subject.txt`, `.txt` and `.html` in core.email's
    envelope, with the event's .ics attached (the joining link in it, and in the text, for those who may
    see it: everyone going)."""
    joining_link = permissions.can_see_joining_link(user=user, event=event) and not event.is_cancelled
    url = absolute(event.get_absolute_url())
    context = {
        "user": user,
        "event": event,
        "when": when(event),
        "where": location(event),
        "url": url,
        "joining_url": event.joining_url if joining_link else "",
        "settings_url": absolute(reverse("notification-settings")),
        "calendar_url": absolute(reverse("events:calendar-settings")),
    }
    template = f"event_{row.kind}"
    message = multipart_email(
        to=user.email,
        template=template,
        context=context,
        subject=render_to_string(f"emails/{template}.subject.txt", context),
        unsubscribe_url="",  # asked for by going: the footer says how to stop (not going any more)
        connection=connection,
        message_id=message_id("event-email", row.pk, row.created_at),
    )
    message.attach(_ics_part(event=event, joining_link=joining_link))
    return message


# --- Sending ----------------------------------------------------------------------------------------------
def _send_claimed(*, claim: str, now: datetime, connection) -> Counter:
    """Send the rows of one claim in id order, recording each outcome as it comes. Stopped by an exception
    (its time limit, a shutdown), the worker returns the rows it never tried to PENDING; the one it was
    handing over stays SENDING, for the sweep to give up."""
    rows = list(
        EventEmail.objects.filter(claim=claim, state=ST.SENDING).select_related("user").order_by("pk")
    )
    events = Event.objects.select_related("community").in_bulk({row.event_id for row in rows})
    for event in events.values():
        _remember_recipients(event=event, users=[row.user for row in rows if row.event_id == event.pk])
    confirmed = _confirmed([row.user for row in rows])
    result = Counter()
    done: set[int] = set()
    handing = None
    try:
        for row in rows:
            event, user = events[row.event_id], row.user
            reason = _not_due(row=row, event=event, user=user, confirmed=confirmed, now=now)
            if reason:
                _record(row=row, claim=claim, state=ST.SKIPPED, error=reason)
                result["skipped"] += 1
            else:
                try:
                    message = event_email_message(row=row, event=event, user=user, connection=connection)
                    handing = row.pk
                    message.send()
                except SoftTimeLimitExceeded:
                    raise
                except Exception as error:  # the mail server refused or could not be reached: tried again
                    _failed(row=row, claim=claim, error=error, now=now)
                    result["failed"] += 1
                else:
                    _record(row=row, claim=claim, state=ST.SENT, sent_at=timezone.now(), error="")
                    result["sent"] += 1
            done.add(row.pk)
            handing = None
    except BaseException:
        untried = [row.pk for row in rows if row.pk not in done and row.pk != handing]
        EventEmail.objects.filter(pk__in=untried, claim=claim, state=ST.SENDING).update(
            state=ST.PENDING, claim="", attempts=F("attempts") - 1
        )
        raise
    return result


def event_emails_send_due(*, now: datetime | None = None, most: int = MOST_PER_RUN) -> Counter:
    """Send every event email that is due (new, or failed and past its backoff), a claimed batch at a time,
    over one connection to the mail server. Returns what happened, counted."""
    now = now or timezone.now()
    result = Counter()
    connection = None
    try:
        while result.total() < most:
            claim = _claim(now=now, limit=min(BATCH, most - result.total()))
            if not claim:
                break
            if connection is None:
                connection = get_connection()
                try:
                    connection.open()
                except Exception as error:  # each send tries again, and a refusal is recorded on its row
                    logger.warning("Mail server not reached for event emails: %s", error)
            result.update(_send_claimed(claim=claim, now=now, connection=connection))
    finally:
        if connection is not None:
            connection.close()
    return result


def event_emails_sweep(*, now: datetime | None = None) -> Counter:
    """Every few minutes (beat): what a dead worker left, the reminders now due, and every row still to be
    sent (its task never ran: Redis was down; or a failed send whose backoff has passed)."""
    now = now or timezone.now()
    result = Counter()
    # A worker died while sending. A claim's rows are sent in id order and each recorded as it goes, so of
    # those it left SENDING the first may have gone out (given up) and the rest were never tried (sent).
    interrupted = EventEmail.objects.filter(state=ST.SENDING, claimed_at__lt=now - STALE)
    first_of_claim: dict[str, int] = {}
    untried = []
    for pk, claim in interrupted.order_by("pk").values_list("pk", "claim"):
        if claim in first_of_claim:
            untried.append(pk)
        else:
            first_of_claim[claim] = pk
    result["resumed"] = interrupted.filter(pk__in=untried).update(
        state=ST.PENDING, claim="", attempts=F("attempts") - 1
    )
    result["gave_up"] = interrupted.filter(pk__in=first_of_claim.values()).update(
        state=ST.GAVE_UP, error=INTERRUPTED
    )
    result["reminders"] = reminders_create(now=now)
    result.update(event_emails_send_due(now=now))
    return +result
