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
pins the count).
"""

from datetime import UTC, datetime

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localtime

from core.providers.feed import FeedItem, feed_sources

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
    next (older) page, or None on the last one."""
    if not (viewer.is_authenticated and viewer.is_active):
        return [], None
    # Any one source holds at most `limit` of the page: limit + 1 rows each say whether more follow.
    merged = sorted(
        (item for source in feed_sources() for item in source.items(viewer, before, limit + 1)),
        key=FeedItem.sort_key,
        reverse=True,
    )
    if len(merged) <= limit:
        return merged, None
    # The cursor is a time: items at the time of the first one left over go to the next page together,
    # unless the whole page is that one instant (then the page shows as many of them as it holds).
    cut = limit
    while cut and merged[cut - 1].when == merged[limit].when:
        cut -= 1
    page = merged[:cut] or merged[:limit]
    return page, page[-1].when


def items_html(items: list[FeedItem]) -> SafeString:
    """The page's items as the feed's list items, written in Python: through a template, a page of twenty
    took about half of the request's time in Python. The same markup as a template would give (each value
    escaped), read as: [label] <actor> <text> “<title>” <note>, then its time and where it happened."""
    return format_html_join("", "{}", ((_item_html(item),) for item in items))


def _item_html(item: FeedItem) -> SafeString:
    said = format_html("{} {} ", item.actor, item.text) if item.actor else ""
    note = format_html(" {}", item.note) if item.note else ""
    latest = "Latest reply " if item.kind == "thread_busy" else ""
    where = (
        format_html(' · in <a class="govuk-link" href="{}">{}</a>', item.where_url, item.where)
        if item.where
        else ""
    )
    return format_html(
        '<li class="khub-feed__item"><p class="govuk-body govuk-!-margin-bottom-1">'
        '<strong class="govuk-tag govuk-tag--grey khub-feed__kind">{}</strong> {}'
        '“<a class="govuk-link" href="{}">{}</a>”{}</p>'
        '<p class="govuk-body-s khub-feed__meta">{}<time datetime="{}">{}</time>{}</p></li>',
        item.label,
        said,
        item.url,
        item.title,
        note,
        latest,
        date_format(localtime(item.when), "c"),  # as the template filter date:"c", in the reader's zone
        naturaltime(item.when),
        where,
    )
