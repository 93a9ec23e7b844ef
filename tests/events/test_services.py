"""Announcing, changing and cancelling events, replies and the waiting list (events.services)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from events.models import Event, EventEmail, Rsvp
from events.services.events import clean_postcode, event_cancel, event_create, event_notes_save, event_update
from events.services.rsvps import rsvp_set, rsvps_erase
from profiles.models import Notification
from tests.communities.helpers import community, person_as
from tests.concurrency import at_once
from tests.events.helpers import event, event_values, started

pytestmark = pytest.mark.django_db
RS = Rsvp.State


def _counts(event: Event) -> tuple[int, int]:
    event.refresh_from_db()
    kept = (event.going_count, event.waiting_count)
    actual = (
        Rsvp.objects.filter(event=event, state=RS.GOING).count(),
        Rsvp.objects.filter(event=event, state=RS.WAITING).count(),
    )
    assert kept == actual
    return kept


def _state(user, event) -> str:
    return Rsvp.objects.get(user=user, event=event).state


@pytest.fixture
def place():
    home = community()
    return home, person_as("facilitator", home)


# --- Creating -----------------------------------------------------------------------------------------------
def test_a_facilitator_announces_an_event_with_its_questions_thread_and_members_are_told(place):
    home, facilitator = place
    member = person_as("member", home)

    created = event(organiser=facilitator, community=home, title="  Monthly   call  ")

    assert created.title == "Monthly call"
    assert "<strong>notes</strong>" in created.description_html
    assert created.discussion.community == home
    assert created.discussion.title == "Monthly call"
    assert [tag.name for tag in created.tags.all()] == ["housing"]
    assert Notification.objects.filter(recipient=member, kind="events.created").count() == 1
    assert not Notification.objects.filter(recipient=facilitator, kind="events.created").exists()


def test_a_member_creates_events_only_where_the_community_allows_it(place):
    home, _facilitator = place
    member = person_as("member", home)
    with pytest.raises(PermissionDenied):
        event(organiser=member, community=home)

    home.members_create_events = True
    home.save(update_fields=["members_create_events"])

    assert event(organiser=member, community=home).organiser == member


def test_an_outsider_of_a_private_community_cannot_learn_it_exists_by_creating_an_event():
    hidden = community("private")
    with pytest.raises(Http404):
        event(organiser=person_as("outsider", hidden), community=hidden)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "   "}, "title", "Enter a title."),
        ({"ends_at": timezone.now() + timedelta(days=6)}, "ends_at", "The end must be after the start."),
        (
            {"starts_at": timezone.now() - timedelta(minutes=1)},
            "starts_at",
            "The start must be in the future.",
        ),
        ({"joining_url": "http://meet.example.org/x"}, "joining_url", "starts with https://"),
        ({"joining_url": "https://not a link"}, "joining_url", "starts with https://"),
        ({"joining_url": ""}, "joining_url", "Enter the joining link"),
        (
            {"format": "in_person", "venue": "Civic Hall", "postcode": "12345"},
            "postcode",
            "Enter a UK postcode",
        ),
        ({"format": "in_person", "venue": "", "postcode": "LS1 1UR"}, "venue", "Enter the venue"),
        ({"format": "by carrier pigeon"}, "format", "Choose whether"),
        ({"capacity": 0}, "capacity", "Enter a capacity of 1 or more"),
        ({"region": "atlantis"}, "region", "Choose a region"),
        ({"rsvp_deadline": timezone.now() + timedelta(days=8)}, "rsvp_deadline", "before the event starts"),
        ({"tags": [f"tag {n}" for n in range(11)]}, "tags", "Enter 10 tags or fewer."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(place, overrides, field, message):
    home, facilitator = place
    with pytest.raises(ValidationError) as refused:
        event(organiser=facilitator, community=home, **overrides)

    assert field in refused.value.message_dict
    assert message in refused.value.message_dict[field][0]
    assert not Event.objects.exists()


def test_every_field_in_error_is_reported_at_once(place):
    home, facilitator = place
    values = event_values(title="", joining_url="ftp://x", capacity=-1)
    with pytest.raises(ValidationError) as refused:
        event_create(organiser=facilitator, community=home, **values)
    assert set(refused.value.message_dict) == {"title", "joining_url", "capacity"}


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("ls11ur", "LS1 1UR"), ("SW1A 2AA", "SW1A 2AA"), (" m1  1ae ", "M1 1AE"), ("gir0aa", "GIR 0AA")],
)
def test_uk_postcodes_are_kept_in_their_usual_form(typed, kept):
    assert clean_postcode(typed) == kept


@pytest.mark.parametrize("typed", ["", "LS1", "12345", "LS1 1U", "ZZZZ 1AA", "LS1 1UR extra"])
def test_what_is_not_a_uk_postcode_is_refused(typed):
    with pytest.raises(ValidationError):
        clean_postcode(typed)


def test_an_event_in_person_keeps_its_place_and_drops_any_joining_link(place):
    home, facilitator = place
    created = event(
        organiser=facilitator,
        community=home,
        format="in_person",
        venue="Leeds Civic Hall",
        address="Calverley Street, Leeds",
        postcode="ls1 1ur",
    )
    assert (created.venue, created.postcode, created.joining_url) == ("Leeds Civic Hall", "LS1 1UR", "")
    assert created.is_in_person
    assert not created.is_online


# --- Changing and cancelling --------------------------------------------------------------------------------
def test_a_new_time_raises_the_sequence_and_emails_everyone_going(place):
    home, facilitator = place
    going, waiting = person_as("member", home), person_as("member", home)
    announced = event(organiser=facilitator, community=home, capacity=1)
    rsvp_set(user=going, event=announced, going=True)
    rsvp_set(user=waiting, event=announced, going=True)

    values = event_values(capacity=1)
    values["starts_at"] += timedelta(hours=2)
    values["ends_at"] += timedelta(hours=2)
    changed = event_update(actor=facilitator, event=announced, **values)

    assert changed.sequence == 1
    emails = EventEmail.objects.filter(event=announced, kind=EventEmail.Kind.CHANGED)
    assert list(emails.values_list("user", "sequence")) == [(going.pk, 1)]
    told = Notification.objects.filter(kind="events.changed").values_list("recipient", flat=True)
    assert set(told) == {going.pk, waiting.pk}


def test_a_change_that_calendars_need_not_know_keeps_the_sequence(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home)
    changed = event_update(actor=facilitator, event=announced, **event_values(description="More detail."))
    assert changed.sequence == 0
    assert not EventEmail.objects.exists()


def test_the_capacity_cannot_go_below_the_people_going(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home, capacity=5)
    for _ in range(3):
        rsvp_set(user=person_as("member", home), event=announced, going=True)

    with pytest.raises(ValidationError) as refused:
        event_update(actor=facilitator, event=announced, **event_values(capacity=2))

    assert "3 people are already going" in refused.value.message_dict["capacity"][0]
    announced.refresh_from_db()
    assert announced.capacity == 5


def test_a_larger_capacity_moves_the_waiting_list_up_in_order(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home, capacity=1)
    people = [person_as("member", home) for _ in range(4)]
    for person in people:
        rsvp_set(user=person, event=announced, going=True)

    event_update(actor=facilitator, event=announced, **event_values(capacity=3))

    assert [_state(person, announced) for person in people] == [RS.GOING, RS.GOING, RS.GOING, RS.WAITING]
    assert _counts(announced) == (3, 1)
    moved_up = EventEmail.objects.filter(kind=EventEmail.Kind.MOVED_UP).values_list("user", flat=True)
    assert set(moved_up) == {people[1].pk, people[2].pk}


def test_only_the_organiser_and_facilitators_change_an_event(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home)
    with pytest.raises(PermissionDenied):
        event_update(actor=person_as("member", home), event=announced, **event_values(title="Mine now"))
    assert event_update(actor=person_as("site_admin", home), event=announced, **event_values()).pk


def test_cancelling_needs_a_reason_keeps_the_event_and_tells_everyone_going(place):
    home, facilitator = place
    going = person_as("member", home)
    announced = event(organiser=facilitator, community=home)
    rsvp_set(user=going, event=announced, going=True)

    with pytest.raises(ValidationError):
        event_cancel(actor=facilitator, event=announced, reason="  ")
    cancelled = event_cancel(actor=facilitator, event=announced, reason="The speaker is ill.")

    assert cancelled.is_cancelled
    assert cancelled.cancel_reason == "The speaker is ill."
    assert cancelled.sequence == 1
    assert EventEmail.objects.filter(kind=EventEmail.Kind.CANCELLED, user=going).count() == 1
    with pytest.raises(ValidationError):
        event_update(actor=facilitator, event=cancelled, **event_values())
    with pytest.raises(ValidationError):
        rsvp_set(user=person_as("member", home), event=cancelled, going=True)


def test_notes_are_added_once_the_event_has_started(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home)
    with pytest.raises(ValidationError):
        event_notes_save(actor=facilitator, event=announced, notes="Slides: https://example.org/slides")

    noted = event_notes_save(
        actor=facilitator, event=started(announced), notes="[Slides](https://example.org/s)"
    )

    assert '<a href="https://example.org/s"' in noted.notes_html


# --- Replies and the waiting list ---------------------------------------------------------------------------
def test_a_full_event_puts_the_next_people_on_a_waiting_list_that_moves_up_in_order(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home, capacity=2)
    first, second, third, fourth = (person_as("member", home) for _ in range(4))
    for person in (first, second, third, fourth):
        rsvp_set(user=person, event=announced, going=True)
    assert _counts(announced) == (2, 2)

    rsvp_set(user=second, event=announced, going=False)

    assert [_state(p, announced) for p in (first, second, third, fourth)] == [
        RS.GOING,
        RS.NOT_GOING,
        RS.GOING,
        RS.WAITING,
    ]
    assert _counts(announced) == (2, 1)
    told = Notification.objects.get(recipient=third, kind="events.moved_up")
    assert "you are now going" in told.text
    assert EventEmail.objects.filter(user=third, kind=EventEmail.Kind.MOVED_UP).count() == 1


def test_replying_again_changes_nothing(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home, capacity=1)
    first, second = person_as("member", home), person_as("member", home)
    rsvp_set(user=first, event=announced, going=True)
    rsvp_set(user=second, event=announced, going=True)
    rsvp_set(user=second, event=announced, going=True)
    rsvp_set(user=first, event=announced, going=True)
    assert _counts(announced) == (1, 1)


def test_leaving_the_waiting_list_frees_no_place(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home, capacity=1)
    first, second, third = (person_as("member", home) for _ in range(3))
    for person in (first, second, third):
        rsvp_set(user=person, event=announced, going=True)

    rsvp_set(user=second, event=announced, going=False)

    assert [_state(p, announced) for p in (first, second, third)] == [RS.GOING, RS.NOT_GOING, RS.WAITING]
    assert _counts(announced) == (1, 1)


@pytest.mark.parametrize("relation", ["outsider", "requester", "invited", "left", "banned"])
def test_only_members_who_take_part_reply(relation):
    home = community("restricted")
    announced = event(organiser=person_as("facilitator", home), community=home)
    with pytest.raises((PermissionDenied, Http404)):
        rsvp_set(user=person_as(relation, home), event=announced, going=True)
    assert not Rsvp.objects.exists()


def test_replies_close_at_the_deadline_but_a_place_can_still_be_given_back(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home)
    going = person_as("member", home)
    rsvp_set(user=going, event=announced, going=True)
    Event.objects.filter(pk=announced.pk).update(rsvp_deadline=timezone.now() - timedelta(minutes=1))

    with pytest.raises(ValidationError, match="closed"):
        rsvp_set(user=person_as("member", home), event=announced, going=True)
    assert rsvp_set(user=going, event=announced, going=False).state == RS.NOT_GOING


def test_no_reply_once_the_event_has_started(place):
    home, facilitator = place
    announced = started(event(organiser=facilitator, community=home))
    with pytest.raises(ValidationError, match="started"):
        rsvp_set(user=person_as("member", home), event=announced, going=True)


def test_erasing_a_member_gives_their_place_to_the_first_person_waiting(place):
    home, facilitator = place
    announced = event(organiser=facilitator, community=home, capacity=1)
    leaving, waiting = person_as("member", home), person_as("member", home)
    rsvp_set(user=leaving, event=announced, going=True)
    rsvp_set(user=waiting, event=announced, going=True)

    rsvps_erase(leaving)

    assert not Rsvp.objects.filter(user=leaving).exists()
    assert _state(waiting, announced) == RS.GOING
    assert _counts(announced) == (1, 0)


@pytest.mark.django_db(transaction=True)
def test_two_people_taking_the_last_place_at_once_one_goes_and_the_other_waits(postgres_only):
    home = community()
    announced = event(organiser=person_as("facilitator", home), community=home, capacity=3)
    for _ in range(2):
        rsvp_set(user=person_as("member", home), event=announced, going=True)
    first, second = person_as("member", home), person_as("member", home)

    errors = at_once(
        lambda: rsvp_set(user=first, event=announced, going=True),
        lambda: rsvp_set(user=second, event=announced, going=True),
    )

    assert errors == []
    assert sorted([_state(first, announced), _state(second, announced)]) == [RS.GOING, RS.WAITING]
    assert _counts(announced) == (3, 1)


@pytest.mark.django_db(transaction=True)
def test_a_place_given_back_while_others_join_goes_to_exactly_one_person(postgres_only):
    home = community()
    announced = event(organiser=person_as("facilitator", home), community=home, capacity=1)
    holder, waiting, joining = (person_as("member", home) for _ in range(3))
    rsvp_set(user=holder, event=announced, going=True)
    rsvp_set(user=waiting, event=announced, going=True)

    errors = at_once(
        lambda: rsvp_set(user=holder, event=announced, going=False),
        lambda: rsvp_set(user=joining, event=announced, going=True),
    )

    assert errors == []
    assert _state(waiting, announced) == RS.GOING  # first in the queue, whoever committed first
    assert _counts(announced) == (1, 1)
