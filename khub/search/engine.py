"""Search across practice stories, conversations, communities and people, as one viewer may see them.

Every kind starts from its app's permission filter (practice.permissions.listed_stories,
communities.permissions.readable_community_ids / visible_communities, profiles.permissions.visible_people),
so what is matched, counted, faceted and shown is decided in SQL. Nothing is dropped from a page after a
query, so no count or facet can reveal what the viewer may not read.

Cost stays bounded for common words: each kind takes at most CAP matches, the newest first (the newest-
first indexes let PostgreSQL stop early), and counts, facets and relevance ranking work on those. A count
at the cap is shown as "1,000+". On SQLite (the embedded default) matching is a substring test of each
word and ranking is by date.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.postgres.search import SearchHeadline, SearchRank, TrigramWordSimilarity
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    TextField,
    Value,
)
from django.db.models.functions import Concat
from django.utils import timezone

from communities.models import Post, Thread, ThreadTag, TopicTag
from communities.permissions import readable_community_ids, visible_communities
from khub.search.query import MARKDOWN_LINK, MARKDOWN_MARKS, START, STOP, Terms, excerpt, marked
from practice.models import ServiceArea, StoryTag
from practice.permissions import listed_stories
from profiles.models import Council, ExpertiseTag
from profiles.permissions import visible_people
from profiles.search import SEARCH_CONFIG

CAP = 1000  # matches per kind counted, faceted and ranked
PAGE_SIZE = 20
PREVIEW_SIZE = 3  # of each kind on the "All" tab
FACET_VALUES = 10  # most frequent values shown per facet
NAME_SIMILARITY = 0.4  # pg_trgm word similarity from which a name matches, as in the directories

PRACTICE, CONVERSATIONS, COMMUNITIES, PEOPLE = "practice", "conversations", "communities", "people"
KIND_LABELS = {
    PRACTICE: "Practice",
    CONVERSATIONS: "Conversations",
    COMMUNITIES: "Communities",
    PEOPLE: "People",
}
# The filters each kind has: a filter a kind lacks leaves that kind out of the results.
FILTERS_BY_KIND = {
    PRACTICE: {"community", "council", "region", "service_area", "tag", "since", "until"},
    CONVERSATIONS: {"community", "council", "region", "tag", "since", "until"},
    COMMUNITIES: {"tag"},
    PEOPLE: {"council", "region", "tag"},
}
REGIONS = dict(Council.Region.choices)
SERVICE_AREAS = dict(ServiceArea.choices)


def kinds_for(viewer) -> tuple[str, ...]:
    """Visitors who are not signed in search the public practice library only."""
    if viewer.is_authenticated:
        return (PRACTICE, CONVERSATIONS, COMMUNITIES, PEOPLE)
    return (PRACTICE,)


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
        return {name for name in FILTERS_BY_KIND[PRACTICE] if getattr(self, name)}

    def fit(self, kind: str) -> bool:
        return self.chosen() <= FILTERS_BY_KIND[kind]

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The date range as instants in the hub's time zone: from the start of `since` to the end of `until`
        (a plain range on the column, so its index serves it)."""
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.since, time.min, zone) if self.since else None
        end = None  # the last day of the calendar has no day after it: no upper bound
        if self.until and self.until < date.max:
            end = datetime.combine(self.until + timedelta(days=1), time.min, zone)
        return start, end


@dataclass
class Candidate:
    """One match, with what its facets count and what the page needs to rank it."""

    pk: int
    rank: float
    when: datetime | None
    community: tuple[str, str] | None = None  # (slug, name), only where the viewer may know it
    council: tuple[str, str] | None = None  # (slug, name)
    region: str = ""
    service_area: str = ""
    tag_key: int | None = None  # the row whose tags it carries (a post: its thread)
    tags: list[tuple[str, str]] = field(default_factory=list)


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
    candidates: list[Candidate]
    page: Page | None = None
    hits: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return min(len(self.candidates), CAP)

    @property
    def capped(self) -> bool:
        return len(self.candidates) > CAP


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _match(queryset, terms: Terms):
    """Rows whose document matches, with their rank (0 on SQLite)."""
    if _postgres():
        query = terms.postgres
        return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    if not terms.wanted:
        queryset = queryset.none()  # only operators or quotes: nothing to look for, as on PostgreSQL
    for word in terms.wanted:
        queryset = queryset.filter(_contains_any(terms.sqlite_forms(word)))
    for word in terms.unwanted:
        queryset = queryset.exclude(_contains_any(terms.sqlite_forms(word)))
    return queryset.annotate(rank=Value(0.0, output_field=FloatField()))


