"""Stories published, promoted and repeated in the activity feed (core.providers.feed).

As the conversations' sources (communities.providers.feed): on PostgreSQL one statement each, written once,
with the viewer as parameters, whose permission conditions are the SQL forms of practice.permissions' and
communities.permissions' filters; elsewhere querysets with those filters, giving the same rows.
"""

from datetime import datetime
from functools import cache

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.urls import reverse_lazy

from communities.models import Community
from communities.permissions import member_community_ids, visible_community_q, visible_community_sql
from communities.providers.feed import community_url, feed_params, person_of, relevant_sql
from core.providers.feed import FeedItem, FeedSource, Person, id_list, older, plain_excerpt, source_rows
from practice.models import Adoption, PracticeStory, StoryTag
from practice.permissions import authored_q, authored_sql, listed_stories, listed_story_sql
from profiles.models import Council, User
from profiles.selectors import followed_ids, interest_tag_ids

PERSON_FIELDS = ("display_name", "erased_at", "handle", "avatar")  # a person's columns: person_of

PROMOTED = "Promoted as practice worth repeating"


RELEVANCE = ("viewer_member_of", "interests", "follows")  # the parameters _from_stories finds relevant by


def _params(viewer, before: datetime | None, rows: int) -> dict:
    return {**feed_params(viewer, before, rows), "interests": id_list(interest_tag_ids(viewer))}


def _from_stories(then: str, relevant: tuple[str, ...]) -> str:
    """The FROM and WHERE of the stories the feed follows, on the story aliased s and its home community c
    (`then` joins more): listed for the viewer (the permission) and from their communities, on their
    interests or by people they follow (the relevance: the conditions on the lists in `relevant`)."""
    # Among other conditions, OFFSET 0 keeps the interests' EXISTS a look-up of each story's tags as the
    # statement walks the stories newest first: without it PostgreSQL may read and hash every story on the
    # viewer's interests (thousands on a national hub) to answer the first twenty. Alone, it is a join.
    fence = " OFFSET 0" if len(relevant) > 1 else ""
    conditions = {
        "viewer_member_of": "s.community_id = ANY(%(viewer_member_of)s::bigint[])",
        "interests": (
            f'EXISTS (SELECT 1 FROM "{StoryTag._meta.db_table}" st'  # noqa: S608 (names from the models)
            f" WHERE st.content_object_id = s.id AND st.tag_id = ANY(%(interests)s::bigint[]){fence})"
        ),
        "follows": "s.author_id = ANY(%(follows)s::bigint[])",
    }
    return f"""
        FROM "{PracticeStory._meta.db_table}" s
        JOIN "{Community._meta.db_table}" c ON c.id = s.community_id
        {then}
        WHERE {listed_story_sql("s", "c")} AND {relevant_sql(conditions, relevant)}"""


def _stories_in_feed(viewer) -> QuerySet[PracticeStory]:
    """_from_stories through the ORM."""
    on_interest = Exists(
        StoryTag.objects.filter(content_object=OuterRef("pk"), tag_id__in=interest_tag_ids(viewer))
    )
    return listed_stories(viewer).filter(
        Q(community__in=member_community_ids(viewer)) | on_interest | Q(author__in=followed_ids(viewer))
    )


# The story's columns an item shows. A story may be readable where its home is not (a public story from a
# private community): the item then names no community, so the statement says whether it may.
_STORY = f"s.id, s.title, s.slug, {visible_community_sql('c')}, c.name, c.slug, s.summary"
_OLDER = "{column} IS NOT NULL AND (%(before)s::timestamptz IS NULL OR {column} < %(before)s::timestamptz)"


def _story_fields(viewer, path: str = "") -> tuple:
    """_STORY through the ORM: values_list() fields of the story at `path` (with its home_visible)."""
    return (
        f"{path}pk",
        f"{path}title",
        f"{path}slug",
        ExpressionWrapper(visible_community_q(viewer, f"{path}community"), output_field=BooleanField()),
        f"{path}community__name",
        f"{path}community__slug",
        f"{path}summary",
    )


def _story_item(story: tuple, **fields) -> FeedItem:
    """An item about the story whose columns (_STORY) are `story`."""
    _, title, slug, home_visible, where, where_slug, summary = story
    return FeedItem(
        title=title,
        excerpt=plain_excerpt(summary),
        url=reverse_lazy("practice:detail", kwargs={"slug": slug}),
        where=where if home_visible else "",
        where_url=community_url(where_slug) if home_visible else "",
        **fields,
    )


# --- Published ------------------------------------------------------------------------------------------
@cache
def _published_statement(relevant: tuple[str, ...] = RELEVANCE) -> str:
    author = f'JOIN "{User._meta.db_table}" a ON a.id = s.author_id'
    return f"""
        SELECT {_STORY}, s.published_at, a.display_name, a.erased_at, a.handle, a.avatar
        {_from_stories(author, relevant)}
          AND {_OLDER.format(column="s.published_at")} AND NOT {authored_sql("s")}
        ORDER BY s.published_at DESC, s.id DESC
        LIMIT %(rows)s"""


