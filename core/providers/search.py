"""Search's kinds of result: each app registers, for its kinds of content, how search finds them for one
viewer (through the app's permission filters), which filters they have, and how a page of them is fetched,
highlighted and shown; khub.search composes whatever is registered. Also the model-free helpers every kind
builds on: matching a document, a date range, a tag, ids as one parameter, and ts_headline snippets.

Registration follows INSTALLED_APPS (people, then conversations and communities, then practice); the tabs
stand in the order of each kind's `position`.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, Exists, F, FloatField, Func, OuterRef, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils import timezone

from core.queries import InArray
from core.search import SEARCH_CONFIG
from core.search_query import MARKDOWN_LINK, MARKDOWN_MARKS, START, STOP, Terms

NAME_SIMILARITY = 0.4  # pg_trgm word similarity from which a name matches, as in the directories
# Every filter the search page has. A kind that lacks a chosen filter is left out of the results.
FILTER_NAMES = ("community", "council", "region", "service_area", "tag", "since", "until")


@dataclass(frozen=True)
class Filters:
    community: str = ""  # slug
    council: str = ""  # slug
    region: str = ""
    service_area: str = ""
    tag: str = ""  # slug
    since: date | None = None
    until: date | None = None

    def chosen(self) -> set[str]:
        return {name for name in FILTER_NAMES if getattr(self, name)}

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as instants in the hub's time zone: from the start of `since` to the end of `until`
        (a plain range on the column, so its index serves it)."""
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.since, time.min, zone) if self.since else None
        end = None  # the last day of the calendar has no day after it: no upper bound
        if self.until and self.until < date.max:
            end = datetime.combine(self.until + timedelta(days=1), time.min, zone)
        return start, end


@dataclass(slots=True)
class Candidate:
    """One match, with what its facets count and what the page needs to rank it. A page holds thousands
    of them (the cap of every kind): slots, and no list of its own until it has tags, keep them light."""

    pk: int
    rank: float
    when: datetime | None
    community: tuple[str, str] | None = None  # (slug, name), only where the viewer may know it
    council: tuple[str, str] | None = None  # (slug, name)
    region: str = ""
    service_area: str = ""
    tag_key: int | None = None  # the row whose tags it carries (a post: its thread)
    tags: Sequence[tuple[str, str]] = ()


# (viewer, terms, filters, limit) -> at most `limit` matches, newest first, from the kind's permission filter.
CandidatesProvider = Callable[[Any, Terms, Filters, int], list[Candidate]]
# tag keys -> (tag key, tag slug, tag name) rows of their tags, in one query (the tag facet).
TagsProvider = Callable[[set[int]], Iterable[tuple[int, str, str]]]
# (viewer, ids, terms) -> the rows of a page of hits by id, through the same permission filter; a kind with
# a snippet annotates `headline` and `title_marked` on PostgreSQL (see `highlighted`).
RowsProvider = Callable[[Any, list[int], Terms], Iterable[Any]]


@dataclass(frozen=True, eq=False)
class SearchKind:
    name: str  # its tab's ?type= value
    label: str  # its tab's label
    position: int  # where its tab stands among the others
    filters: frozenset[str]  # the FILTER_NAMES it has
    candidates: CandidatesProvider
    tags: TagsProvider
    rows: RowsProvider
    title: Callable[[Any], str]  # a row's title as plain text
    template: str  # renders `hits`, a page of rows with `title_html` (and `snippet`), as <li> items
    snippet: Callable[[Any], str] | None = None  # a row's text its snippet is cut from; None: no snippet
    public: str = ""  # what visitors who are not signed in search of it, as the page tells them; "": none
    dated: str = ""  # what its dates are, for the date filters' hint: "conversations (when written)"
    choices: Mapping[str, Sequence[tuple[str, str]]] = field(default_factory=dict)  # region, service area

    def fits(self, filters: Filters) -> bool:
        return filters.chosen() <= self.filters


