"""Calendar files (events.calendar, events/views/calendar.py): an event's .ics, a member's personal feed at
a secret address, and the settings page that gives the address and resets it. Every file is read back with
two readers, icalendar and recurring-ical-events."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from communities.models import HubSettings, Membership
from communities.services.membership import membership_leave
from events.models import CalendarFeed, Event
from events.services.calendar import calendar_feed_for, calendar_feed_reset
from events.services.events import event_cancel, event_update
from events.services.rsvps import rsvp_set
from profiles.services import user_erase
from tests.communities.helpers import community, person_as
from tests.events.helpers import event
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
JOINING = "https://meet.example.org/monthly-call"


@pytest.fixture(autouse=True)
def _many_posts():
    # Each event starts its questions thread: lift the post rate limit so one organiser can announce many.
    row = HubSettings.load()
    row.posts_per_minute = 10_000
    row.save()


def _read(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def _vevents(content: bytes) -> list:
    return _read(content).walk("VEVENT")


def _text(content: bytes) -> str:
    """Every event's description, as read (lines longer than 75 octets are folded in the file)."""
    return "\n".join(str(vevent["DESCRIPTION"]) for vevent in _vevents(content))


def _between(content: bytes, start: datetime, end: datetime) -> list:
    """The second reader: the events it finds in [start, end)."""
    return recurring_ical_events.of(_read(content)).between(start, end)


def _signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ics(client, item: Event):
    return client.get(reverse("events:ics", kwargs={"slug": item.community.slug, "event_id": item.pk}))


def _feed_url(token: str) -> str:
    return reverse("events:feed", kwargs={"token": token})


def _values(item: Event, **changes) -> dict:
    """The event's fields as event_update takes them, with some changed."""
    values = {
        field: getattr(item, field)
        for field in (
            "title",
            "description",
            "starts_at",
            "ends_at",
            "format",
            "joining_url",
            "venue",
            "address",
            "postcode",
            "region",
            "capacity",
            "rsvp_deadline",
        )
    }
    values["tags"] = [tag.name for tag in item.tags.all()]
    values.update(changes)
    return values


@pytest.fixture
def place():
    home = community()
    return home, person_as("facilitator", home)


# --- The .ics of one event -------------------------------------------------------------------------------
def test_an_events_ics_reads_the_same_in_both_readers_at_the_right_instants(place):
    home, facilitator = place
    starts_at = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    item = event(
        organiser=facilitator,
        community=home,
        title="Regional workshop; housing, and more",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        format=Event.Format.HYBRID,
        venue="Civic Hall",
        address="Calverley Street, Leeds",
        postcode="ls11ur",
    )

    response = _ics(_signed_in_client(facilitator), item)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="regional-workshop-housing-and-more.ics"'
    calendar = _read(response.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["PRODID"]).startswith("-//Knowledge Hub//")
    [vevent] = calendar.walk("VEVENT")
    domain = settings.SITE_URL.split("://")[1].split(":")[0]
    assert str(vevent["UID"]) == f"event-{item.pk}@{domain}"
    assert vevent["SEQUENCE"] == 0
    assert str(vevent["SUMMARY"]) == "Regional workshop; housing, and more"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["LOCATION"]) == "Civic Hall, Calverley Street, Leeds, LS1 1UR (and online)"
    page = settings.SITE_URL + item.get_absolute_url()
    assert str(vevent["URL"]) == page
    assert page in str(vevent["DESCRIPTION"])
    assert "We compare **notes** on what worked." in str(vevent["DESCRIPTION"])
    assert vevent.decoded("DTSTART") == starts_at
    assert vevent.decoded("DTSTART").tzinfo.utcoffset(None) == timedelta(0)  # written in UTC
    assert vevent.decoded("DTEND") == starts_at + timedelta(hours=2)
    assert b"DTSTAMP:" in response.content
    found = _between(response.content, starts_at - timedelta(hours=1), starts_at + timedelta(hours=3))
    assert [(str(e["UID"]), e.decoded("DTSTART"), e.decoded("DTEND")) for e in found] == [
        (str(vevent["UID"]), starts_at, starts_at + timedelta(hours=2))
    ]
    assert _between(response.content, starts_at + timedelta(hours=3), starts_at + timedelta(days=1)) == []


