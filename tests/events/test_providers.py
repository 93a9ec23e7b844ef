"""Events in the home feed (events.providers.feed) and in the inbox's notices: an event of a private
community is news only to those who may read it, announced in their own communities; a cancelled one says
so; the statement (PostgreSQL) and the queryset (elsewhere) give the same rows; the home page's queries do
not grow with the events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import HubSettings
from communities.permissions import standing_annotations as permissions_standing
from communities.services.conversations import post_reply
from communities.services.membership import membership_leave
from core.dates import exact
from core.providers.feed import statement_rows
from events.models import Event
from events.providers import feed as events_feed
from events.services.events import event_cancel
from khub.feed import activity_feed
from profiles.extensions import notices_mark_available
from profiles.models import Notification, User
from profiles.selectors import standing_annotations as profile_standing
from tests.communities.helpers import community, person_as
from tests.events.helpers import event
from tests.factories import AdminFactory, MembershipFactory
from tests.khub.test_feed import FEED_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # Each event starts its questions thread: the builders post far more than a person may in a minute.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _announced(viewer) -> list:
    return [item for item in activity_feed(viewer=viewer)[0] if item.kind == "event_announced"]


def _titles(viewer) -> list[str]:
    return [item.title for item in _announced(viewer)]


@pytest.mark.parametrize(
    ("relation", "shown"),
    [
        ("member", True),
        ("facilitator", True),
        ("outsider", False),
        ("invited", False),
        ("requester", False),
        ("left", False),
        ("banned", False),
        ("site_admin", False),  # reads everything, but the feed lists only their own communities' news
    ],
)
@pytest.mark.parametrize("visibility", ["open", "restricted", "private"])
def test_an_event_is_news_to_the_members_of_its_community_only(visibility, relation, shown):
    place = community(visibility)
    organiser = person_as("facilitator", place)
    event(organiser=organiser, community=place, title="Winter gritting call")
    viewer = person_as(relation, place)
    assert _titles(viewer) == (["Winter gritting call"] if shown else [])


def test_the_item_says_who_announced_which_event_where_and_when_it_is():
    place = community("private", name="Highways officers")
    organiser = person_as("facilitator", place, display_name="Priya Shah")
    announced = event(organiser=organiser, community=place, title="Winter gritting call")
    viewer = person_as("member", place)

    (item,) = _announced(viewer)

    assert (item.actor, item.text, item.where) == ("Priya Shah", "announced an event", "Highways officers")
    assert str(item.url) == announced.get_absolute_url()
    assert str(item.where_url) == place.get_absolute_url()
    assert item.note == f"on {exact(announced.starts_at)}"  # "on 14 May 2026 at 10:00", London time
    assert item.excerpt == "We compare notes on what worked."  # the description as plain text
    assert item.label == "Event"


def test_a_cancelled_event_says_so_in_the_feed(client):
    place = community("open")
    organiser = person_as("facilitator", place)
    cancelled = event(organiser=organiser, community=place, title="Winter gritting call")
    event_cancel(actor=organiser, event=cancelled, reason="The speaker is ill")
    viewer = person_as("member", place)

    (item,) = _announced(viewer)
    assert item.note.startswith("Cancelled")
    client.force_login(viewer)
    assert "Cancelled (it was on" in client.get(reverse("home")).text


def test_the_organiser_is_not_told_of_their_own_event():
    place = community("private")
    organiser = person_as("facilitator", place)
    event(organiser=organiser, community=place)
    assert _announced(organiser) == []


def test_a_member_who_leaves_a_private_community_stops_seeing_its_events_at_once():
    place = community("private")
    event(organiser=person_as("facilitator", place), community=place, title="Members only")
    viewer = person_as("member", place)
    assert _titles(viewer) == ["Members only"]
    membership_leave(user=viewer, community=place)
    assert _titles(User.objects.get(pk=viewer.pk)) == []


def test_the_events_questions_thread_is_not_news_until_others_reply():
    """The event's own item stands for its discussion; once someone asks a question it is a conversation."""
    place = community("open")
    organiser = person_as("facilitator", place)
    announced = event(organiser=organiser, community=place, title="Winter gritting call")
    viewer = person_as("member", place)
    assert [item.kind for item in activity_feed(viewer=viewer)[0]] == ["event_announced"]

    post_reply(author=person_as("member", place), thread=announced.discussion, body="Is it recorded?")

    assert {item.kind for item in activity_feed(viewer=viewer)[0]} == {"event_announced", "thread_busy"}


