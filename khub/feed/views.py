from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from khub.feed import activity_feed, items_html, parse_cursor

# Views of the home page closer together than this are one visit: the first moves the member's visit time
# (one UPDATE, a commit that waits for the disk), the others only read it.
VISIT_GAP = timedelta(minutes=10)


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the activity feed once signed in. The first page's items newer than
    the member's previous visit to it come under "New since your last visit" (the time read with their user
    row, then moved on in one UPDATE unless it is within VISIT_GAP); older pages carry that time in their
    address and move nothing."""
    if not request.user.is_authenticated:
        return render(request, "khub/home/landing.html")
    before = parse_cursor(request.GET.get("before"))
    if before is None:
        since, now = request.user.home_seen_at, timezone.now()
        if since is None or now - since > VISIT_GAP:
            get_user_model().objects.filter(pk=request.user.pk).update(home_seen_at=now)
    else:
        since = parse_cursor(request.GET.get("since"))
    items, older = activity_feed(viewer=request.user, before=before)
    older_query = (
        {"before": older.isoformat(), **({"since": since.isoformat()} if since else {})} if older else {}
    )
    context = {
        "feed": items,
        "feed_html": items_html(items, since=since),
        "older_url": f"?{urlencode(older_query)}" if older_query else "",
        "paged": before is not None,
        "since": since,
    }
    return render(request, "khub/home/index.html", context)
