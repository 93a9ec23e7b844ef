"""The activity feed's sources: each app registers, for its kinds, a function that returns one page's worth
of items the viewer may read; khub.feed merges them by time."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed, read as: <actor> <text> “<title>” <note>, at <when>, in <where>."""

    kind: str  # a kind its source declared ("thread_started", "story_published", ...)
    when: datetime
    title: str
    url: str
    actor: str = ""  # a member's public name or a council's name; "" when nobody in particular
    text: str = ""  # what the actor did, read between the actor and the title
    note: str = ""  # read after the title: "has 12 replies", "as practice worth repeating"
    where: str = ""  # the community it lives in, only if the viewer may see that community
    where_url: str = ""
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
