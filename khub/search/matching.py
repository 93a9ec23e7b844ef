"""Each kind's matches for one viewer: at most `limit` rows, newest first, from its permission filter.

Every kind starts from its app's permission filter (practice.permissions.listed_stories,
communities.permissions.readable_community_ids / visible_communities, profiles.permissions.visible_people),
so what is matched, and therefore counted, faceted and shown, is decided in SQL. Newest first lets
PostgreSQL stop early for a common word (the newest-first indexes), and the limit bounds the rows ranked.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, FloatField, Func, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.db.models.lookups import Contains

from communities.models import Post, Thread, ThreadTag, TopicTag
from communities.permissions import readable_community_ids, visible_communities
from core.search import SEARCH_CONFIG
from khub.search.kinds import COMMUNITIES, CONVERSATIONS, PEOPLE, PRACTICE, Candidate, Filters
from khub.search.query import Terms
from practice.models import StoryTag
from practice.permissions import listed_stories
from profiles.models import ExpertiseTag
from profiles.permissions import visible_people

NAME_SIMILARITY = 0.4  # pg_trgm word similarity from which a name matches, as in the directories


def postgres() -> bool:
    return connection.vendor == "postgresql"


def _any_of(lookup: str, forms) -> Q:
    condition = Q()
    for form in forms:
        condition |= Q(**{lookup: form})
    return condition


def _match(queryset, terms: Terms):
    """Rows whose document matches, with their rank (0 on SQLite)."""
    if postgres():
        query = terms.postgres
        return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
    for word in terms.wanted:
        queryset = queryset.filter(_any_of("search_vector__contains", terms.sqlite_forms(word)))
    for word in terms.unwanted:
        queryset = queryset.exclude(_any_of("search_vector__contains", terms.sqlite_forms(word)))
    return queryset.annotate(rank=Value(0.0, output_field=FloatField()))


def _unwanted_document(terms: Terms) -> Q:
    """PostgreSQL: documents holding a `-word` (or `-"a phrase"`), for the kinds also matched by name."""
    condition = Q()
    for words in terms.unwanted:
        condition |= Q(search_vector=SearchQuery(words, search_type="phrase", config=SEARCH_CONFIG))
    return condition


def _name_contains(lookup: str, word: str, terms: Terms) -> Q:
    """A case-insensitive substring test; SQLite folds only ASCII letters, so both forms of the word."""
    return _any_of(f"{lookup}__icontains", terms.sqlite_forms(word) if not postgres() else {word})


def _in_range(queryset, column: str, filters: Filters):
    start, end = filters.bounds()
    if start:
        queryset = queryset.filter(**{f"{column}__gte": start})
    if end:
        queryset = queryset.filter(**{f"{column}__lt": end})
    return queryset


def _any(ids):
    """`pk__in=_any(ids)`: on PostgreSQL the ids as one array parameter rather than a thousand (each of which
    Django and psycopg would otherwise compile and quote on every request)."""
    return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)]) if postgres() else list(ids)


def _pair(slug, name) -> tuple[str, str] | None:
    return (slug, name) if slug else None


def community_shown(viewer):
    """A story's home community is named only to those who may know the community exists."""
    if not viewer.is_authenticated:
        return Value(False)
    return ExpressionWrapper(
        Q(community__in=visible_communities(viewer).values("pk")), output_field=BooleanField()
    )


def _tagged(model, tag: str, outer: str = "pk") -> Exists:
    return Exists(model.objects.filter(content_object=OuterRef(outer), tag__slug=tag))


