"""The emails about events (events.services.emails, events.tasks): reminders a day ahead, a change of time or
place, a cancellation, a place from the waiting list. Each is a row first and is sent exactly once: a second
sweep, two sweeps at once, a worker that dies, Redis down."""

from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from kombu.exceptions import OperationalError

from communities.models import HubSettings
from communities.services.membership import membership_leave
from events import tasks
from events.models import Event, EventEmail, Rsvp
from events.services import emails as emails_module
from events.services.emails import (
    MAX_ATTEMPTS,
    STALE,
    event_emails_send_due,
    event_emails_sweep,
    reminders_create,
)
from events.services.events import event_cancel, event_update
from events.services.rsvps import rsvp_set
from profiles.models import User
from profiles.services import user_erase
from tests.communities.helpers import community, person_as
from tests.concurrency import at_once
from tests.events.helpers import event

pytestmark = pytest.mark.django_db

K, ST = EventEmail.Kind, EventEmail.State
JOINING = "https://meet.example.org/monthly-call"
REFUSING = "tests.events.test_emails.RefusingBackend"
KILLED_ON_SECOND = "tests.events.test_emails.KilledOnSecondBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that takes the connection and refuses every message."""

    def send_messages(self, messages):
        raise SMTPException("451 Try again later")


class Killed(BaseException):
    """The worker stopped (its time limit, a shutdown) in the middle of handing a message over."""


class KilledOnSecondBackend(BaseEmailBackend):
    """Delivers the first message, then the worker is stopped while handing over the second."""

    def send_messages(self, messages):
        if len(mail.outbox) >= 1:
            raise Killed
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture(autouse=True)
def _many_posts():
    row = HubSettings.load()
    row.posts_per_minute = 10_000
    row.save()


@pytest.fixture
def tomorrow():
    """An event of an open community starting in 20 hours, two members going, one not, one waiting."""
    home = community()
    facilitator = person_as("facilitator", home)
    starts_at = timezone.now().replace(microsecond=0) + timedelta(hours=20)
    item = event(
        organiser=facilitator,
        community=home,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        capacity=2,
    )
    going = [person_as("member", home) for _ in range(2)]
    not_going, waiting = person_as("member", home), person_as("member", home)
    for person in going:
        rsvp_set(user=person, event=item, going=True)
    rsvp_set(user=not_going, event=item, going=False)
    rsvp_set(user=waiting, event=item, going=True)
    item.refresh_from_db()
    return {
        "event": item,
        "facilitator": facilitator,
        "going": going,
        "not_going": not_going,
        "waiting": waiting,
    }


def _to(person) -> list:
    return [message for message in mail.outbox if message.to == [person.email]]


def _ics(message) -> Calendar:
    [part] = [part for part in message.attachments if part.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename().endswith(".ics")
    return Calendar.from_ical(part.get_payload(decode=True))


def _vevent(message):
    return _ics(message).walk("VEVENT")[0]


def _states(**filters) -> list[str]:
    return list(EventEmail.objects.filter(**filters).order_by("pk").values_list("state", flat=True))


# --- Reminders ---------------------------------------------------------------------------------------------
def test_the_sweep_reminds_everyone_going_once_with_the_ics_attached_and_a_second_sweep_sends_nothing(
    tomorrow,
):
    item = tomorrow["event"]

    first = event_emails_sweep()
    second = event_emails_sweep()
    later = event_emails_sweep(now=timezone.now() + timedelta(hours=1))

    assert first["sent"] == 2
    assert second.get("sent", 0) == later.get("sent", 0) == 0
    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in tomorrow["going"])
    for person in tomorrow["going"]:
        [message] = _to(person)
        assert message.subject.startswith(f"Reminder: {item.title}, ")
        vevent = _vevent(message)
        assert vevent.decoded("DTSTART") == item.starts_at
        assert (str(vevent["STATUS"]), vevent["SEQUENCE"]) == ("CONFIRMED", 0)
        assert JOINING in str(vevent["DESCRIPTION"])  # they are going: the link is theirs
        assert JOINING in message.body
        assert settings.SITE_URL + item.get_absolute_url() in message.body
        message.message().as_bytes()  # the whole email, attachment and all, is well formed
    assert _to(tomorrow["not_going"]) == _to(tomorrow["waiting"]) == []
    assert EventEmail.objects.filter(kind=K.REMINDER).count() == 2
    assert _states(kind=K.REMINDER) == [ST.SENT, ST.SENT]