def test_older_pages_carry_on_from_the_cursor():
    place = community("open")
    organiser = person_as("facilitator", place)
    for number in range(5):
        made = event(organiser=organiser, community=place, title=f"Event {number}")
        Event.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(hours=number))
    viewer = person_as("member", place)

    first, cursor = activity_feed(viewer=viewer, limit=3)
    second, _ = activity_feed(viewer=viewer, before=cursor, limit=3)

    assert [item.title for item in first] == ["Event 0", "Event 1", "Event 2"]
    assert [item.title for item in second] == ["Event 3", "Event 4"]


def test_the_statement_and_the_queryset_give_the_same_rows_to_every_viewer(postgres_only):
    place, elsewhere = community("private"), community("open")
    for where in (place, elsewhere):
        organiser = person_as("facilitator", where)
        for number in range(3):
            made = event(organiser=organiser, community=where, title=f"{where.name} {number}")
        event_cancel(actor=organiser, event=made, reason="Snow")
    viewers = [
        person_as(relation, place) for relation in ("member", "outsider", "invited", "left", "facilitator")
    ]
    both = person_as("member", place)
    MembershipFactory(community=elsewhere, user=both)
    viewers += [both, AdminFactory(), place.created_by]
    middle = Event.objects.order_by("created_at")[3].created_at
    standing = {**permissions_standing(), **profile_standing()}
    shown = 0
    for viewer in viewers:
        for user in (viewer, User.objects.annotate(**standing).get(pk=viewer.pk)):
            for before, rows in ((None, 21), (middle, 21), (None, 2)):
                values = events_feed.feed_params(user, before, rows)
                expected = list(events_feed._announced_portable(user, before, rows))
                if not values["viewer_member_of"]:
                    assert expected == []
                    continue
                found = statement_rows(events_feed._announced_statement(("viewer_member_of",)), values)
                assert found == expected, viewer.email
                shown += len(found)
    assert shown > 20


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


def _events(place, count: int) -> None:
    organiser = person_as("facilitator", place)
    for number in range(count):
        made = event(organiser=organiser, community=place, title=f"Event {count}-{number}")
        if number % 3 == 0:
            event_cancel(actor=organiser, event=made, reason="Snow")


def test_the_home_page_runs_the_same_queries_for_2_or_30_events(client, django_assert_max_num_queries):
    place, other = community("private"), community("open")
    viewer = person_as("member", place)
    MembershipFactory(community=other, user=viewer)
    client.force_login(viewer)
    _events(place, 2)
    client.get(reverse("home"))
    small = _home_queries(client)
    _events(place, 30)
    _events(other, 30)
    _events(community("private"), 30)  # nobody's news here: never read
    assert _home_queries(client) == small
    with django_assert_max_num_queries(FEED_QUERIES):
        response = client.get(reverse("home"))
    assert len([item for item in response.context["feed"] if item.kind == "event_announced"]) == 20


def test_a_notice_about_an_event_is_hidden_once_the_member_may_no_longer_read_it():
    place = community("private")
    viewer = person_as("member", place)
    event(organiser=person_as("facilitator", place), community=place, title="Members only")
    notice = Notification.objects.get(recipient=viewer, kind="events.created")
    assert notices_mark_available(viewer, [notice])[0].available

    membership_leave(user=viewer, community=place)

    assert not notices_mark_available(viewer, [Notification.objects.get(pk=notice.pk)])[0].available
