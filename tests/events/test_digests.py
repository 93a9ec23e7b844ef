"""Events in activity digests (events.providers.digests): "New events" announced in the member's own
communities since their last digest, and "Coming up", the events they are going to in the week after it;
never an event they may not read; the builder's queries do not grow with the members or the events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import HubSettings
from communities.services.membership import membership_leave, memberships_digest_set
from events.models import Event
from events.services.events import event_cancel
from events.services.rsvps import rsvp_set
from khub.digests.content import digests_build
from khub.digests.delivery import deliver_chunk, period_for, with_history
from khub.models import DigestDelivery
from profiles.models import User
from tests.communities.helpers import community, person_as
from tests.events.helpers import event
from tests.factories import MembershipFactory, UserFactory
from tests.khub.test_digests import BUILD_QUERIES

pytestmark = pytest.mark.django_db

DAILY = DigestDelivery.Frequency.DAILY


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # Each event starts its questions thread: the builders post far more than a person may in a minute.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _reader(relation: str, place, **fields) -> User:
    return person_as(relation, place, digest_frequency=DAILY, **fields)


def _digest(person: User, now=None) -> DigestDelivery:
    """Build and send this member's daily digest as the chunk task does; the delivery row afterwards."""
    now = now or timezone.now()
    period = period_for(frequency=DAILY, moment=now)
    deliver_chunk(frequency=DAILY, period=period, user_ids=[person.pk], now=now)
    return DigestDelivery.objects.get(user=person, frequency=DAILY, period=period)


def _keys(delivery: DigestDelivery, section: str) -> set[str]:
    return {item["key"] for part in delivery.sections if part["name"] == section for item in part["items"]}


def _in_days(days: float, **overrides) -> dict:
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1), **overrides}


def _going(place, person: User, days: float = 3, **overrides) -> Event:
    made = event(organiser=person_as("facilitator", place), community=place, **_in_days(days, **overrides))
    rsvp_set(user=person, event=made, going=True)
    return made


@pytest.mark.parametrize(
    ("relation", "listed"),
    [
        ("member", True),
        ("facilitator", True),
        ("outsider", False),
        ("invited", False),
        ("requester", False),
        ("left", False),
        ("banned", False),
    ],
)
@pytest.mark.parametrize("visibility", ["open", "restricted", "private"])
def test_new_events_reach_the_members_of_their_community_only(visibility, relation, listed):
    place = community(visibility)
    reader = _reader(relation, place)
    made = event(organiser=person_as("facilitator", place), community=place, title="Winter gritting call")

    delivery = _digest(reader)

    assert _keys(delivery, "events") == ({f"event:{made.pk}"} if listed else set())
    if not listed:
        assert "Winter gritting call" not in str(delivery.sections) + delivery.subject


def test_a_new_event_says_when_it_is_where_and_who_announced_it():
    place = community("private", name="Highways officers")
    reader = _reader("member", place)
    made = event(
        organiser=person_as("facilitator", place, display_name="Priya Shah"),
        community=place,
        title="Winter gritting call",
    )

    delivery = _digest(reader)

    (section,) = delivery.sections
    (item,) = section["items"]
    assert section["heading"] == "New events"
    assert delivery.subject == "Your daily digest: 1 new event"
    assert item["title"] == "Winter gritting call"
    assert item["path"] == made.get_absolute_url()
    assert item["where"] == "Highways officers"
    assert item["detail"].endswith("· Online · Announced by Priya Shah")


def test_the_organiser_a_cancelled_event_and_a_muted_community_are_not_new_events():
    place, quiet = community("open"), community("open")
    organiser = _reader("facilitator", place)
    MembershipFactory(community=quiet, user=organiser)
    memberships_digest_set(user=organiser, included_ids=[place.pk])
    event(organiser=organiser, community=place, title="Their own")
    cancelled = event(organiser=person_as("facilitator", place), community=place, title="Called off")
    event_cancel(actor=cancelled.organiser, event=cancelled, reason="Snow")
    event(organiser=person_as("facilitator", quiet), community=quiet, title="Muted")

    assert _keys(_digest(organiser), "events") == set()