@pytest.mark.parametrize("when", ["in two days", "started", "cancelled"])
def test_no_reminder_for_an_event_more_than_a_day_away_started_or_cancelled(tomorrow, when):
    item = tomorrow["event"]
    now = timezone.now()
    if when == "in two days":
        now -= timedelta(days=1)
    elif when == "started":
        now += timedelta(hours=21)
    else:
        event_cancel(actor=tomorrow["facilitator"], event=item, reason="Room flooded.")
        EventEmail.objects.filter(kind=K.CANCELLED).delete()

    assert reminders_create(now=now) == 0
    event_emails_sweep(now=now)
    assert not EventEmail.objects.filter(kind=K.REMINDER).exists()
    assert mail.outbox == []


def test_a_member_who_stops_going_before_the_reminder_is_sent_is_not_reminded(tomorrow):
    quitter, staying = tomorrow["going"]
    reminders_create()
    rsvp_set(user=quitter, event=tomorrow["event"], going=False)  # the waiting member moves up

    event_emails_send_due()

    assert _to(quitter) == []
    assert len(_to(staying)) == 1
    assert EventEmail.objects.get(user=quitter, kind=K.REMINDER).state == ST.SKIPPED
    assert EventEmail.objects.get(user=quitter, kind=K.REMINDER).error == "The member is no longer going."


def test_an_event_moved_within_the_day_gets_one_reminder_for_its_new_time_not_one_for_the_old(tomorrow):
    item = tomorrow["event"]
    reminders_create()
    later = item.starts_at + timedelta(hours=2)
    values = {
        "title": item.title,
        "description": item.description,
        "starts_at": later,
        "ends_at": later + timedelta(hours=1),
        "format": item.format,
        "joining_url": item.joining_url,
        "capacity": item.capacity,
    }
    event_update(actor=tomorrow["facilitator"], event=item, **values)

    event_emails_sweep()

    for person in tomorrow["going"]:
        kinds = sorted(message.subject.split(":")[0] for message in _to(person))
        assert kinds == ["Changed", "Reminder"]
        [reminder] = [message for message in _to(person) if message.subject.startswith("Reminder")]
        assert (_vevent(reminder).decoded("DTSTART"), _vevent(reminder)["SEQUENCE"]) == (later, 1)
    assert _states(kind=K.REMINDER, sequence=0) == [ST.SKIPPED, ST.SKIPPED]
    assert _states(kind=K.REMINDER, sequence=1) == [ST.SENT, ST.SENT]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(postgres_only, tomorrow):
    errors = at_once(event_emails_sweep, event_emails_sweep)

    assert errors == []
    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in tomorrow["going"])
    assert _states(kind=K.REMINDER) == [ST.SENT, ST.SENT]


@pytest.mark.django_db(transaction=True)
def test_a_sweep_and_the_queued_task_at_once_send_each_email_once(postgres_only, tomorrow):
    reminders_create()

    errors = at_once(event_emails_sweep, lambda: tasks.send_event_emails.delay())

    assert errors == []
    assert len(mail.outbox) == 2
    assert _states(kind=K.REMINDER) == [ST.SENT, ST.SENT]


def test_beat_runs_the_event_emails_sweep_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["event-emails-sweep"]

    assert entry == {"task": "events.event_emails_sweep", "schedule": 5 * 60}
    assert tasks.event_emails_sweep.name == "events.event_emails_sweep"


