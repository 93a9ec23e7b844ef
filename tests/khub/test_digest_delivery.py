"""Digests are sent exactly once and never lost (khub.digests.delivery): one row per member and period,
claimed before it is built and before it is sent; the sweep that finishes what was interrupted and retries
what failed; `manage.py send_digests`; the beat schedule and the fan-out task.

What a digest holds is tested in test_digests.py.
"""

import threading
from collections import Counter
from datetime import date, datetime, timedelta
from io import StringIO
from smtplib import SMTPException, SMTPRecipientsRefused, SMTPServerDisconnected

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from communities.models import Community, HubSettings
from communities.services.conversations import thread_create
from communities.services.membership import membership_remove
from core.email import message_id
from khub import tasks
from khub.celery import app
from khub.digests import delivery as delivery_module
from khub.digests.delivery import (
    MAX_ATTEMPTS,
    RECORD_EVERY,
    deliver_chunk,
    deliveries_create,
    delivery_send,
    digests_sweep,
    period_for,
)
from khub.models import DigestDelivery
from profiles.models import User
from tests.communities.helpers import community, person_as
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

DAILY, WEEKLY = DigestDelivery.Frequency.DAILY, DigestDelivery.Frequency.WEEKLY
D = DigestDelivery.State
REFUSING = "tests.khub.test_digest_delivery.RefusingBackend"
UNREACHABLE = "tests.khub.test_digest_delivery.UnreachableBackend"
KILLED_ON_SECOND = "tests.khub.test_digest_delivery.KilledOnSecondBackend"
SCRIPTED = "tests.khub.test_digest_delivery.ScriptedBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that takes the connection and refuses every message."""

    attempts = 0

    def send_messages(self, messages):
        RefusingBackend.attempts += len(messages)
        raise SMTPException("550 Mailbox unavailable")


class Killed(BaseException):
    """The worker stopped (its time limit, a shutdown) in the middle of sending a message."""


class KilledOnSecondBackend(BaseEmailBackend):
    """Takes the first message; the worker is stopped while it sends the second."""

    def send_messages(self, messages):
        if len(mail.outbox) >= 1:
            raise Killed
        mail.outbox.extend(messages)
        return len(messages)


class ScriptedBackend(BaseEmailBackend):
    """A mail server that answers each message in turn as `script` says (then "ok"): "ok" takes it,
    "refuse" refuses that one, "drop" loses the connection (that one and every later one fail), "kill"
    stops the worker while it hands that one over."""

    script: list[str] = []
    answered = 0
    dropped = False

    def send_messages(self, messages):
        for message in messages:
            index = ScriptedBackend.answered
            ScriptedBackend.answered += 1
            answer = ScriptedBackend.script[index] if index < len(ScriptedBackend.script) else "ok"
            if answer == "kill":
                raise Killed
            if answer == "drop":
                ScriptedBackend.dropped = True
            if ScriptedBackend.dropped:
                raise SMTPServerDisconnected("Connection unexpectedly closed")
            if answer == "refuse":
                raise SMTPRecipientsRefused({message.to[0]: (550, b"Mailbox unavailable")})
            mail.outbox.append(message)
        return len(messages)


class UnreachableBackend(BaseEmailBackend):
    """A mail server that cannot be reached at all: opening the connection fails."""

    def open(self):
        raise SMTPException("Connection refused")

    def send_messages(self, messages):
        raise SMTPException("Connection refused")


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


@pytest.fixture(autouse=True)
def _count_refusals():
    RefusingBackend.attempts = 0
    ScriptedBackend.script, ScriptedBackend.answered, ScriptedBackend.dropped = [], 0, False


# --- Builders ------------------------------------------------------------------------------------------
def _with_news(place: Community | None = None, **fields) -> User:
    """A daily member of an open community in which a conversation has just started: a digest to send."""
    place = place or community("open")
    fields.setdefault("digest_frequency", DAILY)
    person = person_as("member", place, **fields)
    thread_create(author=place.created_by, community=place, title=f"News for {person.handle}", body="Read me")
    return person


def _period(now: datetime | None = None) -> date:
    return period_for(frequency=DAILY, moment=now or timezone.now())


def _chunk(people: list[User], now: datetime | None = None) -> Counter:
    now = now or timezone.now()
    return deliver_chunk(frequency=DAILY, period=_period(now), user_ids=[p.pk for p in people], now=now)


