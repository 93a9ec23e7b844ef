"""Conversations, requests to join and reports in activity digests (core.providers.digests)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max
from django.urls import reverse

from communities import permissions
from communities.models import Community, Membership, Post, PostReport, Thread
from communities.providers.feed import discussions_of
from communities.services.membership import memberships_digest_set
from core.providers.digests import (
    Candidates,
    Digest,
    DigestChunk,
    DigestProvider,
    DigestScope,
    DigestSection,
    digest_item,
)

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
        self.user_ids = frozenset(user.pk for user in users)
        self.communities: dict[int, Community] = {}
        self.included: dict[int, set[int]] = defaultdict(set)
        self.muted: dict[int, set[int]] = defaultdict(set)
        self.managed: dict[int, set[int]] = defaultdict(set)
        # Unordered: Membership's ordering would join every member of the hub to sort by name.
        rows = list(
            Membership.objects.filter(user_id__in=self.user_ids).select_related("community").order_by()
        )
        self.members: dict[int, dict[int, Membership]] = defaultdict(dict)  # community -> user -> row
        for membership in rows:
            self.members[membership.community_id][membership.user_id] = membership
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
        permissions.memberships_remember(
            community=community, user_ids=self.user_ids, memberships=self.members.get(community.pk, {})
        )
        return community

    def all_included(self) -> set[int]:
        return set().union(*self.included.values())

    def all_managed(self) -> set[int]:
        return set().union(*self.managed.values())


def digest_memberships(chunk: DigestChunk) -> DigestMemberships:
    """The chunk's memberships, fetched by the first provider that asks."""
    return chunk.shared("communities.memberships", lambda: DigestMemberships(chunk.users))


@dataclass(frozen=True)
class _Ask:
    """A join request or a report waiting for a community's facilitators: the same for each of them."""

    key: str
    community: Community
    when: datetime
    title: str
    page: str  # the URL name of the community's page where it is dealt with


@dataclass
class _Collected:
    memberships: DigestMemberships
    started: Candidates[Thread]  # filed by community, the newest first
    busy: Candidates[Thread]  # filed by community
    reply_times: dict[int, list[datetime]]  # each member's count covers their own window, not the chunk's
    asks: Candidates[_Ask]  # requests then reports, each the newest first; filed by community


def _in_community(row) -> tuple[int]:
    return (row.community.pk,)


def _collect(chunk: DigestChunk) -> _Collected:
    memberships = digest_memberships(chunk)
    included, managed = memberships.all_included(), memberships.all_managed()
    in_window = chunk.window("created_at")
    started = list(
        Thread.objects.filter(permissions.listable_threads_q(), community_id__in=included, **in_window)
        # A story's or an event's discussion: listed as the story or the event.
        .filter(**{f"{rel.name}__isnull": True for rel in discussions_of()})
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
    for thread_id, created_at in (
        Post.objects.filter(thread_id__in=list(busy), state=Post.State.VISIBLE, depth__gt=0, **in_window)
        .order_by()  # Post's ordering would join the threads to sort by them: the times are counted
        .values_list("thread_id", "created_at")
    ):
        reply_times[thread_id].append(created_at)
    requests = list(
        Membership.objects.filter(
            community_id__in=managed, state=Membership.State.REQUESTED, updated_at__gt=chunk.start
        )
        .select_related("community", "user")
        .order_by("-updated_at")[:MOST_REQUESTS]
    )
    reports = list(
        PostReport.objects.filter(community_id__in=managed, state=PostReport.State.OPEN, **in_window)
        .select_related("post__thread__community")
        .order_by("-created_at")[:MOST_REPORTS]
    )
    # One community object each, carrying the memberships.
    for thread in [*started, *busy.values()]:
        thread.community = memberships.community(thread.community)
    asks = [
        _Ask(
            key=f"request:{membership.pk}:{membership.updated_at.timestamp():.0f}",
            community=memberships.community(membership.community),
            when=membership.updated_at,
            title=f"{membership.user.public_name} asked to join {membership.community.name}",
            page="communities:manage",
        )
        for membership in requests
    ] + [
        _Ask(
            key=f"report:{report.pk}",
            community=memberships.community(report.post.thread.community),
            when=report.created_at,
            title=f"A post in “{report.post.thread.title}” was reported",
            page="communities:manage-reports",
        )
        for report in reports
    ]
    return _Collected(
        memberships,
        started=Candidates(started, _in_community),
        busy=Candidates(busy.values(), _in_community),
        reply_times=reply_times,
        asks=Candidates(asks, _in_community),
    )


def _pick(digest: Digest, chunk: DigestChunk, collected: _Collected, fresh) -> dict[str, list[dict]]:
    """The member's items from the candidates of their own communities (included, or managed for what
    waits for a facilitator): a conversation elsewhere is not listed for them whatever else holds."""
    user = digest.user
    included = collected.memberships.included[user.pk]
    managed = collected.memberships.managed[user.pk]

    def conversation_fresh(thread_id: int) -> bool:
        # A conversation is one item whether it was listed as new or as busy last time.
        return fresh(f"thread:{thread_id}") and fresh(f"busy:{thread_id}")

    def listed(thread: Thread) -> bool:
        return thread.community_id in included and permissions.can_list_thread(user=user, thread=thread)

    def conversation(thread: Thread, *, key: str, when: datetime, detail: str) -> dict:
        return chunk.once(
            (key, when, detail),
            lambda: digest_item(
                key=key,
                title=thread.title,
                path=chunk.path(thread),
                when=when,
                where=thread.community.name,
                where_path=chunk.path(thread.community),
                detail=detail,
                community=thread.community_id,
                manage=False,
                thread=thread.pk,
            ),
        )

    new = [
        conversation(
            thread,
            key=f"thread:{thread.pk}",
            when=thread.created_at,
            detail=f"Started by {thread.author.public_name}",
        )
        for thread in collected.started.under(included)
        if digest.covers(thread.created_at)
        and thread.author_id != user.pk
        and conversation_fresh(thread.pk)
        and listed(thread)
    ]
    listed_new = {item["thread"] for item in new}
    busy = []
    for thread in collected.busy.under(included):
        thread_id = thread.pk
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

    def waiting_item(ask: _Ask) -> dict:
        return chunk.once(
            (ask.key, ask.when, ask.title),
            lambda: digest_item(
                key=ask.key,
                title=ask.title,
                path=reverse(ask.page, kwargs={"slug": ask.community.slug}),
                when=ask.when,
                where=ask.community.name,
                where_path=chunk.path(ask.community),
                community=ask.community.pk,
                manage=True,
                thread=None,
            ),
        )

    waiting = [
        waiting_item(ask)
        for ask in collected.asks.under(managed)
        if ask.community.pk in managed
        and digest.covers(ask.when)
        and fresh(ask.key)
        and permissions.can_manage(user=user, community=ask.community)
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
