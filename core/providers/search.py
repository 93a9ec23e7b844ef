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

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import BooleanField, Exists, F, FloatField, Func, OuterRef, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

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
    # The tag's primary key, which khub.search looks up once a page: compared as a constant, PostgreSQL's
    # statistics tell how many rows carry that tag (by slug, it expects the same few for every tag).
    tag_id: int | None = None

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
    """One match, with what its facets count and what the page needs to rank it. A member's page holds
    thousands of them (up to the cap of every kind): slots and plain values (no datetime, no list of its
    own) keep them cheap to load and light for the garbage collector."""

    pk: int
    rank: float
    when: float | None  # its date as seconds since 1970 (`Epoch`): only its order is needed
    community: tuple[str, str] | None = None  # (slug, name), only where the viewer may know it
    council: tuple[str, str] | None = None  # (slug, name)
    region: str = ""
    service_area: str = ""
    tag_key: int | None = None  # the row whose tags it carries (a post: its thread)


# (viewer, terms, filters, limit) -> at most `limit` matches, newest first, from the kind's permission filter.
CandidatesProvider = Callable[[Any, Terms, Filters, int], list[Candidate]]
# (viewer, ids, terms) -> the rows of a page of hits by id, through the same permission filter, in any order
# (unordered: the engine puts them in the order of `ids`); a kind with a snippet annotates `headline` and
# `title_marked` on PostgreSQL (see `highlighted`).
RowsProvider = Callable[[Any, list[int], Terms], Iterable[Any]]


@dataclass(frozen=True, eq=False)
class SearchKind:
    name: str  # its tab's ?type= value
    label: str  # its tab's label
    position: int  # where its tab stands among the others
    filters: frozenset[str]  # the FILTER_NAMES it has
    candidates: CandidatesProvider
    tag_model: Any  # its tag through model (content_object, tag): the tag facet counts its matches' tags
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


def newest_matching(queryset, terms: Terms, order: tuple[str, ...], limit: int):
    """`matching` in `order` (newest first), for the caller to take its first `limit`. A query with a
    quoted phrase is matched on its words first (Terms.words_first, which the GIN index answers) and the
    phrase checked only in the newest `limit` of those: checking it everywhere would read every document
    holding the words, most of the posts for a phrase of common words. So a phrase of common words is found
    among the newest `limit` matches of its words, as the page says; the window is the same
    permission-filtered queryset."""
    words = terms.words_first if postgres() else None
    if words is not None:
        window = queryset.filter(search_vector=words).order_by(*order).values("pk")[:limit]
        # = ANY(ARRAY(…)): the window is computed once, first, and its rows fetched by primary key.
        queryset = queryset.filter(
            Func(F("pk"), ArraySubquery(window), template="%(expressions)s)", arg_joiner=" = ANY(",
                 output_field=BooleanField())
        )  # fmt: skip
    return matching(queryset, terms).order_by(*order)


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
    return RawSQL("SELECT unnest(%s::bigint[])", [int_array(ids)]) if postgres() else list(ids)


def int_array(values) -> str:
    """Integers as a PostgreSQL array literal for a `%s::bigint[]` (or `::integer[]`) parameter: quoted as
    one string, several times faster than psycopg's dumping of a list of a thousand ints."""
    return "{" + ",".join(map(str, map(int, values))) + "}"


def pair(slug, name) -> tuple[str, str] | None:
    return (slug, name) if slug else None


def tagged(tag_model, filters: Filters, outer: str = "pk") -> Exists:
    """Rows carrying the filters' tag (by its id when looked up, else by slug): `tag_model` is a tag through
    model (content_object, tag)."""
    tag = {"tag_id": filters.tag_id} if filters.tag_id is not None else {"tag__slug": filters.tag}
    return Exists(tag_model.objects.filter(content_object=OuterRef(outer), **tag))