def _row(person: User, period: date | None = None) -> DigestDelivery:
    return DigestDelivery.objects.get(user=person, frequency=DAILY, period=period or _period())


def _sent_to(person: User) -> int:
    return sum(message.to == [person.email] for message in mail.outbox)


def _left_behind(person: User, state: str, minutes: int) -> DigestDelivery:
    """This period's row as a worker that died `minutes` ago left it."""
    then = timezone.now() - timedelta(minutes=minutes)
    deliveries_create(frequency=DAILY, period=_period(), user_ids=[person.pk])
    DigestDelivery.objects.filter(user=person).update(
        state=state, claim="dead-worker", claimed_at=then, created_at=then
    )
    return _row(person)


# --- Exactly once --------------------------------------------------------------------------------------
def test_delivering_the_same_chunk_twice_sends_each_member_one_email():
    people = [_with_news() for _ in range(3)]

    first, second = _chunk(people), _chunk(people)

    assert first["sent"] == 3
    assert second == Counter(skipped=3)
    assert [_sent_to(person) for person in people] == [1, 1, 1]
    assert DigestDelivery.objects.filter(state=D.SENT).count() == 3


def test_overlapping_chunks_send_nobody_a_second_copy():
    a, b, c = _with_news(), _with_news(), _with_news()

    first, second = _chunk([a, b]), _chunk([b, c])

    assert first["sent"] == 2
    assert (second["sent"], second["skipped"]) == (1, 1)
    assert [_sent_to(person) for person in (a, b, c)] == [1, 1, 1]


def test_the_chunk_task_run_again_by_celery_sends_nothing_twice():
    people = [_with_news(), _with_news()]
    arguments = {"frequency": DAILY, "period": _period().isoformat(), "user_ids": [p.pk for p in people]}

    first = tasks.send_digest_chunk.delay(**arguments).get()
    again = tasks.send_digest_chunk.delay(**arguments).get()

    assert first["sent"] == 2
    assert again == {"skipped": 2}
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_chunk_at_once_send_each_member_one_email(postgres_only):
    HubSettings.objects.update_or_create(pk=1, defaults={"posts_per_minute": 10_000})
    people = [_with_news() for _ in range(6)]
    start = threading.Barrier(2)
    results: list[Counter] = []

    def worker():
        try:
            start.wait()
            results.append(_chunk(people))
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert sum(result["sent"] for result in results) == 6
    assert [_sent_to(person) for person in people] == [1] * 6


def test_one_row_per_member_frequency_and_period_is_enforced_by_the_database():
    person = UserFactory(digest_frequency=DAILY)
    today = _period()
    deliveries_create(frequency=DAILY, period=today, user_ids=[person.pk])
    deliveries_create(frequency=DAILY, period=today, user_ids=[person.pk])  # ignored, not an error

    with pytest.raises(IntegrityError), transaction.atomic():
        DigestDelivery.objects.create(user=person, frequency=DAILY, period=today)

    DigestDelivery.objects.create(user=person, frequency=WEEKLY, period=today)
    DigestDelivery.objects.create(user=person, frequency=DAILY, period=today + timedelta(days=1))
    assert DigestDelivery.objects.filter(user=person).count() == 3


def test_a_member_who_turned_digests_off_after_the_rows_were_written_gets_no_email():
    person = _with_news()
    deliveries_create(frequency=DAILY, period=_period(), user_ids=[person.pk])
    User.objects.filter(pk=person.pk).update(digest_frequency=User.Digest.OFF)

    result = _chunk([person])

    # Skipped, not "empty": their window stays where it was, so nothing is lost if they turn it back on.
    assert result["not_wanted"] == 1
    assert _row(person).state == D.SKIPPED
    assert _row(person).covered_to is None
    assert mail.outbox == []


# --- The sweep: what a dead worker or a lost task left behind -------------------------------------------
def test_a_digest_left_building_by_a_dead_worker_is_built_again_and_sent_once():
    person = _with_news()
    _left_behind(person, D.BUILDING, minutes=20)

    result = digests_sweep()
    again = digests_sweep(now=timezone.now() + timedelta(hours=1))

    assert (result["rebuilt"], result["sent"]) == (1, 1)
    assert again["sent"] == again["rebuilt"] == 0
    assert _row(person).state == D.SENT
    assert _sent_to(person) == 1


