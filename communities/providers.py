"""What communities offers the features khub composes, built on communities.permissions: conversations in
the activity feed, conversations, requests to join and reports in activity digests, and conversations and
communities in search (registered from extensions.py)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.contrib.postgres.search import SearchRank, TrigramWordSimilarity
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from communities import permissions
from communities.models import Community, Membership, Post, PostReport, Thread, ThreadTag, TopicTag
from communities.permissions import listed_posts, listed_threads_q, visible_communities
from communities.services.membership import memberships_digest_set
from core.providers.digests import (
    Digest,
    DigestChunk,
    DigestProvider,
    DigestScope,
    DigestSection,
    digest_item,
)
from core.providers.feed import FeedItem, FeedSource, older
from core.providers.search import (
    NAME_SIMILARITY,
    Candidate,
    Filters,
    SearchKind,
    highlighted,
    id_array,
    in_range,
    joined,
    matching,
    pair,
    postgres,
    tag_rows,
    tagged,
    unwanted_document,
)
from core.search_query import Terms
from profiles.models import Council
from profiles.selectors import PUBLIC_NAME_FIELDS, followed_ids


# --- Feed ---------------------------------------------------------------------------------------------------
def active_community_ids(viewer):
    """A subquery of the communities the viewer takes part in: the feed's (and digests') relevance."""
    return Membership.objects.filter(user=viewer, state=Membership.State.ACTIVE).values("community_id")


def community_link(community: Community) -> tuple[str, str]:
    return community.name, community.get_absolute_url()


# Only the columns the items show: posts carry long Markdown and HTML bodies.
COMMUNITY_FIELDS = ("community", "community__name", "community__slug")
AUTHOR_FIELDS = ("author", *(f"author__{name}" for name in PUBLIC_NAME_FIELDS))
THREAD_FIELDS = ("title", "last_activity_at", "reply_count", *COMMUNITY_FIELDS, *AUTHOR_FIELDS)


def _feed_threads(viewer) -> QuerySet[Thread]:
    """Threads the feed follows: listed for the viewer (the permission), in their communities or started by
    someone they follow (the relevance)."""
    return Thread.objects.filter(
        Q(community__in=active_community_ids(viewer)) | Q(author__in=followed_ids(viewer)),
        listed_threads_q(viewer),
    )


def _threads(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """One item per conversation at its latest activity: "started", or "busy" once it has replies."""
    # The services set last_activity_at to the newest post's created_at in the same statement, so a post by
    # the viewer at exactly that time means the latest activity is their own: not news to them.
    own_latest = Exists(
        Post.objects.filter(thread=OuterRef("pk"), author=viewer, created_at=OuterRef("last_activity_at"))
    )
    # A story's discussion starts when the story is published: the practice item says so once. Once
    # others reply it is a busy conversation like any other.
    threads = (
        older(_feed_threads(viewer), "last_activity_at", before)
        .exclude(own_latest)
        .exclude(Q(reply_count=0) & (Q(author=viewer) | Q(story__isnull=False)))
        .select_related("community", "author")  # each item names its community and who started it
        .only(*THREAD_FIELDS)
        .order_by("-last_activity_at", "-pk")[:rows]
    )
    items = []
    for thread in threads:
        where, where_url = community_link(thread.community)
        common = {
            "when": thread.last_activity_at,
            "title": thread.title,
            "url": thread.get_absolute_url(),
            "pk": thread.pk,
            "where": where,
            "where_url": where_url,
        }
        if thread.reply_count:
            replies = f"has {thread.reply_count} repl{'y' if thread.reply_count == 1 else 'ies'}"
            items.append(FeedItem(kind="thread_busy", note=replies, **common))
        else:
            actor = thread.author.public_name
            items.append(FeedItem(kind="thread_started", actor=actor, text="started", **common))
    return items


def _replies(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """Replies by people the viewer follows in other conversations they may read, the latest per thread."""
    followed_replies = Post.objects.filter(
        author__in=followed_ids(viewer), depth__gt=0, state=Post.State.VISIBLE
    )
    # One item per thread, at its latest such reply whatever the page: a thread never shows twice.
    latest_in_thread = (
        followed_replies.filter(thread=OuterRef("thread_id")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    posts = (
        older(followed_replies, "created_at", before)
        .filter(listed_threads_q(viewer, "thread__"), pk=Subquery(latest_in_thread))
        # Threads the conversations source shows already; that item stands for their replies.
        .exclude(thread__in=_feed_threads(viewer))
        .select_related("author", "thread__community")  # who replied, in which thread and community
        .only(
            "created_at", *AUTHOR_FIELDS, "thread__title", *(f"thread__{name}" for name in COMMUNITY_FIELDS)
        )
        .order_by("-created_at", "-pk")[:rows]
    )
    items = []
    for post in posts:
        where, where_url = community_link(post.thread.community)
        items.append(
            FeedItem(
                kind="reply",
                when=post.created_at,
                title=post.thread.title,
                url=post.get_absolute_url(),
                actor=post.author.public_name,
                text="replied in",
                where=where,
                where_url=where_url,
                pk=post.pk,
            )
        )
    return items


THREADS_IN_FEED = FeedSource(
    items=_threads, labels={"thread_started": "Conversation", "thread_busy": "Conversation"}
)
REPLIES_IN_FEED = FeedSource(items=_replies, labels={"reply": "Reply"})


# --- Digests ------------------------------------------------------------------------------------------------
# A member's digest covers their active communities that they have not muted (Membership.in_digest):
# conversations started and busy there, and, where they facilitate, requests to join and reports.
BUSY_REPLIES = 2  # new replies in the window that make a conversation "busy"
# Bounds on the rows a chunk reads, whatever the activity: the newest win.
MOST_THREADS = 2000
MOST_BUSY = 500
MOST_REQUESTS = 1000
MOST_REPORTS = 1000
# can_list_thread reads the opening post's state; its text is never shown in a digest.
OPENING_POST_TEXT = (
    "opening_post__body",
    "opening_post__body_html",
    "opening_post__moderation_reason",
    "opening_post__search_vector",
)


class DigestMemberships:
    """A chunk's memberships, fetched in one query: which communities each member's digest includes, mutes
    and manages, and one object per community carrying every member's membership (or None), so that the
    permission checks on it ask the database nothing more. Practice's digests read them too."""

    def __init__(self, users: list):
        self.users = users
        self.communities: dict[int, Community] = {}
        self.included: dict[int, set[int]] = defaultdict(set)
        self.muted: dict[int, set[int]] = defaultdict(set)
        self.managed: dict[int, set[int]] = defaultdict(set)
        rows = list(
            Membership.objects.filter(user_id__in=[user.pk for user in users]).select_related("community")
        )
        self.memberships = {(membership.user_id, membership.community_id): membership for membership in rows}
        for membership in rows:
            community = self.community(membership.community)
            if membership.state != Membership.State.ACTIVE:
                continue
            if not membership.in_digest:
                self.muted[membership.user_id].add(community.pk)
                continue
            self.included[membership.user_id].add(community.pk)
            if membership.is_facilitator:
                self.managed[membership.user_id].add(community.pk)

    def community(self, community: Community) -> Community:
        """The chunk's one object for this community, its members' memberships remembered on it."""
        known = self.communities.get(community.pk)
        if known is not None:
            return known
        self.communities[community.pk] = community
        for user in self.users:
            membership = self.memberships.get((user.pk, community.pk))
            permissions.membership_remember(user=user, community=community, membership=membership)
        return community

    def all_included(self) -> set[int]:
        return set().union(*self.included.values())

    def all_managed(self) -> set[int]:
        return set().union(*self.managed.values())


