from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from profiles import extensions
from profiles.extensions import Contribution, ProfileSection
from profiles.models import User
from profiles.services import user_erase, user_set_council
from tests.factories import AdminFactory, CouncilFactory, UserFactory
from tests.profiles.people_helpers import follow, give_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def priya(db):
    council = CouncilFactory(name="Leeds City Council", region="yorkshire")
    person = UserFactory(
        display_name="Priya Shah",
        job_title="Head of Housing Options",
        email="priya@leeds.example.test",
        council=council,
        council_linked_via=User.CouncilLink.EMAIL,
    )
    return give_profile(
        person,
        bio="I run **housing options**.\n\n<script>alert(1)</script>",
        expertise=["Housing allocations", "Homelessness prevention"],
        interests=["Net zero"],
    )


def _profile(person):
    return reverse("profiles:profile", kwargs={"handle": person.handle})


def _people_urls(person):
    handle = {"handle": person.handle}
    return [
        reverse("profiles:people"),
        reverse("profiles:profile", kwargs=handle),
        reverse("profiles:followers", kwargs=handle),
        reverse("profiles:following", kwargs=handle),
        reverse("profiles:avatar", kwargs={**handle, "filename": "x.webp"}),
        reverse("profiles:councils"),
        reverse("profiles:council", kwargs={"slug": "leeds-city-council"}),
        reverse("profiles:settings-profile"),
    ]


def test_anonymous_visitors_are_sent_to_sign_in_from_every_people_page(client, priya):
    for url in _people_urls(priya):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


def test_profile_shows_who_they_are_and_what_they_know(client, member, priya):
    follow(member, priya)
    client.force_login(member)
    response = client.get(_profile(priya))
    assert response.status_code == 200
    html = response.text
    assert "<title>Priya Shah – Knowledge Hub</title>" in html
    assert html.count("<h1") == 1
    assert "Head of Housing Options" in html
    assert "Leeds City Council" in html
    assert ">Verified<" in html
    assert "Yorkshire and the Humber" in html
    assert "<strong>housing options</strong>" in html
    assert "<script>alert" not in html
    assert "Housing allocations" in html
    assert "?expertise=housing-allocations" in html
    assert "Net zero" in html
    assert "1 follower<" in html
    assert "0 following" in html
    assert "Unfollow" in html


def test_a_council_set_by_a_site_admin_is_not_called_verified(client, member, priya):
    user_set_council(user=priya, council=priya.council)
    client.force_login(member)
    html = client.get(_profile(priya)).text
    assert "Set by a site admin" in html
    assert ">Verified<" not in html


def test_a_member_without_a_council_is_an_independent_member(client, member):
    client.force_login(member)
    assert "Independent member" in client.get(_profile(member)).text


def test_the_markdown_bio_is_stored_rendered_and_sanitised(priya):
    assert "<strong>housing options</strong>" in priya.bio_html
    assert "<script" not in priya.bio_html


def test_own_profile_offers_to_edit_instead_of_follow(client, member):
    client.force_login(member)
    html = client.get(_profile(member)).text
    assert reverse("profiles:settings-profile") in html
    assert 'id="follow-button"' not in html


@pytest.mark.parametrize("page", ["profile", "followers", "following"])
def test_a_deactivated_members_pages_give_404(client, member, priya, page):
    priya.is_active = False
    priya.save(update_fields=["is_active"])
    client.force_login(member)
    assert client.get(reverse(f"profiles:{page}", kwargs={"handle": priya.handle})).status_code == 404


def test_an_erased_members_profile_gives_404(client, member, priya):
    user_erase(user=priya)
    priya.refresh_from_db()
    client.force_login(member)
    assert client.get(_profile(priya)).status_code == 404


def test_deactivated_members_are_neither_listed_nor_counted(client, member, priya):
    gone = UserFactory(display_name="Gone Person")
    follow(gone, priya)
    follow(member, priya)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client.force_login(member)
    assert "1 follower<" in client.get(_profile(priya)).text
    followers = client.get(reverse("profiles:followers", kwargs={"handle": priya.handle})).text
    assert escape(member.display_name) in followers
    assert "Gone Person" not in followers


# --- Email privacy ----------------------------------------------------------------------------------


def _pages_showing(person, viewer):
    follow(person, viewer)
    return [
        _profile(person),
        reverse("profiles:people") + f"?q={person.display_name}",
        reverse("profiles:followers", kwargs={"handle": viewer.handle}),
        reverse("profiles:council", kwargs={"slug": person.council.slug}),
    ]


def test_nobody_sees_an_email_address_its_owner_hid(client, member, priya):
    client.force_login(member)
    for url in _pages_showing(priya, member):
        response = client.get(url)
        assert escape(priya.display_name) in response.text, url
        assert priya.email not in response.text, url


def test_an_email_address_its_owner_shows_is_seen_by_every_member(client, member, priya):
    give_profile(priya, show_email=True)
    client.force_login(member)
    for url in _pages_showing(priya, member):
        assert f'href="mailto:{priya.email}"' in client.get(url).text, url


