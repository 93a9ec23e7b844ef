from django.shortcuts import get_object_or_404, render

from events import permissions
from events.models import Event


def event_detail(request, slug: str, event_id: int):
    event = get_object_or_404(Event.objects.select_related("community"), pk=event_id, community__slug=slug)
    permissions.check_read(user=request.user, event=event)
    return render(request, "events/event/detail.html", {"event": event})
