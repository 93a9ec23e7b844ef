"""A member's events in their data export and what erasing their account does to them
(events.records.events_personal_data, events.services.rsvps.rsvps_erase, events.services.erasure): their own
replies and the events they organised are theirs to take away; nobody else's reply is; once erased their
replies are gone, their places go to the people waiting, and the events they organised stay, by "Former
member"."""

import json

import pytest

from communities.models import HubSettings
from communities.services.membership import membership_leave
from events.models import CalendarFeed, Event, Rsvp
from events.records import events_personal_data
from events.services.rsvps import rsvp_set
from profiles.models import Notification
from profiles.services import user_erase, user_personal_data
from tests.communities.helpers import community, person_as
from tests.events.helpers import event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def test_the_export_holds_their_own_replies_with_the_event_state_and_when():
    place = community("private", name="Highways officers")
    member = person_as("member", place)
    going = event(organiser=person_as("facilitator", place), community=place, title="Gritting call")
    declined = event(organiser=going.organiser, community=place, title="Budget call")
    rsvp_set(user=member, event=going, going=True)
    rsvp_set(user=member, event=declined, going=False)

    data = user_personal_data(user=member)["events"]

    replies = data["replies"]
    assert [(reply["event"]["title"], reply["state"]) for reply in replies] == [
        ("Gritting call", "going"),
        ("Budget call", "not_going"),
    ]
    assert replies[0]["event"]["community"] == {"name": "Highways officers", "slug": place.slug}
    assert replies[0]["event"]["starts_at"] == going.starts_at.isoformat()
    assert replies[0]["replied_at"]
    json.dumps(data)  # ready for the download


def test_the_export_never_holds_other_peoples_replies():
    place = community("open")
    member, other = person_as("member", place), person_as("member", place, display_name="Someone Else")
    made = event(organiser=person_as("facilitator", place), community=place)
    rsvp_set(user=other, event=made, going=True)

    data = events_personal_data(member)

    assert data["replies"] == []
    assert "Someone Else" not in json.dumps(data)


def test_the_export_holds_the_events_they_organised_with_what_they_wrote():
    place = community("open")
    organiser = person_as("facilitator", place)
    made = event(organiser=organiser, community=place, title="Gritting call", tags=["winter", "roads"])
    rsvp_set(user=person_as("member", place, display_name="A Member"), event=made, going=True)

    (organised,) = events_personal_data(organiser)["events_organised"]

    assert organised["title"] == "Gritting call"
    assert organised["description"] == "We compare **notes** on what worked."
    assert organised["tags"] == ["roads", "winter"]
    assert organised["going_count"] == 1
    assert "A Member" not in json.dumps(organised)  # who is going is their data, not the organiser's


def test_an_event_they_can_no_longer_read_is_not_named():
    place = community("private", name="Secret roads")
    member = person_as("member", place)
    made = event(organiser=person_as("facilitator", place), community=place, title="Members only")
    rsvp_set(user=member, event=made, going=True)
    rsvp_set(user=member, event=made, going=False)
    membership_leave(user=member, community=place)

    data = events_personal_data(member)

    assert [reply["state"] for reply in data["replies"]] == ["not_going"]
    assert data["replies"][0]["event"] is None
    assert "Members only" not in json.dumps(data)
    assert "Secret roads" not in json.dumps(data)


def test_the_export_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    place = community("open")
    organiser = person_as("facilitator", place)
    for number in range(5):
        made = event(organiser=organiser, community=place, title=f"Event {number}")
        rsvp_set(user=person_as("member", place), event=made, going=True)
    # readable communities, replies, organised events, their tags, emails, calendar address
    with django_assert_max_num_queries(6):
        events_personal_data(organiser)


def test_erasure_removes_their_replies_and_moves_the_waiting_list_up():
    place = community("open")
    leaving, waiting, third = (person_as("member", place) for _ in range(3))
    full = event(organiser=person_as("facilitator", place), community=place, capacity=1)
    rsvp_set(user=leaving, event=full, going=True)
    rsvp_set(user=waiting, event=full, going=True)
    rsvp_set(user=third, event=full, going=True)
    other = event(organiser=full.organiser, community=place)
    rsvp_set(user=leaving, event=other, going=False)
    CalendarFeed.objects.create(user=leaving, token="a-secret-token")

    user_erase(user=leaving)

    assert not Rsvp.objects.filter(user=leaving).exists()
    assert not CalendarFeed.objects.filter(user=leaving).exists()
    assert dict(Rsvp.objects.filter(event=full).values_list("user", "state")) == {
        waiting.pk: "going",
        third.pk: "waiting",
    }
    full.refresh_from_db()
    assert (full.going_count, full.waiting_count) == (1, 1)
    assert Notification.objects.filter(recipient=waiting, kind="events.moved_up").exists()


def test_the_events_they_organised_stay_by_a_former_member():
    place = community("open")
    organiser = person_as("facilitator", place, display_name="Priya Shah")
    made = event(organiser=organiser, community=place, title="Gritting call")

    user_erase(user=organiser)

    kept = Event.objects.select_related("organiser").get(pk=made.pk)
    assert kept.title == "Gritting call"
    assert kept.organiser.public_name == "Former member"
