"""Events as iCalendar (RFC 5545), written with the icalendar package: an event's .ics (the download and the
emails' attachment) and a member's personal feed.

Each event is one VEVENT whose UID never changes (event-<id>@<the site's domain>), so a calendar that has it
takes a later copy as the same event: SEQUENCE is the event's own counter, one more on every change of time
or place and on cancellation (events.services.events), and a cancelled event says STATUS:CANCELLED. Times
are written in UTC (…Z): calendars show them in the reader's time zone, so an event at 10:00 London time on
the day the clocks go back is at 10:00 there, with no VTIMEZONE to get wrong.

The joining link of an online event is written only where the caller says the reader may see it
(events.permissions.can_see_joining_link): the callers decide, this module only writes.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from icalendar import Calendar, vDuration
from icalendar import Event as VEvent

from communities.models import Membership
from communities.permissions import member_community_ids, membership_remember
from core.email import absolute
from events import permissions
from events.models import Event, Rsvp

PRODID = "-//Knowledge Hub//Community events//EN"
# Subscribed calendars are asked to fetch the feed again this often (RFC 7986 and Outlook's own property).
REFRESH = timedelta(hours=1)


def site_domain() -> str:
    """The host of SITE_URL: what makes the events' UIDs this hub's own."""
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "khub"


def event_uid(event: Event) -> str:
    return f"event-{event.pk}@{site_domain()}"


def ics_filename(event: Event) -> str:
    """monthly-call-temporary-accommodation.ics: letters, digits and dashes only."""
    return f"{(slugify(event.title) or 'event')[:80].strip('-') or 'event'}.ics"


def location(event: Event) -> str:
    """Where: the venue, address and postcode in person; "Online"; both for a hybrid event."""
    place = ", ".join(part for part in (event.venue, event.address, event.postcode) if part)
    if event.is_in_person and event.is_online:
        return f"{place} (and online)" if place else "Online"
    return place if event.is_in_person else "Online"


def description(event: Event, *, url: str, joining_link: bool) -> str:
    """Plain text: a cancellation and its reason first, the description as written (Markdown reads as plain
    text), the joining link where the reader may see it, and the event's page."""
    parts = []
    if event.is_cancelled:
        parts.append(f"Cancelled: {event.cancel_reason}" if event.cancel_reason else "Cancelled.")
    parts.append(f"An event of {event.community.name} on Knowledge Hub.")
    if event.description:
        parts.append(event.description)
    if joining_link and event.joining_url and not event.is_cancelled:
        parts.append(f"Join online: {event.joining_url}")
    parts.append(f"Details and replies: {url}")
    return "\n\n".join(parts)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def vevent(event: Event, *, joining_link: bool, now: datetime) -> VEvent:
    """One event as a VEVENT. `event.community` is read (select_related it for many)."""
    url = absolute(event.get_absolute_url())
    component = VEvent()
    component.add("uid", event_uid(event))
    component.add("sequence", event.sequence)
    component.add("dtstamp", _utc(now))
    component.add("created", _utc(event.created_at))
    component.add("last-modified", _utc(event.updated_at))
    component.add("dtstart", _utc(event.starts_at))
    component.add("dtend", _utc(event.ends_at))
    component.add("summary", event.title)
    component.add("description", description(event, url=url, joining_link=joining_link))
    component.add("location", location(event))
    component.add("url", url)
    component.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    component.add("transp", "TRANSPARENT" if event.is_cancelled else "OPAQUE")
    return component


def _calendar(*, name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # Published for the reader to keep: no invitation to answer (METHOD:REQUEST would ask for an ORGANIZER's
    # address and replies); a copy with the same UID and a higher SEQUENCE replaces the one they have.
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def event_calendar(event: Event, *, joining_link: bool, now: datetime | None = None) -> bytes:
    """An event's .ics: the download, and the attachment of the emails about it."""
    calendar = _calendar()
    calendar.add_component(vevent(event, joining_link=joining_link, now=now or timezone.now()))
    return calendar.to_ical()


def feed_calendar(
    events: Iterable[Event], *, joining_links: set[int], name: str, now: datetime | None = None
) -> bytes:
    """A member's feed: `events` (their community selected), the joining link in those whose id is in
    `joining_links`."""
    now = now or timezone.now()
    calendar = _calendar(name=name)
    calendar.add(
        "x-wr-caldesc", "Events you are going to and events in your communities, from Knowledge Hub."
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- property: typed here
    for event in events:
        calendar.add_component(vevent(event, joining_link=event.pk in joining_links, now=now))
    return calendar.to_ical()


# --- What a member's feed holds ---------------------------------------------------------------------------
FEED_PAST = timedelta(days=30)  # their communities' recent events, for a calendar that looks back a little
FEED_AHEAD = timedelta(days=365)
GOING_PAST = timedelta(days=365)  # the events they went to stay in their calendar for a year
FEED_MOST = 1000  # the soonest first: a feed stays a few hundred KB whatever the hub holds


def feed_events(owner, *, now: datetime | None = None) -> list[Event]:
    """The events in `owner`'s feed, soonest first: every event they are going to (from a year back), and
    their communities' events from a month back to a year ahead; only those they may read
    (events.permissions). One query, whatever their number."""
    now = now or timezone.now()
    in_their_communities = Q(
        community__in=member_community_ids(owner),
        starts_at__gte=now - FEED_PAST,
        starts_at__lt=now + FEED_AHEAD,
    )
    going = permissions.going_to_q(owner) & Q(starts_at__gte=now - GOING_PAST)
    return list(
        permissions.readable_events(owner)
        .filter(in_their_communities | going)
        .select_related("community")  # each event's page address and its community's name
        .defer("description_html", "notes", "notes_html")
        .order_by("starts_at", "pk")[:FEED_MOST]
    )


def feed_joining_links(owner, events: list[Event]) -> set[int]:
    """The ids of the events whose joining link `owner` sees (events.permissions.can_see_joining_link), with
    their memberships and replies fetched in two queries for all the events."""
    online = [event for event in events if event.joining_url]
    if not online:
        return set()
    memberships = {
        membership.community_id: membership
        for membership in Membership.objects.filter(
            user=owner, community_id__in={event.community_id for event in online}
        ).order_by()
    }
    rsvps = {
        rsvp.event_id: rsvp
        for rsvp in Rsvp.objects.filter(user=owner, event_id__in=[event.pk for event in online]).order_by()
    }
    seen = set()
    for event in online:
        membership_remember(
            user=owner, community=event.community, membership=memberships.get(event.community_id)
        )
        permissions.rsvp_remember(user=owner, event=event, rsvp=rsvps.get(event.pk))
        if permissions.can_see_joining_link(user=owner, event=event):
            seen.add(event.pk)
    return seen
