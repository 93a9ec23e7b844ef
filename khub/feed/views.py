from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from khub.feed import activity_feed, items_html, parse_cursor


@login_not_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the activity feed once signed in."""
    if not request.user.is_authenticated:
        return render(request, "khub/home/landing.html")
    before = parse_cursor(request.GET.get("before"))
    items, older = activity_feed(viewer=request.user, before=before)
    context = {
        "feed": items,
        "feed_html": items_html(items),
        "older_url": f"?{urlencode({'before': older.isoformat()})}" if older else "",
        "paged": before is not None,
    }
    return render(request, "khub/home/index.html", context)
