"""Search across every kind of content the apps register (core.providers.search), as one viewer may see it.

Each kind finds its matches through its app's permission filter, in SQL (its `candidates`), so nothing is
dropped from a page after a query and no count or facet can reveal what the viewer may not read; a page of
them is re-fetched through the same filter (its `rows`), with highlighted titles and snippets. This module
composes the kinds: tabs, counts, facets, order and pages.

Cost stays bounded for common words: each kind takes at most CAP matches, the newest first, and counts,
facets and relevance ranking work on those; a count at the cap is shown as "1,000+". On SQLite (the
embedded default) matching is a substring test of each word and ranking is by date.
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from operator import attrgetter

from django.core.paginator import Page, Paginator
from taggit.models import Tag

from core.providers.search import (
    Candidate,
    Filters,
    SearchKind,
    filter_choices,
    kinds_for,
    postgres,
    tag_counts,
)
from core.search_query import Terms, excerpt, marked

CAP = 1000  # matches per kind counted, faceted and ranked
PAGE_SIZE = 20
PREVIEW_SIZE = 3  # of each kind on the "All" tab
FACET_VALUES = 10  # most frequent values shown per facet
FACETS = ("community", "council", "region", "service_area", "tag")
PAIRED = ("community", "council")  # a match carries their (slug, name)
CHOSEN = ("region", "service_area")  # a match carries a value of the kinds' choices


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class KindResults:
    provider: SearchKind
    candidates: list[Candidate]  # up to CAP + 1: one more than the cap says "CAP+"
    page: Page | None = None
    hits: list = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.provider.name

    @property
    def label(self) -> str:
        return self.provider.label

    @property
    def template(self) -> str:
        return self.provider.template

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
    def phrase_in_newest(self) -> bool:
        """Whether a quoted phrase was looked for only among the newest CAP matches of its words of each
        type (core.providers.search.newest_matching), which the page says."""
        return postgres() and self.terms.words_first is not None

    @property
    def shown(self) -> list[KindResults]:
        return [kind_results for kind_results in self.kinds if self.kind in ("all", kind_results.kind)]

    def label(self, name: str, value: str) -> str:
        """A chosen filter's label, as its facet shows it."""
        for facet_value in self.facets[name]:
            if facet_value.value == value:
                return facet_value.label
        # A value no match carries (an empty result): the choices' own label, else the value.
        return dict(filter_choices(name)).get(value, value) if name in CHOSEN else value


def facets(results: list[KindResults], filters: Filters) -> dict[str, list[FacetValue]]:
    """Each filter's values among the (capped) matches the viewer may see, most frequent first: counted by
    Counter over the matches' values (no call per match), the tags in SQL (`_tag_counts`)."""
    matches = [match for kind_results in results for match in kind_results.matches]
    counted: dict[str, list[tuple[str, str, int]]] = {}
    for name in PAIRED:
        pairs = Counter(map(attrgetter(name), matches))
        pairs.pop(None, None)
        counted[name] = [(value, label, number) for (value, label), number in pairs.items()]
    for name in CHOSEN:
        values, labels = Counter(map(attrgetter(name), matches)), dict(filter_choices(name))
        values.pop("", None)
        values.pop(None, None)
        counted[name] = [(value, labels.get(value, value), number) for value, number in values.items()]
    counted["tag"] = _tag_counts(results)
    shown = {}
    for name in FACETS:
        selected = getattr(filters, name)
        values = [
            FacetValue(value, label, number, value == selected)
            for value, label, number in sorted(counted[name], key=lambda item: (-item[2], item[1].lower()))
        ]
        shown[name] = values[:FACET_VALUES] + [value for value in values[FACET_VALUES:] if value.selected]
    return shown


def _tag_counts(results: list[KindResults]) -> list[tuple[str, str, int]]:
    """(slug, name, matches) of every tag the matches carry (a post its thread's): one query for every kind,
    counting in SQL from each kind's tag keys and how many matches share each."""
    keyed = []
    for kind_results in results:
        keys = Counter(map(attrgetter("tag_key"), kind_results.matches))
        keys.pop(None, None)
        keyed.append((kind_results.provider.tag_model, keys))
    return tag_counts(keyed)


def _with_tag_id(filters: Filters) -> Filters | None:
    """The filters with their tag's id looked up (one query), or None for a tag that does not exist: then
    nothing matches, and no kind is asked."""
    if not filters.tag:
        return filters
    tag_id = Tag.objects.filter(slug=filters.tag).values_list("pk", flat=True).first()
    return None if tag_id is None else replace(filters, tag_id=tag_id)


def _candidates(kind: SearchKind, *, viewer, terms: Terms, filters: Filters | None) -> list[Candidate]:
    """The kind's matches; none for a query with nothing to look for (only quotes, `or` or `-word`s), with
    a filter the kind lacks or a tag that does not exist."""
    if not terms.wanted or filters is None or not kind.fits(filters):
        return []
    return kind.candidates(viewer, terms, filters, CAP + 1)


def _hits(kind: SearchKind, *, viewer, ids: list[int], terms: Terms) -> list:
    """The rows for `ids`, in that order, each with `title_html` and (where the kind has one) `snippet` as
    safe HTML: ts_headline's on PostgreSQL, a plain excerpt on SQLite."""
    by_pk = {row.pk: row for row in kind.rows(viewer, ids, terms)}
    rows = [by_pk[pk] for pk in ids if pk in by_pk]
    for row in rows:
        if kind.snippet is not None and postgres():
            row.title_html = marked(row.title_marked, markdown=False)
            row.snippet = marked(row.headline, source=kind.snippet(row))
        else:
            row.title_html = excerpt(kind.title(row), terms.wanted, length=400, markdown=False)
            if kind.snippet is not None:
                row.snippet = excerpt(kind.snippet(row), terms.wanted)
    return rows


def _order(matches: list[Candidate], sort: str) -> list[int]:
    if sort == "relevance":
        never = float("-inf")  # no date: after every dated match of the same rank
        matches = sorted(
            matches,
            key=lambda match: (match.rank, never if match.when is None else match.when, match.pk),
            reverse=True,
        )
    return [match.pk for match in matches]


def search(*, viewer, terms: Terms, filters: Filters, kind: str = "all", sort: str = "relevance", page=1):
    """The results for one page: every kind's capped matches (for the tabs' counts and the facets), and the
    hits of the kind shown (a few of each on the "All" tab)."""
    looked_up = _with_tag_id(filters) if terms.wanted else filters
    results = [
        KindResults(
            provider=provider,
            candidates=_candidates(provider, viewer=viewer, terms=terms, filters=looked_up),
        )
        for provider in kinds_for(viewer)
    ]
    shown_kinds = [kind_results for kind_results in results if kind in ("all", kind_results.kind)]
    for kind_results in shown_kinds:
        ids = _order(kind_results.matches, sort)
        if kind == "all":
            page_ids = ids[:PREVIEW_SIZE]
        else:
            kind_results.page = Paginator(ids, PAGE_SIZE).get_page(page)
            page_ids = list(kind_results.page.object_list)
        if page_ids:
            kind_results.hits = _hits(kind_results.provider, viewer=viewer, ids=page_ids, terms=terms)
    return SearchResults(terms=terms, kind=kind, kinds=results, facets=facets(shown_kinds, filters))
