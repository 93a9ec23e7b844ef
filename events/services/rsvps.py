"""Replying to an event: going, not going, and the waiting list that moves up by itself.

Every reply locks the event's row first, so two people taking the last place at the same moment are served
one after the other: the first gets it, the second joins the waiting list. The counts on the event are kept
under the same lock. When a place comes free (someone stops going, the capacity grows) the first person
waiting, in the order they joined the list, is moved up and told at once (inbox and email).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from communities import permissions as community_permissions
from events import permissions
from events.models import Event, EventEmail, Rsvp
from events.services import locked_event
from events.services.emails import event_emails_queue
from profiles.models import User
from profiles.services import notification_send

RS = Rsvp.State
_COUNT = {RS.GOING: "going_count", RS.WAITING: "waiting_count"}


def _count(event: Event, state: str, change: int) -> None:
    field = _COUNT.get(state)
    if field:
        setattr(event, field, getattr(event, field) + change)


def _save_counts(event: Event) -> None:
    event.save(update_fields=["going_count", "waiting_count"])


def waiting_list_move_up(*, event: Event) -> list[Rsvp]:
    """Give the free places to the people waiting, first come first served. The caller holds the event's
    row lock (locked_event) and saves nothing else of the counts; returns the replies moved up."""
    if event.is_cancelled or event.waiting_count == 0:
        return []
    free = None if event.capacity is None else max(event.capacity - event.going_count, 0)
    if free == 0:
        return []
    waiting = (
        Rsvp.objects.filter(event=event, state=RS.WAITING).select_related("user").order_by("updated_at", "pk")
    )
    moved = list(waiting if free is None else waiting[:free])
    now = timezone.now()
    for rsvp in moved:
        rsvp.state, rsvp.updated_at = RS.GOING, now
        _count(event, RS.WAITING, -1)
        _count(event, RS.GOING, 1)
    Rsvp.objects.bulk_update(moved, ["state", "updated_at"])
    _save_counts(event)
    permissions.rsvp_forget(event=event)
    for rsvp in moved:
        notification_send(
            recipient=rsvp.user,
            kind="events.moved_up",
            text=f"A place came free: you are now going to “{event.title}”",
            url=event.get_absolute_url(),
            target=event,
        )
    EventEmail.objects.bulk_create(
        [
            EventEmail(
                event=event, user_id=rsvp.user_id, kind=EventEmail.Kind.MOVED_UP, sequence=event.sequence
            )
            for rsvp in moved
        ],
        ignore_conflicts=True,
    )
    if moved:
        event_emails_queue()
    return moved


@transaction.atomic
def rsvp_set(*, user: User, event: Event, going: bool) -> Rsvp:
    """Say whether the user is going. Going to a full event puts them on the waiting list (or keeps their
    place on it); not going gives their place, or their place in the queue, back."""
    event = locked_event(event)
    permissions.check_read(user=user, event=event)
    if not community_permissions.can_participate(user=user, community=event.community):
        raise PermissionDenied("Join the community to reply to its events.")
    if event.is_cancelled:
        raise ValidationError("This event was cancelled.")
    if event.has_started():
        raise ValidationError("This event has started: replies are closed.")
    rsvp = Rsvp.objects.select_for_update().filter(event=event, user=user).first()
    before = rsvp.state if rsvp else None
    if going:
        if before in (RS.GOING, RS.WAITING):
            return rsvp
        if not permissions.can_reply(user=user, event=event):
            raise ValidationError("Replies to this event have closed.")
        state = RS.WAITING if event.is_full() else RS.GOING
    else:
        if before == RS.NOT_GOING:
            return rsvp
        state = RS.NOT_GOING
    now = timezone.now()
    if rsvp is None:
        rsvp = Rsvp.objects.create(event=event, user=user, state=state, created_at=now, updated_at=now)
    else:
        rsvp.state, rsvp.updated_at = state, now
        rsvp.save(update_fields=["state", "updated_at"])
    _count(event, before, -1)
    _count(event, state, 1)
    _save_counts(event)
    permissions.rsvp_forget(event=event)
    if before == RS.GOING:
        waiting_list_move_up(event=event)
    return rsvp


def rsvps_erase(user: User) -> None:
    """Erasing an account: the member's replies go, and the places they held go to the people waiting.
    Runs inside profiles.services.user_erase's transaction."""
    event_ids = list(
        Rsvp.objects.filter(user=user, state__in=(RS.GOING, RS.WAITING))
        .order_by("event_id")
        .values_list("event_id", flat=True)
    )
    for event in Event.objects.filter(pk__in=event_ids).select_for_update(of=("self",)).order_by("pk"):
        rsvp = Rsvp.objects.get(event=event, user=user)
        Event.objects.filter(pk=event.pk).update(**{_COUNT[rsvp.state]: F(_COUNT[rsvp.state]) - 1})
        rsvp.delete()
        event.refresh_from_db(fields=["going_count", "waiting_count"])
        if rsvp.state == RS.GOING:
            waiting_list_move_up(event=event)
    Rsvp.objects.filter(user=user).delete()
