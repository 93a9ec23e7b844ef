"""Conversations in the activity feed: new threads and replies the viewer may list (core.providers.feed).

On PostgreSQL each source is one statement whose text is the same for every viewer and page, written once:
the viewer's id, communities and follows come in as parameters (communities.permissions.sql_params), so a
request builds no query, and it reads only the columns its items show, as plain rows. Its permission
conditions are the SQL forms of communities.permissions' filters (their tests prove they agree). Elsewhere
(SQLite) the same rows come from querysets with those filters; tests/khub/test_feed.py proves both agree.
"""

import posixpath
from dataclasses import replace
from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Left
from django.urls import reverse, reverse_lazy

from communities.models import Community, Post, Thread, ThreadRead
from communities.permissions import listed_thread_sql, listed_threads_q, member_community_ids, sql_params
from core.providers.feed import (
    EXCERPT_SOURCE,
    FeedItem,
    FeedSource,
    Person,
    id_list,
    older,
    plain_excerpt,
    source_rows,
    statement_rows,
)
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
_NAMES = "c.name, c.slug, a.display_name, a.erased_at, a.handle, a.avatar"
_NAME_FIELDS = ("name", "slug")
_PERSON_FIELDS = ("display_name", "erased_at", "handle", "avatar")


def person_of(display_name: str, erased_at, handle: str, avatar: str) -> Person:
    """Who acted, from their columns (_PERSON_FIELDS): their public name and picture."""
    if erased_at is not None:
        return Person(name=User.public_name_of(display_name, erased_at), key=handle)
    return Person(name=display_name, key=handle, url=avatar_url(handle, avatar))


def avatar_url(handle: str, avatar: str) -> str:
    """profiles:avatar for a stored photo (as profiles' avatar_url filter gives it), from a path reversed
    once: its two values are the last two segments."""
    if not avatar:
        return ""
    return f"{_avatars_prefix()}{handle}/{posixpath.basename(avatar)}"


@cache
def _avatars_prefix() -> str:
    return reverse("profiles:avatar", kwargs={"handle": "-", "filename": "-"})[: -len("-/-")]


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
def discussions_of() -> list:
    """The relations by which a thread is the discussion of some content (a story, an event: their
    `discussion` field), from the apps above, found without importing them."""
    return [rel for rel in Thread._meta.related_objects if rel.one_to_one and rel.field.name == "discussion"]


def is_discussion_q(prefix: str = "") -> Q:
    """Threads (at `prefix`) that are some content's discussion."""
    condition = Q(pk__in=[])
    for rel in discussions_of():
        condition |= Q(**{f"{prefix}{rel.name}__isnull": False})
    return condition