def test_a_digest_still_being_built_by_a_live_worker_is_left_alone():
    person = _with_news()
    _left_behind(person, D.BUILDING, minutes=5)

    result = digests_sweep()

    assert result["rebuilt"] == result["sent"] == 0
    assert _row(person).state == D.BUILDING
    assert mail.outbox == []


def test_a_digest_left_sending_by_a_dead_worker_is_given_up_and_never_sent_again():
    person = _with_news()
    _left_behind(person, D.SENDING, minutes=20)
    DigestDelivery.objects.filter(user=person).update(subject="Your daily digest: 1 new conversation")

    result = digests_sweep()
    later = [digests_sweep(now=timezone.now() + timedelta(hours=hours)) for hours in (1, 24)]
    rerun = _chunk([person])

    assert result["gave_up"] == 1
    row = _row(person)
    assert row.state == D.GAVE_UP
    assert "Interrupted while sending" in row.error
    assert all(sweep["sent"] == sweep["gave_up"] == 0 for sweep in later)
    assert rerun == Counter(skipped=1)
    assert mail.outbox == []


def test_a_worker_stopped_while_sending_gives_up_that_digest_only_and_the_sweep_sends_the_rest_once():
    people = [_with_news() for _ in range(4)]
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=KILLED_ON_SECOND), pytest.raises(Killed):
        _chunk(people, now=now)
    states = [_row(person).state for person in people]
    assert states == [D.SENT, D.SENDING, D.READY, D.READY]  # in id order: the order they are sent in

    result = digests_sweep(now=now + timedelta(minutes=20))
    again = digests_sweep(now=now + timedelta(hours=2))

    assert (result["gave_up"], result["sent"]) == (1, 2)
    assert again["sent"] == again["gave_up"] == 0
    assert [_row(person).state for person in people] == [D.SENT, D.GAVE_UP, D.SENT, D.SENT]
    assert [_row(person).attempts for person in people] == [1, 1, 1, 1]
    assert [_sent_to(person) for person in people] == [1, 0, 1, 1]


def _killed_mid_batch(people: list[User], claimed_at: datetime) -> None:
    """The rows as a worker killed outright (no handler ran) while sending its batch's second digest left
    them: one claim for the batch, the first recorded as sent, the rest still SENDING."""
    with override_settings(EMAIL_BACKEND=UNREACHABLE), pytest.raises(SMTPException):
        _chunk(people)
    rows = DigestDelivery.objects.filter(user__in=people).order_by("pk")
    rows.update(state=D.SENDING, claim="batch-of-dead-worker", claimed_at=claimed_at, attempts=1)
    DigestDelivery.objects.filter(pk=rows[0].pk).update(state=D.SENT)


def test_a_worker_killed_outright_mid_batch_sends_none_twice_and_the_never_tried_once():
    people = [_with_news() for _ in range(RECORD_EVERY + 3)]
    # Claimed after the database server last started (however recently it did), swept 20 minutes later.
    claimed_at = timezone.now()
    _killed_mid_batch(people, claimed_at=claimed_at)
    _, *unrecorded = DigestDelivery.objects.filter(user__in=people).order_by("pk")
    may_have_gone, untried = unrecorded[:RECORD_EVERY], unrecorded[RECORD_EVERY:]

    result = digests_sweep(now=claimed_at + timedelta(minutes=20))
    again = digests_sweep(now=claimed_at + timedelta(hours=2))

    assert (result["resumed"], result["gave_up"], result["sent"]) == (2, RECORD_EVERY, 2)
    assert again["sent"] == again["gave_up"] == again["resumed"] == 0
    assert {DigestDelivery.objects.get(pk=row.pk).state for row in may_have_gone} == {D.GAVE_UP}
    assert [DigestDelivery.objects.get(pk=row.pk).state for row in untried] == [D.SENT, D.SENT]
    assert len(mail.outbox) == 2  # the two never tried; the first went out before the worker died


