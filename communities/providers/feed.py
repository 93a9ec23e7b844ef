"""Conversations in the activity feed: new threads and replies the viewer may list (core.providers.feed).

On PostgreSQL each source is one statement whose text is the same for every viewer and page, written once:
the viewer's id, communities and follows come in as parameters (communities.permissions.sql_params), so a
request builds no query, and it reads only the columns its items show, as plain rows. Its permission
conditions are the SQL forms of communities.permissions' filters (their tests prove they agree). Elsewhere
(SQLite) the same rows come from querysets with those filters; tests/khub/test_feed.py proves both agree.
"""

from datetime import datetime
from functools import cache

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse_lazy

from communities.models import Community, Post, Thread
from communities.permissions import listed_thread_sql, listed_threads_q, member_community_ids, sql_params
from core.providers.feed import FeedItem, FeedSource, id_list, older, source_rows
from profiles.models import User
from profiles.selectors import followed_ids


def community_url(slug: str):
    """A community's page, worked out only if an item that names it is shown."""
    return reverse_lazy("communities:detail", kwargs={"slug": slug})


def feed_params(viewer, before: datetime | None, rows: int) -> dict:
    """The parameters of the feed's statements: the viewer's standing (sql_params), the people they follow,
    the cursor (None on the first page) and the rows wanted."""
    return {**sql_params(viewer), "follows": id_list(followed_ids(viewer)), "before": before, "rows": rows}


# The columns of an item's community and who acted, from the tables aliased c and a.
_NAMES = "c.name, c.slug, a.display_name, a.erased_at"
_NAME_FIELDS = ("name", "slug")
# What the feed finds relevant (never what lets one read), on the thread aliased t: a thread in one of the
# viewer's communities, or started by someone they follow; each condition by the parameter it reads.
_RELEVANT = {
    "viewer_member_of": "t.community_id = ANY(%(viewer_member_of)s::bigint[])",
    "follows": "t.author_id = ANY(%(follows)s::bigint[])",
}
RELEVANCE = tuple(_RELEVANT)


def relevant_sql(conditions: dict[str, str], relevant: tuple[str, ...]) -> str:
    """Any of the conditions whose parameter is one of `relevant` (the lists of ids that are not empty)."""
    return "(" + " OR ".join(conditions[name] for name in relevant) + ")"


# Before the cursor, if there is one: the text is the same either way, and PostgreSQL drops the condition
# when the parameter is NULL before it plans.
_OLDER = "(%(before)s::timestamptz IS NULL OR {column} < %(before)s::timestamptz)"


def _relevant_q(viewer, prefix: str = "") -> Q:
    """_RELEVANT as a condition (on Thread, or through a relation with `prefix`)."""
    return Q(**{f"{prefix}community__in": member_community_ids(viewer)}) | Q(
        **{f"{prefix}author__in": followed_ids(viewer)}
    )


# --- New and busy conversations -------------------------------------------------------------------------
@cache
def _threads_statement(relevant: tuple[str, ...] = RELEVANCE) -> str:
    # A story's discussion starts when the story is published: the practice item says so once. Once others
    # reply it is a busy conversation like any other. (The table of the thread's story, by its relation.)
    story = Thread._meta.get_field("story")
    story_table, story_thread = story.related_model._meta.db_table, story.field.column
    # The services set last_activity_at to the newest post's created_at in the same statement, so a post by
    # the viewer at exactly that time means the latest activity is their own: not news to them.
    return f"""
        SELECT t.id, t.title, t.last_activity_at, t.reply_count, {_NAMES}
        FROM "{Thread._meta.db_table}" t
        JOIN "{Community._meta.db_table}" c ON c.id = t.community_id
        JOIN "{User._meta.db_table}" a ON a.id = t.author_id
        WHERE {relevant_sql(_RELEVANT, relevant)} AND {listed_thread_sql("t", "c")}
          AND {_OLDER.format(column="t.last_activity_at")}
          AND NOT EXISTS (
            SELECT 1 FROM "{Post._meta.db_table}" own WHERE own.thread_id = t.id
              AND own.author_id = %(viewer)s AND own.created_at = t.last_activity_at)
          AND NOT (t.reply_count = 0 AND (t.author_id = %(viewer)s
            OR EXISTS (SELECT 1 FROM "{story_table}" s WHERE s.{story_thread} = t.id)))
        ORDER BY t.last_activity_at DESC, t.id DESC
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _threads_portable(viewer, before: datetime | None, rows: int) -> QuerySet:
    """The statement's rows through the ORM."""
    own_latest = Exists(
        Post.objects.filter(thread=OuterRef("pk"), author=viewer, created_at=OuterRef("last_activity_at"))
    )
    threads = Thread.objects.filter(_relevant_q(viewer), listed_threads_q(viewer))
    return (
        older(threads, "last_activity_at", before)
        .exclude(own_latest)
        .exclude(Q(reply_count=0) & (Q(author=viewer) | Q(story__isnull=False)))
        .order_by("-last_activity_at", "-pk")
        .values_list(
            "pk",
            "title",
            "last_activity_at",
            "reply_count",
            *(f"community__{name}" for name in _NAME_FIELDS),
            "author__display_name",
            "author__erased_at",
        )[:rows]
    )


