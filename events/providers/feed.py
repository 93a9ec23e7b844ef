"""Events announced in the viewer's communities, in the activity feed (core.providers.feed).

As the conversations' and the stories' sources: on PostgreSQL one statement, written once, with the viewer as
parameters, whose permission condition is events.permissions' readable_event_sql; elsewhere a queryset
through readable_events_q, giving the same rows (tests/events/test_providers.py proves both agree). Only
the viewer's communities make an event relevant; the viewer's own events are not news to them. A cancelled
event says so.
"""

from datetime import datetime
from functools import cache

from django.db.models import QuerySet
from django.db.models.functions import Left
from django.urls import reverse_lazy

from communities.models import Community
from communities.permissions import member_community_ids
from communities.providers.feed import community_url, feed_params, person_of, relevant_sql
from core.dates import exact
from core.providers.feed import EXCERPT_SOURCE, FeedItem, FeedSource, older, plain_excerpt, source_rows
from events.models import Event
from events.permissions import readable_event_sql, readable_events_q
from profiles.models import User

RELEVANCE = ("viewer_member_of",)
_RELEVANT = {"viewer_member_of": "e.community_id = ANY(%(viewer_member_of)s::bigint[])"}
_PERSON_FIELDS = ("display_name", "erased_at", "handle", "avatar")
ANNOUNCED = "announced an event"
CANCELLED = "Cancelled"


@cache
def _announced_statement(relevant: tuple[str, ...] = RELEVANCE) -> str:
    # The events_newest index (-created_at, -id) serves the order; the viewer's communities are few.
    return f"""
        SELECT e.id, e.title, e.created_at, e.starts_at, e.status, LEFT(e.description_html, {EXCERPT_SOURCE}),
               c.name, c.slug, a.display_name, a.erased_at, a.handle, a.avatar
        FROM "{Event._meta.db_table}" e
        JOIN "{Community._meta.db_table}" c ON c.id = e.community_id
        JOIN "{User._meta.db_table}" a ON a.id = e.organiser_id
        WHERE {relevant_sql(_RELEVANT, relevant)} AND {readable_event_sql("c")}
          AND (%(before)s::timestamptz IS NULL OR e.created_at < %(before)s::timestamptz)
          AND e.organiser_id <> %(viewer)s
        ORDER BY e.created_at DESC, e.id DESC
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _announced_portable(viewer, before: datetime | None, rows: int) -> QuerySet:
    """The statement's rows through the ORM."""
    events = Event.objects.filter(readable_events_q(viewer), community__in=member_community_ids(viewer))
    return (
        older(events, "created_at", before)
        .exclude(organiser=viewer)
        .order_by("-created_at", "-pk")
        .values_list(
            "pk",
            "title",
            "created_at",
            "starts_at",
            "status",
            Left("description_html", EXCERPT_SOURCE),
            "community__name",
            "community__slug",
            *(f"organiser__{name}" for name in _PERSON_FIELDS),
        )[:rows]
    )


def announced_rows(viewer, before: datetime | None, rows: int) -> list[tuple]:
    return source_rows(
        _announced_statement,
        lambda: feed_params(viewer, before, rows),
        lambda: _announced_portable(viewer, before, rows),
        relevance=RELEVANCE,
    )


def _announced(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    items = []
    for pk, title, when, starts_at, status, description, where, slug, *organiser in announced_rows(
        viewer, before, rows
    ):
        person = person_of(*organiser)
        on = f"on {exact(starts_at)}"
        note = f"{CANCELLED} (it was {on})" if status == Event.Status.CANCELLED else on
        items.append(
            FeedItem(
                kind="event_announced",
                when=when,
                title=title,
                url=reverse_lazy("events:detail", kwargs={"slug": slug, "event_id": pk}),
                actor=person.name,
                people=(person,),
                text=ANNOUNCED,
                note=note,
                excerpt=plain_excerpt(description, html=True),
                where=where,
                where_url=community_url(slug),
                pk=pk,
            )
        )
    return items


EVENTS_IN_FEED = FeedSource(items=_announced, labels={"event_announced": "Event"})