def test_after_the_database_server_restarts_nothing_a_dead_worker_claimed_is_sent_again(postgres_only):
    """Outcomes are recorded without awaiting the disk: the last ones before a crash of the server may be
    lost, so a batch claimed before it started is given up whole rather than risk second copies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        (started,) = cursor.fetchone()
    people = [_with_news() for _ in range(3)]
    _killed_mid_batch(people, claimed_at=started - timedelta(minutes=1))

    result = digests_sweep()

    assert (result["resumed"], result["gave_up"], result["sent"]) == (0, 2, 0)
    assert mail.outbox == []


def test_a_digest_being_sent_right_now_is_left_alone():
    person = _with_news()
    _left_behind(person, D.SENDING, minutes=5)

    assert digests_sweep()["gave_up"] == 0
    assert _row(person).state == D.SENDING


def test_rows_whose_chunk_never_ran_are_delivered_by_the_sweep_and_only_once():
    late, fresh = _with_news(), _with_news()
    deliveries_create(frequency=DAILY, period=_period(), user_ids=[late.pk, fresh.pk])
    DigestDelivery.objects.filter(user=late).update(created_at=timezone.now() - timedelta(minutes=20))

    result = digests_sweep()
    second = digests_sweep()

    assert result["sent"] == 1
    assert second["sent"] == 0
    assert _row(late).state == D.SENT
    assert _row(fresh).state == D.PENDING  # its chunk may still be queued: the chunk will send it
    assert (_sent_to(late), _sent_to(fresh)) == (1, 0)
    assert _chunk([late, fresh])["sent"] == 1
    assert (_sent_to(late), _sent_to(fresh)) == (1, 1)


# --- A batch: claimed together, each outcome recorded as it comes ----------------------------------------
def _members_with_news(n: int) -> list[User]:
    """n daily members of one open community in which a conversation has just started."""
    place = community("open")
    people = [person_as("member", place, digest_frequency=DAILY) for _ in range(n)]
    thread_create(author=place.created_by, community=place, title="News for everyone", body="Read me")
    return people


def _states(people: list[User]) -> list[str]:
    return [_row(person).state for person in people]


def test_a_mail_server_failing_part_way_has_each_digest_recorded_sent_or_failed_and_none_lost_or_sent_twice(
    monkeypatch,
):
    monkeypatch.setattr(delivery_module, "SEND_BATCH", 25)
    people = _members_with_news(25 + 5)  # two batches
    # The 4th refused; the connection lost at the 28th: it and the two after it fail too.
    ScriptedBackend.script = ["ok"] * 3 + ["refuse"] + ["ok"] * 23 + ["drop"]
    now = timezone.now()

    with override_settings(EMAIL_BACKEND=SCRIPTED), CaptureQueriesContext(connection) as queries:
        result = _chunk(people, now=now)

    failed = [people[3], *people[27:]]
    assert (result["sent"], result["failed"]) == (26, 4)
    assert [_row(person).state == D.FAILED for person in people] == [person in failed for person in people]
    assert all(_row(person).state == D.SENT for person in people if person not in failed)
    assert [_sent_to(person) for person in people] == [int(person not in failed) for person in people]
    refused = _row(people[3])
    assert (refused.attempts, refused.retry_at, refused.sent_at) == (1, now + timedelta(minutes=5), None)
    assert "Mailbox unavailable" in refused.error
    assert all("Connection unexpectedly closed" in _row(person).error for person in people[27:])
    assert all(_row(person).sent_at == now and _row(person).error == "" for person in people[:3])
    # The build's claim and record; per batch one UPDATE claims it; the sent recorded RECORD_EVERY at a time
    # (24 in the first batch, 2 in the second), each refusal at once.
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 2 + 2 + -(-24 // RECORD_EVERY) + 1 + len(failed)

    retry = digests_sweep(now=now + timedelta(minutes=6))
    again = digests_sweep(now=now + timedelta(hours=3))

    assert (retry["sent"], again["sent"], again["failed"]) == (4, 0, 0)
    assert _states(people) == [D.SENT] * len(people)
    assert [_sent_to(person) for person in people] == [1] * len(people)
    assert [_row(person).attempts for person in people] == [2 if person in failed else 1 for person in people]


def test_a_worker_stopped_mid_batch_records_what_it_did_and_gives_up_only_the_digest_in_hand():
    people = _members_with_news(6)
    ScriptedBackend.script = ["ok", "refuse", "ok", "kill"]
    now = timezone.now()

    with override_settings(EMAIL_BACKEND=SCRIPTED), pytest.raises(Killed):
        _chunk(people, now=now)

    assert _states(people) == [D.SENT, D.FAILED, D.SENT, D.SENDING, D.READY, D.READY]
    assert [_row(person).attempts for person in people] == [1, 1, 1, 1, 0, 0]

    result = digests_sweep(now=now + timedelta(minutes=20))
    again = digests_sweep(now=now + timedelta(hours=3))

    # The one in hand when it stopped may have arrived: given up. The refused one (due) and the two never
    # tried are sent.
    assert (result["gave_up"], result["sent"], result["resumed"]) == (1, 3, 0)
    assert again["sent"] == again["gave_up"] == 0
    assert _states(people) == [D.SENT, D.SENT, D.SENT, D.GAVE_UP, D.SENT, D.SENT]
    assert [_sent_to(person) for person in people] == [1, 1, 1, 0, 1, 1]


def test_a_worker_killed_outright_gives_up_what_it_had_not_recorded_and_sends_none_twice(monkeypatch):
    """Killed outright (no handler gets to the database) while handing over the 7th digest of a batch of 12:
    the first five are recorded sent; the 6th (sent), the 7th (in hand) and the five never tried are left
    SENDING under the batch's claim."""
    people = _members_with_news(12)
    ScriptedBackend.script = ["ok"] * 6 + ["kill"]

    def dead(**_):
        raise Killed

    monkeypatch.setattr(delivery_module, "_on_the_way_out", dead)  # nothing runs on the way out
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=SCRIPTED), pytest.raises(Killed):
        _chunk(people, now=now)
    monkeypatch.undo()
    assert _states(people) == [D.SENT] * 5 + [D.SENDING] * 7
    assert len({_row(person).claim for person in people}) == 1  # the batch's one claim

    early = digests_sweep(now=now + timedelta(minutes=5))  # the worker may still be sending: left alone
    result = digests_sweep(now=now + timedelta(minutes=20))
    again = digests_sweep(now=now + timedelta(hours=3))

    assert early["gave_up"] == early["resumed"] == 0
    assert (result["gave_up"], result["resumed"], result["sent"]) == (RECORD_EVERY, 2, 2)
    assert again["sent"] == again["gave_up"] == 0
    # The first RECORD_EVERY unrecorded may have arrived (the 6th did): given up; the last two were never
    # tried: sent once.
    assert _states(people) == [D.SENT] * 5 + [D.GAVE_UP] * 5 + [D.SENT] * 2
    assert [_sent_to(person) for person in people] == [1] * 6 + [0] * 4 + [1] * 2