def tag_counts(keyed: Sequence[tuple[Any, Mapping[int, int]]]) -> list[tuple[str, str, int]]:
    """The tag facet: (tag slug, tag name, matches) of every tag the matches of the kinds carry, in one query.
    `keyed` holds each kind's tag through model (content_object, tag) and its matches' tag keys, each with
    how many matches share it (a post's tags are its thread's). PostgreSQL counts in SQL (a few hundred tags
    come back, not a row for each tag of each key); SQLite from the keys' tag rows."""
    keyed = [(tag_model, keys) for tag_model, keys in keyed if keys]
    if not keyed:
        return []
    if not postgres():
        counts: dict[tuple[str, str], int] = {}
        parts = [
            tag_model.objects.filter(content_object__in=list(keys))
            .annotate(kind=Value(index))
            .values_list("kind", "content_object", "tag__slug", "tag__name")
            for index, (tag_model, keys) in enumerate(keyed)
        ]
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for index, key, slug, name in rows:
            counts[slug, name] = counts.get((slug, name), 0) + keyed[index][1][key]
        return [(slug, name, number) for (slug, name), number in counts.items()]
    parts, params = [], []
    for tag_model, keys in keyed:
        parts.append(_tag_counts_sql(tag_model))
        params += [int_array(keys), int_array(keys.values())]
    sql = f"""
        SELECT slug, name, SUM(matches)::integer FROM ({" UNION ALL ".join(parts)}) AS counted
        GROUP BY slug, name"""  # noqa: S608 (names from the models; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _tag_counts_sql(tag_model) -> str:
    """One kind's tags and their matches: each key's tags read from the through table's index (the lateral
    subquery, not a hash of the whole table), counted by tag id, then the few hundred tags named."""
    quote = connection.ops.quote_name
    tag_field = tag_model._meta.get_field("tag")
    through, tag = quote(tag_model._meta.db_table), quote(tag_field.related_model._meta.db_table)
    key_column = quote(tag_model._meta.get_field("content_object").column)
    tag_column = quote(tag_field.column)
    return f"""(
        SELECT {tag}.slug, {tag}.name, counted.matches
        FROM (
            SELECT tagged.tag_id, SUM(keys.matches) AS matches
            FROM unnest(%s::bigint[], %s::integer[]) AS keys (key, matches)
            CROSS JOIN LATERAL (
                SELECT {tag_column} AS tag_id FROM {through} WHERE {key_column} = keys.key OFFSET 0
            ) AS tagged
            GROUP BY tagged.tag_id
        ) AS counted
        JOIN {tag} ON {tag}.id = counted.tag_id
    )"""  # noqa: S608 (names from the models; values are parameters)


class Epoch(Func):
    """A date and time column as seconds since 1970 (a float): all that ordering candidates needs, and far
    cheaper to load than a time-zone-aware datetime. PostgreSQL's date_part divides the instant's
    microseconds by a million in double precision, which holds today's instants to a quarter of a
    microsecond: distinct instants stay distinct and in the column's order."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor == "postgresql":
            extra_context["template"] = "date_part('epoch', %(expressions)s)"
        else:  # the column itself, turned into seconds as it is loaded (SQLite is not the fast path)
            extra_context["template"] = "%(expressions)s"
        return super().as_sql(compiler, connection, **extra_context)

    def get_db_converters(self, connection):
        # PostgreSQL's double precision arrives as a float: no converter call per row.
        return [] if connection.vendor == "postgresql" else [self._seconds]

    @staticmethod
    def _seconds(value, expression, connection):
        if value is None:
            return None
        return connection.ops.convert_datetimefield_value(value, expression, connection).timestamp()


# --- Highlighting -----------------------------------------------------------------------------------------
def joined(names) -> Func:
    """Text columns joined by spaces: the text a snippet is cut from. One CONCAT (which reads NULL as '',
    as Concat does), quicker to compile than Concat's nest of COALESCE pairs (a story has eight columns).
    PostgreSQL only, as `highlighted` is."""
    return Func(*names, template="CONCAT(%(expressions)s)", arg_joiner=", ' ', ", output_field=TextField())


def _unmarked(source):
    """The text with any highlight marker characters it holds itself turned into spaces: only ts_headline's
    own markers may become <mark>. Two replace() rather than one translate(), which reads a UTF-8 text
    character by character and took longer than both regular expressions of `_plain_text` together."""
    for marker in (START, STOP):
        source = Func(source, Value(marker), Value(" "), function="replace")
    return source


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