def _practice(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    stories = _match(listed_stories(viewer), terms)
    if filters.community:
        shown = visible_communities(viewer).values("pk")
        stories = stories.filter(community__slug=filters.community, community__in=shown)
    if filters.council:
        stories = stories.filter(council__slug=filters.council)
    if filters.region:
        stories = stories.filter(council__region=filters.region)
    if filters.service_area:
        stories = stories.filter(service_area=filters.service_area)
    if filters.tag:
        stories = stories.filter(_tagged(StoryTag, filters.tag))
    stories = _in_range(stories, "published_at", filters)
    rows = (
        stories.annotate(community_shown=community_shown(viewer))
        .order_by("-published_at", "-pk")
        .values(
            "pk", "rank", "published_at", "community_shown", "community__slug", "community__name",
            "council__slug", "council__name", "council__region", "service_area",
        )[:limit]
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


def _conversations(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    """Visible posts whose text matches, and opening posts whose thread's title matches: one candidate per
    post, its two ranks added. Two single-table matches, so each uses its own GIN index. A post counts
    under its own author's council, as its result line says."""
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
        posts = posts.filter(_tagged(ThreadTag, filters.tag, outer="thread"))
        threads = threads.filter(_tagged(ThreadTag, filters.tag))
    posts = _in_range(posts, "created_at", filters)
    threads = _in_range(threads, "opening_post__created_at", filters)
    # Only what orders and ranks the matches; their facets' labels come after, for the few kept. Fewer
    # joins leave PostgreSQL free to start from the rarest condition (a tag's threads, a rare word).
    post_rows = _match(posts, terms).order_by("-created_at", "-pk").values_list("pk", "rank", "created_at")
    title_rows = (
        _match(threads, terms)
        .order_by("-created_at", "-pk")
        .values_list("opening_post_id", "rank", "opening_post__created_at")
    )
    found: dict[int, Candidate] = {}
    for pk, rank, when in post_rows[:limit]:
        found[pk] = Candidate(pk=pk, rank=rank, when=when)
    for pk, rank, when in title_rows[:limit]:
        if pk in found:
            found[pk].rank += rank
        else:
            found[pk] = Candidate(pk=pk, rank=rank, when=when)
    newest = sorted(found.values(), key=lambda candidate: (candidate.when, candidate.pk), reverse=True)
    newest = newest[:limit]
    if not newest:
        return []
    # A post counts under its own author's council, as its result line says.
    labels = Post.objects.filter(pk__in=_any(c.pk for c in newest)).values_list(
        "pk", "thread_id", "thread__community__slug", "thread__community__name", "author__council__slug",
        "author__council__name", "author__council__region",
    )  # fmt: skip
    by_pk = {row[0]: row[1:] for row in labels}
    newest = [candidate for candidate in newest if candidate.pk in by_pk]  # deleted in between: gone
    for candidate in newest:
        thread_id, community_slug, community_name, council_slug, council_name, region = by_pk[candidate.pk]
        candidate.tag_key = thread_id
        candidate.community = _pair(community_slug, community_name)
        candidate.council = _pair(council_slug, council_name)
        candidate.region = region or ""
    return newest


def _communities(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    communities = visible_communities(viewer)
    if filters.tag:
        communities = communities.filter(_tagged(TopicTag, filters.tag))
    if postgres():
        # A misspelt or partial name still finds its community ("homelesness"), as in the directory; a
        # `-word` leaves out a community whose name or text holds it, whichever way it matched.
        query = terms.postgres
        rows = (
            communities.annotate(
                similarity=TrigramWordSimilarity(terms.plain, "name"),
                rank=SearchRank(F("search_vector"), query),
            )
            .filter(Q(search_vector=query) | Q(similarity__gte=NAME_SIMILARITY))
            .exclude(_unwanted_document(terms))
            .annotate(score=F("rank") + F("similarity"))
        )
    else:
        rows = _match(communities, terms).annotate(score=F("rank"))
    rows = rows.order_by("-created_at", "-pk").values("pk", "score", "created_at")[:limit]
    return [
        Candidate(pk=row["pk"], rank=row["score"], when=row["created_at"], tag_key=row["pk"]) for row in rows
    ]


class WordSimilar(Func):
    """`a %> b`: b is like a word of a (pg_trgm's word similarity), which a trigram index serves."""

    template = "%(expressions)s"
    arg_joiner = " %%> "
    output_field = BooleanField()


class InArray(Func):
    """`a = ANY(ARRAY(subquery))`: unlike IN (subquery), an index condition, so it can join a BitmapOr."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()


def _people(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    """By name (trigram similarity on PostgreSQL, so "Priay" finds Priya) or by an expertise tag; a `-word`
    leaves out those whose name or expertise holds it."""
    people = visible_people(viewer)
    if filters.council:
        people = people.filter(council__slug=filters.council)
    if filters.region:
        people = people.filter(council__region=filters.region)
    if filters.tag:
        people = people.filter(_tagged(ExpertiseTag, filters.tag))
    text = terms.plain
    tag_words = _name_contains("tag__name", text, terms)
    for word in terms.wanted:
        if len(word) >= 4:
            tag_words |= _name_contains("tag__name", word, terms)
    experts = ExpertiseTag.objects.filter(tag_words)
    if postgres():
        # Each alternative an index condition, so PostgreSQL ORs three small bitmaps rather than scoring
        # every member: the name's trigram index (profiles 0004) answers `%>` (word similarity of at least
        # pg_trgm.word_similarity_threshold, which the settings set to NAME_SIMILARITY) and the substring
        # test; the experts are a few ids.
        name = Upper("display_name")
        people = people.annotate(
            similarity=TrigramWordSimilarity(text, "display_name"),
            expert=InArray(F("pk"), experts.values("content_object_id")),
        ).filter(
            Q(WordSimilar(name, Upper(Value(text)))) | Q(Contains(name, Upper(Value(text)))) | Q(expert=True)
        )
    else:
        expert = Exists(experts.filter(content_object=OuterRef("pk")))
        people = people.annotate(
            expert=ExpressionWrapper(expert, output_field=BooleanField()),
            similarity=Value(0.0, output_field=FloatField()),
        ).filter(_name_contains("display_name", text, terms) | Q(expert=True))
    for word in terms.unwanted:
        unwanted_tag = ExpertiseTag.objects.filter(
            _name_contains("tag__name", word, terms), content_object=OuterRef("pk")
        )
        people = people.exclude(_name_contains("display_name", word, terms)).exclude(Exists(unwanted_tag))
    rows = people.order_by("-date_joined", "-pk").values(
        "pk", "similarity", "expert", "date_joined", "council__slug", "council__name", "council__region"
    )[:limit]
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


def candidates(kind: str, *, viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    """The kind's matches; none for a query with nothing to look for (only quotes, `or` or `-word`s)."""
    if not terms.wanted or not filters.fit(kind):
        return []
    return CANDIDATES[kind](viewer, terms, filters, limit)


def attach_tags(kind: str, matches: list[Candidate]) -> None:
    """Each match's tags (a post's are its thread's), in one query, for the tag facet."""
    keys = {match.tag_key for match in matches}
    if not keys:
        return
    tags: dict[int, list[tuple[str, str]]] = {}
    rows = (
        TAGS[kind]
        .objects.filter(content_object__in=_any(keys))
        .values_list("content_object", "tag__slug", "tag__name")
    )
    for key, slug, name in rows:
        tags.setdefault(key, []).append((slug, name))
    for match in matches:
        match.tags = tags.get(match.tag_key, [])