def test_a_batch_records_its_outcomes_without_waiting_for_the_disk_and_its_claim_waiting(postgres_only):
    people = _members_with_news(3)
    with CaptureQueriesContext(connection) as queries:
        _chunk(people)
    statements = [q["sql"] for q in queries.captured_queries]
    claim = next(i for i, sql in enumerate(statements) if "SET \"state\" = 'sending'" in sql)
    off = statements.index("SET synchronous_commit = off")
    assert claim < off < statements.index("RESET synchronous_commit")
    with connection.cursor() as cursor:  # and the connection is left as it was found
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert _states(people) == [D.SENT] * 3


# --- Failed sends: recorded, retried with backoff, given up after five attempts -------------------------
def test_a_refused_send_is_recorded_and_retried_five_minutes_later():
    person = _with_news()
    now = timezone.now()

    with override_settings(EMAIL_BACKEND=REFUSING):
        result = _chunk([person], now=now)

    assert result["failed"] == 1
    row = _row(person)
    assert (row.state, row.attempts) == (D.FAILED, 1)
    assert row.retry_at == now + timedelta(minutes=5)
    assert "550 Mailbox unavailable" in row.error
    assert row.subject == "Your daily digest: 1 new conversation"
    assert mail.outbox == []


def test_the_sweep_retries_a_failed_send_only_when_it_is_due_and_then_sends_it_once():
    person = _with_news()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=REFUSING):
        _chunk([person], now=now)
    stored = _row(person)

    early = digests_sweep(now=now + timedelta(minutes=4))
    assert early["sent"] == early["failed"] == 0
    assert _row(person).attempts == 1
    due = digests_sweep(now=now + timedelta(minutes=6))
    after = digests_sweep(now=now + timedelta(hours=2))

    assert due["sent"] == 1
    assert after["sent"] == 0
    row = _row(person)
    assert (row.state, row.attempts, row.error) == (D.SENT, 2, "")
    (message,) = mail.outbox
    assert message.subject == stored.subject
    # The same Message-ID as the refused attempt: a mail system that did take it sees one message.
    assert message.extra_headers["Message-ID"] == message_id("digest", row.pk, row.created_at)


