"""What events show of a person elsewhere (registered in events/extensions.py): the "Going to" section of
their profile page and their records in the data export.

The section lists only events the VIEWER may read (events.permissions.readable_events): going to an event
of a private community says nothing to someone outside it. One query, whatever the number (the profile
page's count is pinned). The export names an event or its community only while the member may still read
it, as the other apps' exports do; the member's own replies and the events they organised are theirs, other
people's replies never are.
"""

from typing import Any

from django.utils import timezone

from communities.permissions import readable_communities
from core.dates import iso
from events import permissions
from events.models import CalendarFeed, Event, EventEmail, Rsvp
from profiles.extensions import ProfileSection

GOING_TO_SHOWN = 10  # the soonest upcoming events a profile lists
# What the section shows of an event: its link (its community's slug), title, time, format and community.
GOING_TO_FIELDS = ("title", "starts_at", "ends_at", "format", "status", "community__name", "community__slug")


def going_to(*, viewer, person) -> list[Event]:
    """The person's upcoming events (not cancelled) that they are going to and the viewer may read, the
    soonest first: one query (the person's replies by the events_rsvp_user index)."""
    return list(
        permissions.readable_events(viewer)
        .filter(permissions.going_to_q(person), ends_at__gt=timezone.now(), status=Event.Status.SCHEDULED)
        .select_related("community")  # each event's link and where
        .only(*GOING_TO_FIELDS)
        .order_by("starts_at", "pk")[:GOING_TO_SHOWN]
    )


def profile_going_to(viewer, person) -> ProfileSection | None:
    """The profile's "Going to" section; none when there is nothing the viewer may see."""
    events = going_to(viewer=viewer, person=person)
    if not events:
        return None
    return ProfileSection(
        title="Going to",
        template="events/_profile_section.html",
        context={"going_to": events, "own_profile": viewer.pk == person.pk},
    )


def _community(event: Event, readable: set[int]) -> dict[str, str] | None:
    if event.community_id not in readable:
        return None
    return {"name": event.community.name, "slug": event.community.slug}


def events_personal_data(user) -> dict[str, Any]:
    """Their replies (which event, going, waiting or not going, and when), the events they organised (every
    field they wrote), the emails the hub sent them about events and when their calendar address was made
    (not the address itself: a secret that reads their calendar). An event they replied to is named only
    while they may still read it; nobody else's reply is here."""
    readable = set(readable_communities(user).values_list("pk", flat=True))
    replies = Rsvp.objects.filter(user=user).select_related("event__community").order_by("created_at", "pk")
    organised = (
        Event.objects.filter(organiser=user)
        .select_related("community")
        .prefetch_related("tags")
        .order_by("created_at", "pk")
    )
    emails = (
        EventEmail.objects.filter(user=user).select_related("event__community").order_by("created_at", "pk")
    )
    feed = CalendarFeed.objects.filter(user=user).first()

    def about(event: Event) -> dict[str, Any] | None:
        if event.community_id not in readable:
            return None
        return {
            "title": event.title,
            "community": _community(event, readable),
            "starts_at": iso(event.starts_at),
        }

    return {
        "replies": [
            {
                "event": about(rsvp.event),
                "state": rsvp.state,
                "replied_at": iso(rsvp.created_at),
                "updated_at": iso(rsvp.updated_at),
            }
            for rsvp in replies
        ],
        "events_organised": [
            {
                "title": event.title,
                "community": _community(event, readable),
                "description": event.description,
                "starts_at": iso(event.starts_at),
                "ends_at": iso(event.ends_at),
                "format": event.format,
                "joining_url": event.joining_url,
                "venue": event.venue,
                "address": event.address,
                "postcode": event.postcode,
                "region": event.region,
                "capacity": event.capacity,
                "rsvp_deadline": iso(event.rsvp_deadline),
                "tags": sorted(tag.name for tag in event.tags.all()),
                "status": event.status,
                "cancel_reason": event.cancel_reason,
                "notes": event.notes,
                "going_count": event.going_count,
                "waiting_count": event.waiting_count,
                "created_at": iso(event.created_at),
                "updated_at": iso(event.updated_at),
                "cancelled_at": iso(event.cancelled_at),
            }
            for event in organised
        ],
        "emails": [
            {
                "event": about(email.event),
                "kind": email.kind,
                "state": email.state,
                "created_at": iso(email.created_at),
                "sent_at": iso(email.sent_at),
            }
            for email in emails
        ],
        "calendar_feed": {"created_at": iso(feed.created_at)} if feed else None,
    }