_kinds: dict[str, SearchKind] = {}


def register_search_kind(kind: SearchKind) -> None:
    _kinds[kind.name] = kind


def search_kinds() -> list[SearchKind]:
    """In registration order."""
    return list(_kinds.values())


def search_tabs() -> list[SearchKind]:
    """In the tabs' order."""
    return sorted(_kinds.values(), key=lambda kind: kind.position)


def kinds_for(viewer) -> list[SearchKind]:
    """The kinds a viewer searches, in the tabs' order: visitors who are not signed in, the public ones."""
    return [kind for kind in search_tabs() if viewer.is_authenticated or kind.public]


def filter_choices(name: str) -> list[tuple[str, str]]:
    """The values of a choice filter (region, service area) and their labels, as the kinds declare them."""
    merged: dict[str, str] = {}
    for kind in _kinds.values():
        for value, label in kind.choices.get(name, ()):
            merged.setdefault(value, label)
    return list(merged.items())


# --- Matching ---------------------------------------------------------------------------------------------
def postgres() -> bool:
    return connection.vendor == "postgresql"


def any_of(lookup: str, forms) -> Q:
    condition = Q()
    for form in forms:
        condition |= Q(**{lookup: form})
    return condition


def matching(queryset, terms: Terms):
    """Rows whose document matches, with their rank (0 on SQLite)."""
    if postgres():
        query = terms.postgres
        return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    for word in terms.wanted:
        queryset = queryset.filter(any_of("search_vector__contains", terms.sqlite_forms(word)))
    for word in terms.unwanted:
        queryset = queryset.exclude(any_of("search_vector__contains", terms.sqlite_forms(word)))
    return queryset.annotate(rank=Value(0.0, output_field=FloatField()))


# Reading a match the GIN index found (its row fetched from wherever it lies) costs about this many times
# what checking one row costs on the walk down the date index (measured on 1,000,000 posts: 36 against 6 us).
GIN_ROW_COST = 6


def _walk_first(queryset, terms: Terms, limit: int) -> RawSQL:
    """PostgreSQL: whether the newest `limit` matches are cheaper to find by walking the rows newest first and
    checking each than by fetching every match the GIN index gives and sorting them. It asks the planner's
    own statistics (ANALYZE's most common lexemes of the column and their shares of the rows, pg_stats): a
    word holding a share f of the N rows costs about limit / f rows on the walk and f * N matches the other
    way, so the walk wins when f * f * N * GIN_ROW_COST >= limit. The query's rarest word decides (its
    matches are among that word's), the sum of its words with `or`; a word outside the statistics is rarer
    than any in them (the GIN path). The statistics only choose the plan: both give the same matches."""
    words = " ".join(terms.wanted)
    combine = "sum" if "or" in terms.text.lower().split() else "min"
    table = queryset.model._meta.db_table
    sql = f"""coalesce((
        SELECT {combine}(coalesce(s.most_common_elem_freqs[array_position(e.lexemes, w.lexeme)], 0))
               ^ 2 * max(c.reltuples) * %s >= %s
        FROM pg_stats s
        JOIN pg_class c ON c.oid = %s::regclass
        CROSS JOIN LATERAL (
            SELECT string_to_array(btrim(s.most_common_elems::text, '{{}}'), ',') AS lexemes
        ) e
        CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector(%s::regconfig, %s))) w(lexeme)
        WHERE s.schemaname = current_schema() AND s.tablename = %s AND s.attname = 'search_vector'
    ), false)"""  # noqa: S608
    # Every value is a parameter; only the aggregate's name (one of two) is in the text.
    parameters = [GIN_ROW_COST, limit, table, SEARCH_CONFIG, words, table]
    return RawSQL(sql, parameters, output_field=BooleanField())  # noqa: S611


_PLAN = "search_plan"  # the CTE holding newest_matching's choice of plan


