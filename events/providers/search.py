"""Events in search (core.providers.search): found by their title (weighted A) and description (B), only
among the events the viewer may read (events.permissions.readable_events), with the facets of the other
kinds that apply to an event: its community, its region, the organiser's council, its tags and its date
(when it starts, which is also what "Newest" orders by)."""

from core.providers.search import (
    Candidate,
    Epoch,
    Filters,
    SearchKind,
    highlighted,
    in_range,
    newest_matching,
    pair,
    tagged,
)
from core.search_query import Terms
from events.models import EventTag
from events.permissions import readable_events
from profiles.models import Council


def _events(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    events = readable_events(viewer)
    if filters.community:
        events = events.filter(community__slug=filters.community)
    if filters.council:
        events = events.filter(organiser__council__slug=filters.council)
    if filters.region:
        events = events.filter(region=filters.region)
    if filters.tag:
        events = events.filter(tagged(EventTag, filters))
    events = in_range(events, "starts_at", filters)
    rows = (
        newest_matching(events, terms, ("-starts_at", "-pk"), limit)
        .annotate(when=Epoch("starts_at"))
        .values_list(
            "pk", "rank", "when", "community__slug", "community__name", "organiser__council__slug",
            "organiser__council__name", "region",
        )[:limit]
    )  # fmt: skip
    # Positional (pk, rank, when, community, council, region, service area, tag key): a thousand of them.
    return [
        Candidate(
            pk, rank, when,
            pair(community_slug, community_name), pair(council_slug, council_name),
            region or "", "", pk,
        )
        for pk, rank, when, community_slug, community_name, council_slug, council_name, region in rows
    ]  # fmt: skip


# What a hit shows (events/search/_events.html: its link, title, snippet, where and when): not the rendered
# description, the notes nor the rest of the community.
EVENT_HIT_FIELDS = (
    "title", "description", "starts_at", "ends_at", "format", "status", "community__name", "community__slug",
)  # fmt: skip


def _event_rows(viewer, ids, terms):
    events = (
        readable_events(viewer)
        .filter(pk__in=ids)
        .select_related("community")  # the hit's link and where
        .only(*EVENT_HIT_FIELDS)
        .order_by()  # khub.search puts them in the page's order
    )
    return highlighted(events, terms, title="title", text="description")


EVENTS_IN_SEARCH = SearchKind(
    name="events",
    label="Events",
    position=25,
    filters=frozenset({"community", "council", "region", "tag", "since", "until"}),
    candidates=_events,
    tag_model=EventTag,
    rows=_event_rows,
    title=lambda event: event.title,
    snippet=lambda event: event.description,
    template="events/search/_events.html",
    dated="events (when they start)",
    choices={"region": Council.Region.choices},
)
