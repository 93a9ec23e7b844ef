from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from khub import views

HEALTHZ_PATH = "/healthz"  # khub/urls.py routes it too, so that it reverses and is listed with the pages


class HealthzMiddleware:
    """First in MIDDLEWARE: answers /healthz before the session, CSRF, authentication, allauth and messages
    middleware run. Whatever cookies a probe sends, nothing reads a session or a user from the database
    before the check that reports the database (PostgreSQL restarting is a 503 with its JSON, not a 500).
    ALLOWED_HOSTS is not checked either: a load balancer may probe by IP address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTHZ_PATH:
            return views.healthz(request)
        return self.get_response(request)


class PrivateForMembersMiddleware:
    """Every response to a signed-in member says `Cache-Control: private`, so no shared proxy keeps a
    member's feed, inbox or profile for someone else. A response without caching headers of its own also
    gets `no-cache` (the browser asks again each time); one that has them (an avatar's max-age, a
    `no-store`) keeps them. Pages for visitors who are not signed in are left as they are."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A 5xx page is rendered without the request (views.server_error): nothing personal, and the
        # database, which looking up the member needs, may be what failed.
        if response.status_code >= 500 or not request.user.is_authenticated:
            return response
        if response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Cookie",))
        return response
