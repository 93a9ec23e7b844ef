"""Stories published, promoted and repeated in the activity feed (core.providers.feed)."""

from datetime import datetime

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from communities.permissions import visible_community_q
from communities.providers.feed import active_community_ids, community_link
from core.providers.feed import FeedItem, FeedSource, older
from practice.models import Adoption, PracticeStory, StoryTag
from practice.permissions import authored_q, listed_stories
from profiles.selectors import PUBLIC_NAME_FIELDS, followed_ids, interest_tag_ids

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


def _home_visible(viewer, path: str = "community") -> ExpressionWrapper:
    # A story may be readable where its home is not (a public story from a private community): the item
    # then names no community.
    return ExpressionWrapper(visible_community_q(viewer, path), output_field=BooleanField())


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
        .annotate(home_visible=_home_visible(viewer, "story__community"))
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