def test_coming_up_lists_the_events_they_are_going_to_in_the_next_week_soonest_first():
    place, elsewhere = community("open"), community("private")
    reader = _reader("member", place)
    MembershipFactory(community=elsewhere, user=reader)
    memberships_digest_set(user=reader, included_ids=[place.pk])  # muted: still coming up, they are going
    later = _going(place, reader, days=5, title="Later")
    sooner = _going(elsewhere, reader, days=2, title="Sooner")
    _going(place, reader, days=9, title="Next fortnight")
    not_going = event(organiser=person_as("facilitator", place), community=place, **_in_days(3))
    rsvp_set(user=reader, event=not_going, going=False)
    called_off = _going(place, reader, days=4)
    event_cancel(actor=called_off.organiser, event=called_off, reason="Snow")

    delivery = _digest(reader)

    coming = next(section for section in delivery.sections if section["name"] == "coming_up")
    assert [item["title"] for item in coming["items"]] == ["Sooner", "Later"]
    assert coming["heading"] == "Coming up"
    assert [item["path"] for item in coming["items"]] == [sooner.get_absolute_url(), later.get_absolute_url()]
    assert coming["items"][0]["detail"] == "You are going · Online"
    assert delivery.sections[0]["name"] == "coming_up"


def test_an_event_they_no_longer_may_read_is_not_coming_up():
    place = community("private")
    reader = _reader("member", place)
    _going(place, reader, title="Members only")
    membership_leave(user=reader, community=place)

    delivery = _digest(reader)

    assert _keys(delivery, "coming_up") == set()
    assert "Members only" not in str(delivery.sections)


def test_an_event_listed_once_is_not_listed_again_unless_it_moves():
    place = community("open")
    reader = _reader("member", place)
    made = _going(place, reader, days=3)
    first = _digest(reader)
    assert _keys(first, "events") == {f"event:{made.pk}"}
    assert len(_keys(first, "coming_up")) == 1

    second = _digest(reader, now=timezone.now() + timedelta(days=1))
    assert _keys(second, "events") == set()
    assert _keys(second, "coming_up") == set()

    Event.objects.filter(pk=made.pk).update(starts_at=made.starts_at + timedelta(hours=2))
    third = _digest(reader, now=timezone.now() + timedelta(days=2))
    assert len(_keys(third, "coming_up")) == 1


def test_the_browser_page_withholds_an_event_the_member_may_no_longer_read(client):
    place = community("private")
    reader = _reader("member", place)
    event(organiser=person_as("facilitator", place), community=place, title="Members only")
    delivery = _digest(reader)
    assert delivery.state == DigestDelivery.State.SENT
    membership_leave(user=reader, community=place)

    client.force_login(reader)
    response = client.get(reverse("digest", kwargs={"delivery_id": delivery.pk}))

    assert "Members only" not in response.text
    assert "1 item from this digest is no longer available to you" in response.text


def _crowd(members: int, events: int) -> list[User]:
    """Members in two of three communities (open, private, private), each with `events` new events and
    as many that every member is going to in the coming week."""
    places = [community(visibility) for visibility in ("open", "private", "private")]
    people = [UserFactory(digest_frequency=DAILY) for _ in range(members)]
    User.objects.filter(pk__in=[person.pk for person in people]).update(
        date_joined=timezone.now() - timedelta(days=2)
    )
    for number, person in enumerate(people):
        for step in range(2):
            MembershipFactory(community=places[(number + step) % 3], user=person)
    for place in places:
        organiser = person_as("facilitator", place)
        for number in range(events):
            event(organiser=organiser, community=place, title=f"New {number}", **_in_days(10))
            going = event(organiser=organiser, community=place, title=f"Soon {number}", **_in_days(2))
            for person in people:
                if place.memberships.filter(user=person).exists():
                    rsvp_set(user=person, event=going, going=True)
    return people


def _build(people):
    users = list(with_history(User.objects.filter(pk__in=[person.pk for person in people]).order_by("pk")))
    with CaptureQueriesContext(connection) as queries:
        digests = digests_build(users=users, frequency=DAILY, until=timezone.now())
    return digests, len(queries)


def test_the_builder_runs_the_same_queries_for_2_or_30_events_and_1_or_20_members(
    django_assert_max_num_queries,
):
    few = _crowd(1, 2)
    _, small = _build(few)
    many = _crowd(20, 30)
    with django_assert_max_num_queries(BUILD_QUERIES):
        digests, large = _build(many)
    assert large == small
    sections = {section["name"]: section for section in digests[many[0].pk].sections}
    assert sections["events"]["more"] + len(sections["events"]["items"]) == 120  # both kinds are new
    assert sections["coming_up"]["more"] + len(sections["coming_up"]["items"]) == 60
