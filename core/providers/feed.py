"""The activity feed's sources: each app registers, for its kinds, a function that returns one page's worth
of items the viewer may read; khub.feed merges them by time."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from html import unescape
from typing import Any

from django.db import connection
from django.utils.html import strip_tags

EXCERPT_LENGTH = 200  # characters: about two lines of the feed's column
EXCERPT_SOURCE = 1500  # characters of a post's HTML read to find them (statements cut it in SQL)
_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|td|th)>|<br\s*/?>", re.IGNORECASE)
_PARTIAL_TAG = re.compile(r"<[^>]*$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Person:
    """Someone (or a council) an item names, for their picture (core.avatars): name, handle, photo URL."""

    name: str
    key: str  # their handle (a council's slug): the colour of their initials
    url: str = ""  # their photo's address, "" for none


@dataclass(frozen=True)
class FeedItem:
    """One item of the feed, read as: <actor> <text> in <where>, then “<title>”, the first lines of what was
    written (excerpt), and <when> with <note>. Grouped, <count> <noun> <text> ("3 people replied")."""

    kind: str  # a kind its source declared ("thread_started", "story_published", ...)
    when: datetime
    title: str
    url: str  # or a lazy one (reverse_lazy): of a page's worth of rows, only those shown work it out
    actor: str = ""  # a member's public name or a council's name; "" when nobody in particular
    text: str = ""  # what the actor did, read between the actor and the title
    note: str = ""  # read after the title: "has 12 replies", "as practice worth repeating"
    where: str = ""  # the community it lives in, only if the viewer may see that community
    where_url: str = ""  # (lazy too, as url)
    pk: int = 0  # the row's id, for a stable order among items at the same time
    excerpt: str = ""  # plain text, about two lines (plain_excerpt)
    people: tuple[Person, ...] = ()  # who did it, the actor first: up to three pictures
    count: int = 1  # how many did it (grouped: "3 people replied")
    noun: str = "people"  # what they are, grouped
    thread_id: int = 0  # the conversation it is about, if any: its unread marker
    unread: bool = False  # a conversation with replies the viewer has not seen

    @property
    def label(self) -> str:
        return feed_labels()[self.kind]

    def sort_key(self) -> tuple:
        """Newest first; items at the same time by kind in registration order, then newest row first."""
        return (self.when, -_kind_order()[self.kind], self.pk)


# (viewer, before, rows) -> at most `rows` items strictly older than `before` (any time when None), newest
# first, that the viewer may read: one query (people and places joined in), filtered in SQL.
FeedItems = Callable[[Any, datetime | None, int], list[FeedItem]]


# (viewer, the page's items of its kinds) -> those items completed (excerpts, people, unread markers), in
# the same order: run once a page for the items shown, a fixed number of queries whatever their number.
FeedFinish = Callable[[Any, list[FeedItem]], list[FeedItem]]


@dataclass(frozen=True)
class FeedSource:
    items: FeedItems
    labels: dict[str, str]  # each kind of item it makes -> its label ("Conversation", "Practice")
    finish: FeedFinish | None = None  # sources sharing one run it once for all their items


_sources: list[FeedSource] = []


def register_feed_source(source: FeedSource) -> None:
    if source not in _sources:
        _sources.append(source)
        feed_labels.cache_clear()
        _kind_order.cache_clear()


def feed_sources() -> list[FeedSource]:
    return list(_sources)


@cache
def feed_labels() -> dict[str, str]:
    # Every item's label asks for it: built once, again after each registration.
    return {kind: label for source in _sources for kind, label in source.labels.items()}


@cache
def _kind_order() -> dict[str, int]:
    return {kind: rank for rank, kind in enumerate(feed_labels())}


def older(queryset, field: str, before: datetime | None):
    """Rows that happened (a story never promoted has no promoted_at), before the cursor if there is one."""
    happened = queryset.filter(**{f"{field}__isnull": False})
    return happened.filter(**{f"{field}__lt": before}) if before else happened


def id_list(ids) -> list[int]:
    """Ids given as a list (the viewer's standing, read with their user row), or as a queryset of one
    column (values(); a user object read without it): a statement's parameter."""
    return ids if isinstance(ids, list) else [value for row in ids for value in row.values()]


def source_rows(
    statement: Callable[[tuple[str, ...]], str],
    params: Callable[[], dict],
    portable: Callable,
    *,
    relevance: tuple[str, ...],
) -> list[tuple]:
    """A source's rows as plain tuples. On PostgreSQL, its statement run with the viewer and the page as
    named parameters (`params()`), so nothing is built per request: its text is written once for each set
    of the parameters that make a row relevant (`relevance`, lists of ids) that are not empty
    (`statement(those names)`, kept by the source), as the ORM leaves out a condition on an empty list, so
    the planner sees only the conditions that can hold (a member of one small community is served from
    that community's rows, not by walking every row of the hub); none when all are empty. Elsewhere
    (SQLite), `portable()`: a values_list() queryset of the same columns, with the same permission filters."""
    if connection.vendor != "postgresql":
        return list(portable())
    values = params()
    relevant = tuple(name for name in relevance if values[name])
    if not relevant:
        return []  # nothing is relevant to the viewer: the statement would walk every row to find none
    return statement_rows(statement(relevant), values)


def statement_rows(statement: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def plain_excerpt(text: str, *, html: bool = False, length: int = EXCERPT_LENGTH) -> str:
    """The first `length` characters or so of `text` as plain text on one line, cut at a word boundary with
    "…" when there is more. `html`: stored HTML (a post's body_html, perhaps cut short in SQL), its tags
    dropped and its entities read; the feed escapes the result again as it writes it."""
    if not text:
        return ""
    if html:
        text = unescape(strip_tags(_PARTIAL_TAG.sub("", _BLOCK_END.sub(" ", text))))
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= length:
        return text
    cut = text[: length + 1].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" ,;:.-\u2013\u2014") + "…"
