"""The activity feed's sources: each app registers, for its kinds, a function that returns one page's worth
of items the viewer may read; khub.feed merges them by time."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed, read as: <actor> <text> “<title>” <note>, at <when>, in <where>."""

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

    @property
    def label(self) -> str:
        return feed_labels()[self.kind]

    def sort_key(self) -> tuple:
        """Newest first; items at the same time by kind in registration order, then newest row first."""
        return (self.when, -_kind_order()[self.kind], self.pk)


# (viewer, before, rows) -> at most `rows` items strictly older than `before` (any time when None), newest
# first, that the viewer may read: one query (people and places joined in), filtered in SQL.
FeedItems = Callable[[Any, datetime | None, int], list[FeedItem]]


@dataclass(frozen=True)
class FeedSource:
    items: FeedItems
    labels: dict[str, str]  # each kind of item it makes -> its label ("Conversation", "Practice")


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
