"""Stories published, promoted and repeated in activity digests (core.providers.digests)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from communities.providers.digests import DigestMemberships, digest_memberships
from core.providers.digests import (
    Candidates,
    Digest,
    DigestChunk,
    DigestProvider,
    DigestSection,
    digest_item,
)
from practice import permissions
from practice.models import Adoption, PracticeStory, StoryTag
from practice.permissions import listed_stories
from profiles.models import InterestTag

# Stories published, promoted or repeated in a member's window: from their communities (not muted), or on
# their interests from anywhere they may read.
MOST_STORIES = 500
MOST_ADOPTIONS = 500


@dataclass(frozen=True)
class _Event:
    """A story published, promoted or repeated: the same for each member it may reach."""

    story: PracticeStory
    key: str
    when: datetime
    detail: str


@dataclass
class _Collected:
    memberships: DigestMemberships
    interests: dict[int, set[int]]  # each member's interest tags
    events: Candidates[_Event]  # filed by the story's community and by each of its tags
    tags: dict[int, set[int]]  # each candidate story's tags


def _collect(chunk: DigestChunk) -> _Collected:
    memberships = digest_memberships(chunk)
    interests = defaultdict(set)
    for user_id, tag_id in InterestTag.objects.filter(content_object_id__in=chunk.user_ids).values_list(
        "content_object_id", "tag_id"
    ):
        interests[user_id].add(tag_id)
    all_interests = set().union(*interests.values())
    about_here = Q(community_id__in=memberships.all_included()) | Q(
        pk__in=StoryTag.objects.filter(tag_id__in=all_interests).values("content_object_id")
    )
    published = PracticeStory.objects.filter(about_here, status=PracticeStory.Status.PUBLISHED)
    stories = list(
        published.filter(Q(**chunk.window("published_at")) | Q(**chunk.window("promoted_at")))
        .select_related("community", "council", "author")
        .order_by("-published_at")[:MOST_STORIES]
    )
    adoptions = list(
        Adoption.objects.filter(story__in=published, **chunk.window("created_at"))
        .select_related("story__community", "story__council", "story__author", "council")
        .order_by("-created_at")[:MOST_ADOPTIONS]
    )
    story_ids = {story.pk for story in stories} | {adoption.story_id for adoption in adoptions}
    co_authors = defaultdict(set)
    for story_id, user_id in PracticeStory.co_authors.through.objects.filter(
        practicestory_id__in=story_ids
    ).values_list("practicestory_id", "user_id"):
        co_authors[story_id].add(user_id)
    tags = defaultdict(set)
    for story_id, tag_id in StoryTag.objects.filter(content_object_id__in=story_ids).values_list(
        "content_object_id", "tag_id"
    ):
        tags[story_id].add(tag_id)
    # One community object each, carrying the memberships; stories carry their co-authors (is_author).
    for story in [*stories, *(adoption.story for adoption in adoptions)]:
        story.community = memberships.community(story.community)
        story.__dict__["_co_author_ids"] = co_authors[story.pk]
    events = []
    for story in stories:
        if story.published_at:
            detail = f"Published by {story.author.public_name}"
            events.append(_Event(story, f"published:{story.pk}", story.published_at, detail))
        if story.promoted_at:
            detail = "Promoted as practice worth repeating"
            events.append(_Event(story, f"promoted:{story.pk}", story.promoted_at, detail))
    for adoption in adoptions:
        detail = f"Repeated by {adoption.council.name}: {adoption.get_outcome_display().lower()}"
        events.append(_Event(adoption.story, f"repeated:{adoption.pk}", adoption.created_at, detail))

    def filed(event: _Event) -> list[tuple[str, int]]:
        return [("community", event.story.community_id), *(("tag", tag) for tag in tags[event.story.pk])]

    return _Collected(memberships, interests, Candidates(events, filed), tags)


def _pick(digest: Digest, chunk: DigestChunk, collected: _Collected, fresh) -> dict[str, list[dict]]:
    """The member's items from the stories of their own communities and those tagged with their interests:
    a story matching neither is not listed for them whatever else holds."""
    user = digest.user
    included = collected.memberships.included[user.pk]
    muted = collected.memberships.muted[user.pk]
    interests = collected.interests[user.pk]

    def story_item(event: _Event) -> dict | None:
        story, key = event.story, event.key
        if story.community_id in muted or not fresh(key):
            return None
        matches = story.community_id in included or interests & collected.tags[story.pk]
        if not matches or permissions.is_author(user=user, story=story):
            return None
        if not permissions.can_read(user=user, story=story):
            return None
        return chunk.once(
            (key, event.when, event.detail),
            lambda: digest_item(
                key=key,
                title=story.title,
                path=chunk.path(story),
                when=event.when,
                where=story.council.name if story.council_id else "",
                where_path=chunk.path(story.council) if story.council_id else "",
                detail=event.detail,
                story=story.pk,
            ),
        )

    mine = [("community", pk) for pk in included] + [("tag", pk) for pk in interests]
    practice = [
        item
        for event in collected.events.under(mine)
        if digest.covers(event.when) and (item := story_item(event))
    ]
    practice.sort(key=lambda item: item["when"], reverse=True)
    return {"practice": practice}


def _still_readable(user, items: list[dict]) -> set[str]:
    """Stories still listed for the member (published, for their audience): one query."""
    stories = {item["story"] for item in items if item.get("story")}
    if not stories:
        return set()
    listed = set(listed_stories(user).filter(pk__in=stories).values_list("pk", flat=True))
    return {item["key"] for item in items if item.get("story") in listed}


STORIES_IN_DIGESTS = DigestProvider(
    sections=(
        DigestSection(
            name="practice", heading="Practice", one="practice update", many="practice updates", order=40
        ),
    ),
    collect=_collect,
    pick=_pick,
    still_readable=_still_readable,
)
