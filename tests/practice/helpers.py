"""Builders shared by the practice tests: stories made through the services, as the site makes them."""

from communities.models import Community
from practice.models import PracticeStory
from practice.services.stories import story_create, story_publish
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, MembershipFactory, VerifiedMemberFactory

RECORD = {
    "challenge": "Missed bin collections were reported by phone and took **days** to reach crews.",
    "what_we_did": "We put the crews' round sheets online and let residents report a miss in two clicks.",
    "outcomes": "Reports reach crews the same day.",
    "evidence": "See the dashboard.",
    "cost_and_resources": "Two developers for six weeks.",
    "lessons_learned": "Start with the crews.",
    "do_differently": "Involve the contact centre earlier.",
}


def author_in(community: Community, **user_fields):
    """A verified member active in the community: may write and publish there."""
    author = VerifiedMemberFactory(**user_fields)
    MembershipFactory(community=community, user=author)
    return author


def draft_story(*, author=None, community: Community | None = None, **fields) -> PracticeStory:
    community = community or CommunityFactory()
    author = author or author_in(community)
    values = {
        "title": "Missed bins reported online",
        "summary": "Residents report a missed bin in two clicks and crews see it the same day.",
        "service_area": "environment",
        "audience": PracticeStory.Audience.PUBLIC,
        "sections": dict(RECORD),
        "tags": ["waste"],
    }
    values.update(fields)
    return story_create(author=author, community=community, **values)


def published_story(*, audience: str = "public", visibility: str = "open", **fields) -> PracticeStory:
    """A published story whose home community has this visibility (its author is an active member)."""
    community = fields.pop("community", None) or CommunityFactory(visibility=visibility)
    story = draft_story(community=community, audience=audience, **fields)
    return story_publish(actor=story.author, story=story)


__all__ = ["RECORD", "author_in", "draft_story", "person_as", "published_story"]