def test_after_five_refused_attempts_a_digest_is_given_up():
    person = _with_news()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=REFUSING):
        _chunk([person], now=now)
        retries = []
        moment = now
        for _ in range(4):
            moment = _row(person).retry_at
            retries.append(moment - now)
            digests_sweep(now=moment)
        later = digests_sweep(now=moment + timedelta(days=1))

    row = _row(person)
    assert (row.state, row.attempts) == (D.GAVE_UP, 5)
    # Backoff from the first failure: 5, then 10, 20 and 40 minutes more.
    assert retries == [timedelta(minutes=minutes) for minutes in (5, 15, 35, 75)]
    assert later["failed"] == later["sent"] == 0
    assert RefusingBackend.attempts == 5
    assert mail.outbox == []


def test_a_failed_send_whose_retry_time_has_not_come_is_not_claimed():
    person = _with_news()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=REFUSING):
        _chunk([person], now=now)

    later = now + timedelta(minutes=4)
    assert delivery_send(delivery=_row(person), user=person, now=later, recheck=True) == "skipped"

    row = _row(person)
    assert (row.state, row.attempts, row.retry_at) == (D.FAILED, 1, now + timedelta(minutes=5))
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("attempts_before", "state", "wait"),
    [(2, D.FAILED, timedelta(minutes=20)), (MAX_ATTEMPTS - 1, D.GAVE_UP, None)],
    ids=["third-attempt", "last-attempt"],
)
def test_the_attempt_count_after_a_refused_send_is_the_rows_plus_one_even_from_an_earlier_copy(
    attempts_before, state, wait
):
    person = _with_news()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=UNREACHABLE), pytest.raises(SMTPException):
        _chunk([person], now=now)
    copy = _row(person)  # built, never sent: it says 0 attempts
    DigestDelivery.objects.filter(pk=copy.pk).update(state=D.FAILED, attempts=attempts_before, retry_at=now)

    with override_settings(EMAIL_BACKEND=REFUSING):
        assert delivery_send(delivery=copy, user=person, now=now, recheck=True) == "failed"

    row = _row(person)
    assert (row.state, row.attempts) == (state, attempts_before + 1)
    if wait:  # the backoff of the row's third attempt, not of a first
        assert row.retry_at == now + wait


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second_waits", [False, True], ids=["at-once", "just-after-the-first-failed"])
def test_two_workers_retrying_a_due_digest_one_claims_it_and_counts_one_attempt(postgres_only, second_waits):
    HubSettings.objects.update_or_create(pk=1, defaults={"posts_per_minute": 10_000})
    person = _with_news()
    refused_at = timezone.now()
    with override_settings(EMAIL_BACKEND=REFUSING):
        _chunk([person], now=refused_at)
    now = refused_at + timedelta(minutes=6)  # the retry is due
    start, first_done = threading.Barrier(2), threading.Event()
    outcomes: list[str] = []

    def worker(second: bool) -> None:
        try:
            # Each worker's copy, read before either claims: a sweep's list, as two sweeps overlap.
            copy = DigestDelivery.objects.select_related("user").get(user=person)
            start.wait()
            if second and second_waits:
                first_done.wait(timeout=30)
            outcomes.append(delivery_send(delivery=copy, user=copy.user, now=now, recheck=True))
        finally:
            if not second:
                first_done.set()
            connection.close()

    with override_settings(EMAIL_BACKEND=REFUSING):
        workers = [threading.Thread(target=worker, args=(second,)) for second in (False, True)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()

    assert sorted(outcomes) == ["failed", "skipped"]
    row = _row(person, _period(refused_at))
    assert (row.state, row.attempts) == (D.FAILED, 2)
    assert row.retry_at == now + timedelta(minutes=10)
    assert RefusingBackend.attempts == 2  # the first refusal, and one retry


def test_digests_built_when_the_mail_server_cannot_be_reached_are_sent_once_it_is_back():
    person = _with_news()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=UNREACHABLE), pytest.raises(SMTPException):
        _chunk([person], now=now)
    assert _row(person).state == D.READY
    _chunk([person], now=now)  # Celery's autoretry runs the chunk again

    digests_sweep(now=now + timedelta(minutes=20))

    assert _sent_to(person) == 1


def _refused(private: Community, *, also_open: bool = True) -> tuple[User, datetime]:
    """A member with a new conversation in a private community (and in an open one), whose digest was
    refused by the mail server; and when."""
    person = person_as("member", private, digest_frequency=DAILY)
    thread_create(author=private.created_by, community=private, title="SECRET plans", body="Shh")
    if also_open:
        open_place = community("open")
        MembershipFactory(community=open_place, user=person)
        thread_create(author=open_place.created_by, community=open_place, title="Open plans", body="Hi")
    now = timezone.now()
    with override_settings(EMAIL_BACKEND=REFUSING):
        _chunk([person], now=now)
    assert _row(person).state == D.FAILED
    return person, now


