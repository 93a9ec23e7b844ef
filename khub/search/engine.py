"""Search across practice stories, conversations, communities and people, as one viewer may see them.

khub/search/matching.py finds each kind's matches through its app's permission filter, in SQL, so nothing
is dropped from a page after a query and no count or facet can reveal what the viewer may not read;
khub/search/hits.py re-fetches a page of them (through the same filters) with highlighted snippets.

Cost stays bounded for common words: each kind takes at most CAP matches, the newest first, and counts,
facets and relevance ranking work on those; a count at the cap is shown as "1,000+". On SQLite (the
embedded default) matching is a substring test of each word and ranking is by date.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.utils import timezone

from khub.search import hits as hit_rows
from khub.search import matching
from khub.search.kinds import (
    KIND_LABELS,
    REGIONS,
    SERVICE_AREAS,
    Candidate,
    Filters,
    kinds_for,
)
from khub.search.query import Terms

CAP = 1000  # matches per kind counted, faceted and ranked
PAGE_SIZE = 20
PREVIEW_SIZE = 3  # of each kind on the "All" tab
FACET_VALUES = 10  # most frequent values shown per facet
FACETS = ("community", "council", "region", "service_area", "tag")
# Labels for a chosen value that no match carries (an empty result): the choices' own, else the value.
CHOICE_LABELS = {"region": REGIONS, "service_area": SERVICE_AREAS}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class KindResults:
    kind: str
    label: str
    candidates: list[Candidate]  # up to CAP + 1: one more than the cap says "CAP+"
    page: Page | None = None
    hits: list = field(default_factory=list)

    @property
    def matches(self) -> list[Candidate]:
        return self.candidates[:CAP]

    @property
    def count(self) -> int:
        return len(self.matches)

    @property
    def capped(self) -> bool:
        return len(self.candidates) > CAP


@dataclass
class SearchResults:
    terms: Terms
    kind: str  # "all" or one kind
    kinds: list[KindResults]
    facets: dict[str, list[FacetValue]]

    @property
    def total(self) -> int:
        return sum(kind_results.count for kind_results in self.kinds)

    @property
    def capped(self) -> bool:
        return any(kind_results.capped for kind_results in self.kinds)

    @property
    def shown(self) -> list[KindResults]:
        return [kind_results for kind_results in self.kinds if self.kind in ("all", kind_results.kind)]

    def label(self, name: str, value: str) -> str:
        """A chosen filter's label, as its facet shows it."""
        for facet_value in self.facets[name]:
            if facet_value.value == value:
                return facet_value.label
        return CHOICE_LABELS.get(name, {}).get(value, value)


def facets(results: list[KindResults], filters: Filters) -> dict[str, list[FacetValue]]:
    """Each filter's values among the (capped) matches the viewer may see, most frequent first."""
    counters = {name: Counter() for name in FACETS}
    labels: dict[tuple[str, str], str] = {}

    def count(name: str, value: str, label: str) -> None:
        counters[name][value] += 1
        labels[name, value] = label

    for kind_results in results:
        for match in kind_results.matches:
            for name, pair in (("community", match.community), ("council", match.council)):
                if pair:
                    count(name, *pair)
            if match.region:
                count("region", match.region, REGIONS.get(match.region, match.region))
            if match.service_area:
                count(
                    "service_area",
                    match.service_area,
                    SERVICE_AREAS.get(match.service_area, match.service_area),
                )
            for slug, tag_name in match.tags:
                count("tag", slug, tag_name)
    shown = {}
    for name, counter in counters.items():
        selected = getattr(filters, name)
        values = [
            FacetValue(value, labels[name, value], number, value == selected)
            for value, number in sorted(
                counter.items(), key=lambda item: (-item[1], labels[name, item[0]].lower())
            )
        ]
        shown[name] = values[:FACET_VALUES] + [value for value in values[FACET_VALUES:] if value.selected]
    return shown


def _order(matches: list[Candidate], sort: str) -> list[int]:
    if sort == "relevance":
        never = timezone.make_aware(datetime(1970, 1, 1))
        matches = sorted(matches, key=lambda match: (match.rank, match.when or never, match.pk), reverse=True)
    return [match.pk for match in matches]


def search(*, viewer, terms: Terms, filters: Filters, kind: str = "all", sort: str = "relevance", page=1):
    """The results for one page: every kind's capped matches (for the tabs' counts and the facets), and the
    hits of the kind shown (a few of each on the "All" tab)."""
    results = [
        KindResults(
            kind=name,
            label=KIND_LABELS[name],
            candidates=matching.candidates(name, viewer=viewer, terms=terms, filters=filters, limit=CAP + 1),
        )
        for name in kinds_for(viewer)
    ]
    shown_kinds = [kind_results for kind_results in results if kind in ("all", kind_results.kind)]
    for kind_results in shown_kinds:
        matching.attach_tags(kind_results.kind, kind_results.matches)
        ids = _order(kind_results.matches, sort)
        if kind == "all":
            page_ids = ids[:PREVIEW_SIZE]
        else:
            kind_results.page = Paginator(ids, PAGE_SIZE).get_page(page)
            page_ids = list(kind_results.page.object_list)
        if page_ids:
            kind_results.hits = hit_rows.hits(kind_results.kind, viewer=viewer, ids=page_ids, terms=terms)
    return SearchResults(terms=terms, kind=kind, kinds=results, facets=facets(shown_kinds, filters))