def test_the_sweep_task_sends_the_reminders(tomorrow):
    result = tasks.event_emails_sweep.delay().get()

    assert result["sent"] == 2
    assert len(mail.outbox) == 2


# --- A worker that dies, Redis down, a mail server that refuses -------------------------------------------
def _claim_and_die(*, minutes_ago: int) -> str:
    """A worker claimed the due rows and was killed outright (SIGKILL) before recording anything."""
    claim = emails_module._claim(now=timezone.now())
    EventEmail.objects.filter(claim=claim).update(claimed_at=timezone.now() - timedelta(minutes=minutes_ago))
    return claim


def test_rows_left_sending_by_a_dead_worker_the_first_is_given_up_and_the_rest_sent_once(tomorrow):
    reminders_create()
    claim = _claim_and_die(minutes_ago=20)
    first, second = EventEmail.objects.filter(claim=claim).order_by("pk")

    result = event_emails_sweep()
    again = event_emails_sweep(now=timezone.now() + timedelta(hours=1))

    assert (result["gave_up"], result["resumed"], result["sent"]) == (1, 1, 1)
    assert again.get("sent", 0) == again.get("gave_up", 0) == 0
    first.refresh_from_db()
    second.refresh_from_db()
    # The first may have gone out before the worker died: never sent again. The second was never tried.
    assert (first.state, first.error) == (ST.GAVE_UP, emails_module.INTERRUPTED)
    assert (second.state, second.attempts) == (ST.SENT, 1)
    assert [message.to for message in mail.outbox] == [[second.user.email]]


def test_rows_being_sent_right_now_are_left_alone_by_the_sweep(tomorrow):
    reminders_create()
    _claim_and_die(minutes_ago=5)  # within STALE: the worker may still be at it

    result = event_emails_sweep()

    assert result.get("gave_up", 0) == result.get("resumed", 0) == result.get("sent", 0) == 0
    assert _states(kind=K.REMINDER) == [ST.SENDING, ST.SENDING]
    assert mail.outbox == []


def test_a_worker_stopped_while_sending_leaves_the_one_in_hand_and_the_sweep_gives_it_up(tomorrow):
    reminders_create()
    with override_settings(EMAIL_BACKEND=KILLED_ON_SECOND), pytest.raises(Killed):
        event_emails_send_due()
    assert _states(kind=K.REMINDER) == [ST.SENT, ST.SENDING]

    later = timezone.now() + STALE + timedelta(minutes=1)
    result = event_emails_sweep(now=later)

    assert result["gave_up"] == 1
    assert len(mail.outbox) == 1  # the one in hand is not sent again in case it arrived
    assert _states(kind=K.REMINDER) == [ST.SENT, ST.GAVE_UP]


def test_a_worker_stopped_before_it_handed_anything_over_returns_every_row_and_the_sweep_sends_them_once(
    tomorrow, monkeypatch
):
    reminders_create()

    def stopped(**kwargs):
        raise Killed

    monkeypatch.setattr(emails_module, "event_email_message", stopped)
    with pytest.raises(Killed):
        event_emails_send_due()
    monkeypatch.undo()
    # Stopped while the first email was being written: nothing was handed over, so nothing is given up.
    assert _states(kind=K.REMINDER) == [ST.PENDING, ST.PENDING]
    assert list(EventEmail.objects.values_list("attempts", flat=True)) == [0, 0]

    event_emails_sweep()
    event_emails_sweep()

    assert len(mail.outbox) == 2
    assert _states(kind=K.REMINDER) == [ST.SENT, ST.SENT]


def test_with_redis_down_a_cancellation_is_saved_and_its_emails_wait_for_the_sweep(
    tomorrow, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_event_emails, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(actor=tomorrow["facilitator"], event=tomorrow["event"], reason="Room flooded.")
    assert Event.objects.get(pk=tomorrow["event"].pk).is_cancelled
    assert mail.outbox == []
    assert _states(kind=K.CANCELLED) == [ST.PENDING, ST.PENDING]
    monkeypatch.undo()

    first = event_emails_sweep()
    second = event_emails_sweep()

    assert first["sent"] == 2
    assert second.get("sent", 0) == 0
    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in tomorrow["going"])
    assert not EventEmail.objects.filter(kind=K.REMINDER).exists()  # cancelled: no reminder either


