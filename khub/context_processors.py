from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# Header navigation. An entry appears once its feature's URL exists, so the header never links to a 404.
NAVIGATION = [
    ("Home", "home"),
    ("Communities", "communities:index"),
    ("Practice", "practice:index"),
    ("People", "profiles:people"),
    ("Search", "search"),
]


def _navigation(request: HttpRequest) -> list[dict]:
    current = request.path
    items = []
    for label, url_name in NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        active = current == url if url == "/" else current.startswith(url)
        items.append({"label": label, "url": url, "active": active})
    return items


def site(request: HttpRequest) -> dict:
    return {"site_name": settings.SITE_NAME, "navigation": _navigation(request)}