def _contains_any(forms) -> Q:
    condition = Q()
    for form in forms:
        condition |= Q(search_vector__contains=form)
    return condition


def _in_range(queryset, column: str, filters: Filters):
    start, end = filters.bounds()
    if start:
        queryset = queryset.filter(**{f"{column}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{column}__lt": end})
    return queryset


def _pair(slug, name) -> tuple[str, str] | None:
    return (slug, name) if slug else None


# --- Candidates: at most CAP + 1 per kind, newest first ------------------------------------------------
def _community_shown(viewer):
    """A story's home community is named only to those who may know the community exists."""
    if not viewer.is_authenticated:
        return Value(False)
    return ExpressionWrapper(
        Q(community__in=visible_communities(viewer).values("pk")), output_field=BooleanField()
    )


def _practice(viewer, terms: Terms, filters: Filters) -> list[Candidate]:
    stories = _match(listed_stories(viewer), terms)
    shown = visible_communities(viewer).values("pk")
    if filters.community:
        stories = stories.filter(community__slug=filters.community, community__in=shown)
    if filters.council:
        stories = stories.filter(council__slug=filters.council)
    if filters.region:
        stories = stories.filter(council__region=filters.region)
    if filters.service_area:
        stories = stories.filter(service_area=filters.service_area)
    if filters.tag:
        stories = stories.filter(
            Exists(StoryTag.objects.filter(content_object=OuterRef("pk"), tag__slug=filters.tag))
        )
    stories = _in_range(stories, "published_at", filters)
    rows = (
        stories.annotate(community_shown=_community_shown(viewer))
        .order_by("-published_at", "-pk")
        .values(
            "pk", "rank", "published_at", "community_shown", "community__slug", "community__name",
            "council__slug", "council__name", "council__region", "service_area",
        )[: CAP + 1]
    )  # fmt: skip
    return [
        Candidate(
            pk=row["pk"],
            rank=row["rank"],
            when=row["published_at"],
            community=_pair(row["community__slug"], row["community__name"])
            if row["community_shown"]
            else None,
            council=_pair(row["council__slug"], row["council__name"]),
            region=row["council__region"] or "",
            service_area=row["service_area"],
            tag_key=row["pk"],
        )
        for row in rows
    ]


def _conversations(viewer, terms: Terms, filters: Filters) -> list[Candidate]:
    """Visible posts whose text matches, and opening posts whose thread's title matches: one candidate per
    post, its two ranks added. Two single-table queries, so each uses its own GIN index."""
    readable = readable_community_ids(viewer)
    # As in the feed and digests: a thread whose opening post was hidden or deleted is found by nothing.
    posts = Post.objects.filter(
        state=Post.State.VISIBLE,
        thread__opening_post__state=Post.State.VISIBLE,
        thread__community__in=readable,
    )
    threads = Thread.objects.filter(community__in=readable, opening_post__state=Post.State.VISIBLE)
    if filters.community:
        posts = posts.filter(thread__community__slug=filters.community)
        threads = threads.filter(community__slug=filters.community)
    if filters.council:
        posts = posts.filter(author__council__slug=filters.council)
        threads = threads.filter(author__council__slug=filters.council)
    if filters.region:
        posts = posts.filter(author__council__region=filters.region)
        threads = threads.filter(author__council__region=filters.region)
    if filters.tag:
        posts = posts.filter(
            Exists(ThreadTag.objects.filter(content_object=OuterRef("thread"), tag__slug=filters.tag))
        )
        threads = threads.filter(
            Exists(ThreadTag.objects.filter(content_object=OuterRef("pk"), tag__slug=filters.tag))
        )
    posts = _in_range(posts, "created_at", filters)
    threads = _in_range(threads, "opening_post__created_at", filters)
    columns = ("community__slug", "community__name", "author__council__slug", "author__council__name")
    columns += ("author__council__region",)
    post_rows = (
        _match(posts, terms)
        .order_by("-created_at", "-pk")
        .values("pk", "rank", "created_at", "thread_id", *(f"thread__{column}" for column in columns))[
            : CAP + 1
        ]
    )
    title_rows = (
        _match(threads, terms)
        .order_by("-created_at", "-pk")
        .values("opening_post_id", "rank", "opening_post__created_at", "pk", *columns)[: CAP + 1]
    )
    found: dict[int, Candidate] = {}
    for row in post_rows:
        found[row["pk"]] = _conversation(
            row["pk"], row["rank"], row["created_at"], row["thread_id"], row, "thread__"
        )
    for row in title_rows:
        post_id = row["opening_post_id"]
        if post_id in found:
            found[post_id].rank += row["rank"]
        else:
            found[post_id] = _conversation(
                post_id, row["rank"], row["opening_post__created_at"], row["pk"], row, ""
            )
    return sorted(found.values(), key=lambda candidate: (candidate.when, candidate.pk), reverse=True)[
        : CAP + 1
    ]