def digest_memberships(chunk: DigestChunk) -> DigestMemberships:
    """The chunk's memberships, fetched by the first provider that asks."""
    return chunk.shared("communities.memberships", lambda: DigestMemberships(chunk.users))


@dataclass
class _Collected:
    memberships: DigestMemberships
    started: list[Thread]
    busy: dict[int, Thread]
    reply_times: dict[int, list[datetime]]  # each member's count covers their own window, not the chunk's
    requests: list[Membership]
    reports: list[PostReport]


def _collect(chunk: DigestChunk) -> _Collected:
    memberships = digest_memberships(chunk)
    included, managed = memberships.all_included(), memberships.all_managed()
    in_window = chunk.window("created_at")
    started = list(
        Thread.objects.filter(permissions.listable_threads_q(), community_id__in=included, **in_window)
        .filter(story__isnull=True)  # a story's discussion: the story itself is listed under Practice
        .select_related("community", "author", "opening_post")
        .defer(*OPENING_POST_TEXT)
        .order_by("-created_at")[:MOST_THREADS]
    )
    activity = list(
        Post.objects.filter(
            thread__community_id__in=included, state=Post.State.VISIBLE, depth__gt=0, **in_window
        )
        .values("thread_id")
        .annotate(replies=Count("pk"), latest=Max("created_at"))
        .filter(replies__gte=BUSY_REPLIES)
        .order_by("-replies")[:MOST_BUSY]
    )
    busy = {
        thread.pk: thread
        for thread in Thread.objects.filter(
            permissions.listable_threads_q(), pk__in=[row["thread_id"] for row in activity]
        )
        .select_related("community", "author", "opening_post")
        .defer(*OPENING_POST_TEXT)
    }
    reply_times = defaultdict(list)
    for thread_id, created_at in Post.objects.filter(
        thread_id__in=list(busy), state=Post.State.VISIBLE, depth__gt=0, **in_window
    ).values_list("thread_id", "created_at"):
        reply_times[thread_id].append(created_at)
    requests = list(
        Membership.objects.filter(
            community_id__in=managed, state=Membership.State.REQUESTED, updated_at__gt=chunk.start
        )
        .select_related("community", "user")
        .order_by("-updated_at")[:MOST_REQUESTS]
    )
    reports = list(
        PostReport.objects.filter(
            post__thread__community_id__in=managed, state=PostReport.State.OPEN, **in_window
        )
        .select_related("post__thread__community")
        .order_by("-created_at")[:MOST_REPORTS]
    )
    # One community object each, carrying the memberships.
    for thread in [*started, *busy.values()]:
        thread.community = memberships.community(thread.community)
    for membership in requests:
        membership.community = memberships.community(membership.community)
    for report in reports:
        report.post.thread.community = memberships.community(report.post.thread.community)
    return _Collected(memberships, started, busy, reply_times, requests, reports)