@cache
def _threads_statement(relevant: tuple[str, ...] = RELEVANCE) -> str:
    # A story's or an event's discussion starts with it: the story's or the event's own item says so once.
    # Once others reply it is a busy conversation like any other. (Their tables, by their relations.)
    exists = 'EXISTS (SELECT 1 FROM "{table}" d{i} WHERE d{i}.{column} = t.id)'
    discussion = " OR ".join(
        exists.format(table=rel.related_model._meta.db_table, i=i, column=rel.field.column)
        for i, rel in enumerate(discussions_of())
    )
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
            OR {discussion or "false"}))
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
        .exclude(Q(reply_count=0) & (Q(author=viewer) | is_discussion_q()))
        .order_by("-last_activity_at", "-pk")
        .values_list(
            "pk",
            "title",
            "last_activity_at",
            "reply_count",
            *(f"community__{name}" for name in _NAME_FIELDS),
            *(f"author__{name}" for name in _PERSON_FIELDS),
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
    """One item per conversation at its latest activity: "started", or "busy" once it has replies (who
    replied, and what, come with the page: _finish)."""
    items = []
    for pk, title, when, replies, where, slug, *author in thread_rows(viewer, before, rows):
        starter = person_of(*author)
        common = {
            "when": when,
            "title": title,
            "url": reverse_lazy("communities:thread", kwargs={"slug": slug, "thread_id": pk}),
            "pk": pk,
            "thread_id": pk,
            "where": where,
            "where_url": community_url(slug),
            "actor": starter.name,
            "people": (starter,),
        }
        if replies:
            note = f"{replies} repl{'y' if replies == 1 else 'ies'}"
            items.append(FeedItem(kind="thread_busy", text=STARTED, note=note, **common))
        else:
            items.append(FeedItem(kind="thread_started", text=STARTED, **common))
    return items


STARTED, REPLIED = "started a conversation", "replied"


# --- Replies by people the viewer follows ---------------------------------------------------------------
@cache
def _replies_statement(relevant: tuple[str, ...] = ("follows",)) -> str:
    post = f'"{Post._meta.db_table}"'
    followed = "{p}.author_id = ANY(%(follows)s::bigint[]) AND {p}.depth > 0 AND {p}.state = '{visible}'"
    return f"""
        SELECT p.id, p.created_at, t.id, t.title, LEFT(p.body_html, {EXCERPT_SOURCE}), {_NAMES}
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
            Left("body_html", EXCERPT_SOURCE),
            *(f"thread__community__{name}" for name in _NAME_FIELDS),
            *(f"author__{name}" for name in _PERSON_FIELDS),
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
    items = []
    for pk, when, thread, title, body, where, slug, *author in reply_rows(viewer, before, rows):
        person = person_of(*author)
        items.append(
            FeedItem(
                kind="reply",
                when=when,
                title=title,
                url=reverse_lazy(
                    "communities:post", kwargs={"slug": slug, "thread_id": thread, "post_id": pk}
                ),
                actor=person.name,
                people=(person,),
                text=REPLIED,
                excerpt=plain_excerpt(body, html=True),
                where=where,
                where_url=community_url(slug),
                pk=pk,
                thread_id=thread,
            )
        )
    return items


# --- The page's conversations: who replied, what they wrote, and whether the viewer has seen it ----------
RECENT_POSTS = 10  # of each conversation on the page, the latest posts read for its excerpt and repliers
SHOWN_PEOPLE = 3  # pictures a grouped item shows


@cache
def _recent_posts_statement() -> str:
    # Each conversation's latest visible posts by others, from the (thread, -created_at, -id) index: at most
    # RECENT_POSTS rows a conversation, whatever its length.
    return f"""
        SELECT p.thread_id, p.depth, LEFT(p.body_html, {EXCERPT_SOURCE}),
               a.display_name, a.erased_at, a.handle, a.avatar
        FROM unnest(%(threads)s::bigint[]) AS page(id)
        CROSS JOIN LATERAL (
            SELECT p.thread_id, p.depth, p.body_html, p.author_id, p.created_at, p.id
            FROM "{Post._meta.db_table}" p
            WHERE p.thread_id = page.id AND p.state = '{Post.State.VISIBLE}' AND p.author_id <> %(viewer)s
            ORDER BY p.created_at DESC, p.id DESC
            LIMIT {RECENT_POSTS}) p
        JOIN "{User._meta.db_table}" a ON a.id = p.author_id
        ORDER BY p.thread_id, p.created_at DESC, p.id DESC"""  # noqa: S608 (names from the models)


def recent_post_rows(viewer, thread_ids: list[int]) -> list[tuple]:
    """(thread, depth, HTML cut short, author's columns) of each thread's latest visible posts by others,
    newest first: one query."""
    if connection.vendor == "postgresql":
        return statement_rows(_recent_posts_statement(), {"threads": thread_ids, "viewer": viewer.pk})
    return recent_posts_portable(viewer, thread_ids)


def recent_posts_portable(viewer, thread_ids: list[int]) -> list[tuple]:
    """The statement's rows through the ORM (SQLite: development and tests), cut in Python."""
    rows = (
        Post.objects.filter(thread__in=thread_ids, state=Post.State.VISIBLE)
        .exclude(author=viewer)
        .order_by("thread", "-created_at", "-pk")
        .values_list(
            "thread", "depth", Left("body_html", EXCERPT_SOURCE), *(f"author__{n}" for n in _PERSON_FIELDS)
        )
    )
    kept, per_thread = [], {}
    for row in rows:
        per_thread[row[0]] = per_thread.get(row[0], 0) + 1
        if per_thread[row[0]] <= RECENT_POSTS:
            kept.append(row)
    return kept


def read_states(viewer, thread_ids: list[int]) -> dict[int, datetime]:
    """When the viewer last read each of these threads (those they have): one query, by the unique
    (user, thread) index."""
    if not thread_ids:
        return {}
    rows = ThreadRead.objects.filter(user=viewer, thread__in=thread_ids).values_list("thread", "last_read_at")
    return dict(rows)


def _finish(viewer, items: list[FeedItem]) -> list[FeedItem]:
    """The page's conversations completed in two queries: each busy one said as who replied lately (several
    people grouped: "3 people replied"), with the latest reply's first lines, a new one with its opening
    post's; and an unread marker where replies came after the viewer last read it."""
    threads = [item.thread_id for item in items if item.kind in ("thread_started", "thread_busy")]
    recent: dict[int, list[tuple]] = {}
    for thread, depth, body, *author in recent_post_rows(viewer, threads) if threads else ():
        recent.setdefault(thread, []).append((depth, body, author))
    read = read_states(viewer, sorted({item.thread_id for item in items if item.thread_id}))
    finished = []
    for item in items:
        changes = {}
        posts = recent.get(item.thread_id, []) if item.kind != "reply" else []
        replies = [(body, author) for depth, body, author in posts if depth > 0]
        if item.kind == "thread_busy" and replies:
            people = list(dict.fromkeys(person_of(*author) for _body, author in replies))
            changes |= {
                "actor": people[0].name,
                "people": tuple(people[:SHOWN_PEOPLE]),
                "count": len(people),
                "text": REPLIED,
                "excerpt": plain_excerpt(replies[0][0], html=True),
            }
        elif posts:  # a new conversation (or one whose replies were all removed): its opening post
            opening = [body for depth, body, _author in posts if depth == 0]
            changes["excerpt"] = plain_excerpt(opening[0], html=True) if opening else ""
        if item.kind in ("thread_busy", "reply"):
            last_read = read.get(item.thread_id)
            changes["unread"] = last_read is None or last_read < item.when
        finished.append(replace(item, **changes) if changes else item)
    return finished


THREADS_IN_FEED = FeedSource(
    items=_threads,
    labels={"thread_started": "Conversation", "thread_busy": "Conversation"},
    finish=_finish,
)
REPLIES_IN_FEED = FeedSource(items=_replies, labels={"reply": "Reply"}, finish=_finish)