def test_with_redis_up_the_task_queued_after_the_commit_sends_at_once(
    tomorrow, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(actor=tomorrow["facilitator"], event=tomorrow["event"], reason="Room flooded.")

    assert len(mail.outbox) == 2
    assert _states(kind=K.CANCELLED) == [ST.SENT, ST.SENT]


def test_a_refused_send_is_tried_again_after_its_backoff_and_then_sent_once(tomorrow):
    reminders_create()
    with override_settings(EMAIL_BACKEND=REFUSING):
        result = event_emails_send_due()
    assert result["failed"] == 2
    row = EventEmail.objects.filter(kind=K.REMINDER).first()
    assert (row.state, row.attempts, "451" in row.error) == (ST.FAILED, 1, True)
    assert row.retry_at > timezone.now() + timedelta(minutes=4)

    too_soon = event_emails_sweep()
    due = event_emails_sweep(now=timezone.now() + timedelta(minutes=6))
    after = event_emails_sweep(now=timezone.now() + timedelta(hours=1))

    assert too_soon.get("sent", 0) == 0
    assert due["sent"] == 2
    assert after.get("sent", 0) == 0
    assert len(mail.outbox) == 2
    assert (
        list(EventEmail.objects.filter(kind=K.REMINDER).values_list("state", "attempts"))
        == [(ST.SENT, 2)] * 2
    )


def test_after_five_refusals_an_email_is_given_up(tomorrow):
    reminders_create()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=REFUSING):
        for _attempt in range(MAX_ATTEMPTS + 1):
            event_emails_send_due(now=now)
            now += timedelta(hours=2)

    assert (
        list(EventEmail.objects.filter(kind=K.REMINDER).values_list("state", "attempts"))
        == [(ST.GAVE_UP, MAX_ATTEMPTS)] * 2
    )
    assert mail.outbox == []


# --- Changes, cancellations, a place from the waiting list ----------------------------------------------
def test_a_cancellation_emails_everyone_going_with_the_cancelled_ics_and_nobody_else(
    tomorrow, django_capture_on_commit_callbacks
):
    item = tomorrow["event"]
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(actor=tomorrow["facilitator"], event=item, reason="The speaker is unwell.")

    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in tomorrow["going"])
    for person in tomorrow["going"]:
        [message] = _to(person)
        assert message.subject.startswith(f"Cancelled: {item.title}, ")
        assert "The speaker is unwell." in message.body
        vevent = _vevent(message)
        assert (str(vevent["STATUS"]), vevent["SEQUENCE"]) == ("CANCELLED", 1)
        assert str(vevent["UID"]).startswith(f"event-{item.pk}@")
        assert JOINING not in str(vevent["DESCRIPTION"])  # nothing to join
    for person in (tomorrow["not_going"], tomorrow["waiting"], tomorrow["facilitator"]):
        assert _to(person) == []


def test_a_new_time_emails_everyone_going_with_the_new_ics_and_nobody_else(
    tomorrow, django_capture_on_commit_callbacks
):
    item = tomorrow["event"]
    later = item.starts_at + timedelta(days=3)
    values = {
        "title": item.title,
        "description": item.description,
        "starts_at": later,
        "ends_at": later + timedelta(hours=2),
        "format": item.format,
        "joining_url": item.joining_url,
        "capacity": item.capacity,
    }
    with django_capture_on_commit_callbacks(execute=True):
        event_update(actor=tomorrow["facilitator"], event=item, **values)

    assert sorted(message.to[0] for message in mail.outbox) == sorted(p.email for p in tomorrow["going"])
    for person in tomorrow["going"]:
        [message] = _to(person)
        assert message.subject.startswith(f"Changed: {item.title}, now ")
        vevent = _vevent(message)
        assert (vevent.decoded("DTSTART"), vevent.decoded("DTEND")) == (later, later + timedelta(hours=2))
        assert (str(vevent["STATUS"]), vevent["SEQUENCE"]) == ("CONFIRMED", 1)
    for person in (tomorrow["not_going"], tomorrow["waiting"], tomorrow["facilitator"]):
        assert _to(person) == []