def _pick(digest: Digest, chunk: DigestChunk, collected: _Collected, fresh) -> dict[str, list[dict]]:
    user = digest.user
    included = collected.memberships.included[user.pk]
    managed = collected.memberships.managed[user.pk]

    def conversation_fresh(thread_id: int) -> bool:
        # A conversation is one item whether it was listed as new or as busy last time.
        return fresh(f"thread:{thread_id}") and fresh(f"busy:{thread_id}")

    def listed(thread: Thread) -> bool:
        return thread.community_id in included and permissions.can_list_thread(user=user, thread=thread)

    def conversation(thread: Thread, **fields) -> dict:
        where, where_path = thread.community.name, chunk.path(thread.community)
        return digest_item(
            title=thread.title,
            path=chunk.path(thread),
            where=where,
            where_path=where_path,
            community=thread.community_id,
            manage=False,
            thread=thread.pk,
            **fields,
        )

    new = [
        conversation(
            thread,
            key=f"thread:{thread.pk}",
            when=thread.created_at,
            detail=f"Started by {thread.author.public_name}",
        )
        for thread in collected.started
        if digest.covers(thread.created_at)
        and thread.author_id != user.pk
        and conversation_fresh(thread.pk)
        and listed(thread)
    ]
    listed_new = {item["thread"] for item in new}
    busy = []
    for thread_id, thread in collected.busy.items():
        new_replies = [moment for moment in collected.reply_times[thread_id] if digest.covers(moment)]
        if len(new_replies) < BUSY_REPLIES or thread_id in listed_new or not conversation_fresh(thread_id):
            continue
        if listed(thread):
            item = conversation(
                thread,
                key=f"busy:{thread_id}",
                when=max(new_replies),
                detail=f"{len(new_replies)} new replies",
            )
            busy.append((len(new_replies), item))
    busy = [item for _, item in sorted(busy, key=lambda pair: pair[0], reverse=True)]

    asks = [
        (
            f"request:{membership.pk}:{membership.updated_at.timestamp():.0f}",
            membership.community,
            membership.updated_at,
            f"{membership.user.public_name} asked to join {membership.community.name}",
            "communities:manage",
        )
        for membership in collected.requests
    ] + [
        (
            f"report:{report.pk}",
            report.post.thread.community,
            report.created_at,
            f"A post in “{report.post.thread.title}” was reported",
            "communities:manage-reports",
        )
        for report in collected.reports
    ]
    waiting = [
        digest_item(
            key=key,
            title=title,
            path=reverse(page, kwargs={"slug": community.slug}),
            when=when,
            where=community.name,
            where_path=chunk.path(community),
            community=community.pk,
            manage=True,
            thread=None,
        )
        for key, community, when, title, page in asks
        if community.pk in managed
        and digest.covers(when)
        and fresh(key)
        and permissions.can_manage(user=user, community=community)
    ]
    return {"waiting": waiting, "new": new, "busy": busy}


