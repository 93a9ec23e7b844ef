from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# Header navigation. An entry appears once its feature's URL exists, so the header never links to a 404.
NAVIGATION = [
    ("Home", "home"),
    ("Communities", "communities:index"),
    ("Practice", "practice:index"),
    ("Events", "events:index"),
    ("People", "profiles:people"),
    # Search is the box beside these links (templates/includes/header.html), not a tab of its own. Ask the
    # hub is the home page's button and the questions' space (a sixth link would not fit a phone's line).
]


@cache
def _available_navigation() -> tuple[tuple[str, str], ...]:
    # URLs are fixed once the URLconf has loaded: resolve them once per process, not per request.
    items = []
    for label, url_name in NAVIGATION:
        try:
            items.append((label, reverse(url_name)))
        except NoReverseMatch:
            continue
    return tuple(items)


def _navigation(request: HttpRequest) -> list[dict]:
    current = request.path
    return [
        {"label": label, "url": url, "active": current == url if url == "/" else current.startswith(url)}
        for label, url in _available_navigation()
    ]


def site(request: HttpRequest) -> dict:
    return {"site_name": settings.SITE_NAME, "navigation": _navigation(request)}