def test_the_owner_and_site_admins_see_a_hidden_email_address(client, priya):
    admin = AdminFactory()
    for viewer in (priya, admin):
        client.force_login(viewer)
        html = client.get(_profile(priya)).text
        assert f'href="mailto:{priya.email}"' in html
        assert "Hidden from other members" in html
    assert priya.email in client.get(reverse("profiles:people") + "?q=Priya").text


# --- Sections registered by other apps --------------------------------------------------------------


@pytest.fixture
def test_templates(settings):
    here = Path(__file__).resolve().parent / "templates"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], here]}]


@pytest.mark.usefixtures("test_templates")
def test_every_registered_profile_section_is_rendered_for_the_viewer(client, member, priya, monkeypatch):
    seen = []

    def communities(viewer, person):
        seen.append((viewer.pk, person.pk))
        return ProfileSection(
            title="Communities", template="tests/section.html", context={"names": ["Housing"]}
        )

    monkeypatch.setattr(extensions, "_profile_sections", [communities, lambda viewer, person: None])
    monkeypatch.setattr(
        extensions,
        "_council_sections",
        [lambda viewer, council: ProfileSection(title="Shared", template="tests/section.html")],
    )
    client.force_login(member)
    html = client.get(_profile(priya)).text
    assert seen == [(member.pk, priya.pk)]
    assert '<h2 class="govuk-heading-m" id="profile-section-1">Communities</h2>' in html
    assert "<li>Housing</li>" in html
    assert "Priya Shah" in html
    council_html = client.get(reverse("profiles:council", kwargs={"slug": priya.council.slug})).text
    assert 'id="council-section-1">Shared</h2>' in council_html


# --- Councils -----------------------------------------------------------------------------------------


def test_councils_are_listed_with_their_members_on_the_hub(client, member, priya):
    CouncilFactory(name="Kent County Council")
    UserFactory(council=priya.council, is_active=False)
    client.force_login(member)
    html = client.get(reverse("profiles:councils")).text
    assert "Kent County Council" in html
    assert (
        f'href="{reverse("profiles:council", kwargs={"slug": priya.council.slug})}">Leeds City Council</a>'
        in html
    )
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in html


def test_a_council_page_lists_its_members(client, member, priya):
    client.force_login(member)
    response = client.get(reverse("profiles:council", kwargs={"slug": priya.council.slug}))
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Leeds City Council</h1>' in response.text
    assert _profile(priya) in response.text
    assert escape(member.display_name) not in response.text.split("Members</h2>")[1]


def test_an_unknown_council_gives_404(client, member):
    client.force_login(member)
    assert client.get(reverse("profiles:council", kwargs={"slug": "nowhere"})).status_code == 404


# --- Followers and following --------------------------------------------------------------------------


def test_followers_and_following_list_people_newest_first(client, member, priya):
    first, second = UserFactory(display_name="Ann First"), UserFactory(display_name="Bob Second")
    follow(first, priya)
    follow(second, priya)
    follow(priya, member)
    client.force_login(member)
    html = client.get(reverse("profiles:followers", kwargs={"handle": priya.handle})).text
    assert "People following Priya Shah" in html
    assert html.index("Bob Second") < html.index("Ann First")
    html = client.get(reverse("profiles:following", kwargs={"handle": priya.handle})).text
    assert "People Priya Shah follows" in html
    assert escape(member.display_name) in html
    html = client.get(reverse("profiles:following", kwargs={"handle": member.handle})).text
    assert "does not follow anyone yet" in html


def test_follower_lists_are_paginated(client, member, priya):
    for _ in range(21):
        follow(UserFactory(), priya)
    client.force_login(member)
    url = reverse("profiles:followers", kwargs={"handle": priya.handle})
    first = client.get(url).text
    assert first.count('class="khub-person"') == 20
    assert 'href="?page=2"' in first
    assert client.get(url + "?page=2").text.count('class="khub-person"') == 1


# --- Header and home ----------------------------------------------------------------------------------


def test_the_header_links_to_your_profile_and_the_home_page_to_editing_it(client, member):
    client.force_login(member)
    html = client.get(reverse("home")).text
    assert f'href="{_profile(member)}"' in html
    assert ">Your profile</a>" in html
    assert f'href="{reverse("profiles:settings-profile")}"' in html
    assert f'href="{reverse("profiles:people")}"' in html  # the People navigation item


def test_recent_contributions_merge_every_app_newest_first_with_an_empty_state(
    client, member, priya, monkeypatch
):
    client.force_login(member)
    monkeypatch.setattr(extensions, "_contributions", [])
    assert "has not started a conversation or shared a story you can see yet" in _profile_html(client, priya)

    def threads(viewer, person, limit):
        return [
            Contribution("Conversation", "Old thread", "/t/1/", datetime(2026, 1, 1, tzinfo=UTC), "Housing")
        ]

    def stories(viewer, person, limit):
        assert viewer == member  # every provider filters for the viewer
        return [Contribution("Story", "New story", "/s/1/", datetime(2026, 6, 1, tzinfo=UTC))]

    monkeypatch.setattr(extensions, "_contributions", [threads, stories])
    html = _profile_html(client, priya)
    assert html.index("New story") < html.index("Old thread")
    assert "Conversation in Housing" in html


def _profile_html(client, person):
    response = client.get(reverse("profiles:profile", kwargs={"handle": person.handle}))
    assert response.status_code == 200
    return response.content.decode()
