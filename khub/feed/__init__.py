"""The signed-in home page's activity feed: what happened lately that the viewer may read.

Each app registers its sources (core.providers.feed): conversations started or busy and replies by people
the viewer follows (communities.providers), practice published, promoted and repeated (practice.providers).
Each source is one query of at most `limit + 1` rows older than the cursor, filtered in SQL by its app's
permission module when the page is built: a member who left or was banned stops seeing a private
community's activity at once, and no row is dropped after a query for the viewer's sake. Memberships,
follows and interests only choose what is relevant; they never grant reading. The viewer's own actions are
not news to them. This module merges the sources by time.

A page is a keyset range on time (`before`), so its queries do not grow with the hub: one per source, with
the people, councils and communities they name joined in (none for a source nothing can be relevant to the
viewer by: no communities, follows or interests), each a statement written once (tests/khub/test_feed.py
pins the count). The page's items are then completed by their sources' `finish` (a fixed number of queries
for the page: the conversations' latest posts and the viewer's read states) and grouped where several did
the same; each item says who did what where, with their pictures and the first lines of what they wrote.
"""

from dataclasses import replace
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.avatars import avatar_html
from core.providers.feed import FeedItem, feed_sources
from khub.templatetags.govuk import when

FEED_PAGE_SIZE = 20
CURSOR_MAX_LENGTH = 64  # an ISO 8601 timestamp with microseconds and an offset is 32 characters


def parse_cursor(raw: str | None) -> datetime | None:
    """The `before` query parameter as an aware UTC datetime; None (the first page) for anything else."""
    if not raw or len(raw) > CURSOR_MAX_LENGTH:
        return None
    try:
        value = parse_datetime(raw.strip())
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):  # well-formed but impossible, or out of range once in UTC
        return None


def activity_feed(
    *, viewer, before: datetime | None = None, limit: int = FEED_PAGE_SIZE
) -> tuple[list[FeedItem], datetime | None]:
    """One page of the viewer's feed, newest first, strictly older than `before`; and the cursor of the
    next (older) page, or None on the last one. The page's items are completed by their sources (a fixed
    number of queries: excerpts, who replied, unread markers) and grouped where several did the same."""
    if not (viewer.is_authenticated and viewer.is_active):
        return [], None
    # Any one source holds at most `limit` of the page: limit + 1 rows each say whether more follow.
    sources = feed_sources()
    merged = sorted(
        (item for source in sources for item in source.items(viewer, before, limit + 1)),
        key=FeedItem.sort_key,
        reverse=True,
    )
    older = None
    if len(merged) > limit:
        # The cursor is a time: items at the time of the first one left over go to the next page together,
        # unless the whole page is that one instant (then the page shows as many of them as it holds).
        cut = limit
        while cut and merged[cut - 1].when == merged[limit].when:
            cut -= 1
        merged = merged[:cut] or merged[:limit]
        older = merged[-1].when
    return grouped(_finished(viewer, merged, sources)), older


def _finished(viewer, page: list[FeedItem], sources) -> list[FeedItem]:
    """The page's items as their sources complete them: each finish once, for all the kinds it serves."""
    finishes: dict = {}
    for source in sources:
        if source.finish is not None:
            finishes.setdefault(source.finish, set()).update(source.labels)
    for finish, kinds in finishes.items():
        positions = [i for i, item in enumerate(page) if item.kind in kinds]
        if positions:
            for i, item in zip(positions, finish(viewer, [page[i] for i in positions]), strict=True):
                page[i] = item
    return page


def grouped(items: list[FeedItem]) -> list[FeedItem]:
    """Items of one kind about the same thing (three councils repeated one story) as one, at the newest,
    with how many did it and the pictures of the first three."""
    first: dict[tuple, int] = {}
    page: list[FeedItem] = []
    for item in items:
        key = (item.kind, str(item.url))
        if key not in first:
            first[key] = len(page)
            page.append(item)
            continue
        kept = page[first[key]]
        people = tuple(dict.fromkeys((*kept.people, *item.people)))
        page[first[key]] = replace(
            kept, people=people[:SHOWN_PEOPLE], count=max(len(people), kept.count + item.count - 1)
        )
    return page


SHOWN_PEOPLE = 3


def items_html(items: list[FeedItem], *, since: datetime | None = None) -> SafeString:
    """The page's items as the feed's list items, written in Python: through a template, a page of twenty
    took about half of the request's time in Python. The same markup as a template would give (each value
    escaped). With `since` (the viewer's previous visit), "New since your last visit" heads the items newer
    than it and "Earlier" the rest, when the page has both."""
    newer = sum(1 for item in items if since is not None and item.when > since)
    parts = []
    for i, item in enumerate(items):
        if newer and newer < len(items) and i in (0, newer):
            parts.append(_DIVIDERS[i != 0])
        parts.append(_item_html(item))
    return format_html_join("", "{}", ((part,) for part in parts))


_DIVIDERS = (
    SafeString('<li class="khub-feed__divider"><span>New since your last visit</span></li>'),
    SafeString('<li class="khub-feed__divider khub-feed__divider--earlier"><span>Earlier</span></li>'),
)


def _who(item: FeedItem) -> SafeString:
    """<actor> <text> in <where>: "Fatima Rahman replied in Digital Transformation", "3 people replied"."""
    who = f"{item.count} {item.noun}" if item.count > 1 else item.actor
    said = format_html("{} {}", who, item.text) if who else format_html("{}", item.text)
    if item.where:
        return format_html('{} in <a class="govuk-link" href="{}">{}</a>', said, item.where_url, item.where)
    return said


def _item_html(item: FeedItem) -> SafeString:
    pictures = format_html_join(
        "", "{}", ((avatar_html(name=p.name, key=p.key, url=p.url),) for p in item.people[:SHOWN_PEOPLE])
    )
    unread = (
        SafeString(' <strong class="govuk-tag govuk-tag--blue khub-feed__new">New replies</strong>')
        if item.unread
        else ""
    )
    excerpt = (
        format_html('<p class="govuk-body-s khub-feed__excerpt">{}</p>', item.excerpt) if item.excerpt else ""
    )
    note = format_html(" · {}", item.note) if item.note else ""
    return format_html(
        '<li class="khub-feed__item{}"><div class="khub-feed__people{}">{}</div><div class="khub-feed__body">'
        '<p class="govuk-body-s khub-feed__who">{}</p>'
        '<h3 class="govuk-heading-s khub-feed__title"><a class="govuk-link" href="{}">{}</a>{}</h3>{}'
        '<p class="govuk-body-s khub-feed__meta">{}{}</p></div></li>',
        " khub-feed__item--unread" if item.unread else "",
        " khub-feed__people--group" if len(item.people) > 1 else "",
        pictures,
        _who(item),
        item.url,
        item.title,
        unread,
        excerpt,
        when(item.when),
        note,
    )
