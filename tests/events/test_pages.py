"""The event pages as people use them: who may open each (a visitor, an outsider, a member, a facilitator, a
site admin; open and private communities), announcing, changing and cancelling an event and its notes,
replying with and without JavaScript, the lists' order, the community page's "Coming up", times typed and
shown in London across the clocks changing, the mistakes each rule refuses, and the query counts that must
not grow with the events or the people going."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.models import Community
from events.forms import LONDON
from events.models import Event, Rsvp
from events.services.events import event_cancel, event_notes_save
from events.services.rsvps import rsvp_set
from tests.communities.helpers import community, person_as
from tests.events.helpers import event, started
from tests.factories import AdminFactory, CouncilFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

RS = Rsvp.State
EVENT_PAGES = ("detail", "edit", "cancel", "notes", "going")


# --- Builders ------------------------------------------------------------------------------------------
def _url(name: str, target: Event | Community | None = None) -> str:
    if isinstance(target, Event):
        return reverse(f"events:{name}", kwargs={"slug": target.community.slug, "event_id": target.pk})
    if isinstance(target, Community):
        return reverse(f"events:{name}", kwargs={"slug": target.slug})
    return reverse(f"events:{name}")


def _banners(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _place(visibility: str = "open", **fields) -> tuple[Community, object]:
    """A community and one of its facilitators, who organises its events."""
    place = community(visibility, **fields)
    return place, person_as("facilitator", place)


def _when(moment: datetime) -> dict[str, str]:
    return {
        "day": str(moment.day),
        "month": str(moment.month),
        "year": str(moment.year),
        "time": f"{moment:%H:%M}",
    }


def _form(**overrides) -> dict:
    """The event form as a browser posts it: times typed in London."""
    start = (timezone.now() + timedelta(days=10)).astimezone(LONDON).replace(hour=10, minute=0, second=0)
    start = overrides.pop("start", start)
    end = overrides.pop("end", start + timedelta(hours=1, minutes=30))
    data = {
        "title": "Regional workshop on damp and mould",
        "description": "Bring **one case** to discuss.",
        "format": "online",
        "joining_url": "https://meet.example.org/damp",
        "venue": "",
        "address": "",
        "postcode": "",
        "region": "",
        "capacity": "",
        "tags": "housing, repairs",
    }
    for prefix, moment in (("starts_at", start), ("ends_at", end)):
        data.update({f"{prefix}_{part}": value for part, value in _when(moment).items()})
    data.update({f"rsvp_deadline_{part}": "" for part in ("day", "month", "year", "time")})
    data.update(overrides)
    return data


def _field_error(response, field: str) -> str:
    """The message shown beside a field (its govuk-error-message), or ""."""
    match = re.search(
        rf'id="id_{field}-error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>\s*([^<]*)',
        response.text,
    )
    return " ".join(match.group(1).split()) if match else ""


def _typed(page: str, name: str) -> str:
    """The value an input of the form shows."""
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1)


def _last_sunday_of_october(year: int) -> date:
    day = date(year, 10, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _next_clocks_back() -> date:
    """The next last Sunday in October still more than a day ahead: the clocks go back at 02:00 BST."""
    today = timezone.now().date()
    day = _last_sunday_of_october(today.year)
    return day if day > today + timedelta(days=1) else _last_sunday_of_october(today.year + 1)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- Who may open what -------------------------------------------------------------------------------------
def _every_page(place: Community, an_event: Event) -> list[tuple[str, str]]:
    pages = [("get", _url("community", place)), ("get", _url("create", place))]
    pages += [("get", _url(name, an_event)) for name in EVENT_PAGES]
    pages.append(("post", _url("rsvp", an_event)))
    return pages


def test_a_visitor_not_signed_in_is_sent_to_sign_in_from_every_page(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place)
    for method, url in [("get", _url("index")), *_every_page(place, an_event)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


@pytest.mark.parametrize("visibility", ["private", "restricted"])
def test_an_outsider_gets_404_on_every_page_of_a_closed_communitys_events(client, visibility):
    place, organiser = _place(visibility)
    an_event = event(organiser=organiser, community=place)
    client.force_login(person_as("outsider", place))
    for method, url in _every_page(place, an_event):
        assert getattr(client, method)(url, {"going": "yes"}).status_code == 404, url
    assert not Rsvp.objects.exists()


@pytest.mark.parametrize("visibility", ["private", "restricted"])
def test_events_of_a_closed_community_are_not_listed_for_outsiders(client, visibility):
    place, organiser = _place(visibility)
    event(organiser=organiser, community=place, title="Secret planning call")
    client.force_login(person_as("outsider", place))

    page = client.get(_url("index"))

    assert "Secret planning call" not in page.text
    assert place.name not in page.text  # not even in the community filter


def test_an_outsider_of_an_open_community_reads_its_events_but_must_join_to_reply(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place, title="Open monthly call")
    client.force_login(person_as("outsider", place))

    assert "Open monthly call" in client.get(_url("community", place)).text
    detail = client.get(_url("detail", an_event))
    assert f"Join {place.name}" in detail.text
    assert 'name="going"' not in detail.text
    assert client.get(_url("going", an_event)).status_code == 200
    assert client.get(_url("create", place)).status_code == 403
    assert client.get(_url("edit", an_event)).status_code == 403

    response = client.post(_url("rsvp", an_event), {"going": "yes"}, follow=True)

    assert _banners(response) == ["Join the community to reply to its events."]
    assert not Rsvp.objects.exists()


@pytest.mark.parametrize("visibility", ["open", "private"])
@pytest.mark.parametrize(
    ("role", "may_create", "may_edit"),
    [("member", False, False), ("facilitator", True, True), ("site_admin", True, True)],
)
def test_each_role_reads_every_page_and_changes_only_what_it_may(
    client, visibility, role, may_create, may_edit
):
    place, organiser = _place(visibility)
    an_event = event(organiser=organiser, community=place, title="Quarterly review")
    client.force_login(person_as(role, place))

    assert "Quarterly review" in client.get(_url("community", place)).text
    assert "Quarterly review" in client.get(_url("index")).text
    assert client.get(_url("detail", an_event)).status_code == 200
    assert client.get(_url("going", an_event)).status_code == 200
    assert client.get(_url("create", place)).status_code == (200 if may_create else 403)
    assert client.get(_url("edit", an_event)).status_code == (200 if may_edit else 403)
    assert client.get(_url("cancel", an_event)).status_code == (200 if may_edit else 403)
    assert ("Create an event" in client.get(_url("community", place)).text) is may_create


def test_a_member_creates_events_only_where_the_community_allows_it(client):
    place, _ = _place("private")
    member = person_as("member", place)
    client.force_login(member)
    assert client.post(_url("create", place), _form()).status_code == 403
    assert not Event.objects.exists()

    Community.objects.filter(pk=place.pk).update(members_create_events=True)
    assert "Create an event" in client.get(_url("community", place)).text
    response = client.post(_url("create", place), _form(), follow=True)

    created = Event.objects.get()
    assert created.organiser == member
    assert response.redirect_chain[-1][0] == created.get_absolute_url()
    # The organiser changes their own event; another member still cannot.
    assert client.get(_url("edit", created)).status_code == 200
    client.force_login(person_as("member", place))
    assert client.get(_url("edit", created)).status_code == 403


# --- Announcing, changing, cancelling ---------------------------------------------------------------------
def test_a_facilitator_announces_an_event_with_every_field(client):
    place, organiser = _place("open")
    client.force_login(organiser)
    start = (timezone.now() + timedelta(days=20)).astimezone(LONDON).replace(hour=9, minute=30, second=0)
    deadline = start - timedelta(days=2)

    response = client.post(
        _url("create", place),
        _form(
            start=start,
            format="hybrid",
            venue="Civic Hall, Room 2",
            address="Portland Crescent, Leeds",
            postcode="ls11ur",
            region="yorkshire",
            capacity="25",
            **{f"rsvp_deadline_{part}": value for part, value in _when(deadline).items()},
        ),
        follow=True,
    )

    created = Event.objects.get()
    assert (created.format, created.venue, created.postcode, created.capacity) == (
        "hybrid",
        "Civic Hall, Room 2",
        "LS1 1UR",
        25,
    )
    assert created.region == "yorkshire"
    assert created.starts_at == start.replace(microsecond=0)
    assert created.rsvp_deadline == deadline.replace(microsecond=0)
    assert sorted(created.tags.names()) == ["housing", "repairs"]
    assert created.discussion is not None
    assert _banners(response) == [f"Your event is announced. {place.name}'s members have been told about it."]
    assert "Civic Hall, Room 2" in response.text
    assert "09:30" in response.text


def test_the_form_keeps_everything_typed_and_previews_the_description_without_javascript(client):
    place, organiser = _place("open")
    client.force_login(organiser)

    response = client.post(
        _url("create", place), {**_form(description="Agenda: **damp**"), "markdown_preview": "description"}
    )

    assert response.status_code == 200
    assert "<strong>damp</strong>" in response.text
    assert 'value="Regional workshop on damp and mould"' in response.text
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"start": datetime(2030, 5, 1, 10, tzinfo=LONDON), "end": datetime(2030, 5, 1, 9, tzinfo=LONDON)},
            "ends_at",
            "The end must be after the start.",
        ),
        (
            {
                "start": datetime(2020, 5, 1, 10, tzinfo=LONDON),
                "end": datetime(2020, 5, 1, 11, tzinfo=LONDON),
            },
            "starts_at",
            "The start must be in the future.",
        ),
        ({"joining_url": "http://meet.example.org/x"}, "joining_url", "starts with https://"),
        ({"joining_url": "https://"}, "joining_url", "starts with https://"),
        ({"joining_url": ""}, "joining_url", "Enter the joining link for an online event."),
        (
            {"format": "in_person", "venue": "Town Hall", "postcode": "12345"},
            "postcode",
            "Enter a UK postcode, like LS1 1UR.",
        ),
        ({"format": "in_person", "venue": "", "postcode": "LS1 1UR"}, "venue", "Enter the venue"),
        ({"capacity": "0"}, "capacity", "Enter a capacity of 1 or more"),
        ({"capacity": "ten"}, "capacity", "Enter the number of places as a whole number"),
        ({"starts_at_day": "31", "starts_at_month": "2"}, "starts_at", "must be a real date"),
        ({"starts_at_time": "25:00"}, "starts_at", "as a real time"),
        ({"starts_at_month": ""}, "starts_at", "must include a month"),
        ({"title": ""}, "title", "Enter a title"),
        ({"format": "somewhere"}, "format", "Choose whether the event is online, in person or both"),
    ],
)
def test_each_mistake_is_shown_beside_its_field_and_nothing_is_saved(client, overrides, field, message):
    place, organiser = _place("open")
    client.force_login(organiser)

    response = client.post(_url("create", place), _form(**overrides))

    assert response.status_code == 200
    assert message in _field_error(response, field)
    assert f'href="#id_{field}"' in response.text  # the error summary links to it
    assert not Event.objects.exists()


def test_capacity_below_the_number_going_is_refused_beside_the_field_and_nothing_changes(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place, capacity=10)
    for _ in range(3):
        rsvp_set(user=person_as("member", place), event=an_event, going=True)
    client.force_login(organiser)
    form = _form(start=an_event.starts_at.astimezone(LONDON), end=an_event.ends_at.astimezone(LONDON))

    response = client.post(_url("edit", an_event), {**form, "capacity": "2", "title": "Renamed"})

    assert "3 people are already going: enter a capacity of 3 or more." in _field_error(response, "capacity")
    an_event.refresh_from_db()
    assert (an_event.capacity, an_event.title, an_event.sequence) == (
        10,
        "Monthly call: temporary accommodation",
        0,
    )


def test_changing_the_time_is_saved_and_confirmed(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place)
    client.force_login(organiser)
    new_start = (an_event.starts_at + timedelta(days=1)).astimezone(LONDON).replace(second=0)

    response = client.post(
        _url("edit", an_event), _form(start=new_start, end=new_start + timedelta(hours=1)), follow=True
    )

    an_event.refresh_from_db()
    assert an_event.starts_at == new_start
    assert an_event.sequence == 1
    assert _banners(response) == [
        "Your changes are saved. If the time or place changed, the people going have been told."
    ]


def test_the_edit_form_shows_the_event_as_it_is_in_london_time(client):
    place, organiser = _place("open")
    start = datetime(2031, 7, 1, 13, 15, tzinfo=UTC)  # 14:15 BST
    an_event = event(
        organiser=organiser, community=place, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    client.force_login(organiser)

    page = client.get(_url("edit", an_event)).text

    assert _typed(page, "starts_at_time") == "14:15"
    assert _typed(page, "starts_at_day") == "1"
    assert _typed(page, "ends_at_time") == "15:15"


def test_a_cancelled_event_needs_a_reason_and_stays_visible_marked_cancelled(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place, title="Summer meetup")
    client.force_login(organiser)

    refused = client.post(_url("cancel", an_event), {"reason": "   "})
    assert "Say why the event is cancelled" in _field_error(refused, "reason")
    assert Event.objects.get().status == Event.Status.SCHEDULED

    response = client.post(_url("cancel", an_event), {"reason": "The venue flooded."}, follow=True)

    assert _banners(response) == ["The event is cancelled. The people going have been told."]
    assert "This event was cancelled" in response.text
    assert "Reason: The venue flooded." in response.text
    assert 'name="going"' not in response.text
    listed = client.get(_url("community", place)).text
    assert "Summer meetup" in listed
    assert "Cancelled" in listed
    assert (
        client.get(_url("edit", an_event), follow=True).redirect_chain[-1][0] == an_event.get_absolute_url()
    )


def test_notes_are_added_after_the_event_starts_and_shown_on_its_page(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place)
    client.force_login(organiser)
    assert client.get(_url("notes", an_event)).status_code == 302  # not yet: it has not started
    assert "Add notes" not in client.get(_url("detail", an_event)).text

    started(an_event)
    response = client.post(
        _url("notes", an_event), {"notes": "[Slides](https://example.org/slides.pdf)"}, follow=True
    )

    assert _banners(response) == ["The notes are saved. Everyone who can see the event can read them."]
    assert "Notes from the event" in response.text
    assert '<a href="https://example.org/slides.pdf"' in response.text
    client.force_login(person_as("member", place))
    assert client.get(_url("notes", an_event)).status_code == 403


# --- Times in London ------------------------------------------------------------------------------------
def test_ten_oclock_on_the_day_the_clocks_go_back_is_ten_oclock_london_time(client):
    place, organiser = _place("open")
    client.force_login(organiser)
    clocks_back = _next_clocks_back()
    day_before = clocks_back - timedelta(days=1)

    for day in (day_before, clocks_back):
        start = datetime(day.year, day.month, day.day, 10, tzinfo=LONDON)
        client.post(_url("create", place), _form(start=start, title=f"Call on {day}"))

    before, after = Event.objects.order_by("starts_at")
    assert before.starts_at == datetime(
        day_before.year, day_before.month, day_before.day, 9, tzinfo=UTC
    )  # BST
    assert after.starts_at == datetime(
        clocks_back.year, clocks_back.month, clocks_back.day, 10, tzinfo=UTC
    )  # GMT
    for an_event in (before, after):
        page = client.get(_url("detail", an_event)).text
        assert re.search(r"<time datetime=\"[^\"]+\">\w+ \d+ October \d{4}, 10:00</time>", page), page
        assert "11:30</time>" in page


def test_a_time_the_clocks_skip_is_refused(client):
    place, organiser = _place("open")
    client.force_login(organiser)
    year = timezone.now().year + 1
    day = date(year, 3, 31) - timedelta(days=(date(year, 3, 31).weekday() + 1) % 7)  # last Sunday in March

    response = client.post(
        _url("create", place),
        _form(
            start=datetime(day.year, day.month, day.day, 1, 30), end=datetime(day.year, day.month, day.day, 4)
        ),
    )

    assert "does not exist in the UK that day" in _field_error(response, "starts_at")
    assert not Event.objects.exists()


# --- Replies ---------------------------------------------------------------------------------------------
def test_going_without_javascript_posts_and_comes_back_with_a_banner(client):
    place, organiser = _place("private")
    an_event = event(organiser=organiser, community=place, title="Budget call")
    member = person_as("member", place)
    client.force_login(member)

    response = client.post(_url("rsvp", an_event), {"going": "yes"}, follow=True)

    assert response.redirect_chain[-1][0] == an_event.get_absolute_url()
    assert _banners(response) == ["You're going to “Budget call”."]
    assert "You're going." in response.text
    assert Rsvp.objects.get(user=member).state == RS.GOING

    response = client.post(_url("rsvp", an_event), {"going": "no"}, follow=True)
    assert _banners(response) == ["You're not going to “Budget call”."]
    assert Rsvp.objects.get(user=member).state == RS.NOT_GOING


def test_a_full_event_offers_the_waiting_list_and_says_the_members_place(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place, title="Small workshop", capacity=1)
    rsvp_set(user=person_as("member", place), event=an_event, going=True)
    rsvp_set(user=person_as("member", place), event=an_event, going=True)  # first on the waiting list
    member = person_as("member", place)
    client.force_login(member)
    assert "Join the waiting list" in client.get(_url("detail", an_event)).text

    response = client.post(_url("rsvp", an_event), {"going": "yes"}, follow=True)

    assert _banners(response) == [
        "“Small workshop” is full: you're number 2 on the waiting list. We'll tell you if a place comes free."
    ]
    assert "You're number 2 on the waiting list." in response.text
    assert "Leave the waiting list" in response.text


def test_with_htmx_the_reply_panel_comes_back_with_the_news(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place, title="Budget call")
    member = person_as("member", place, display_name="Nadia Rahman")
    client.force_login(member)

    response = client.post(_url("rsvp", an_event), {"going": "yes"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="event-reply"') or 'id="event-reply"' in response.text
    assert "<html" not in response.text
    assert "You're going." in response.text
    assert "Nadia Rahman" in response.text  # among the faces
    assert 'hx-swap-oob="innerHTML">You\'re going to “Budget call”.' in response.text.replace("&#x27;", "'")
    assert list(response.context["messages"]) == []  # nothing left for the next page


def test_replies_are_closed_once_the_event_has_started(client):
    place, organiser = _place("open")
    an_event = started(event(organiser=organiser, community=place))
    client.force_login(person_as("member", place))

    response = client.post(_url("rsvp", an_event), {"going": "yes"}, follow=True)

    assert _banners(response) == ["This event has started: replies are closed."]
    assert "Replies are closed: the event has started." in response.text
    assert not Rsvp.objects.exists()


def test_the_joining_link_is_shown_only_to_people_going_and_facilitators(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place, joining_url="https://meet.example.org/secret-room")
    member = person_as("member", place)
    client.force_login(member)
    assert "secret-room" not in client.get(_url("detail", an_event)).text
    assert "Shown to the people going." in client.get(_url("detail", an_event)).text
    waiting = person_as("member", place)
    Event.objects.filter(pk=an_event.pk).update(capacity=1)
    rsvp_set(user=member, event=an_event, going=True)
    rsvp_set(user=waiting, event=an_event, going=True)

    assert "secret-room" in client.get(_url("detail", an_event)).text
    client.force_login(waiting)
    assert "secret-room" not in client.get(_url("detail", an_event)).text
    client.force_login(organiser)
    assert "secret-room" in client.get(_url("detail", an_event)).text
    client.force_login(person_as("outsider", place))
    assert "secret-room" not in client.get(_url("detail", an_event)).text


def test_the_page_shows_the_organiser_the_discussion_the_calendar_link_and_who_is_going(client):
    place, organiser = _place("open")
    an_event = event(organiser=organiser, community=place)
    for name in ("Asha Patel", "Ben Carter"):
        rsvp_set(user=person_as("member", place, display_name=name), event=an_event, going=True)
    client.force_login(person_as("member", place))

    page = client.get(_url("detail", an_event)).text

    assert escape(organiser.display_name) in page  # "O'Neill" is written O&#x27;Neill
    assert f'href="{reverse("communities:thread", args=[place.slug, an_event.discussion_id])}"' in page
    assert f'href="{_url("ics", an_event)}"' in page
    assert "Asha Patel" in page
    assert "Ben Carter" in page
    assert f'href="{_url("going", an_event)}"' in page
    going = client.get(_url("going", an_event)).text
    assert going.index("Asha Patel") < going.index("Ben Carter")  # in the order they replied


# --- Lists ---------------------------------------------------------------------------------------------
def test_a_communitys_events_are_upcoming_soonest_first_then_past_newest_first(client):
    place, _ = _place("open")
    admin = AdminFactory()
    now = timezone.now()
    for days in (3, 1, 2):
        event(
            organiser=admin,
            community=place,
            title=f"In {days} days",
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=1),
        )
    for hours in (30, 5, 70):
        started(event(organiser=admin, community=place, title=f"{hours} hours ago"), hours_ago=hours)
    client.force_login(person_as("member", place))

    page = client.get(_url("community", place))

    titles = re.findall(r'khub-event-row__title">\s*<a[^>]*>([^<]*)</a>', page.text)
    assert titles == ["In 1 days", "In 2 days", "In 3 days", "5 hours ago", "30 hours ago", "70 hours ago"]
    assert page.text.index("Upcoming events") < page.text.index("Past events")


def test_a_communitys_events_are_paginated_across_upcoming_and_past(client, settings):
    place, _ = _place("open")
    admin = AdminFactory()
    now = timezone.now()
    for days in range(1, 24):
        event(
            organiser=admin,
            community=place,
            title=f"Up {days:02}",
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=1),
        )
    for hours in (3, 4):
        started(event(organiser=admin, community=place, title=f"Past {hours}"), hours_ago=hours)
    client.force_login(person_as("member", place))

    second = client.get(_url("community", place), {"page": 2}).text

    titles = re.findall(r'khub-event-row__title">\s*<a[^>]*>([^<]*)</a>', second)
    assert titles == ["Up 21", "Up 22", "Up 23", "Past 3", "Past 4"]


def test_a_community_with_no_events_says_so_and_offers_to_create_one_to_who_may(client):
    place, organiser = _place("open")
    client.force_login(organiser)
    page = client.get(_url("community", place)).text
    assert "has not announced any events yet" in page
    assert "Create the first one" in page
    client.force_login(person_as("member", place))
    assert "Create the first one" not in client.get(_url("community", place)).text


def test_events_lists_upcoming_events_of_every_readable_community_soonest_first(client):
    admin = AdminFactory()
    mine, other = community("private", name="Housing leads"), community("open", name="Waste officers")
    hidden = community("private", name="Hidden circle")
    member = person_as("member", mine)
    now = timezone.now()
    event(
        organiser=admin,
        community=mine,
        title="Later",
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=1),
    )
    event(
        organiser=admin,
        community=other,
        title="Sooner",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=1),
    )
    event(organiser=admin, community=hidden, title="Not for you")
    started(event(organiser=admin, community=mine, title="Already started"))
    client.force_login(member)

    page = client.get(_url("index")).text

    titles = re.findall(r'khub-event-row__title">\s*<a[^>]*>([^<]*)</a>', page)
    assert titles == ["Sooner", "Later"]
    assert "2 events coming up" in page


def test_events_filters_by_community_region_format_and_dates(client):
    admin = AdminFactory()
    place = community("open", name="Planning")
    elsewhere = community("open", name="Licensing")
    now = timezone.now()

    def at(days):
        return {"starts_at": now + timedelta(days=days), "ends_at": now + timedelta(days=days, hours=1)}

    event(organiser=admin, community=place, title="Online north", region="north_west", **at(3))
    event(
        organiser=admin,
        community=place,
        title="Hall south",
        region="south_west",
        format="in_person",
        joining_url="",
        venue="Guildhall",
        postcode="EX1 1JN",
        **at(10),
    )
    event(
        organiser=admin,
        community=elsewhere,
        title="Hybrid elsewhere",
        format="hybrid",
        venue="Hub",
        postcode="M1 1AA",
        **at(20),
    )
    client.force_login(UserFactory())

    def titles(**query):
        page = client.get(_url("index"), query).text
        return re.findall(r'khub-event-row__title">\s*<a[^>]*>([^<]*)</a>', page)

    assert titles() == ["Online north", "Hall south", "Hybrid elsewhere"]
    assert titles(community=elsewhere.slug) == ["Hybrid elsewhere"]
    assert titles(region="south_west") == ["Hall south"]
    assert titles(where="online") == ["Online north", "Hybrid elsewhere"]
    assert titles(where="in_person") == ["Hall south", "Hybrid elsewhere"]
    first = (now + timedelta(days=5)).astimezone(LONDON).date().isoformat()
    last = (now + timedelta(days=15)).astimezone(LONDON).date().isoformat()
    assert titles(starts_from=first, starts_until=last) == ["Hall south"]
    assert titles(community="not-a-community") == ["Online north", "Hall south", "Hybrid elsewhere"]
    assert "No events match these filters." in client.get(_url("index"), {"region": "london"}).text


def test_events_with_nothing_coming_up_points_to_communities(client, member):
    client.force_login(member)
    page = client.get(_url("index")).text
    assert "Nothing is coming up in your communities" in page
    assert "Events" in re.search(r"govuk-service-navigation__list.*?</ul>", page, re.S).group(0)


# --- The community's page and settings -----------------------------------------------------------------
def test_the_community_page_shows_its_next_three_events_with_a_link_to_all(client):
    place, _ = _place("private")
    admin = AdminFactory()
    now = timezone.now()
    for days in (4, 1, 3, 2):
        event(
            organiser=admin,
            community=place,
            title=f"Day {days}",
            starts_at=now + timedelta(days=days),
            ends_at=now + timedelta(days=days, hours=1),
        )
    client.force_login(person_as("member", place))

    page = client.get(reverse("communities:detail", args=[place.slug])).text

    titles = re.findall(r'khub-event-row__title">\s*<a[^>]*>([^<]*)</a>', page)
    assert titles == ["Day 1", "Day 2", "Day 3"]
    assert f'href="{_url("community", place)}"' in page


def test_the_community_page_shows_no_events_to_who_may_not_read_it(client):
    place, organiser = _place("restricted")
    event(organiser=organiser, community=place, title="Members only call")
    client.force_login(person_as("outsider", place))
    page = client.get(reverse("communities:detail", args=[place.slug])).text
    assert "Members only call" not in page
    assert "Coming up" not in page


def test_facilitators_let_members_create_events_from_the_settings(client):
    place, organiser = _place("open")
    client.force_login(organiser)
    url = reverse("communities:manage-settings", args=[place.slug])
    page = client.get(url).text
    assert "Members can create events" in page
    data = {
        "name": place.name,
        "description": place.description,
        "about": "",
        "topics": "",
        "visibility": place.visibility,
        "members_create_events": "on",
    }

    response = client.post(url, data, follow=True)

    assert _banners(response) == ["The community's settings are saved."]
    assert Community.objects.get(pk=place.pk).members_create_events is True
    client.post(url, {**data, "members_create_events": ""})
    assert Community.objects.get(pk=place.pk).members_create_events is False


def test_a_new_community_is_created_without_the_events_setting(client):
    client.force_login(AdminFactory())
    assert "Members can create events" not in client.get(reverse("communities:create")).text


# --- Query counts ---------------------------------------------------------------------------------------
def _crowded(count: int):
    """A private community with `count` upcoming and `count` past events; its first event has `count` people
    going, each of a council."""
    place = community("private")
    admin = AdminFactory()
    now = timezone.now()
    events = [
        event(
            organiser=admin,
            community=place,
            title=f"Event {n}",
            starts_at=now + timedelta(days=n + 1),
            ends_at=now + timedelta(days=n + 1, hours=1),
            region="london",
        )
        for n in range(count)
    ]
    for n in range(count):
        started(event(organiser=admin, community=place, title=f"Past {n}"), hours_ago=n + 2)
    for _ in range(count):
        person = person_as("member", place, council=CouncilFactory())
        rsvp_set(user=person, event=events[0], going=True)
    viewer = person_as("member", place)
    MembershipFactory(community=community("open"), user=viewer)
    return place, events[0], viewer


@pytest.mark.parametrize(
    ("page", "most"),
    [("community", 8), ("index", 6), ("detail", 8), ("going", 6), ("community-page", 11)],
)
def test_query_counts_do_not_grow_with_the_events_or_the_people_going(client, page, most):
    counts = []
    for size in (2, 30):
        place, an_event, viewer = _crowded(size)
        client.force_login(viewer)
        url = {
            "community": _url("community", place),
            "index": _url("index"),
            "detail": _url("detail", an_event),
            "going": _url("going", an_event),
            "community-page": reverse("communities:detail", args=[place.slug]),
        }[page]
        counts.append(_queries(client, url))
    # Never more with the larger data (a community's first page of 2 + 2 events reads both parts; of 30 + 30,
    # only the upcoming part).
    assert counts[1] <= counts[0] <= most, counts


def test_a_cancelled_event_and_its_notes_are_shown_to_members(client):
    place, organiser = _place("private")
    an_event = event(organiser=organiser, community=place)
    started(an_event)
    event_notes_save(actor=organiser, event=an_event, notes="Thanks for coming")
    other = event(organiser=organiser, community=place, title="Cancelled one")
    event_cancel(actor=organiser, event=other, reason="Speaker ill")
    client.force_login(person_as("member", place))
    assert "Thanks for coming" in client.get(_url("detail", an_event)).text
    page = client.get(_url("detail", other)).text
    assert "Speaker ill" in page
    assert "Cancelled" in page
