"""Calendar files: an event's .ics, and a member's personal feed at a secret address."""

from django.http import Http404


def event_ics(request, slug: str, event_id: int):
    raise Http404("Not built yet")  # the calendar work replaces this


def personal_feed(request, token: str):
    raise Http404("Not built yet")  # the calendar work replaces this


def calendar_settings(request):
    raise Http404("Not built yet")  # the calendar work replaces this
