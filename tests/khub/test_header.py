"""The site header on every page: the account menu's links per role, the notifications bell, one search box
(no Search tab), and no query for any of it beyond the unread count, which is kept between pages."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from profiles.services import follow_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _header(html: str) -> str:
    return re.search(r'<header class="govuk-generic-header.*?</section>', html, re.S).group(0)


def test_visitors_get_sign_in_and_create_an_account_and_no_account_menu(client):
    header = _header(client.get(reverse("accessibility")).text)
    assert f'href="{reverse("account_login")}"' in header
    assert f'href="{reverse("account_signup")}"' in header
    assert 'id="account-menu"' not in header
    assert 'id="header-notifications"' not in header
    assert 'action="/accounts/logout/"' not in header


@pytest.mark.parametrize("role", ["member", "site_admin"])
def test_members_get_an_account_menu_with_picture_and_links_and_admins_an_admin_link(client, role, request):
    person = request.getfixturevalue(role)
    client.force_login(person)
    header = _header(client.get(reverse("accessibility")).text)
    menu = re.search(r'<details class="khub-account-menu".*?</details>', header, re.S).group(0)
    assert "khub-avatar" in menu  # their photo or initials
    assert f"Signed in as {escape(person.display_name)}" in menu  # a name such as O'Sullivan, escaped
    assert f'href="{reverse("profiles:profile", args=[person.handle])}"' in menu
    assert f'href="{reverse("account_email")}"' in menu
    assert re.search(r'<form method="post" action="/accounts/logout/"', menu)
    assert ('href="/admin/"' in menu) is (role == "site_admin")
    assert 'id="header-notifications"' in header
    assert f'href="{reverse("account_login")}"' not in header


def test_the_bell_says_notifications_and_the_unread_count(client, member):
    for _ in range(3):
        follow_create(follower=UserFactory(), followed=member)
    client.force_login(member)
    bell = re.search(r'<a id="header-notifications".*?</a>', client.get(reverse("home")).text, re.S).group(0)
    assert re.search(r'<svg class="khub-bell__icon"[^>]*aria-hidden="true"', bell)
    assert '<span class="govuk-visually-hidden">Notifications</span>' in bell
    assert '3<span class="govuk-visually-hidden"> unread</span>' in bell


def test_search_is_one_box_not_a_tab_and_the_search_page_has_its_own(client, member):
    client.force_login(member)
    home = _header(client.get(reverse("home")).text)
    assert 'id="header-search"' in home
    assert not re.search(r'govuk-service-navigation__link"\s+href="/search/', home)
    search = client.get(reverse("search"), {"q": "housing"}).text
    assert 'id="header-search"' not in search


@override_settings(INBOX_UNREAD_KEPT_SECONDS=60)  # as in production: the count is kept between pages
def test_the_header_reads_nothing_more_than_the_member_and_a_kept_unread_count(client, member):
    client.force_login(member)
    client.get(reverse("accessibility"))  # counts once and keeps it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accessibility"))
    assert "khub-avatar" in response.text
    tables = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in tables if "profiles_notification" in sql]
    # the session and its member, nothing else: the picture comes from request.user
    assert len(tables) == 2, tables
