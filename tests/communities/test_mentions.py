"""@handle mentions in posts, through the conversation services: a link to the profile of a real, active
member (the rendering itself is tested in tests/core/test_markdown.py)."""

import pytest
from django.urls import reverse

from communities.services.conversations import post_edit, post_reply, thread_create
from profiles.services import user_erase
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory

REL = 'rel="nofollow noopener noreferrer"'


def _post_html(body: str, author=None, place=None) -> str:
    place = place or community("open")
    author = author or person_as("member", place)
    thread = thread_create(author=author, community=place, title="Mentions", body=body)
    return thread.opening_post.body_html


@pytest.mark.django_db
def test_a_post_links_mentions_of_existing_active_members_only():
    priya = UserFactory(handle="priya-shah")
    html = _post_html("Thanks @priya-shah and @no-such-person")
    url = reverse("profiles:profile", args=["priya-shah"])
    assert f'<a href="{url}" {REL}>@priya-shah</a>' in html
    assert "@no-such-person</p>" in html
    assert html.count("<a ") == 1
    assert priya.is_active


@pytest.mark.django_db
def test_a_post_links_a_mention_whatever_its_case():
    UserFactory(handle="priya-shah")
    url = reverse("profiles:profile", args=["priya-shah"])
    assert f'<a href="{url}" {REL}>@Priya-Shah</a>' in _post_html("Thanks @Priya-Shah")


@pytest.mark.django_db
def test_a_mention_of_a_member_outside_the_community_is_still_linked():
    # The link is to a public profile; whether they are *told* depends on whether they may read it.
    place = community("private")
    UserFactory(handle="outside-person")
    html = _post_html("Ask @outside-person", place=place, author=person_as("member", place))
    assert reverse("profiles:profile", args=["outside-person"]) in html


@pytest.mark.django_db
def test_deactivated_and_erased_members_are_not_linked():
    UserFactory(handle="gone-away", is_active=False)
    erased = user_erase(user=UserFactory(handle="erased-one"))
    html = _post_html(f"@gone-away and @erased-one and @{erased.handle}")
    assert "<a " not in html


@pytest.mark.django_db
def test_an_edit_renders_the_new_mentions():
    place = community("open")
    author = person_as("member", place)
    UserFactory(handle="sam-jones")
    thread = thread_create(author=author, community=place, title="Mentions", body="Hello")
    reply = post_reply(author=author, thread=thread, body="Ask @nobody")
    assert "<a " not in reply.body_html
    edited = post_edit(actor=author, post=reply, body="Ask @sam-jones")
    assert reverse("profiles:profile", args=["sam-jones"]) in edited.body_html
