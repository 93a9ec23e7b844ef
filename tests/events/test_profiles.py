"""A person's "Going to" on their profile (events.records.profile_going_to): their upcoming events, only
those the VIEWER may read, so going to an event of a private community says nothing to an outsider; a fixed
number of queries whatever the number of events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import HubSettings
from events.services.events import event_cancel
from events.services.rsvps import rsvp_set
from tests.communities.helpers import community, person_as
from tests.events.helpers import event, started
from tests.factories import MembershipFactory
from tests.profiles.test_people_queries import PROFILE_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # Each event starts its questions thread: the builders post far more than a person may in a minute.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _profile(client, viewer, person):
    client.force_login(viewer)
    response = client.get(reverse("profiles:profile", kwargs={"handle": person.handle}))
    assert response.status_code == 200
    return response


def _going_to(response) -> list[str]:
    section = next((s for s in response.context["sections"] if s.title == "Going to"), None)
    return [] if section is None else [made.title for made in section.context["going_to"]]


def _going(place, person, **overrides):
    made = event(organiser=person_as("facilitator", place), community=place, **overrides)
    rsvp_set(user=person, event=made, going=True)
    return made


@pytest.mark.parametrize(
    ("relation", "shown"),
    [
        ("outsider", False),
        ("invited", False),
        ("requester", False),
        ("left", False),
        ("banned", False),
        ("member", True),
        ("facilitator", True),
        ("site_admin", True),
    ],
)
@pytest.mark.parametrize("visibility", ["private", "restricted"])
def test_going_to_an_event_of_a_closed_community_shows_only_to_those_who_may_read_it(
    client, visibility, relation, shown
):
    place = community(visibility)
    person = person_as("member", place)
    made = _going(place, person, title="Winter gritting call")

    response = _profile(client, person_as(relation, place), person)

    assert _going_to(response) == (["Winter gritting call"] if shown else [])
    assert (made.get_absolute_url() in response.text) is shown
    assert ("Going to" in response.text) is shown


def test_an_open_communitys_event_shows_to_anyone_signed_in_and_on_their_own_profile(client):
    place = community("open", name="Highways officers")
    person = person_as("member", place)
    made = _going(place, person, title="Winter gritting call")

    response = _profile(client, person_as("outsider", place), person)
    assert _going_to(response) == ["Winter gritting call"]
    html = response.text
    assert made.get_absolute_url() in html
    assert "Highways officers" in html
    assert "Online" in html
    assert _going_to(_profile(client, person, person)) == ["Winter gritting call"]


def test_only_upcoming_events_they_are_going_to_are_listed_soonest_first(client):
    place = community("open")
    person = person_as("member", place)
    _going(place, person, title="Later", **_at(days=9))
    _going(place, person, title="Sooner", **_at(days=2))
    waiting = event(organiser=person_as("facilitator", place), community=place, title="Full", capacity=1)
    rsvp_set(user=person_as("member", place), event=waiting, going=True)
    rsvp_set(user=person, event=waiting, going=True)  # on the waiting list
    declined = event(organiser=person_as("facilitator", place), community=place, title="Declined")
    rsvp_set(user=person, event=declined, going=False)
    started(_going(place, person, title="Over"), hours_ago=5)
    cancelled = _going(place, person, title="Called off")
    event_cancel(actor=cancelled.organiser, event=cancelled, reason="Snow")

    assert _going_to(_profile(client, person_as("member", place), person)) == ["Sooner", "Later"]


def _at(days: int) -> dict:
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return {"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=1)}


def test_nothing_to_show_leaves_the_section_out(client):
    place = community("private")
    person = person_as("member", place)
    _going(place, person)
    response = _profile(client, person_as("outsider", place), person)
    assert "Going to" not in response.text


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_profile_runs_the_same_queries_for_2_or_30_events(client, django_assert_max_num_queries):
    places = [community("open"), community("private"), community("private")]
    person = person_as("member", places[0])
    for place in places[1:]:
        MembershipFactory(community=place, user=person)
    viewer = person_as("member", places[1])
    client.force_login(viewer)
    url = reverse("profiles:profile", kwargs={"handle": person.handle})
    for place in places:
        _going(place, person)
    client.get(url)
    small = _queries(client, url)
    for place in places:
        for _ in range(10):
            _going(place, person)
    assert _queries(client, url) == small
    with django_assert_max_num_queries(PROFILE_QUERIES):
        response = client.get(url)
    assert len(_going_to(response)) == 10  # the soonest ten of the twenty-two the viewer may read
