"""Every response to a signed-in member is private: no shared proxy keeps a member's pages for someone else.
Pages for visitors who are not signed in are left as the views make them."""

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from khub.middleware import PrivateForMembersMiddleware
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory
from tests.practice.helpers import published_story

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def place():
    return community("open", name="Waste Officers")


@pytest.fixture
def signed_in(client, place):
    person = person_as("member", place)
    client.force_login(person)
    return person


def _pages(place, other):
    """Each page as (expected status, how to ask for it)."""
    return {
        "home feed": (200, lambda c: c.get("/")),
        "a profile": (200, lambda c: c.get(reverse("profiles:profile", args=[other.handle]))),
        "notifications": (200, lambda c: c.get(reverse("profiles:notifications"))),
        "a community": (200, lambda c: c.get(reverse("communities:detail", args=[place.slug]))),
        "an htmx partial": (
            200,
            lambda c: c.post(reverse("profiles:follow", args=[other.handle]), headers={"HX-Request": "true"}),
        ),
        "a redirect": (302, lambda c: c.post(reverse("profiles:unfollow", args=[other.handle]))),
        "a refusal": (403, lambda c: c.get(reverse("communities:manage", args=[place.slug]))),
        "a page that is not there": (404, lambda c: c.get("/no-such-page/")),
        "a public page": (200, lambda c: c.get(reverse("accessibility"))),
    }


PAGES = list(_pages(None, None))


@pytest.mark.parametrize("page", PAGES)
def test_every_response_to_a_signed_in_member_is_private(client, signed_in, place, page):
    status, ask = _pages(place, UserFactory())[page]
    response = ask(client)
    assert response.status_code == status
    assert {"private", "no-cache"} <= directives(response), response.headers.get("Cache-Control")
    assert "public" not in directives(response)
    assert "Cookie" in response.headers["Vary"]


def test_a_members_page_that_is_already_no_store_stays_no_store(client, signed_in):
    response = client.post(reverse("profiles:settings-account-export"))
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_a_members_response_with_its_own_caching_keeps_it_and_becomes_private(rf, signed_in):
    def public_for_an_hour(request):
        response = HttpResponse("the same for everyone, says the view")
        patch_cache_control(response, public=True, max_age=3600)
        return response

    request = rf.get("/")
    request.user = signed_in
    response = PrivateForMembersMiddleware(public_for_an_hour)(request)
    assert directives(response) == {"private", "max-age=3600"}


@pytest.mark.parametrize("path", ["/", "/accessibility/", "/practice/"])
def test_public_pages_for_visitors_are_not_made_private(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "private" not in directives(response)


def test_a_public_story_for_a_visitor_is_not_made_private(client):
    story = published_story()
    response = client.get(reverse("practice:detail", args=[story.slug]))
    assert response.status_code == 200
    assert "private" not in directives(response)


def test_the_sign_in_page_keeps_its_own_no_store(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert directives(response) == {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}