def test_the_person_moved_up_from_the_waiting_list_is_told_a_place_came_free(
    tomorrow, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rsvp_set(user=tomorrow["going"][0], event=tomorrow["event"], going=False)

    [message] = mail.outbox
    assert message.to == [tomorrow["waiting"].email]
    assert message.subject == f"A place came free: you are going to {tomorrow['event'].title}"
    assert "A place came free: you are going" in message.alternatives[0][0]
    assert JOINING in str(_vevent(message)["DESCRIPTION"])


def test_event_emails_go_whatever_the_immediate_email_setting_with_a_footer_saying_why_and_how_to_stop(
    tomorrow, django_capture_on_commit_callbacks
):
    person = tomorrow["going"][0]
    User.objects.filter(pk=person.pk).update(email_immediately=False)
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(actor=tomorrow["facilitator"], event=tomorrow["event"], reason="Room flooded.")

    [message] = _to(person)
    html = message.alternatives[0][0]
    settings_url = settings.SITE_URL + reverse("notification-settings")
    for text in (message.body, html):
        assert "You get this email because you said you are going to" in text
        assert settings_url in text
    assert "List-Unsubscribe" not in message.extra_headers  # no one-click: they asked for it by going
    assert message.extra_headers["Message-ID"].startswith("<event-email-")


def test_a_reminder_for_an_event_still_to_come_says_how_to_stop_by_changing_the_reply(tomorrow):
    event_emails_sweep()

    [message] = _to(tomorrow["going"][0])
    assert "Not going any more? Change your reply" in message.body
    assert "When: " in message.body
    assert "(UK time)" in message.body


# --- Each recipient checked again when it is sent --------------------------------------------------------
@pytest.mark.parametrize("change", ["left", "deactivated", "erased"])
def test_nobody_who_may_no_longer_read_the_event_or_has_left_the_hub_is_emailed(change):
    home = community("private")
    facilitator = person_as("facilitator", home)
    starts_at = timezone.now().replace(microsecond=0) + timedelta(hours=20)
    item = event(
        organiser=facilitator, community=home, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    person, other = person_as("member", home), person_as("member", home)
    for someone in (person, other):
        rsvp_set(user=someone, event=item, going=True)
    reminders_create()
    if change == "left":
        membership_leave(user=person, community=home)
    elif change == "deactivated":
        User.objects.filter(pk=person.pk).update(is_active=False)
    else:
        user_erase(user=person)

    event_emails_send_due()

    assert [message.to for message in mail.outbox] == [[other.email]]
    # An erased member's email rows go with the account (events.services.erasure); the others are skipped.
    assert list(EventEmail.objects.filter(user=person).values_list("state", flat=True)) == (
        [] if change == "erased" else [ST.SKIPPED]
    )


def test_sending_takes_one_short_update_per_email_whatever_their_number(tomorrow):
    item = tomorrow["event"]
    Event.objects.filter(pk=item.pk).update(capacity=None)
    reminders_create()
    with CaptureQueriesContext(connection) as two:
        event_emails_send_due()
    EventEmail.objects.all().delete()
    mail.outbox.clear()
    for _ in range(28):
        rsvp_set(user=person_as("member", item.community), event=item, going=True)
    reminders_create()
    with CaptureQueriesContext(connection) as thirty:
        event_emails_send_due()

    assert len(mail.outbox) == 30
    assert Rsvp.objects.filter(event=item, state=Rsvp.State.GOING).count() == 30
    # Each email adds the UPDATE that records it: nothing else grows with the number.
    assert len(thirty) - len(two) == 30 - 2