def test_a_retried_digest_leaves_out_what_the_member_may_no_longer_read():
    private = community("private")
    person, now = _refused(private)
    membership_remove(actor=private.created_by, community=private, user=person, reason="Left the council")

    result = digests_sweep(now=now + timedelta(minutes=6))

    assert result["sent"] == 1
    (message,) = mail.outbox
    assert "Open plans" in message.body
    assert "SECRET" not in message.body + message.subject + message.alternatives[0][0]


def test_a_retried_digest_that_withheld_items_says_in_its_subject_what_it_still_holds():
    private = community("private")
    person, now = _refused(private)
    assert _row(person).subject == "Your daily digest: 2 new conversations"
    membership_remove(actor=private.created_by, community=private, user=person, reason="Left the council")

    digests_sweep(now=now + timedelta(minutes=6))

    (message,) = mail.outbox
    assert message.subject == "Your daily digest: 1 new conversation"


def test_a_retried_digest_with_nothing_still_readable_or_no_longer_wanted_is_not_sent():
    private = community("private")
    removed, now = _refused(private, also_open=False)
    membership_remove(actor=private.created_by, community=private, user=removed, reason="Left the council")
    turned_off, _ = _refused(community("private"))
    User.objects.filter(pk=turned_off.pk).update(digest_frequency=User.Digest.OFF)

    result = digests_sweep(now=now + timedelta(minutes=6))

    assert result["empty"] == 2
    assert result["sent"] == 0
    assert mail.outbox == []
    assert _row(removed).state == D.EMPTY  # covered: nothing in it was still theirs to read
    assert _row(turned_off).state == D.SKIPPED  # not covered: their window stays put


# --- manage.py send_digests -------------------------------------------------------------------------------
def _command(*arguments: str) -> str:
    out = StringIO()
    call_command("send_digests", *arguments, stdout=out)
    return out.getvalue()


@pytest.fixture
def hub():
    """Two daily members (one with news, one without), a weekly one with news and an unverified one."""
    place = community("open")
    people = {
        "news": person_as("member", place, digest_frequency=DAILY),
        "quiet": person_as("member", community("open"), digest_frequency=DAILY),
        "weekly": person_as("member", place, digest_frequency=WEEKLY),
        "unverified": person_as("member", place, digest_frequency=DAILY, verified_email=False),
    }
    thread_create(author=place.created_by, community=place, title="News for the members", body="Read me")
    return people


def test_the_command_sends_this_periods_digests_and_says_what_it_did(hub):
    label = f"Daily digests for {_period():%A %-d %B %Y}"

    first = _command("--frequency", "daily")
    second = _command("--frequency", "daily")

    assert first == (
        f"{label}: 1 sent, 1 with nothing new (no email), 0 failed (will be retried), 0 already done, "
        "out of 2 members.\n"
    )
    assert second == (
        f"{label}: 0 sent, 0 with nothing new (no email), 0 failed (will be retried), 2 already done, "
        "out of 2 members.\n"
    )
    assert [message.to for message in mail.outbox] == [[hub["news"].email]]
    assert set(DigestDelivery.objects.values_list("user_id", "state")) == {
        (hub["news"].pk, D.SENT),
        (hub["quiet"].pk, D.EMPTY),
    }


def test_the_command_reports_a_refused_send(hub):
    with override_settings(EMAIL_BACKEND=REFUSING):
        out = _command("--frequency", "daily")

    assert ": 0 sent, 1 with nothing new (no email), 1 failed (will be retried), 0 already done," in out
    assert _row(hub["news"]).state == D.FAILED


def test_a_dry_run_lists_what_would_be_sent_and_sends_and_records_nothing(hub):
    out = _command("--frequency", "daily", "--dry-run")

    assert f"{hub['news'].email}: Your daily digest: 1 new conversation\n" in out
    assert f"{hub['quiet'].email}: nothing new\n" in out
    assert hub["weekly"].email not in out
    assert hub["unverified"].email not in out
    assert out.endswith("(dry run, nothing sent): 1 would be sent, out of 2 members.\n")
    assert mail.outbox == []
    assert not DigestDelivery.objects.exists()


