"""An event's journey in a browser: a facilitator announces it from the community's events, a member says
they are going, another member joins the waiting list once it is full, and the calendar link is there; with
JavaScript (the place's fields revealed by the format chosen, replies swapped in by htmx), without it (every
field shown, replies posted and the page shown again) and by keyboard alone. Every page is scanned with
axe-core on the way (tests/browser/conftest.py)."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from events.forms import LONDON
from events.models import Event, Rsvp
from events.services.rsvps import rsvp_set
from tests.browser.steps import signed_in, tab_to
from tests.browser.visitor import Visitor
from tests.communities.helpers import community, person_as
from tests.events.helpers import event

TITLE = "Damp and mould: what worked this winter"
# Each link's visually hidden end names the event (Chromium puts a space before it).
JOIN_THE_CALL = re.compile(r"^Join the call ?: ")
CALENDAR = re.compile(r"^Download the event \(\.ics\) ?: ")


def _fill_moment(page: Page, legend: str, moment) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(moment.day))
    group.get_by_label("Month").fill(str(moment.month))
    group.get_by_label("Year").fill(str(moment.year))
    group.get_by_label("Time").fill(f"{moment:%H:%M}")


def _announce(visitor: Visitor, place, *, javascript: bool) -> Event:
    """From the community's page: its events, "Create an event", the form, and the event's page."""
    page = visitor.page
    visitor.open(reverse("communities:detail", args=[place.slug]))
    visitor.follow(page.get_by_role("link", name=f"All events in {place.name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    visitor.follow(page.get_by_role("button", name="Create an event"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an event")

    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description (optional)").fill("Bring **one case** you worked on.")
    start = (timezone.now() + timedelta(days=12)).astimezone(LONDON).replace(hour=10, minute=0)
    _fill_moment(page, "Start", start)
    _fill_moment(page, "End", start + timedelta(hours=1, minutes=30))
    venue = page.get_by_label("Venue", exact=True)
    if javascript:  # the place's fields follow the format chosen
        expect(page.get_by_label("Joining link")).to_be_visible()
        expect(venue).to_be_hidden()
        page.get_by_label("Online and in person").check()
        expect(venue).to_be_visible()
        page.get_by_label("Online", exact=True).check()
        expect(venue).to_be_hidden()
    else:  # every field shows
        expect(venue).to_be_visible()
    page.get_by_label("Joining link").fill("https://meet.example.org/damp")
    page.get_by_label("Places (optional)").fill("1")

    # A mistake first: the end before the start, shown beside the End fields; nothing is saved.
    _fill_moment(page, "End", start - timedelta(hours=1))
    visitor.submit(page.get_by_role("button", name="Create the event"))
    expect(page.get_by_role("alert").get_by_text("The end must be after the start.")).to_be_visible()
    expect(page.locator("#id_ends_at-error")).to_contain_text("The end must be after the start.")
    assert not Event.objects.exists()
    _fill_moment(page, "End", start + timedelta(hours=1, minutes=30))
    visitor.submit(page.get_by_role("button", name="Create the event"))

    created = Event.objects.get()
    assert visitor.path() == created.get_absolute_url()
    expect(page.get_by_text("Your event is announced.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".govuk-summary-list")).to_contain_text(f"{start:%H:%M} to")
    expect(page.locator(".khub-prose strong", has_text="one case")).to_be_visible()
    return created


def _expect_calendar_link(page: Page, an_event: Event) -> None:
    """The link is there, and following it downloads the event's calendar file, read with icalendar."""
    link = page.get_by_role("link", name=CALENDAR)
    expect(link).to_have_attribute("href", reverse("events:ics", args=[an_event.community.slug, an_event.pk]))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    with open(download.path(), "rb") as ics:
        [vevent] = Calendar.from_ical(ics.read()).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == an_event.title
    assert vevent.decoded("DTSTART") == an_event.starts_at