def _conversation(pk, rank, when, thread_id, row, prefix) -> Candidate:
    return Candidate(
        pk=pk,
        rank=rank,
        when=when,
        community=_pair(row[f"{prefix}community__slug"], row[f"{prefix}community__name"]),
        council=_pair(row[f"{prefix}author__council__slug"], row[f"{prefix}author__council__name"]),
        region=row[f"{prefix}author__council__region"] or "",
        tag_key=thread_id,
    )


def _communities(viewer, terms: Terms, filters: Filters) -> list[Candidate]:
    communities = visible_communities(viewer)
    if filters.tag:
        communities = communities.filter(
            Exists(TopicTag.objects.filter(content_object=OuterRef("pk"), tag__slug=filters.tag))
        )
    if _postgres():
        # A misspelt or partial name still finds its community ("homelesness"), as in the directory.
        query = terms.postgres
        communities = communities.annotate(
            similarity=TrigramWordSimilarity(terms.plain, "name"),
            rank=SearchRank(F("search_vector"), query),
        ).filter(Q(search_vector=query) | Q(similarity__gte=NAME_SIMILARITY))
        rows = communities.annotate(score=F("rank") + F("similarity"))
    else:
        rows = _match(communities, terms).annotate(score=F("rank"))
    rows = rows.order_by("-created_at", "-pk").values("pk", "score", "created_at")[: CAP + 1]
    return [
        Candidate(pk=row["pk"], rank=row["score"], when=row["created_at"], tag_key=row["pk"]) for row in rows
    ]


def _people(viewer, terms: Terms, filters: Filters) -> list[Candidate]:
    """By name (trigram similarity on PostgreSQL, so "Priay" finds Priya) or by an expertise tag."""
    people = visible_people(viewer)
    if filters.council:
        people = people.filter(council__slug=filters.council)
    if filters.region:
        people = people.filter(council__region=filters.region)
    if filters.tag:
        people = people.filter(
            Exists(ExpertiseTag.objects.filter(content_object=OuterRef("pk"), tag__slug=filters.tag))
        )
    text = terms.plain
    if not text:
        return []
    tag_words = Q(tag__name__icontains=text)
    for word in terms.wanted:
        if len(word) >= 4:
            tag_words |= Q(tag__name__icontains=word)
    expert = Exists(ExpertiseTag.objects.filter(tag_words, content_object=OuterRef("pk")))
    people = people.annotate(expert=ExpressionWrapper(expert, output_field=BooleanField()))
    if _postgres():
        people = people.annotate(similarity=TrigramWordSimilarity(text, "display_name")).filter(
            Q(similarity__gte=NAME_SIMILARITY) | Q(display_name__icontains=text) | Q(expert=True)
        )
    else:
        people = people.annotate(similarity=Value(0.0, output_field=FloatField())).filter(
            Q(display_name__icontains=text) | Q(expert=True)
        )
    rows = people.order_by("-date_joined", "-pk").values(
        "pk", "similarity", "expert", "date_joined", "council__slug", "council__name", "council__region"
    )[: CAP + 1]
    return [
        Candidate(
            pk=row["pk"],
            rank=row["similarity"] + (0.5 if row["expert"] else 0),
            when=row["date_joined"],
            council=_pair(row["council__slug"], row["council__name"]),
            region=row["council__region"] or "",
            tag_key=row["pk"],
        )
        for row in rows
    ]