def test_the_command_can_send_to_one_member_only(hub):
    out = _command("--frequency", "daily", "--user", hub["news"].email.upper())

    assert out.endswith(
        ": 1 sent, 0 with nothing new (no email), 0 failed (will be retried), 0 already done, "
        "out of 1 members.\n"
    )
    assert [message.to for message in mail.outbox] == [[hub["news"].email]]
    assert list(DigestDelivery.objects.values_list("user_id", flat=True)) == [hub["news"].pk]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("nobody@example.test", "No member has the email address nobody@example.test."),
        ("weekly", "chose weekly, on monday at 7am, not the daily digest."),
        ("unverified", "has not confirmed that address: no digest is sent to it."),
    ],
)
def test_the_command_refuses_a_member_it_cannot_send_the_digest_to_and_says_why(hub, who, message):
    email = hub[who].email if who in hub else who

    with pytest.raises(CommandError, match=message):
        _command("--frequency", "daily", "--user", email)

    assert mail.outbox == []
    assert not DigestDelivery.objects.exists()


def test_the_command_refuses_a_deactivated_member(hub):
    User.objects.filter(pk=hub["news"].pk).update(is_active=False)

    with pytest.raises(CommandError, match="is deactivated or erased: they get no email"):
        _command("--frequency", "daily", "--user", hub["news"].email)


# --- Beat, periods and the fan-out task -------------------------------------------------------------------
def _scheduled(frequency: str) -> crontab:
    (entry,) = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "khub.send_digests" and tuple(entry.get("args", ())) == (frequency,)
    ]
    return entry["schedule"]


def test_beat_sends_daily_digests_at_seven_and_weekly_ones_on_monday_at_seven_uk_time():
    daily, weekly = _scheduled("daily"), _scheduled("weekly")

    assert (daily.hour, daily.minute, daily.day_of_week) == ({7}, {0}, set(range(7)))
    assert (weekly.hour, weekly.minute, weekly.day_of_week) == ({7}, {0}, {1})
    assert settings.CELERY_TIMEZONE == app.conf.timezone == "Europe/London"
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
    sweeps = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "khub.digests_sweep"
    ]
    assert len(sweeps) == 1
    assert sweeps[0]["schedule"] <= 15 * 60  # well within the sweep's 15 minutes of staleness


@pytest.mark.parametrize(
    ("moment", "daily", "weekly"),
    [
        # 07:00 in London in summer is 06:00 UTC; the day and its Monday are London's.
        ("2025-06-11T06:00:00+00:00", date(2025, 6, 11), date(2025, 6, 9)),
        # Sunday 23:30 UTC in summer is already Monday in London.
        ("2025-06-15T23:30:00+00:00", date(2025, 6, 16), date(2025, 6, 16)),
        ("2025-01-19T23:30:00+00:00", date(2025, 1, 19), date(2025, 1, 13)),
    ],
)
def test_a_digest_period_is_the_london_day_or_the_monday_that_starts_its_week(moment, daily, weekly):
    at = datetime.fromisoformat(moment)

    assert period_for(frequency=DAILY, moment=at) == daily
    assert period_for(frequency=WEEKLY, moment=at) == weekly


def test_the_fan_out_task_writes_every_recipients_row_and_its_chunks_send_the_digests(hub, monkeypatch):
    monkeypatch.setattr("khub.digests.delivery.CHUNK_SIZE", 1)  # two chunks for the two daily members

    queued = tasks.send_digests.delay(DAILY).get()

    assert queued == 2
    assert [message.to for message in mail.outbox] == [[hub["news"].email]]
    assert dict(DigestDelivery.objects.values_list("user_id", "state")) == {
        hub["news"].pk: D.SENT,
        hub["quiet"].pk: D.EMPTY,
    }


def test_with_the_broker_down_the_fan_out_leaves_rows_that_the_sweep_delivers(hub, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_digest_chunk, "delay", unreachable)
    with pytest.raises(OperationalError):
        tasks.send_digests(DAILY)
    assert set(DigestDelivery.objects.values_list("state", flat=True)) == {D.PENDING}
    monkeypatch.undo()

    result = tasks.digests_sweep.delay().get()
    assert result.get("sent", 0) == 0  # written moments ago: their chunk may yet run
    swept = digests_sweep(now=timezone.now() + timedelta(minutes=16))

    assert swept["sent"] == 1
    assert [message.to for message in mail.outbox] == [[hub["news"].email]]
