"""The event pages: lists and an event's page with its replies (pages.py), announcing, changing, cancelling
an event and its notes (editing.py), calendar files (calendar.py).

Sign-in comes from LoginRequiredMiddleware. An event is content of its community: whoever may not read the
community gets 404 on every event page, so an event of a private or restricted community does not exist
for them (events.permissions).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest

from communities import permissions as community_permissions
from communities.models import Community
from communities.selectors import community_for_page
from events import permissions, selectors
from events.models import Event


def readable_community(request: HttpRequest, slug: str) -> Community:
    """The community behind the URL, if the viewer may read it (and so its events); else 404."""
    community = community_for_page(slug=slug)
    if community is None or not community_permissions.can_read(user=request.user, community=community):
        raise Http404("No such community")
    return community


def readable_event(request: HttpRequest, slug: str, event_id: int) -> Event:
    event = selectors.event_for_page(slug=slug, event_id=event_id)
    if event is None:
        raise Http404("No such event")
    permissions.check_read(user=request.user, event=event)
    return event


def error_text(error: ValidationError | PermissionDenied) -> str:
    """A refusal's message, to show as it is (messages framework)."""
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
