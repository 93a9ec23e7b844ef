"""The signed-in home page (issue 19), scanned by axe with and without JavaScript: a member's feed with
pictures, grouped replies, an unread marker and the last-visit divider, the side column with unread counts
and communities to join; a newcomer's welcome; and reading a thread clears its marker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communities.models import HubSettings, Post, Thread
from communities.services.conversations import post_reply, thread_create
from profiles.models import User
from tests.browser.steps import sign_in
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory, with_tags
from tests.practice.helpers import author_in, published_story


def _busy_home():
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()
    place = community("open", name="Digital Transformation")
    member = person_as("member", place, display_name="Alex Morgan")
    thread = thread_create(
        author=author_in(place), community=place, title="Cloud telephony", body="Who moved?"
    )
    for name in ("Fatima Rahman", "Sam Lee", "Ola Ade"):
        post_reply(
            author=author_in(place, display_name=name), thread=thread, body=f"{name}: we did, in **March**."
        )
    old = thread_create(author=author_in(place), community=place, title="Before my visit", body="Older news")
    published_story(community=place, title="Missed bins online")
    community("open", name="Waste and recycling", topics=["Waste"])
    with_tags(member, interests=["waste"])
    now = timezone.now()
    Thread.objects.filter(pk=old.pk).update(last_activity_at=now - timedelta(days=2))
    Post.objects.filter(thread=old).update(created_at=now - timedelta(days=2))
    User.objects.filter(pk=member.pk).update(home_seen_at=now - timedelta(days=1))
    return member


@pytest.mark.parametrize("javascript", [True, False])
def test_a_member_reads_their_feed_and_a_thread_clears_its_new_replies_marker(new_visitor, javascript):
    member = _busy_home()
    visitor = new_visitor(javascript=javascript)
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=member.email, password="correct-horse-battery")  # lands on home: scanned

    feed = page.locator(".khub-feed")
    expect(feed.get_by_text("New since your last visit")).to_be_visible()
    expect(feed.get_by_text("Earlier")).to_be_visible()
    item = feed.locator(".khub-feed__item", has_text="Cloud telephony")
    expect(item).to_contain_text("3 people replied in Digital Transformation")
    expect(item).to_contain_text("New replies")
    expect(item.locator(".khub-avatar")).to_have_count(3)
    side = page.locator(".khub-home-side")
    expect(side.get_by_role("heading", name="Your communities")).to_be_visible()
    expect(side.get_by_text("unread conversation")).to_have_count(1)
    expect(side.get_by_role("link", name="Waste and recycling")).to_be_visible()

    visitor.follow(item.get_by_role("link", name="Cloud telephony"))
    visitor.follow(page.get_by_role("link", name="Knowledge Hub").first)  # the header's home link
    expect(page.locator(".khub-feed__item", has_text="Cloud telephony")).not_to_contain_text("New replies")
    expect(page.get_by_text("New since your last visit")).to_have_count(0)


def test_a_newcomer_is_welcomed_with_communities_to_join_and_the_practice_library(visitor):
    newcomer = UserFactory(display_name="Jo Newman")
    community("open", name="Waste and recycling", topics=["Waste"])
    community("open", name="Digital Transformation")
    community("private", name="Hidden group")
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=newcomer.email, password="correct-horse-battery")

    welcome = page.locator(".khub-welcome")
    expect(welcome.get_by_role("heading", name="Get started")).to_be_visible()
    expect(welcome.get_by_role("link", name="Waste and recycling")).to_be_visible()
    expect(page.get_by_text("Hidden group")).to_have_count(0)
    visitor.follow(welcome.get_by_role("link", name="read the practice library"))