def thread_rows(viewer, before: datetime | None, rows: int) -> list[tuple]:
    return source_rows(
        _threads_statement,
        lambda: feed_params(viewer, before, rows),
        lambda: _threads_portable(viewer, before, rows),
        relevance=RELEVANCE,
    )


def _threads(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """One item per conversation at its latest activity: "started", or "busy" once it has replies."""
    items = []
    for pk, title, when, replies, where, slug, display_name, erased_at in thread_rows(viewer, before, rows):
        common = {
            "when": when,
            "title": title,
            "url": reverse_lazy("communities:thread", kwargs={"slug": slug, "thread_id": pk}),
            "pk": pk,
            "where": where,
            "where_url": community_url(slug),
        }
        if replies:
            note = f"has {replies} repl{'y' if replies == 1 else 'ies'}"
            items.append(FeedItem(kind="thread_busy", note=note, **common))
        else:
            actor = User.public_name_of(display_name, erased_at)
            items.append(FeedItem(kind="thread_started", actor=actor, text="started", **common))
    return items


# --- Replies by people the viewer follows ---------------------------------------------------------------
@cache
def _replies_statement(relevant: tuple[str, ...] = ("follows",)) -> str:
    post = f'"{Post._meta.db_table}"'
    followed = "{p}.author_id = ANY(%(follows)s::bigint[]) AND {p}.depth > 0 AND {p}.state = '{visible}'"
    return f"""
        SELECT p.id, p.created_at, t.id, t.title, {_NAMES}
        FROM {post} p
        JOIN "{Thread._meta.db_table}" t ON t.id = p.thread_id
        JOIN "{Community._meta.db_table}" c ON c.id = t.community_id
        JOIN "{User._meta.db_table}" a ON a.id = p.author_id
        WHERE {followed.format(p="p", visible=Post.State.VISIBLE)}
          AND {_OLDER.format(column="p.created_at")}
          AND {listed_thread_sql("t", "c")}
          AND p.id = (
            SELECT latest.id FROM {post} latest
            WHERE latest.thread_id = p.thread_id
              AND {followed.format(p="latest", visible=Post.State.VISIBLE)}
            ORDER BY latest.created_at DESC, latest.id DESC LIMIT 1)
          AND NOT {relevant_sql(_RELEVANT, RELEVANCE)}
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _replies_portable(viewer, before: datetime | None, rows: int) -> QuerySet:
    """The statement's rows through the ORM."""
    followed_replies = Post.objects.filter(
        author__in=followed_ids(viewer), depth__gt=0, state=Post.State.VISIBLE
    )
    latest_in_thread = (
        followed_replies.filter(thread=OuterRef("thread_id")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    return (
        older(followed_replies, "created_at", before)
        .filter(listed_threads_q(viewer, "thread__"), pk=Subquery(latest_in_thread))
        .exclude(_relevant_q(viewer, "thread__"))
        .order_by("-created_at", "-pk")
        .values_list(
            "pk",
            "created_at",
            "thread",
            "thread__title",
            *(f"thread__community__{name}" for name in _NAME_FIELDS),
            "author__display_name",
            "author__erased_at",
        )[:rows]
    )


def reply_rows(viewer, before: datetime | None, rows: int) -> list[tuple]:
    return source_rows(
        _replies_statement,
        lambda: feed_params(viewer, before, rows),
        lambda: _replies_portable(viewer, before, rows),
        relevance=("follows",),
    )


def _replies(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """Replies by people the viewer follows in other conversations they may list, the latest per thread
    (whatever the page: a thread never shows twice). Threads the conversations source shows (relevant, and
    listed since the reply is) are left out: that item stands for their replies."""
    return [
        FeedItem(
            kind="reply",
            when=when,
            title=title,
            url=reverse_lazy("communities:post", kwargs={"slug": slug, "thread_id": thread, "post_id": pk}),
            actor=User.public_name_of(display_name, erased_at),
            text="replied in",
            where=where,
            where_url=community_url(slug),
            pk=pk,
        )
        for pk, when, thread, title, where, slug, display_name, erased_at in reply_rows(viewer, before, rows)
    ]


THREADS_IN_FEED = FeedSource(
    items=_threads, labels={"thread_started": "Conversation", "thread_busy": "Conversation"}
)
REPLIES_IN_FEED = FeedSource(items=_replies, labels={"reply": "Reply"})