def _unindexed(order: tuple[str, ...]) -> list:
    """The same order by an expression no index serves, so the planner cannot walk the date index (it finds
    the matches by their GIN index and sorts them)."""
    first, *rest = order
    column = F(first.lstrip("-")) + Value(timedelta(0))
    return [column.desc() if first.startswith("-") else column.asc(), *rest]


def newest_matching(queryset, terms: Terms, order: tuple[str, ...], limit: int, fields: tuple[str, ...]):
    """`fields` (values_list names, "rank" among them) of the newest `limit` matches in `order`, as tuples.

    On PostgreSQL one statement holds two plans for them and runs the one chosen by the query's frequency
    (`_walk_first`, computed once in a CTE that both read under a one-time filter): a frequent word walks
    the rows newest first and stops at `limit`; any other is looked up in the GIN index, its matches sorted
    by date as ids, and only the newest `limit` of them read again for their fields and rank (the walk
    would read most of the rows for a word in one post of a hundred).

    A query with a quoted phrase is matched on its words first (Terms.words_first, which the GIN index
    answers) and the phrase checked only in the newest `limit` of those: checking it everywhere would read
    every document holding the words, most of the posts for a phrase of common words. So a phrase of common
    words is found among the newest `limit` matches of its words, as the page says."""
    words = terms.words_first if postgres() else None
    if words is not None:
        window = queryset.filter(search_vector=words).order_by(*order).values("pk")[:limit]
        # = ANY(ARRAY(…)): the window is computed once, first, and its rows fetched by primary key.
        rows = matching(queryset.filter(InArray(F("pk"), window)), terms)
        return list(rows.order_by(*order).values_list(*fields)[:limit])
    if not postgres():
        return list(matching(queryset, terms).order_by(*order).values_list(*fields)[:limit])
    walk_first = RawSQL(f"(SELECT walk FROM {_PLAN})", [], output_field=BooleanField())  # noqa: S608, S611
    found = matching(queryset, terms)
    walked = found.filter(walk_first).order_by(*order).values_list(*fields)[:limit]
    choice, choice_params = _walk_first(queryset, terms, limit).as_sql(None, connection)
    try:
        walked_sql, walked_params = walked.query.sql_with_params()
        ids = RawSQL(*_newest_ids(queryset, terms, order, limit))  # noqa: S611
        looked_up = found.filter(InArray(F("pk"), ids)).order_by(*order).values_list(*fields)[:limit]
        looked_up_sql, looked_up_params = looked_up.query.sql_with_params()
    except EmptyResultSet:  # a filter that nothing passes (a visitor's community): no query at all
        return []
    # SQL that Django compiled, its values parameters.
    sql = f"WITH {_PLAN} AS MATERIALIZED (SELECT {choice} AS walk) ({walked_sql}) UNION ALL ({looked_up_sql})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*choice_params, *walked_params, *looked_up_params])
        return cursor.fetchall()


def _newest_ids(queryset, terms: Terms, order: tuple[str, ...], limit: int) -> tuple[str, list]:
    """The GIN plan's ids (when `_walk_first` says not to walk): every row whose document matches, from
    the GIN index, sorted by `order`; then, newest first, each checked against `queryset` (the viewer's
    permission and the filters) until `limit` pass. Checking them in that order, each by its primary key,
    reads a few more than `limit` of them, where joining every match to its permissions first would read the
    permissions of all (every thread the viewer may read, for a post)."""
    matches = queryset.model._base_manager.filter(search_vector=terms.postgres)
    matches_sql, matches_params = (
        matches.order_by(*_unindexed(order)).values_list("pk").query.sql_with_params()
    )
    allowed = queryset.filter(pk=RawSQL("search_match.id", [])).values("pk")
    allowed_sql, allowed_params = allowed.query.sql_with_params()
    # OFFSET 0 keeps the sorted matches a subquery of their own, read in their order.
    sql = (
        f"SELECT search_match.id FROM ({matches_sql} OFFSET 0) search_match(id) "  # noqa: S608
        f"WHERE NOT (SELECT walk FROM {_PLAN}) AND EXISTS ({allowed_sql}) LIMIT %s"
    )
    return sql, [*matches_params, *allowed_params, limit]


