"""Conversations in the activity feed: new threads and replies the viewer may list (core.providers.feed).

Each source is one statement whose text is the same for every viewer and page, written once: the viewer's
id, communities and follows come in as parameters (communities.permissions.sql_params), so a request builds
no query. Its permission conditions are the SQL forms of communities.permissions' filters, which its tests
prove agree with them; it reads only the columns the items show, as plain rows.
"""

from datetime import datetime
from functools import cache

from django.urls import reverse_lazy

from communities.models import Community, Post, Thread
from communities.permissions import listed_thread_sql, sql_params
from core.providers.feed import FeedItem, FeedSource, fetch_rows, id_list
from profiles.models import User
from profiles.selectors import followed_ids


def community_url(slug: str):
    """A community's page, worked out only if an item that names it is shown."""
    return reverse_lazy("communities:detail", kwargs={"slug": slug})


def feed_params(viewer, before: datetime | None, rows: int) -> dict:
    """The parameters of the conversations' statements: the viewer's standing (sql_params), the people they
    follow, the cursor (None on the first page) and the rows wanted."""
    return {
        **sql_params(viewer),
        "follows": id_list(followed_ids(viewer)),
        "before": before,
        "rows": rows,
    }


# The columns of an item's community and who acted, from the tables aliased c and a.
_NAMES = "c.name, c.slug, a.display_name, a.erased_at"
# What the feed finds relevant (never what lets one read), on the thread aliased t: a thread in one of the
# viewer's communities, or started by someone they follow.
_RELEVANT = (
    "(t.community_id = ANY(%(viewer_member_of)s::bigint[]) OR t.author_id = ANY(%(follows)s::bigint[]))"
)
# Before the cursor, if there is one: the text is the same either way, and PostgreSQL drops the condition
# when the parameter is NULL before it plans.
_OLDER = "(%(before)s::timestamptz IS NULL OR {column} < %(before)s::timestamptz)"


@cache
def _threads_statement() -> str:
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
        WHERE {_RELEVANT} AND {listed_thread_sql("t", "c")}
          AND {_OLDER.format(column="t.last_activity_at")}
          AND NOT EXISTS (
            SELECT 1 FROM "{Post._meta.db_table}" own WHERE own.thread_id = t.id
              AND own.author_id = %(viewer)s AND own.created_at = t.last_activity_at)
          AND NOT (t.reply_count = 0 AND (t.author_id = %(viewer)s
            OR EXISTS (SELECT 1 FROM "{story_table}" s WHERE s.{story_thread} = t.id)))
        ORDER BY t.last_activity_at DESC, t.id DESC
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _threads(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """One item per conversation at its latest activity: "started", or "busy" once it has replies."""
    items = []
    for pk, title, when, replies, where, slug, display_name, erased_at in fetch_rows(
        _threads_statement(), feed_params(viewer, before, rows)
    ):
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


@cache
def _replies_statement() -> str:
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
          AND NOT {_RELEVANT}
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _replies(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """Replies by people the viewer follows in other conversations they may list, the latest per thread
    (whatever the page: a thread never shows twice). Threads the conversations source shows (relevant, and
    listed since the reply is) are left out: that item stands for their replies."""
    params = feed_params(viewer, before, rows)
    if not params["follows"]:
        return []  # nobody followed: no query
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
        for pk, when, thread, title, where, slug, display_name, erased_at in fetch_rows(
            _replies_statement(), params
        )
    ]


THREADS_IN_FEED = FeedSource(
    items=_threads, labels={"thread_started": "Conversation", "thread_busy": "Conversation"}
)
REPLIES_IN_FEED = FeedSource(items=_replies, labels={"reply": "Reply"})