CANDIDATES = {PRACTICE: _practice, CONVERSATIONS: _conversations, COMMUNITIES: _communities, PEOPLE: _people}
TAGS = {PRACTICE: StoryTag, CONVERSATIONS: ThreadTag, COMMUNITIES: TopicTag, PEOPLE: ExpertiseTag}


def _attach_tags(kind: str, candidates: list[Candidate]) -> None:
    keys = {candidate.tag_key for candidate in candidates[:CAP]}
    if not keys:
        return
    tags: dict[int, list[tuple[str, str]]] = {}
    rows = (
        TAGS[kind]
        .objects.filter(content_object__in=keys)
        .values_list("content_object", "tag__slug", "tag__name")
    )
    for key, slug, name in rows:
        tags.setdefault(key, []).append((slug, name))
    for candidate in candidates[:CAP]:
        candidate.tags = tags.get(candidate.tag_key, [])


# --- Facets: counted over the (capped) matches the viewer may see ---------------------------------------
def facets(results: list[KindResults], filters: Filters) -> dict[str, list[FacetValue]]:
    counters = {name: Counter() for name in ("community", "council", "region", "service_area", "tag")}
    labels: dict[tuple[str, str], str] = {}
    for kind_results in results:
        for candidate in kind_results.candidates[:CAP]:
            for name, pair in (("community", candidate.community), ("council", candidate.council)):
                if pair:
                    counters[name][pair[0]] += 1
                    labels[name, pair[0]] = pair[1]
            if candidate.region:
                counters["region"][candidate.region] += 1
                labels["region", candidate.region] = REGIONS.get(candidate.region, candidate.region)
            if candidate.service_area:
                counters["service_area"][candidate.service_area] += 1
                labels["service_area", candidate.service_area] = SERVICE_AREAS.get(
                    candidate.service_area, candidate.service_area
                )
            for slug, tag_name in candidate.tags:
                counters["tag"][slug] += 1
                labels["tag", slug] = tag_name
    shown = {}
    for name, counter in counters.items():
        selected = getattr(filters, name)
        values = [
            FacetValue(value, labels[name, value], count, value == selected)
            for value, count in sorted(
                counter.items(), key=lambda item: (-item[1], labels[name, item[0]].lower())
            )
        ]
        top = values[:FACET_VALUES]
        top += [value for value in values[FACET_VALUES:] if value.selected]
        shown[name] = top
    return shown


# The text a snippet is cut from (a title is shown whole).
STORY_SNIPPET_FIELDS = ("summary", "what_we_did", "outcomes", "challenge")
COMMUNITY_SNIPPET_FIELDS = ("description", "about")


def _joined(names):
    """Fields with a space between each, for Concat."""
    parts = []
    for name in names:
        parts.extend([name, Value(" ")])
    return parts[:-1]


# --- The page of hits: re-fetched through the same permission filters, with highlighted snippets ---------
def _unmarked(source):
    """The text with any highlight marker characters it holds itself turned into spaces: only ts_headline's
    own markers may become <mark>."""
    return Func(source, Value(START + STOP), Value("  "), function="translate")


def _plain_text(source):
    """Markdown's links and emphasis marks taken out before ts_headline cuts the text, so that a snippet
    never shows half a link (query.marked does the same to what comes back)."""
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


