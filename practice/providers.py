"""What practice offers the features khub composes, built on practice.permissions: stories published,
promoted and repeated in the activity feed and in activity digests, and stories in search (registered from
extensions.py)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from communities.permissions import visible_communities
from communities.providers import DigestMemberships, active_community_ids, community_link, digest_memberships
from core.providers.digests import Digest, DigestChunk, DigestProvider, DigestSection, digest_item
from core.providers.feed import FeedItem, FeedSource, older
from core.providers.search import (
    Candidate,
    Filters,
    SearchKind,
    highlighted,
    in_range,
    joined,
    matching,
    pair,
    tag_rows,
    tagged,
)
from core.search_query import Terms
from practice import permissions
from practice.models import RECORD_SECTIONS, Adoption, PracticeStory, ServiceArea, StoryTag
from practice.permissions import authored_q, listed_stories
from profiles.models import Council, InterestTag
from profiles.selectors import PUBLIC_NAME_FIELDS, followed_ids, interest_tag_ids

# --- Feed ---------------------------------------------------------------------------------------------------
PROMOTED = "as practice worth repeating"
STORY_FIELDS = ("title", "slug", "community", "community__name", "community__slug")


def _stories_in_feed(viewer) -> QuerySet[PracticeStory]:
    """Listed stories (the permission) from the viewer's communities, on their interests or by people they
    follow (the relevance)."""
    on_interest = Exists(
        StoryTag.objects.filter(content_object=OuterRef("pk"), tag_id__in=interest_tag_ids(viewer))
    )
    return listed_stories(viewer).filter(
        Q(community__in=active_community_ids(viewer)) | on_interest | Q(author__in=followed_ids(viewer))
    )


def _home_visible(viewer, field: str = "community_id") -> Exists:
    # A story may be readable where its home is not (a public story from a private community): the item
    # then names no community.
    return Exists(visible_communities(viewer).filter(pk=OuterRef(field)))


def _story_item(story: PracticeStory, **fields) -> FeedItem:
    where, where_url = community_link(story.community) if story.home_visible else ("", "")
    return FeedItem(
        title=story.title, url=story.get_absolute_url(), where=where, where_url=where_url, **fields
    )


def _published(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    stories = (
        older(_stories_in_feed(viewer), "published_at", before)
        .exclude(authored_q(viewer))
        .annotate(home_visible=_home_visible(viewer))
        .select_related("author", "community")
        .only("published_at", *STORY_FIELDS, "author", *(f"author__{name}" for name in PUBLIC_NAME_FIELDS))
        .order_by("-published_at", "-pk")[:rows]
    )
    return [
        _story_item(
            story,
            kind="story_published",
            when=story.published_at,
            actor=story.author.public_name,
            text="published",
            pk=story.pk,
        )
        for story in stories
    ]


def _promoted(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    stories = (
        older(_stories_in_feed(viewer), "promoted_at", before)
        .exclude(promoted_by=viewer)
        .annotate(home_visible=_home_visible(viewer))
        .select_related("promoted_by", "community")
        .only(
            "promoted_at",
            *STORY_FIELDS,
            "promoted_by",
            *(f"promoted_by__{name}" for name in PUBLIC_NAME_FIELDS),
        )
        .order_by("-promoted_at", "-pk")[:rows]
    )
    items = []
    for story in stories:
        # The facilitator who promoted it may have left the hub since (the link is then empty).
        if story.promoted_by:
            said = {"actor": story.promoted_by.public_name, "text": "promoted", "note": PROMOTED}
        else:
            said = {"note": f"was promoted {PROMOTED}"}
        items.append(_story_item(story, kind="story_promoted", when=story.promoted_at, pk=story.pk, **said))
    return items


def _repeated(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    adoptions = (
        older(Adoption.objects.filter(story__in=_stories_in_feed(viewer)), "created_at", before)
        .exclude(recorded_by=viewer)
        .annotate(home_visible=_home_visible(viewer, "story__community_id"))
        .select_related("council", "story__community")
        .only("created_at", "council__name", *(f"story__{name}" for name in STORY_FIELDS))
        .order_by("-created_at", "-pk")[:rows]
    )
    items = []
    for adoption in adoptions:
        story = adoption.story
        story.home_visible = adoption.home_visible
        items.append(
            _story_item(
                story,
                kind="story_repeated",
                when=adoption.created_at,
                actor=adoption.council.name,
                text="repeated",
                pk=adoption.pk,
            )
        )
    return items


PUBLISHED_IN_FEED = FeedSource(items=_published, labels={"story_published": "Practice"})
PROMOTED_IN_FEED = FeedSource(items=_promoted, labels={"story_promoted": "Practice"})
REPEATED_IN_FEED = FeedSource(items=_repeated, labels={"story_repeated": "Practice"})


# --- Digests ------------------------------------------------------------------------------------------------
# Stories published, promoted or repeated in a member's window: from their communities (not muted), or on
# their interests from anywhere they may read.
MOST_STORIES = 500
MOST_ADOPTIONS = 500


@dataclass
class _Collected:
    memberships: DigestMemberships
    interests: dict[int, set[int]]  # each member's interest tags
    stories: list[PracticeStory]
    adoptions: list[Adoption]
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
    return _Collected(memberships, interests, stories, adoptions, tags)


def _pick(digest: Digest, chunk: DigestChunk, collected: _Collected, fresh) -> dict[str, list[dict]]:
    user = digest.user
    included = collected.memberships.included[user.pk]
    muted = collected.memberships.muted[user.pk]
    interests = collected.interests[user.pk]

    def story_item(story: PracticeStory, *, key: str, when: datetime, detail: str) -> dict | None:
        if story.community_id in muted or not fresh(key):
            return None
        matches = story.community_id in included or interests & collected.tags[story.pk]
        if not matches or permissions.is_author(user=user, story=story):
            return None
        if not permissions.can_read(user=user, story=story):
            return None
        return digest_item(
            key=key,
            title=story.title,
            path=chunk.path(story),
            when=when,
            where=story.council.name if story.council_id else "",
            where_path=chunk.path(story.council) if story.council_id else "",
            detail=detail,
            story=story.pk,
        )

    candidates = []
    for story in collected.stories:
        if story.published_at and digest.covers(story.published_at):
            detail = f"Published by {story.author.public_name}"
            candidates.append((story, f"published:{story.pk}", story.published_at, detail))
        if story.promoted_at and digest.covers(story.promoted_at):
            detail = "Promoted as practice worth repeating"
            candidates.append((story, f"promoted:{story.pk}", story.promoted_at, detail))
    for adoption in collected.adoptions:
        if digest.covers(adoption.created_at):
            detail = f"Repeated by {adoption.council.name}: {adoption.get_outcome_display().lower()}"
            candidates.append((adoption.story, f"repeated:{adoption.pk}", adoption.created_at, detail))
    practice = [
        item
        for story, key, when, detail in candidates
        if (item := story_item(story, key=key, when=when, detail=detail))
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


# --- Search -------------------------------------------------------------------------------------------------
# The text a snippet is cut from: what a story's document holds apart from its title.
STORY_SNIPPET_FIELDS = ("summary", *(name for name, _heading in RECORD_SECTIONS))


def _community_shown(viewer):
    """A story's home community is named only to those who may know the community exists."""
    if not viewer.is_authenticated:
        return Value(False)
    return ExpressionWrapper(
        Q(community__in=visible_communities(viewer).values("pk")), output_field=BooleanField()
    )


