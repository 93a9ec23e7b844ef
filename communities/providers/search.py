"""Conversations and communities in search (core.providers.search)."""

from django.contrib.postgres.search import SearchRank, TrigramWordSimilarity
from django.db.models import F, Q

from communities.models import Post, Thread, ThreadTag, TopicTag
from communities.permissions import listed_posts, listed_threads_q, visible_communities
from core.providers.search import (
    NAME_SIMILARITY,
    Candidate,
    Epoch,
    Filters,
    SearchKind,
    highlighted,
    id_array,
    in_range,
    joined,
    matching,
    newest_matching,
    pair,
    postgres,
    tagged,
    unwanted_document,
)
from core.search_query import Terms
from profiles.models import Council

COMMUNITY_SNIPPET_FIELDS = ("description", "about")


def _conversations(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    """Listed posts whose text matches, and opening posts whose thread's title matches: one candidate per
    post, its two ranks added. Two single-table matches, so each uses its own GIN index. A post counts
    under its own author's council, as its result line says."""
    # As in the feed and digests: a thread whose opening post was hidden or deleted is found by nothing.
    posts = listed_posts(viewer)
    threads = Thread.objects.filter(listed_threads_q(viewer))
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
        posts = posts.filter(tagged(ThreadTag, filters, outer="thread"))
        threads = threads.filter(tagged(ThreadTag, filters))
    posts = in_range(posts, "created_at", filters)
    threads = in_range(threads, "opening_post__created_at", filters)
    # Only what orders and ranks the matches; their facets' labels come after, for the few kept. Fewer
    # joins leave PostgreSQL free to start from the rarest condition (a tag's threads, a rare word).
    newest = ("-created_at", "-pk")
    post_rows = newest_matching(posts, terms, newest, limit).values_list("pk", "rank", Epoch("created_at"))
    title_rows = newest_matching(threads, terms, newest, limit).values_list(
        "opening_post_id", "rank", Epoch("opening_post__created_at")
    )
    # Plain (when, pk) and rank first, sorted as tuples; a Candidate only for each of the newest `limit`.
    ranks: dict[int, float] = {}
    dated: list[tuple[float, int]] = []
    for pk, rank, when in post_rows[:limit]:
        ranks[pk] = rank
        dated.append((when, pk))
    for pk, rank, when in title_rows[:limit]:
        if pk in ranks:
            ranks[pk] += rank
        else:
            ranks[pk] = rank
            dated.append((when, pk))
    if not dated:
        return []
    dated.sort(reverse=True)
    del dated[limit:]
    # A post counts under its own author's council, as its result line says.
    labels = Post.objects.filter(pk__in=id_array(pk for _when, pk in dated)).order_by().values_list(
        "pk", "thread_id", "thread__community__slug", "thread__community__name", "author__council__slug",
        "author__council__name", "author__council__region",
    )  # fmt: skip
    by_pk = {row[0]: row[1:] for row in labels}
    found = []
    for when, pk in dated:
        if (row := by_pk.get(pk)) is None:  # deleted in between: gone
            continue
        thread_id, community_slug, community_name, council_slug, council_name, region = row
        # Positional (pk, rank, when, community, council, region, service area, tag key): a thousand of them.
        found.append(
            Candidate(
                pk, ranks[pk], when,
                pair(community_slug, community_name), pair(council_slug, council_name),
                region or "", "", thread_id,
            )
        )  # fmt: skip
    return found


# What a hit shows (communities/search/_conversations.html, its link, title and snippet): not the rest of
# the posts, their threads, communities, authors and councils.
POST_HIT_FIELDS = (
    "body", "depth", "created_at", "thread__title", "thread__community__slug", "thread__community__name",
    "author__display_name", "author__erased_at", "author__handle", "author__avatar", "author__council__name",
)  # fmt: skip
COMMUNITY_HIT_FIELDS = ("name", "slug", *COMMUNITY_SNIPPET_FIELDS, "visibility", "member_count")


def _conversation_rows(viewer, ids, terms):
    posts = (
        listed_posts(viewer)
        .filter(pk__in=ids)
        .select_related("thread__community", "author__council")
        .only(*POST_HIT_FIELDS)
        .order_by()  # khub.search puts them in the page's order
    )
    return highlighted(posts, terms, title="thread__title", text="body")


def _communities(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    communities = visible_communities(viewer)
    if filters.tag:
        communities = communities.filter(tagged(TopicTag, filters))
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
            .exclude(unwanted_document(terms))
            .annotate(score=F("rank") + F("similarity"))
        )
    else:
        rows = matching(communities, terms).annotate(score=F("rank"))
    rows = rows.order_by("-created_at", "-pk").values_list("pk", "score", Epoch("created_at"))[:limit]
    return [Candidate(pk=pk, rank=score, when=when, tag_key=pk) for pk, score, when in rows]


def _community_rows(viewer, ids, terms):
    communities = visible_communities(viewer).filter(pk__in=ids).only(*COMMUNITY_HIT_FIELDS).order_by()
    return highlighted(communities, terms, title="name", text=joined(COMMUNITY_SNIPPET_FIELDS))


CONVERSATIONS_IN_SEARCH = SearchKind(
    name="conversations",
    label="Conversations",
    position=20,
    filters=frozenset({"community", "council", "region", "tag", "since", "until"}),
    candidates=_conversations,
    tag_model=ThreadTag,
    rows=_conversation_rows,
    title=lambda post: post.thread.title,
    snippet=lambda post: post.body,
    template="communities/search/_conversations.html",
    dated="conversations (when written)",
    choices={"region": Council.Region.choices},
)
COMMUNITIES_IN_SEARCH = SearchKind(
    name="communities",
    label="Communities",
    position=30,
    filters=frozenset({"tag"}),
    candidates=_communities,
    tag_model=TopicTag,
    rows=_community_rows,
    title=lambda community: community.name,
    snippet=lambda community: " ".join(getattr(community, name) for name in COMMUNITY_SNIPPET_FIELDS),
    template="communities/search/_communities.html",
)