def _hits_practice(viewer, ids, terms):
    stories = (
        listed_stories(viewer)
        .filter(pk__in=ids)
        .select_related("council", "community")
        .annotate(community_shown=_community_shown(viewer))
    )
    if _postgres():
        text = Concat(*_joined(STORY_SNIPPET_FIELDS), output_field=TextField())
        stories = stories.annotate(
            headline=_headline(text, terms), title_marked=_headline("title", terms, whole=True)
        )
    by_pk = {story.pk: story for story in stories}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _hits_conversations(viewer, ids, terms):
    posts = Post.objects.filter(
        pk__in=ids,
        state=Post.State.VISIBLE,
        thread__opening_post__state=Post.State.VISIBLE,
        thread__community__in=readable_community_ids(viewer),
    ).select_related("thread__community", "author__council")
    if _postgres():
        posts = posts.annotate(
            headline=_headline("body", terms), title_marked=_headline("thread__title", terms, whole=True)
        )
    by_pk = {post.pk: post for post in posts}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _hits_communities(viewer, ids, terms):
    communities = visible_communities(viewer).filter(pk__in=ids)
    if _postgres():
        text = Concat(*_joined(COMMUNITY_SNIPPET_FIELDS), output_field=TextField())
        communities = communities.annotate(
            headline=_headline(text, terms), title_marked=_headline("name", terms, whole=True)
        )
    by_pk = {community.pk: community for community in communities}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def _hits_people(viewer, ids, terms):
    people = visible_people(viewer).filter(pk__in=ids).select_related("council").prefetch_related("expertise")
    by_pk = {person.pk: person for person in people}
    return [by_pk[pk] for pk in ids if pk in by_pk]


HITS = {
    PRACTICE: _hits_practice,
    CONVERSATIONS: _hits_conversations,
    COMMUNITIES: _hits_communities,
    PEOPLE: _hits_people,
}
SNIPPET_SOURCE = {
    PRACTICE: lambda story: " ".join(getattr(story, name) for name in STORY_SNIPPET_FIELDS),
    CONVERSATIONS: lambda post: post.body,
    COMMUNITIES: lambda community: " ".join(getattr(community, name) for name in COMMUNITY_SNIPPET_FIELDS),
    PEOPLE: lambda person: person.job_title,
}
TITLE_SOURCE = {
    PRACTICE: lambda story: story.title,
    CONVERSATIONS: lambda post: post.thread.title,
    COMMUNITIES: lambda community: community.name,
    PEOPLE: lambda person: person.display_name,
}


def _decorate(kind: str, hits: list, terms: Terms) -> None:
    """Each hit's highlighted title and snippet, as safe HTML."""
    for hit in hits:
        if _postgres() and kind != PEOPLE:
            hit.snippet = marked(hit.headline, source=SNIPPET_SOURCE[kind](hit))
            hit.title_html = marked(hit.title_marked)
        else:
            hit.snippet = excerpt(SNIPPET_SOURCE[kind](hit), terms.wanted)
            hit.title_html = excerpt(TITLE_SOURCE[kind](hit), terms.wanted, length=400)


def _order(candidates: list[Candidate], sort: str) -> list[int]:
    candidates = candidates[:CAP]
    if sort == "relevance":
        never = timezone.make_aware(datetime(1970, 1, 1))
        candidates = sorted(candidates, key=lambda c: (c.rank, c.when or never, c.pk), reverse=True)
    return [candidate.pk for candidate in candidates]


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


def search(*, viewer, terms: Terms, filters: Filters, kind: str = "all", sort: str = "relevance", page=1):
    """The results for one page: every kind's capped matches (for the tabs' counts and the facets), and the
    hits of the kind shown (a few of each on the "All" tab)."""
    results = []
    for name in kinds_for(viewer):
        candidates = CANDIDATES[name](viewer, terms, filters) if terms and filters.fit(name) else []
        results.append(KindResults(kind=name, label=KIND_LABELS[name], candidates=candidates))
    shown_kinds = [r for r in results if kind in ("all", r.kind)]
    for kind_results in shown_kinds:
        _attach_tags(kind_results.kind, kind_results.candidates)
        ids = _order(kind_results.candidates, sort)
        if kind == "all":
            page_ids = ids[:PREVIEW_SIZE]
        else:
            kind_results.page = Paginator(ids, PAGE_SIZE).get_page(page)
            page_ids = list(kind_results.page.object_list)
        if page_ids:
            kind_results.hits = HITS[kind_results.kind](viewer, page_ids, terms)
            _decorate(kind_results.kind, kind_results.hits, terms)
    return SearchResults(terms=terms, kind=kind, kinds=results, facets=facets(shown_kinds, filters))