def _still_readable(user, items: list[dict]) -> set[str]:
    """Where each conversation is now (it may have moved), still listed, and its community not muted since;
    requests and reports while the member still manages the community. A query for each kind present."""
    threads = {item["thread"] for item in items if not item.get("manage") and item.get("thread")}
    communities = {item["community"] for item in items if item.get("manage") and item.get("community")}
    readable = set()
    if threads:
        muted = Membership.objects.filter(user=user, in_digest=False).values("community_id")
        still = permissions.listed_threads(user).filter(pk__in=threads).exclude(community_id__in=muted)
        readable = set(still.values_list("pk", flat=True))
    managed = set()
    if communities:
        managed = set(
            permissions.managed_communities(user).filter(pk__in=communities).values_list("pk", flat=True)
        )
    return {
        item["key"]
        for item in items
        if (item["community"] in managed if item.get("manage") else item.get("thread") in readable)
    }


CONVERSATIONS_IN_DIGESTS = DigestProvider(
    sections=(
        DigestSection(
            name="waiting",
            heading="Waiting for you as a facilitator",
            one="request or report",
            many="requests and reports",
            order=10,
        ),
        DigestSection(
            name="new",
            heading="New conversations",
            one="new conversation",
            many="new conversations",
            order=20,
        ),
        DigestSection(
            name="busy",
            heading="Busy conversations",
            one="busy conversation",
            many="busy conversations",
            order=30,
        ),
    ),
    collect=_collect,
    pick=_pick,
    still_readable=_still_readable,
)


def _digest_options(user) -> list[tuple[int, str, bool]]:
    """The member's active communities by name, ticked unless muted."""
    memberships = (
        Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
        .select_related("community")  # the labels
        .order_by("community__name")
    )
    return [(m.community_id, m.community.name, m.in_digest) for m in memberships]


COMMUNITIES_IN_DIGESTS = DigestScope(
    name="communities",
    label="Communities in my digest",
    help_text="Untick a community to mute it: nothing from it will be in your digest.",
    invalid_choice="Choose from your communities",
    options=_digest_options,
    save=memberships_digest_set,
)


# --- Search -------------------------------------------------------------------------------------------------
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
        posts = posts.filter(tagged(ThreadTag, filters.tag, outer="thread"))
        threads = threads.filter(tagged(ThreadTag, filters.tag))
    posts = in_range(posts, "created_at", filters)
    threads = in_range(threads, "opening_post__created_at", filters)
    # Only what orders and ranks the matches; their facets' labels come after, for the few kept. Fewer
    # joins leave PostgreSQL free to start from the rarest condition (a tag's threads, a rare word).
    post_rows = matching(posts, terms).order_by("-created_at", "-pk").values_list("pk", "rank", "created_at")
    title_rows = (
        matching(threads, terms)
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
    labels = Post.objects.filter(pk__in=id_array(c.pk for c in newest)).values_list(
        "pk", "thread_id", "thread__community__slug", "thread__community__name", "author__council__slug",
        "author__council__name", "author__council__region",
    )  # fmt: skip
    by_pk = {row[0]: row[1:] for row in labels}
    newest = [candidate for candidate in newest if candidate.pk in by_pk]  # deleted in between: gone
    for candidate in newest:
        thread_id, community_slug, community_name, council_slug, council_name, region = by_pk[candidate.pk]
        candidate.tag_key = thread_id
        candidate.community = pair(community_slug, community_name)
        candidate.council = pair(council_slug, council_name)
        candidate.region = region or ""
    return newest


def _conversation_rows(viewer, ids, terms):
    posts = listed_posts(viewer).filter(pk__in=ids).select_related("thread__community", "author__council")
    return highlighted(posts, terms, title="thread__title", text="body")


def _communities(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    communities = visible_communities(viewer)
    if filters.tag:
        communities = communities.filter(tagged(TopicTag, filters.tag))
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
    rows = rows.order_by("-created_at", "-pk").values("pk", "score", "created_at")[:limit]
    return [
        Candidate(pk=row["pk"], rank=row["score"], when=row["created_at"], tag_key=row["pk"]) for row in rows
    ]


def _community_rows(viewer, ids, terms):
    communities = visible_communities(viewer).filter(pk__in=ids)
    return highlighted(communities, terms, title="name", text=joined(COMMUNITY_SNIPPET_FIELDS))


CONVERSATIONS_IN_SEARCH = SearchKind(
    name="conversations",
    label="Conversations",
    position=20,
    filters=frozenset({"community", "council", "region", "tag", "since", "until"}),
    candidates=_conversations,
    tags=partial(tag_rows, ThreadTag),
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
    tags=partial(tag_rows, TopicTag),
    rows=_community_rows,
    title=lambda community: community.name,
    snippet=lambda community: " ".join(getattr(community, name) for name in COMMUNITY_SNIPPET_FIELDS),
    template="communities/search/_communities.html",
)
