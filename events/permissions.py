"""Who may see an event and what they may do with it: the one place every surface asks (pages, lists,
/events/, the feed, digests, search, calendar feeds, profiles, the data export).

An event is content of its community: whoever may read the community (communities.permissions.can_read)
reads its events, who is going and its discussion; nobody else, so an event of a private or restricted
community does not exist for outsiders and its pages answer 404 (a visitor who is not signed in is sent to
sign in). Members who take part reply (going, not going, the waiting list). Facilitators create events, and
so may members where the community allows it; the organiser and the facilitators change and cancel one.
The joining link of an online event is shown only to the people going and to the facilitators.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from communities import permissions as community_permissions
from communities.models import Community
from events.models import Event, Rsvp

RS = Rsvp.State


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- Single-object checks ------------------------------------------------------------------------------
def can_read(*, user, event: Event) -> bool:
    return community_permissions.can_read(user=user, community=event.community)


def can_create(*, user, community: Community) -> bool:
    """Facilitators (and site admins); any member who takes part where the community allows it."""
    if community_permissions.can_manage(user=user, community=community):
        return True
    return community.members_create_events and community_permissions.can_participate(
        user=user, community=community
    )


def can_edit(*, user, event: Event) -> bool:
    """Its organiser while they still take part in the community, the facilitators and site admins."""
    if community_permissions.can_manage(user=user, community=event.community):
        return True
    return (
        _signed_in(user)
        and event.organiser_id == user.pk
        and community_permissions.can_participate(user=user, community=event.community)
    )


def can_reply(*, user, event: Event) -> bool:
    """Whether the user may say they are going (or not): members who take part, while replies are open."""
    return not event.replies_closed() and community_permissions.can_participate(
        user=user, community=event.community
    )


def rsvp_for(*, user, event: Event) -> Rsvp | None:
    """The viewer's reply, fetched once per event object and kept on it for the request."""
    if not _signed_in(user):
        return None
    cache = event.__dict__.setdefault("_rsvp_cache", {})
    if user.pk not in cache:
        cache[user.pk] = Rsvp.objects.filter(event=event, user=user).order_by("pk").first()
    return cache[user.pk]


def rsvp_forget(*, event: Event) -> None:
    """Drop the replies kept on this object: the services call it whenever they change one."""
    event.__dict__.pop("_rsvp_cache", None)


def rsvp_remember(*, user, event: Event, rsvp: Rsvp | None) -> None:
    """Keep a reply fetched in bulk (a calendar feed's events, a batch of emails' recipients) so rsvp_for,
    and the checks that use it, ask for no other."""
    if _signed_in(user):
        event.__dict__.setdefault("_rsvp_cache", {})[user.pk] = rsvp


def can_see_joining_link(*, user, event: Event) -> bool:
    if not event.joining_url or not can_read(user=user, event=event):
        return False
    if community_permissions.can_manage(user=user, community=event.community):
        return True
    rsvp = rsvp_for(user=user, event=event)
    return rsvp is not None and rsvp.state == RS.GOING


def check_read(*, user, event: Event) -> None:
    if not can_read(user=user, event=event):
        raise Http404("No such event")


def check_create(*, user, community: Community) -> None:
    community_permissions.check_read(user=user, community=community)
    if not can_create(user=user, community=community):
        raise PermissionDenied("Only the community's facilitators can create events here.")


def check_edit(*, user, event: Event) -> None:
    check_read(user=user, event=event)
    if not can_edit(user=user, event=event):
        raise PermissionDenied("Only the event's organiser and the community's facilitators can change it.")


# --- Queryset filters ------------------------------------------------------------------------------------
def readable_events_q(viewer, path: str = "") -> Q:
    """Events (at `path`, "" for Event itself) whose community the viewer may read, as a condition."""
    return community_permissions.readable_community_q(viewer, path=f"{path}community")


def readable_events(viewer) -> QuerySet[Event]:
    """Every event the viewer may read (can_read): none for a visitor who is not signed in."""
    if not _signed_in(viewer):
        return Event.objects.none()
    return Event.objects.filter(readable_events_q(viewer))


def readable_rsvps(viewer) -> QuerySet[Rsvp]:
    """Replies to events the viewer may read: who is going, a profile's "Going to"."""
    if not _signed_in(viewer):
        return Rsvp.objects.none()
    return Rsvp.objects.filter(readable_events_q(viewer, path="event__"))


def going_to_q(user) -> Q:
    """Events the user is going to, as a condition on Event (a subquery on their replies)."""
    return Q(Exists(Rsvp.objects.filter(user=user, state=RS.GOING, event=OuterRef("pk"))))


# --- The same filter as SQL text, for statements written once (communities.permissions.sql_params) -------
def readable_event_sql(community: str) -> str:
    """readable_events as a condition on the event's community aliased `community`."""
    return community_permissions.readable_community_sql(community)