def test_a_facilitator_announces_an_event_a_member_goes_and_another_joins_the_waiting_list(new_visitor):
    place = community("open", name="Housing Options Network")
    facilitator = person_as("facilitator", place, display_name="Grace Obi")
    first = person_as("member", place, display_name="Tomasz Nowak")
    second = person_as("member", place, display_name="Leila Haddad")

    organiser = signed_in(new_visitor(), facilitator)
    an_event = _announce(organiser, place, javascript=True)

    going = signed_in(new_visitor(), first)
    page = going.page
    going.open(an_event.get_absolute_url())
    expect(page.locator("#event-joining-link")).to_have_text("Shown to the people going.")
    page.get_by_role("button", name="Going", exact=True).click()  # htmx: no page load
    expect(page.get_by_text("You're going.")).to_be_visible()
    expect(page.locator("#event-status")).to_have_text("You're going to “" + TITLE + "”.")
    expect(page.get_by_role("link", name=JOIN_THE_CALL)).to_have_attribute(
        "href", "https://meet.example.org/damp"
    )
    expect(page.locator(".khub-faces")).to_contain_text("Tomasz Nowak")
    going.scan()
    _expect_calendar_link(page, an_event)

    waiting = signed_in(new_visitor(), second)
    page = waiting.page
    waiting.open(an_event.get_absolute_url())
    expect(page.get_by_role("button", name="Going", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.locator("#event-reply").get_by_text("You're number 1 on the waiting list.")).to_be_visible()
    expect(page.get_by_role("link", name=JOIN_THE_CALL)).to_have_count(0)
    waiting.scan()
    assert Rsvp.objects.get(user=second).state == Rsvp.State.WAITING
    _expect_calendar_link(page, an_event)

    # The first member gives their place back: the second is moved up.
    page = going.page
    page.get_by_role("button", name="Not going").click()
    expect(page.get_by_text("You said you're not going.")).to_be_visible()
    going.scan()
    assert Rsvp.objects.get(user=second).state == Rsvp.State.GOING
    waiting.open(an_event.get_absolute_url())
    expect(waiting.page.get_by_text("You're going.")).to_be_visible()


def test_without_javascript_every_field_shows_and_replies_post_and_come_back(new_visitor):
    place = community("private", name="Trading Standards Officers")
    facilitator = person_as("facilitator", place, display_name="Owen Price")
    first = person_as("member", place, display_name="Ruth Adeyemi")
    second = person_as("member", place, display_name="Sam Kerr")

    organiser = signed_in(new_visitor(javascript=False), facilitator)
    an_event = _announce(organiser, place, javascript=False)

    going = signed_in(new_visitor(javascript=False), first)
    page = going.page
    going.open(an_event.get_absolute_url())
    going.submit(page.get_by_role("button", name="Going", exact=True))
    assert going.path() == an_event.get_absolute_url()
    expect(page.get_by_role("alert")).to_contain_text("You're going to “" + TITLE + "”.")
    expect(page.get_by_role("link", name=JOIN_THE_CALL)).to_be_visible()

    waiting = signed_in(new_visitor(javascript=False), second)
    page = waiting.page
    waiting.open(an_event.get_absolute_url())
    waiting.submit(page.get_by_role("button", name="Join the waiting list"))
    expect(page.get_by_role("alert")).to_contain_text("you're number 1 on the waiting list")
    _expect_calendar_link(page, an_event)
    waiting.follow(page.get_by_role("link", name="Everyone going (1)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Who's going")
    expect(page.get_by_role("link", name="Ruth Adeyemi")).to_be_visible()


def test_a_member_finds_an_event_replies_and_reaches_the_calendar_link_by_keyboard_alone(new_visitor):
    place = community("open", name="Digital Inclusion Leads")
    facilitator = person_as("facilitator", place)
    member = person_as("member", place, display_name="Hana Sato")
    an_event = event(organiser=facilitator, community=place, title="Show and tell: loan laptops", capacity=2)
    rsvp_set(user=person_as("member", place), event=an_event, going=True)
    visitor = signed_in(new_visitor(), member)
    page = visitor.page

    visitor.open(reverse("events:index"))
    link = page.get_by_role("link", name="Show and tell: loan laptops")
    tab_to(page, link)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    assert visitor.path() == an_event.get_absolute_url()

    tab_to(page, page.get_by_role("button", name="Going", exact=True))
    page.keyboard.press("Enter")  # htmx swaps the panel in and moves the focus to it
    expect(page.get_by_text("You're going.")).to_be_visible()
    expect(page.locator("#event-reply")).to_be_focused()
    visitor.scan()
    assert Rsvp.objects.get(user=member).state == Rsvp.State.GOING

    calendar = page.get_by_role("link", name=CALENDAR)
    tab_to(page, calendar)
    expect(calendar).to_have_attribute("href", reverse("events:ics", args=[place.slug, an_event.pk]))