def test_the_uid_stays_the_same_while_the_sequence_rises_with_each_change_and_a_cancellation_says_so(place):
    home, facilitator = place
    item = event(organiser=facilitator, community=home)
    client = _signed_in_client(facilitator)
    first = _vevents(_ics(client, item).content)[0]

    later = item.starts_at + timedelta(days=1)
    item = event_update(
        actor=facilitator, event=item, **_values(item, starts_at=later, ends_at=later + timedelta(hours=1))
    )
    moved = _vevents(_ics(client, item).content)[0]
    item = event_update(
        actor=facilitator,
        event=item,
        **_values(item, format=Event.Format.IN_PERSON, venue="Town Hall", postcode="M2 5DB", joining_url=""),
    )
    placed = _vevents(_ics(client, item).content)[0]
    event_cancel(actor=facilitator, event=item, reason="The speaker is unwell.")
    cancelled_content = _ics(client, item).content
    cancelled = _vevents(cancelled_content)[0]

    assert len({str(v["UID"]) for v in (first, moved, placed, cancelled)}) == 1
    assert [v["SEQUENCE"] for v in (first, moved, placed, cancelled)] == [0, 1, 2, 3]
    assert moved.decoded("DTSTART") == later
    assert str(placed["LOCATION"]) == "Town Hall, M2 5DB"
    assert [str(v["STATUS"]) for v in (first, moved, placed)] == ["CONFIRMED"] * 3
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Cancelled: The speaker is unwell." in str(cancelled["DESCRIPTION"])
    # The second reader sees the cancelled event as it is, with its status, at its time.
    [found] = _between(cancelled_content, later - timedelta(hours=1), later + timedelta(hours=2))
    assert (str(found["STATUS"]), found["SEQUENCE"]) == ("CANCELLED", 3)


