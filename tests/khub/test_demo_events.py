"""The demo events seeded by `manage.py seed_demo` (khub/demo/events.py).

As in test_demo_conversations, the seed runs once for the module inside a transaction rolled back at the end;
each test runs in its own savepoint, so the test that seeds again changes nothing for the others.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone

from communities import permissions as community_permissions
from communities.models import Community, Post, Thread
from events import permissions
from events.models import Event, EventEmail, Rsvp
from khub.demo.events import EVENTS
from profiles.models import Notification, User

RS = Rsvp.State


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, _media_root):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, MEDIA_ROOT=_media_root):  # its files in the test run's folder
            call_command("seed_demo")
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def _login(name: str) -> User:
    return User.objects.get(email=f"{name}@demo.khub.test")


def test_every_demo_event_is_made_in_several_communities_past_and_upcoming():
    now = timezone.now()
    assert Event.objects.count() == len(EVENTS) >= 15
    assert Event.objects.values("community").distinct().count() >= 6
    assert Event.objects.filter(starts_at__lt=now).count() >= 4
    assert Event.objects.filter(starts_at__gt=now, status=Event.Status.SCHEDULED).count() >= 8
    assert set(Event.objects.values_list("community__visibility", flat=True)) == {
        "open",
        "restricted",
        "private",
    }


def test_demo_events_are_online_in_person_and_both_with_uk_venues_and_https_links():
    formats = Event.objects.values("format").annotate(n=Count("pk"))
    assert {row["format"]: row["n"] > 0 for row in formats} == {
        "online": True,
        "in_person": True,
        "hybrid": True,
    }
    for event in Event.objects.all():
        assert event.is_online == bool(event.joining_url), event.title
        assert not event.joining_url or event.joining_url.startswith("https://")
        assert event.is_in_person == bool(event.venue and event.postcode), event.title
        assert event.description_html
        assert event.ends_at > event.starts_at
        assert event.discussion is not None
        assert event.region
    assert Event.objects.filter(joining_url__startswith="https://teams.microsoft.com/l/meetup-join/").exists()
    assert Event.objects.filter(postcode="LS1 1UR", venue="Leeds Civic Hall").exists()


def test_upcoming_demo_events_start_at_their_london_time_on_the_hour_or_half_hour():
    for event in Event.objects.all():
        local = timezone.localtime(event.starts_at)
        assert local.minute in (0, 30), event.title
        assert 9 <= local.hour <= 15, event.title


def test_one_demo_event_is_full_with_a_waiting_list_in_the_order_people_replied():
    full = [event for event in Event.objects.filter(status=Event.Status.SCHEDULED) if event.is_full()]
    assert len(full) == 1
    event = full[0]
    assert event.starts_at > timezone.now()
    assert event.going_count == event.capacity == 8
    assert event.waiting_count == 3
    waiting = list(
        Rsvp.objects.filter(event=event, state=RS.WAITING)
        .order_by("updated_at", "pk")
        .values_list("user", flat=True)
    )
    assert waiting[1] == _login("member").pk  # second in the queue
    assert (
        max(Rsvp.objects.filter(event=event, state=RS.GOING).values_list("updated_at", flat=True))
        < Rsvp.objects.get(event=event, user_id=waiting[0]).updated_at
    )


def test_every_events_counts_are_its_replies():
    for event in Event.objects.annotate(
        going=Count("rsvps", filter=Q(rsvps__state=RS.GOING)),
        waiting=Count("rsvps", filter=Q(rsvps__state=RS.WAITING)),
    ):
        assert (event.going_count, event.waiting_count) == (event.going, event.waiting), event.title
        assert event.capacity is None or event.going_count <= event.capacity


def test_everyone_replying_takes_part_in_the_community():
    for rsvp in Rsvp.objects.select_related("event__community", "user"):
        assert community_permissions.can_participate(user=rsvp.user, community=rsvp.event.community)
        assert rsvp.event.created_at <= rsvp.created_at == rsvp.updated_at <= timezone.now()
        assert rsvp.created_at <= rsvp.event.starts_at


def test_one_demo_event_is_cancelled_with_its_reason_and_its_emails_are_not_left_to_send():
    cancelled = Event.objects.get(status=Event.Status.CANCELLED)
    assert len(cancelled.cancel_reason) > 40
    assert cancelled.starts_at > timezone.now() > cancelled.cancelled_at > cancelled.created_at
    assert cancelled.sequence == 1
    emails = EventEmail.objects.filter(event=cancelled)
    assert emails.count() == cancelled.going_count == 2
    assert not EventEmail.objects.exclude(state=EventEmail.State.SENT).exists()
    assert Notification.objects.filter(kind="events.cancelled", target_id=cancelled.pk).count() == 2


def test_some_past_demo_events_have_notes_and_none_ahead_does():
    now = timezone.now()
    past = Event.objects.filter(ends_at__lt=now)
    assert past.exclude(notes="").count() >= 3
    assert past.filter(notes="").exists()
    assert past.filter(notes_html__contains="<a href=").exists()
    assert not Event.objects.filter(starts_at__gt=now).exclude(notes="").exists()
    assert not Event.objects.filter(created_at__gt=F("starts_at")).exists()
    assert not Event.objects.filter(created_at__lt=F("community__created_at")).exists()


def test_the_demo_member_is_going_to_several_events_and_waiting_for_one():
    member, facilitator = _login("member"), _login("facilitator")
    now = timezone.now()
    going = Event.objects.filter(rsvps__user=member, rsvps__state=RS.GOING)
    assert going.filter(starts_at__gt=now).count() >= 4
    assert going.filter(starts_at__lt=now).count() >= 3
    assert Rsvp.objects.filter(user=member, state=RS.WAITING).count() == 1
    assert Event.objects.filter(rsvps__user=facilitator, rsvps__state=RS.GOING).count() >= 3
    assert not Rsvp.objects.filter(user=_login("outsider")).exists()
    # Nothing member@ is going to is hidden from them; the private community's events are.
    assert not going.exclude(pk__in=permissions.readable_events(member)).exists()
    heads = Community.objects.get(slug="heads-of-digital")
    assert not permissions.readable_events(member).filter(community=heads).exists()
    assert permissions.readable_events(facilitator).filter(community=heads).exists()


def test_the_demo_events_discussions_and_notices_are_dated_with_the_announcement():
    for event in Event.objects.select_related("discussion__opening_post"):
        assert event.discussion.created_at == event.created_at
        assert event.discussion.opening_post.created_at == event.created_at
        assert event.discussion.opening_post.notified_at is not None
    announced = Notification.objects.filter(kind="events.created")
    assert announced.exists()
    assert not announced.filter(created_at__gt=timezone.now() - timedelta(days=1)).exists()
    assert announced.filter(read_at__isnull=False).exists()
    assert not Post.objects.filter(notified_at__isnull=True).exists()
    for community in Community.objects.filter(events__isnull=False).distinct():
        assert community.last_activity_at == max(
            t.last_activity_at for t in Thread.objects.filter(community=community)
        )


@override_settings(DEBUG=True)
def test_rerunning_the_seed_adds_no_event_or_reply_twice():
    models = (Event, Rsvp, EventEmail, Thread, Notification)
    before = [model.objects.count() for model in models]
    call_command("seed_demo")
    assert [model.objects.count() for model in models] == before