def _published_portable(viewer, before: datetime | None, rows: int) -> QuerySet:
    return (
        older(_stories_in_feed(viewer), "published_at", before)
        .exclude(authored_q(viewer))
        .order_by("-published_at", "-pk")
        .values_list(*_story_fields(viewer), "published_at", *(f"author__{name}" for name in PERSON_FIELDS))[
            :rows
        ]
    )


def published_rows(viewer, before: datetime | None, rows: int) -> list[tuple]:
    return source_rows(
        _published_statement,
        lambda: _params(viewer, before, rows),
        lambda: _published_portable(viewer, before, rows),
        relevance=RELEVANCE,
    )


def _published(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    items = []
    for *story, when, display_name, erased_at, handle, avatar in published_rows(viewer, before, rows):
        author = person_of(display_name, erased_at, handle, avatar)
        items.append(
            _story_item(
                story,
                kind="story_published",
                when=when,
                actor=author.name,
                people=(author,),
                text="published a story",
                pk=story[0],
            )
        )
    return items


# --- Promoted -------------------------------------------------------------------------------------------
@cache
def _promoted_statement(relevant: tuple[str, ...] = RELEVANCE) -> str:
    # The facilitator who promoted it may have left the hub since (promoted_by is then empty).
    promoter = f'LEFT JOIN "{User._meta.db_table}" a ON a.id = s.promoted_by_id'
    return f"""
        SELECT {_STORY}, s.promoted_at, a.id, a.display_name, a.erased_at, a.handle, a.avatar
        {_from_stories(promoter, relevant)}
          AND {_OLDER.format(column="s.promoted_at")} AND s.promoted_by_id IS DISTINCT FROM %(viewer)s
        ORDER BY s.promoted_at DESC, s.id DESC
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _promoted_portable(viewer, before: datetime | None, rows: int) -> QuerySet:
    return (
        older(_stories_in_feed(viewer), "promoted_at", before)
        .exclude(promoted_by=viewer)
        .order_by("-promoted_at", "-pk")
        .values_list(
            *_story_fields(viewer),
            "promoted_at",
            "promoted_by",
            *(f"promoted_by__{name}" for name in PERSON_FIELDS),
        )[:rows]
    )


def promoted_rows(viewer, before: datetime | None, rows: int) -> list[tuple]:
    return source_rows(
        _promoted_statement,
        lambda: _params(viewer, before, rows),
        lambda: _promoted_portable(viewer, before, rows),
        relevance=RELEVANCE,
    )


def _promoted(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    items = []
    for row in promoted_rows(viewer, before, rows):
        story, (when, promoter), person = row[:7], row[7:9], row[9:]
        if promoter is not None:
            actor = person_of(*person)
            said = {"actor": actor.name, "people": (actor,), "text": "promoted a story", "note": PROMOTED}
        else:
            said = {"text": "A story was promoted", "note": PROMOTED}
        items.append(_story_item(story, kind="story_promoted", when=when, pk=story[0], **said))
    return items


# --- Repeated -------------------------------------------------------------------------------------------
@cache
def _repeated_statement(relevant: tuple[str, ...] = RELEVANCE) -> str:
    adoptions = f"""
        JOIN "{Adoption._meta.db_table}" ad ON ad.story_id = s.id
        JOIN "{Council._meta.db_table}" co ON co.id = ad.council_id"""
    return f"""
        SELECT {_STORY}, ad.id, ad.created_at, co.name, co.slug
        {_from_stories(adoptions, relevant)}
          AND {_OLDER.format(column="ad.created_at")} AND ad.recorded_by_id IS DISTINCT FROM %(viewer)s
        ORDER BY ad.created_at DESC, ad.id DESC
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _repeated_portable(viewer, before: datetime | None, rows: int) -> QuerySet:
    adoptions = Adoption.objects.filter(story__in=_stories_in_feed(viewer))
    return (
        older(adoptions, "created_at", before)
        .exclude(recorded_by=viewer)
        .order_by("-created_at", "-pk")
        .values_list(*_story_fields(viewer, "story__"), "pk", "created_at", "council__name", "council__slug")[
            :rows
        ]
    )


def repeated_rows(viewer, before: datetime | None, rows: int) -> list[tuple]:
    return source_rows(
        _repeated_statement,
        lambda: _params(viewer, before, rows),
        lambda: _repeated_portable(viewer, before, rows),
        relevance=RELEVANCE,
    )


def _repeated(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    return [
        _story_item(
            story,
            kind="story_repeated",
            when=when,
            actor=council,
            people=(Person(name=council, key=council_slug),),
            noun="councils",
            text="repeated a story",
            pk=pk,
        )
        for *story, pk, when, council, council_slug in repeated_rows(viewer, before, rows)
    ]


PUBLISHED_IN_FEED = FeedSource(items=_published, labels={"story_published": "Practice"})
PROMOTED_IN_FEED = FeedSource(items=_promoted, labels={"story_promoted": "Practice"})
REPEATED_IN_FEED = FeedSource(items=_repeated, labels={"story_repeated": "Practice"})