def unwanted_document(terms: Terms) -> Q:
    """PostgreSQL: documents holding a `-word` (or `-"a phrase"`), for the kinds also matched by name."""
    condition = Q()
    for words in terms.unwanted:
        condition |= Q(search_vector=SearchQuery(words, search_type="phrase", config=SEARCH_CONFIG))
    return condition


def name_contains(lookup: str, word: str, terms: Terms) -> Q:
    """A case-insensitive substring test; SQLite folds only ASCII letters, so both forms of the word."""
    return any_of(f"{lookup}__icontains", terms.sqlite_forms(word) if not postgres() else {word})


def in_range(queryset, column: str, filters: Filters):
    start, end = filters.bounds()
    if start:
        queryset = queryset.filter(**{f"{column}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{column}__lt": end})
    return queryset


def id_array(ids):
    """`pk__in=id_array(ids)`: on PostgreSQL the ids as one array parameter rather than a thousand (each of
    which Django and psycopg would otherwise compile and quote on every request)."""
    return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)]) if postgres() else list(ids)


def pair(slug, name) -> tuple[str, str] | None:
    return (slug, name) if slug else None


def tagged(tag_model, tag: str, outer: str = "pk") -> Exists:
    """Rows carrying a tag: `tag_model` is a tag through model (content_object, tag)."""
    return Exists(tag_model.objects.filter(content_object=OuterRef(outer), tag__slug=tag))


def tag_rows(tag_model, keys: set[int]) -> Iterable[tuple[int, str, str]]:
    """A TagsProvider over a tag through model: `functools.partial(tag_rows, StoryTag)`."""
    return tag_model.objects.filter(content_object__in=id_array(keys)).values_list(
        "content_object", "tag__slug", "tag__name"
    )


# --- Highlighting -----------------------------------------------------------------------------------------
def joined(names) -> Concat:
    """Text columns joined by spaces: the text a snippet is cut from."""
    parts = []
    for name in names:
        parts.extend([name, Value(" ")])
    return Concat(*parts[:-1], output_field=TextField())


def _unmarked(source):
    """The text with any highlight marker characters it holds itself turned into spaces: only ts_headline's
    own markers may become <mark>."""
    return Func(source, Value(START + STOP), Value("  "), function="translate")


def _plain_text(source):
    """Markdown's links and marks taken out before ts_headline cuts the text, so that a snippet never shows
    half a link (core.search_query.marked does the same to what comes back)."""
    unlinked = Func(
        _unmarked(source), Value(MARKDOWN_LINK), Value("\\1"), Value("g"), function="regexp_replace"
    )
    return Func(unlinked, Value(MARKDOWN_MARKS), Value(" "), Value("g"), function="regexp_replace")


def _headline(source, terms: Terms, *, whole: bool = False):
    """A snippet of up to two fragments of about 30 words; `whole` for a title, highlighted in full."""
    options = {"highlight_all": True} if whole else {"max_words": 30, "min_words": 15, "max_fragments": 2}
    return SearchHeadline(
        _unmarked(source) if whole else _plain_text(source),
        terms.postgres,
        config=SEARCH_CONFIG,
        start_sel=START,
        stop_sel=STOP,
        fragment_delimiter=" … ",
        **options,
    )


def highlighted(queryset, terms: Terms, *, title: str, text):
    """On PostgreSQL, each row's `headline` (cut from `text`) and `title_marked` (the `title` column), which
    khub.search turns into safe HTML; on SQLite it cuts its excerpts from the rows' text itself."""
    if not postgres():
        return queryset
    return queryset.annotate(
        headline=_headline(text, terms), title_marked=_headline(title, terms, whole=True)
    )