def test_a_change_that_is_not_to_the_calendar_keeps_the_sequence(place):
    home, facilitator = place
    item = event(organiser=facilitator, community=home)

    item = event_update(actor=facilitator, event=item, **_values(item, description="More detail."))

    assert _vevents(_ics(_signed_in_client(facilitator), item).content)[0]["SEQUENCE"] == 0


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        # The clocks go back at 02:00 on Sunday 25 October 2026: 10:00 that morning is GMT, 10:00 UTC...
        ((2026, 10, 25), 10),
        # ...and the day before still British Summer Time: 10:00 in London is 09:00 UTC.
        ((2026, 10, 24), 9),
        # The same in the coming year (Sunday 31 October 2027), entered through the service as the form does.
        ((2027, 10, 31), 10),
        ((2027, 10, 30), 9),
    ],
)
def test_an_event_at_ten_in_london_around_the_clocks_going_back_is_at_ten_in_london_in_both_readers(
    place, day, utc_hour
):
    home, facilitator = place
    starts_at = datetime(*day, 10, 0, tzinfo=LONDON)
    if starts_at > timezone.now():
        item = event(
            organiser=facilitator, community=home, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
        )
    else:  # already past: announced earlier (the service refuses a past start for a new event)
        item = event(organiser=facilitator, community=home)
        Event.objects.filter(pk=item.pk).update(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
        item.refresh_from_db()

    content = _ics(_signed_in_client(facilitator), item).content

    utc = datetime(*day, utc_hour, 0, tzinfo=UTC)
    assert f"DTSTART:{utc:%Y%m%dT%H%M%S}Z".encode() in content
    [vevent] = _vevents(content)
    assert vevent.decoded("DTSTART") == utc
    assert vevent.decoded("DTSTART").astimezone(LONDON).hour == 10
    midnight = datetime(*day, tzinfo=LONDON)
    [found] = _between(content, midnight, midnight + timedelta(days=1))
    assert found.decoded("DTSTART") == utc
    assert (
        found.decoded("DTSTART").astimezone(LONDON).hour,
        found.decoded("DTSTART").astimezone(LONDON).minute,
    ) == (
        10,
        0,
    )


# --- Who gets the .ics, and who finds the joining link in it --------------------------------------------
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_for_an_events_ics(client, place):
    home, facilitator = place
    item = event(organiser=facilitator, community=home)

    response = _ics(client, item)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("relation", ["outsider", "requester", "invited", "left"])
def test_an_outsider_gets_404_for_the_ics_of_a_private_communitys_event(client, relation):
    home = community("private")
    item = event(organiser=person_as("facilitator", home), community=home)
    client.force_login(person_as(relation, home))

    assert _ics(client, item).status_code == 404


def test_the_ics_of_an_event_under_another_communitys_address_is_404(client, place):
    home, facilitator = place
    item = event(organiser=facilitator, community=home)
    client.force_login(facilitator)

    response = client.get(reverse("events:ics", kwargs={"slug": community().slug, "event_id": item.pk}))

    assert response.status_code == 404


@pytest.mark.parametrize("visibility", ["open", "private"])
@pytest.mark.parametrize(
    ("relation", "going", "sees_link"),
    [
        ("outsider", False, False),
        ("member", False, False),
        ("member", True, True),
        ("facilitator", False, True),
        ("site_admin", False, True),
    ],
)
def test_the_ics_has_the_joining_link_only_for_those_going_and_the_facilitators(
    client, visibility, relation, going, sees_link, django_assert_max_num_queries
):
    home = community(visibility)
    item = event(organiser=person_as("facilitator", home), community=home)
    viewer = person_as(relation, home)
    if going:
        rsvp_set(user=viewer, event=item, going=True)
    client.force_login(viewer)

    with django_assert_max_num_queries(6):  # session, user, event, membership, reply
        response = _ics(client, item)

    if visibility == "private" and relation == "outsider":
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert (JOINING in _text(response.content)) is sees_link
    assert str(_vevents(response.content)[0]["LOCATION"]) == "Online"


# --- The personal feed -----------------------------------------------------------------------------------
def _feed(client, owner):
    return client.get(_feed_url(calendar_feed_for(user=owner).token))


def _uids(content: bytes) -> set[int]:
    return {int(str(v["UID"]).split("@")[0].removeprefix("event-")) for v in _vevents(content)}


def test_the_feed_holds_the_events_of_the_owners_communities_and_those_they_go_to_and_nothing_else(client):
    own, open_elsewhere, private_elsewhere = community(), community(), community("private")
    owner = person_as("member", own)
    organisers = {
        place: person_as("facilitator", place) for place in (own, open_elsewhere, private_elsewhere)
    }
    in_own = event(organiser=organisers[own], community=own, title="In their community")
    # Going to an event of an open community they have left since: still theirs to read, and to go to.
    MembershipFactory(community=open_elsewhere, user=owner)
    going_elsewhere = event(organiser=organisers[open_elsewhere], community=open_elsewhere, title="Going")
    rsvp_set(user=owner, event=going_elsewhere, going=True)
    not_going_elsewhere = event(organiser=organisers[open_elsewhere], community=open_elsewhere)
    membership_leave(user=owner, community=open_elsewhere)
    private = event(organiser=organisers[private_elsewhere], community=private_elsewhere)
    far_ahead = event(organiser=organisers[own], community=own)
    ahead = timezone.now() + timedelta(days=400)
    Event.objects.filter(pk=far_ahead.pk).update(starts_at=ahead, ends_at=ahead + timedelta(hours=1))

    response = _feed(client, owner)  # no session: the token is the key

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert _uids(response.content) == {in_own.pk, going_elsewhere.pk}
    assert not_going_elsewhere.pk not in _uids(response.content)
    assert private.pk not in _uids(response.content)
    calendar = _read(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Knowledge Hub events"
    # Calendar programs are asked to fetch it again hourly (RFC 7986, and Outlook's own property).
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.content
    # The second reader finds the same events in the coming weeks.
    now = timezone.now()
    found = _between(response.content, now, now + timedelta(days=30))
    assert {str(v["SUMMARY"]) for v in found} == {"In their community", "Going"}


def test_an_event_of_a_private_community_the_owner_left_goes_from_their_feed_even_if_they_were_going(client):
    home = community("private")
    owner = person_as("member", home)
    item = event(organiser=person_as("facilitator", home), community=home)
    rsvp_set(user=owner, event=item, going=True)
    assert _uids(_feed(client, owner).content) == {item.pk}

    membership_leave(user=owner, community=home)

    assert _uids(_feed(client, owner).content) == set()


def test_a_cancelled_event_stays_in_the_feed_marked_cancelled(client, place):
    home, facilitator = place
    owner = person_as("member", home)
    item = event(organiser=facilitator, community=home)
    rsvp_set(user=owner, event=item, going=True)
    event_cancel(actor=facilitator, event=item, reason="Room flooded.")

    [vevent] = _vevents(_feed(client, owner).content)

    assert (str(vevent["STATUS"]), vevent["SEQUENCE"]) == ("CANCELLED", 1)


def test_the_feed_has_the_joining_link_only_of_the_events_the_owner_goes_to_or_facilitates(client):
    own, facilitated = community(), community()
    owner = person_as("member", own)
    MembershipFactory(community=facilitated, user=owner, role=Membership.Role.FACILITATOR)
    organiser = person_as("facilitator", own)
    going = event(organiser=organiser, community=own, joining_url="https://meet.example.org/going")
    rsvp_set(user=owner, event=going, going=True)
    not_going = event(organiser=organiser, community=own, joining_url="https://meet.example.org/not")
    theirs = event(
        organiser=person_as("facilitator", facilitated),
        community=facilitated,
        joining_url="https://meet.example.org/facilitated",
    )

    content = _feed(client, owner).content

    assert _uids(content) == {going.pk, not_going.pk, theirs.pk}
    assert "https://meet.example.org/going" in _text(content)
    assert "https://meet.example.org/facilitated" in _text(content)
    assert "https://meet.example.org/not" not in _text(content)


def test_an_unknown_token_is_404(client):
    assert client.get(_feed_url("not-a-token-anyone-has")).status_code == 404


def test_resetting_the_address_makes_the_old_one_404_and_the_new_one_work(client, place):
    home, facilitator = place
    owner = person_as("member", home)
    item = event(organiser=facilitator, community=home)
    old = calendar_feed_for(user=owner).token

    new = calendar_feed_reset(user=owner).token

    assert new != old
    assert len(new) >= 43
    assert client.get(_feed_url(old)).status_code == 404
    assert _uids(client.get(_feed_url(new)).content) == {item.pk}


@pytest.mark.parametrize("how", ["deactivated", "erased"])
def test_the_feed_of_a_deactivated_or_erased_member_is_404(client, place, how):
    home, _facilitator = place
    owner = person_as("member", home)
    token = calendar_feed_for(user=owner).token
    if how == "deactivated":
        type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    else:
        user_erase(user=owner)

    assert client.get(_feed_url(token)).status_code == 404


def test_the_feed_takes_the_same_number_of_queries_for_2_or_30_events(client):
    counts = []
    for number in (2, 30):
        home, elsewhere = community(), community()
        owner = person_as("member", home)
        MembershipFactory(community=elsewhere, user=owner)
        organiser, other = person_as("facilitator", home), person_as("facilitator", elsewhere)
        for n in range(number):
            item = event(organiser=organiser if n % 2 else other, community=home if n % 2 else elsewhere)
            rsvp_set(user=owner, event=item, going=True)
        token = calendar_feed_for(user=owner).token
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_feed_url(token))
        assert len(_uids(response.content)) == number
        assert _text(response.content).count(JOINING) == number  # every one they are going to
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[1] <= 5  # the feed and its owner, the events' ids, the events, memberships, replies


# --- The settings page -----------------------------------------------------------------------------------
SETTINGS = reverse("events:calendar-settings")


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_for_the_calendar_settings(client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_settings_page_gives_the_members_address_made_on_the_first_visit_and_how_to_subscribe(
    client, member, django_assert_max_num_queries
):
    client.force_login(member)
    assert not CalendarFeed.objects.filter(user=member).exists()

    first = client.get(SETTINGS)
    with django_assert_max_num_queries(5):  # session, user, the feed, the header's unread count
        second = client.get(SETTINGS)

    token = CalendarFeed.objects.get(user=member).token
    address = settings.SITE_URL + _feed_url(token)
    for response in (first, second):
        assert response.status_code == 200
        html = response.content.decode()
        assert f'value="{address}"' in html
        assert "Subscribe in Outlook" in html
        assert "Subscribe in Google Calendar" in html
        assert "webcal://" + address.split("://")[1] in html
        assert f'href="{SETTINGS}"' in html
        assert 'aria-current="page">Calendar feed' in html


def test_the_notification_settings_link_to_the_calendar_settings(client, member):
    client.force_login(member)

    html = client.get(reverse("notification-settings")).content.decode()

    assert f'href="{SETTINGS}"' in html


def test_resetting_from_the_settings_page_gives_a_new_address_and_says_so(client, member):
    client.force_login(member)
    client.get(SETTINGS)
    old = CalendarFeed.objects.get(user=member).token

    response = client.post(SETTINGS, follow=True)

    new = CalendarFeed.objects.get(user=member).token
    assert new != old
    html = response.content.decode()
    assert "Your calendar address has been reset" in html
    assert _feed_url(new) in html
    assert _feed_url(old) not in html
    assert client.get(_feed_url(old)).status_code == 404
    assert client.get(_feed_url(new)).status_code == 200


def test_one_members_reset_leaves_anothers_address_alone(client, member):
    other = person_as("member", community())
    theirs = calendar_feed_for(user=other).token
    client.force_login(member)

    client.post(SETTINGS)

    assert CalendarFeed.objects.get(user=other).token == theirs
    assert client.get(_feed_url(theirs)).status_code == 200


def test_a_feed_written_from_kept_events_reads_the_same_and_shows_a_change_at_once(client, place, settings):
    settings.CALENDAR_EVENT_KEPT_SECONDS = 3600
    home, facilitator = place
    owner = person_as("member", home)
    first, second = (event(organiser=facilitator, community=home, title=title) for title in ("One", "Two"))
    rsvp_set(user=owner, event=first, going=True)

    written = _feed(client, owner).content
    kept = _feed(client, owner).content  # every VEVENT from the cache this time
    event_cancel(actor=facilitator, event=second, reason="Room flooded.")
    changed = _feed(client, owner).content

    assert kept == written
    assert [str(v["SUMMARY"]) for v in _vevents(kept)] == ["One", "Two"]
    assert JOINING in _text(kept)  # the owner is going to the first
    assert len(_between(kept, first.starts_at - timedelta(days=1), first.starts_at + timedelta(days=1))) == 2
    statuses = {str(v["SUMMARY"]): (str(v["STATUS"]), v["SEQUENCE"]) for v in _vevents(changed)}
    assert statuses == {"One": ("CONFIRMED", 0), "Two": ("CANCELLED", 1)}
