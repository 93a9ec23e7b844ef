"""Events in activity digests (core.providers.digests): the events announced in the member's communities
since their last digest ("New events"), and the events they are going to in the week after it ("Coming
up"), each checked with events.permissions for the member from the rows fetched once for the whole chunk:
three queries (the chunk's memberships, shared with the other apps' providers; the new events; the
replies of the chunk's members to the coming week's events), whatever the number of members or events."""

from dataclasses import dataclass
from datetime import timedelta

from communities.providers.digests import DigestMemberships, digest_memberships
from core.dates import exact
from core.providers.digests import Candidates, Digest, DigestChunk, DigestProvider, DigestSection, digest_item
from events import permissions
from events.models import Event, Rsvp

COMING_UP = timedelta(days=7)  # "Coming up": the events a member is going to within a week of the digest
# Bounds on the rows a chunk reads, whatever the activity: the newest (the soonest) win.
MOST_NEW = 1000
MOST_GOING = 2000
# An item names the event, its time and community: its long texts are never read here.
LONG_TEXT = ("description", "description_html", "notes", "notes_html", "cancel_reason")


@dataclass
class _Collected:
    memberships: DigestMemberships
    new: Candidates[Event]  # announced in the chunk's span, filed by community, the newest first
    going: dict[int, list[Event]]  # each member's events in the coming week, the soonest first


def _detail(event: Event) -> str:
    """When and how: "14 May 2026 at 10:00 · Online"."""
    return f"{exact(event.starts_at)} · {event.get_format_display()}"


def _collect(chunk: DigestChunk) -> _Collected:
    memberships = digest_memberships(chunk)
    new = list(
        Event.objects.filter(
            community_id__in=memberships.all_included(),
            status=Event.Status.SCHEDULED,
            ends_at__gt=chunk.until,  # not one that is already over
            **chunk.window("created_at"),
        )
        .select_related("community", "organiser")
        .defer(*LONG_TEXT)
        .order_by("-created_at", "-pk")[:MOST_NEW]
    )
    replies = (
        Rsvp.objects.filter(
            user_id__in=chunk.user_ids,
            state=Rsvp.State.GOING,
            event__status=Event.Status.SCHEDULED,
            event__starts_at__gt=chunk.until,
            event__starts_at__lte=chunk.until + COMING_UP,
        )
        .select_related("event__community")
        .defer(*(f"event__{name}" for name in LONG_TEXT))
        .order_by("event__starts_at", "event_id")[:MOST_GOING]
    )
    going: dict[int, list[Event]] = {}
    events: dict[int, Event] = {}
    for rsvp in replies:
        # One object per event, its community carrying the chunk's memberships (the checks ask nothing more).
        event = events.setdefault(rsvp.event_id, rsvp.event)
        going.setdefault(rsvp.user_id, []).append(event)
    for event in [*new, *events.values()]:
        event.community = memberships.community(event.community)
    return _Collected(memberships, Candidates(new, lambda event: (event.community_id,)), going)


def _pick(digest: Digest, chunk: DigestChunk, collected: _Collected, fresh) -> dict[str, list[dict]]:
    """New events from the member's own communities (not muted), not their own; the events they are going
    to in the coming week, wherever they are. Each only while the member may read it."""
    user = digest.user
    included = collected.memberships.included[user.pk]

    def item(event: Event, *, key: str, when, detail: str) -> dict:
        return chunk.once(
            (key, when, detail),
            lambda: digest_item(
                key=key,
                title=event.title,
                path=chunk.path(event),
                when=when,
                where=event.community.name,
                where_path=chunk.path(event.community),
                detail=detail,
                event=event.pk,
                community=event.community_id,
            ),
        )

    new = [
        item(
            event,
            key=f"event:{event.pk}",
            when=event.created_at,
            detail=f"{_detail(event)} · Announced by {event.organiser.public_name}",
        )
        for event in collected.new.under(included)
        if digest.covers(event.created_at)
        and event.organiser_id != user.pk
        and fresh(f"event:{event.pk}")
        and permissions.can_read(user=user, event=event)
    ]
    # Listed once for each time it is at: moved to another time, it comes up again.
    coming_up = [
        item(event, key=key, when=event.starts_at, detail=f"You are going · {event.get_format_display()}")
        for event in collected.going.get(user.pk, ())
        if fresh(key := f"going:{event.pk}:{event.starts_at.timestamp():.0f}")
        and permissions.can_read(user=user, event=event)
    ]
    return {"events": new, "coming_up": coming_up}


def _still_readable(user, items: list[dict]) -> set[str]:
    """Events the member may still read: one query."""
    events = {item["event"] for item in items if item.get("event")}
    if not events:
        return set()
    readable = set(permissions.readable_events(user).filter(pk__in=events).values_list("pk", flat=True))
    return {item["key"] for item in items if item.get("event") in readable}


EVENTS_IN_DIGESTS = DigestProvider(
    sections=(
        DigestSection(
            name="coming_up", heading="Coming up", one="event coming up", many="events coming up", order=15
        ),
        DigestSection(name="events", heading="New events", one="new event", many="new events", order=45),
    ),
    collect=_collect,
    pick=_pick,
    still_readable=_still_readable,
)
