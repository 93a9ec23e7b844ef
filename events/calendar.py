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

import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
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


def _kept_key(event: Event, *, joining_link: bool) -> str:
    """What a feed's VEVENT is written from: the event's version (its SEQUENCE and when it last changed),
    its community's name and address, and whether the link is in. Any change makes a new key."""
    community = f"{event.community.slug}:{event.community.name}"
    return (
        f"events:vevent:{event.pk}:{event.sequence}:{event.updated_at.timestamp()}:{int(joining_link)}:"
        f"{zlib.crc32(community.encode())}"
    )


def feed_calendar(events: Iterable[Event], *, joining_links: set[int], name: str) -> bytes:
    """A member's feed: `events` (their community selected), the joining link in those whose id is in
    `joining_links`.

    Writing a VEVENT with icalendar costs most of a millisecond, and a feed holds hundreds that seldom
    change: each is kept written (CALENDAR_EVENT_KEPT_SECONDS, fetched in one round trip) under a key that
    changes with the event, and stamped with when the event last changed rather than now, so a kept copy is
    the one that would be written afresh."""
    calendar = _calendar(name=name)
    calendar.add(
        "x-wr-caldesc", "Events you are going to and events in your communities, from Knowledge Hub."
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an X- property: typed here
    keys = {event.pk: _kept_key(event, joining_link=event.pk in joining_links) for event in events}
    kept = cache.get_many(list(keys.values())) if settings.CALENDAR_EVENT_KEPT_SECONDS else {}
    written, blocks = {}, []
    for event in events:
        block = kept.get(keys[event.pk])
        if block is None:
            link = event.pk in joining_links
            block = written[keys[event.pk]] = vevent(event, joining_link=link, now=event.updated_at).to_ical()
        blocks.append(block)
    if written and settings.CALENDAR_EVENT_KEPT_SECONDS:
        cache.set_many(written, settings.CALENDAR_EVENT_KEPT_SECONDS)
    end = b"END:VCALENDAR\r\n"
    empty = calendar.to_ical()
    return empty[: -len(end)] + b"".join(blocks) + end


# --- What a member's feed holds ---------------------------------------------------------------------------
FEED_PAST = timedelta(days=30)  # their communities' recent events, for a calendar that looks back a little
FEED_AHEAD = timedelta(days=365)
GOING_PAST = timedelta(days=365)  # the events they went to stay in their calendar for a year
FEED_MOST = 1000
FEED_FIELDS = (
    *("title", "description", "starts_at", "ends_at", "format", "joining_url", "venue", "address"),
    *("postcode", "status", "cancel_reason", "sequence", "created_at", "updated_at", "community"),
    *("community__slug", "community__name", "community__visibility"),
)  # the soonest first: a feed stays a few hundred KB whatever the hub holds


def feed_events(owner, *, now: datetime | None = None) -> list[Event]:
    """The events in `owner`'s feed, soonest first: every event they are going to (from a year back), and
    their communities' events from a month back to a year ahead; only those they may read
    (events.permissions). Two queries, whatever their number: the ids from the two indexes that hold them
    (a community's events by start, events_community_start; a member's replies, events_rsvp_user), as one
    UNION, then those events by their keys. (One statement with an OR of the two walks every event.)"""
    now = now or timezone.now()
    in_their_communities = Event.objects.filter(
        community__in=member_community_ids(owner),
        starts_at__gte=now - FEED_PAST,
        starts_at__lt=now + FEED_AHEAD,
    ).values_list("pk")
    # Every event they are going to, by their replies alone: the year back is kept by the second query.
    going = Rsvp.objects.filter(user=owner, state=Rsvp.State.GOING).values_list("event_id")
    ids = [pk for (pk,) in in_their_communities.order_by().union(going.order_by())]
    return list(
        permissions.readable_events(owner)
        .filter(pk__in=ids, starts_at__gte=now - max(GOING_PAST, FEED_PAST))
        .select_related("community")  # each event's page address and its community's name
        # What a VEVENT and the joining link's check read, no more: hundreds of rows are built.
        .only(*FEED_FIELDS)
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