def _stories(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    stories = matching(listed_stories(viewer), terms)
    if filters.community:
        shown = visible_communities(viewer).values("pk")
        stories = stories.filter(community__slug=filters.community, community__in=shown)
    if filters.council:
        stories = stories.filter(council__slug=filters.council)
    if filters.region:
        stories = stories.filter(council__region=filters.region)
    if filters.service_area:
        stories = stories.filter(service_area=filters.service_area)
    if filters.tag:
        stories = stories.filter(tagged(StoryTag, filters.tag))
    stories = in_range(stories, "published_at", filters)
    rows = (
        stories.annotate(community_shown=_community_shown(viewer))
        .order_by("-published_at", "-pk")
        .values(
            "pk", "rank", "published_at", "community_shown", "community__slug", "community__name",
            "council__slug", "council__name", "council__region", "service_area",
        )[:limit]
    )  # fmt: skip
    return [
        Candidate(
            pk=row["pk"],
            rank=row["rank"],
            when=row["published_at"],
            community=pair(row["community__slug"], row["community__name"])
            if row["community_shown"]
            else None,
            council=pair(row["council__slug"], row["council__name"]),
            region=row["council__region"] or "",
            service_area=row["service_area"],
            tag_key=row["pk"],
        )
        for row in rows
    ]


def _story_rows(viewer, ids, terms):
    stories = (
        listed_stories(viewer)
        .filter(pk__in=ids)
        .select_related("council", "community")
        .annotate(community_shown=_community_shown(viewer))
    )
    return highlighted(stories, terms, title="title", text=joined(STORY_SNIPPET_FIELDS))


STORIES_IN_SEARCH = SearchKind(
    name="practice",
    label="Practice",
    position=10,
    filters=frozenset({"community", "council", "region", "service_area", "tag", "since", "until"}),
    candidates=_stories,
    tags=partial(tag_rows, StoryTag),
    rows=_story_rows,
    title=lambda story: story.title,
    snippet=lambda story: " ".join(getattr(story, name) for name in STORY_SNIPPET_FIELDS),
    template="practice/search/_stories.html",
    public="the practice stories councils have shared publicly",
    dated="practice stories (when published)",
    choices={"region": Council.Region.choices, "service_area": ServiceArea.choices},
)
