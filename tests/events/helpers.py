"""Builders shared by the event tests: events made through the services, as the site makes them."""

from datetime import timedelta

from django.utils import timezone

from events.models import Event
from events.services.events import event_create


def event_values(**overrides) -> dict:
    """A valid online event a week ahead, as event_create takes it."""
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=7)
    values = {
        "title": "Monthly call: temporary accommodation",
        "description": "We compare **notes** on what worked.",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1),
        "format": Event.Format.ONLINE,
        "joining_url": "https://meet.example.org/monthly-call",
        "tags": ["housing"],
    }
    values.update(overrides)
    return values


def event(*, organiser, community, **overrides) -> Event:
    return event_create(organiser=organiser, community=community, **event_values(**overrides))


def started(event: Event, *, hours_ago: int = 2) -> Event:
    """Move an event into the past (the services refuse a past start for a new event)."""
    starts_at = timezone.now() - timedelta(hours=hours_ago)
    Event.objects.filter(pk=event.pk).update(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    event.refresh_from_db()
    return event
