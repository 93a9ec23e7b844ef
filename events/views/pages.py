"""The lists of events (a community's, and /events/ across the viewer's communities), an event's page,
replying to it (going, not going, the waiting list) and who is going."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from communities import permissions as community_permissions
from core.pagination import paginate
from events import permissions, selectors
from events.forms import EventFilterForm, RsvpForm
from events.models import Event, Rsvp
from events.services.rsvps import rsvp_set
from events.views import error_text, readable_community, readable_event

RS = Rsvp.State
PAGE_SIZE = 20
GOING_PAGE_SIZE = 50
# /events/ counts no further than this many events ("more than 1,000"): a national hub has many.
INDEX_COUNT_CAP = 1000


@require_GET
def community_events(request: HttpRequest, slug: str) -> HttpResponse:
    community = readable_community(request, slug)
    page = paginate(selectors.community_events(community=community), request.GET.get("page"), PAGE_SIZE)
    rows = selectors.urls_decorate(page.object_list)
    return render(
        request,
        "events/community/index.html",
        {
            "community": community,
            "page_obj": page,
            "upcoming": [event for event in rows if event.upcoming],
            "past": [event for event in rows if not event.upcoming],
            "can_create": permissions.can_create(user=request.user, community=community),
        },
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    communities = selectors.filter_communities(viewer=request.user)
    form = EventFilterForm(request.GET or None, communities=communities)
    filters = form.filters()
    page = paginate(
        selectors.upcoming_events(viewer=request.user, **filters),
        request.GET.get("page"),
        PAGE_SIZE,
        cap=INDEX_COUNT_CAP,
    )
    page.object_list = selectors.urls_decorate(page.object_list)
    return render(request, "events/index.html", {"form": form, "page_obj": page, "filtered": bool(filters)})


def event_context(request: HttpRequest, event: Event, **extra) -> dict:
    """What the event's page shows; its reply panel (events/event/_reply.html) alone for htmx."""
    user, community = request.user, event.community
    rsvp = permissions.rsvp_for(user=user, event=event)
    discussion = event.discussion
    context = {
        "event": event,
        "community": community,
        "rsvp": rsvp,
        "waiting_place": selectors.waiting_place(rsvp=rsvp) if rsvp and rsvp.state == RS.WAITING else None,
        "can_reply": permissions.can_reply(user=user, event=event),
        "takes_part": community_permissions.can_participate(user=user, community=community),
        "can_edit": permissions.can_edit(user=user, event=event),
        "can_see_joining_link": permissions.can_see_joining_link(user=user, event=event),
        "faces": selectors.going_faces(event=event),
        "discussion": discussion
        if discussion is not None and discussion.community_id == community.pk
        else None,
        "started": event.has_started(),
        "ended": event.has_ended(),
    }
    context.update(extra)
    return context


@require_GET
def event_detail(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = readable_event(request, slug, event_id)
    context = event_context(request, event, tags=list(event.tags.all()))
    return render(request, "events/event/detail.html", context)


def _replied(rsvp: Rsvp, event: Event, place: int | None) -> str:
    if rsvp.state == RS.GOING:
        return f"You're going to “{event.title}”."
    if rsvp.state == RS.WAITING:
        return (
            f"“{event.title}” is full: you're number {place} on the waiting list. "
            "We'll tell you if a place comes free."
        )
    return f"You're not going to “{event.title}”."


@require_POST
def rsvp(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    """Going or not going; going to a full event joins the waiting list. Without JavaScript the page comes
    back with a banner (POST/redirect/GET); with htmx the reply panel comes back with the news in it."""
    event = readable_event(request, slug, event_id)
    form = RsvpForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Say whether you are going."
    else:
        try:
            reply = rsvp_set(user=request.user, event=event, going=form.cleaned_data["going"])
        except (ValidationError, PermissionDenied) as refused:
            error = error_text(refused)
    event.refresh_from_db(fields=["going_count", "waiting_count"])
    permissions.rsvp_forget(event=event)
    context = event_context(request, event)
    status = error or _replied(reply, event, context["waiting_place"])
    if not request.htmx:
        (messages.error if error else messages.success)(request, status)
        return redirect(event.get_absolute_url())
    context.update(htmx_status=status, error=error)
    return render(request, "events/event/_reply.html", context)


@require_GET
def going(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = readable_event(request, slug, event_id)
    page = paginate(
        selectors.going_people(event=event),
        request.GET.get("page"),
        GOING_PAGE_SIZE,
        count=event.going_count,  # kept by the reply services under the event's lock
    )
    page.object_list = selectors.profile_urls(page.object_list)
    return render(request, "events/event/going.html", {"event": event, "page_obj": page})
