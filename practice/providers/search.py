"""Practice stories in search (core.providers.search)."""

from django.db.models import BooleanField, ExpressionWrapper, Q, Value

from communities.permissions import visible_communities
from core.providers.search import (
    Candidate,
    Epoch,
    Filters,
    SearchKind,
    highlighted,
    in_range,
    joined,
    newest_matching,
    pair,
    tagged,
)
from core.search_query import Terms
from practice.models import RECORD_SECTIONS, ServiceArea, StoryTag
from practice.permissions import listed_stories
from profiles.models import Council

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
    stories = listed_stories(viewer)
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
        stories = stories.filter(tagged(StoryTag, filters))
    stories = in_range(stories, "published_at", filters)
    rows = (
        newest_matching(stories, terms, ("-published_at", "-pk"), limit)
        .annotate(community_shown=_community_shown(viewer), when=Epoch("published_at"))
        .values_list(
            "pk", "rank", "when", "community_shown", "community__slug", "community__name",
            "council__slug", "council__name", "council__region", "service_area",
        )[:limit]
    )  # fmt: skip
    # Positional (pk, rank, when, community, council, region, service area, tag key): a thousand of them.
    return [
        Candidate(
            pk, rank, when,
            pair(community_slug, community_name) if community_shown else None,
            pair(council_slug, council_name),
            region or "", service_area, pk,
        )
        for (
            pk, rank, when, community_shown, community_slug, community_name,
            council_slug, council_name, region, service_area,
        ) in rows
    ]  # fmt: skip


# What a hit shows (practice/search/_stories.html, its link, title and snippet): not the stories' rendered
# HTML, nor the rest of their home community and council.
STORY_HIT_FIELDS = (
    "title", "slug", *STORY_SNIPPET_FIELDS, "service_area", "published_at", "promoted_at", "council__name",
    "community__name",
)  # fmt: skip


def _story_rows(viewer, ids, terms):
    stories = (
        listed_stories(viewer)
        .filter(pk__in=ids)
        .order_by()
        .select_related("council", "community")
        .only(*STORY_HIT_FIELDS)
        .annotate(community_shown=_community_shown(viewer))
    )
    return highlighted(stories, terms, title="title", text=joined(STORY_SNIPPET_FIELDS))


STORIES_IN_SEARCH = SearchKind(
    name="practice",
    label="Practice",
    position=10,
    filters=frozenset({"community", "council", "region", "service_area", "tag", "since", "until"}),
    candidates=_stories,
    tag_model=StoryTag,
    rows=_story_rows,
    title=lambda story: story.title,
    snippet=lambda story: " ".join(getattr(story, name) for name in STORY_SNIPPET_FIELDS),
    template="practice/search/_stories.html",
    public="the practice stories councils have shared publicly",
    dated="practice stories (when published)",
    choices={"region": Council.Region.choices, "service_area": ServiceArea.choices},
)
