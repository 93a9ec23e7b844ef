"""Calendar files: an event's .ics, a member's personal feed at a secret address, and the settings page that
gives the address (and replaces it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from core.email import absolute
from events import permissions
from events.calendar import event_calendar, feed_calendar, feed_events, feed_joining_links, ics_filename
from events.models import CalendarFeed, Event
from events.services.calendar import calendar_feed_for, calendar_feed_reset
from profiles.permissions import is_on_the_hub

CALENDAR = "text/calendar; charset=utf-8"
FEED_NAME = "Knowledge Hub events"
RESET = "Your calendar address has been reset. Calendars using the old address will no longer update."


def _calendar_response(content: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=CALENDAR)
    response["Content-Disposition"] = content_disposition_header(as_attachment=attachment, filename=filename)
    return response


@require_GET
def event_ics(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    """The event's .ics, for whoever may read the event (404 for the others, as the page)."""
    event = get_object_or_404(Event.objects.select_related("community"), pk=event_id, community__slug=slug)
    permissions.check_read(user=request.user, event=event)
    content = event_calendar(
        event, joining_link=permissions.can_see_joining_link(user=request.user, event=event)
    )
    return _calendar_response(content, filename=ics_filename(event), attachment=True)


@login_not_required  # a calendar program has no session: the secret token in the address is the key
@require_GET
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Everything the feed's owner is going to, and their communities' events, as they may read them."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not is_on_the_hub(feed.user):
        raise Http404("No such calendar")
    owner = feed.user
    events = feed_events(owner)
    content = feed_calendar(events, joining_links=feed_joining_links(owner, events), name=FEED_NAME)
    response = _calendar_response(content, filename="knowledge-hub.ics", attachment=False)
    # The member's events, at an address that works without signing in: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """The member's feed address, how to subscribe to it, and a button to replace it."""
    if request.method == "POST":
        calendar_feed_reset(user=request.user)
        messages.success(request, RESET)
        return redirect("events:calendar-settings")
    feed = calendar_feed_for(user=request.user)
    feed_url = absolute(reverse("events:feed", kwargs={"token": feed.token}))
    context = {"feed_url": feed_url, "webcal_url": "webcal://" + feed_url.split("://", 1)[-1]}
    return render(request, "events/calendar/settings.html", context)
