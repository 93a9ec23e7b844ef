import re

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from khub import views

pytestmark = pytest.mark.django_db

# Public pages: everything else requires sign-in (LoginRequiredMiddleware).
PUBLIC_PATHS = [
    "/",
    "/accessibility/",
    "/healthz",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_pages_open_without_signing_in(client, path):
    assert client.get(path).status_code == 200


def test_visitors_get_the_landing_page(client):
    response = client.get("/")
    assert "Create an account" in response.text
    assert "khub/home/landing.html" in [t.name for t in response.templates]


def test_members_get_their_home_page_with_their_council(client, member):
    member.council = None
    client.force_login(member)
    response = client.get("/")
    assert f"Welcome, {escape(member.display_name)}" in response.text
    assert "independent member" in response.text
    assert 'action="/accounts/logout/"' in response.text


def _all_paths(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _all_paths(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def test_every_other_page_requires_sign_in(client):
    """Guards the default: a new view is private unless it opts out with @login_not_required."""
    checked = 0
    for route, pattern in _all_paths():
        if "<" in route or "(" in route or route.startswith("admin/"):
            continue  # parameterised routes are covered by their feature's tests; admin has its own login
        path = "/" + route.lstrip("^").rstrip("$")
        if path in PUBLIC_PATHS or not getattr(pattern.callback, "login_required", True):
            continue
        response = client.get(path)
        assert response.status_code in (302, 405), path
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/"), (path, response.url)
        checked += 1
    assert checked >= 5


def test_unknown_pages_get_the_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "govuk-template__body" in response.text


def test_permission_denied_renders_the_styled_403(rf, member):
    request = rf.get("/")
    request.user = member
    response = views.permission_denied(request)
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()


def test_server_error_page_renders_without_a_request_context(rf):
    response = views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_accessibility_statement_is_linked_from_every_page(client):
    assert reverse("accessibility") in client.get("/").text


def test_navigation_marks_the_current_page(client, member):
    client.force_login(member)
    response = client.get("/")
    assert re.search(r'href="/"\s+aria-current="page"', response.text)


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/", "/accessibility/"])
def test_pages_carry_a_strict_content_security_policy_and_no_inline_code(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> found"
    assert not re.search(r"<style[\s>]", html), "inline <style> found"
    assert not re.search(r'\sstyle="', html), "style attribute found"


def test_the_stylesheet_has_no_gov_uk_font_or_crown():
    from pathlib import Path

    css = Path(__file__).resolve().parents[2] / "static" / "dist" / "main.css"
    if not css.exists():
        pytest.skip("front-end assets not built: run `npm run build` (make test does)")
    text = css.read_text()
    assert "GDS Transport" not in text
    assert "@font-face" not in text
    assert "govuk-header__logotype" not in text


@override_settings(DEBUG=False)
def test_the_page_title_names_the_service(client):
    assert "– Knowledge Hub</title>" in client.get("/accessibility/").text


@pytest.mark.parametrize("role", ["anonymous", "member", "site_admin"])
def test_home_page_serves_every_role_in_bounded_queries(client, django_assert_max_num_queries, role, request):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    # A member's page adds the visit's UPDATE, the activity feed's seven sources (tests/khub/test_feed.py:
    # FEED_QUERIES), the inbox count and the side column's five: their communities, the communities they may
    # like (their interests, then the communities) and the people they may want to know (whom they follow,
    # then the people), whatever the hub holds. PostgreSQL reads the member's communities, interests and
    # follows with their user row and asks no source they have no part in: fewer there.
    with django_assert_max_num_queries(6 if role == "anonymous" else 16):
        response = client.get("/")
    assert response.status_code == 200
    assert ("Welcome," in response.text) is (role != "anonymous")
    assert ('href="/admin/"' in response.text) is (role == "site_admin")
