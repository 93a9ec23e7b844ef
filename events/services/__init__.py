"""Every write to events: the events themselves (events.py), the replies and the waiting list (rsvps.py)
and the emails they cause (emails.py).

Errors a person can fix are ValidationError keyed by the form's field, with a message to show beside it,
and nothing is saved. An event the person may not read is Http404 (events.permissions), so a refusal never
reveals it.
"""

from events.models import Event


def locked_event(event: Event) -> Event:
    """The event's row, locked alone: replies, counts and changes go one writer at a time."""
    return Event.objects.select_for_update(of=("self",)).select_related("community").get(pk=event.pk)
