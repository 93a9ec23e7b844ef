"""The digest builder as it was before each member's pick read only the candidates filed under their own
communities and interests: every member checked against every candidate of the chunk, the memberships
remembered once per member and community. Kept, unchanged but for names, as the oracle that
test_digests_as_before.py holds the faster builder to: the same digest, item for item, for every member.

Its collect queries are those of communities/providers/digests.py and practice/providers/digests.py (their
bounds imported from there); only the picking differs.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q
from django.urls import reverse

from communities import permissions
from communities.models import Community, Membership, Post, PostReport, Thread
from communities.providers.digests import (
    BUSY_REPLIES,
    MOST_BUSY,
    MOST_REPORTS,
    MOST_REQUESTS,
    MOST_THREADS,
    OPENING_POST_TEXT,
)
from core.providers.digests import Digest, DigestChunk, digest_item, digest_sections
from khub.digests.content import PER_SECTION, _count, window_start
from practice import permissions as practice_permissions
from practice.models import Adoption, PracticeStory, StoryTag
from practice.providers.digests import MOST_ADOPTIONS, MOST_STORIES
from profiles.models import InterestTag


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


@dataclass
class _Collected:
    memberships: DigestMemberships
    started: list[Thread]
    busy: dict[int, Thread]
    reply_times: dict[int, list[datetime]]  # each member's count covers their own window, not the chunk's
    requests: list[Membership]
    reports: list[PostReport]


def _communities_collect(chunk: DigestChunk) -> _Collected:
    memberships = chunk.shared("memberships", lambda: DigestMemberships(chunk.users))
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


def _communities_pick(
    digest: Digest, chunk: DigestChunk, collected: _Collected, fresh
) -> dict[str, list[dict]]:
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


@dataclass
class _PracticeCollected:
    memberships: DigestMemberships
    interests: dict[int, set[int]]  # each member's interest tags
    stories: list[PracticeStory]
    adoptions: list[Adoption]
    tags: dict[int, set[int]]  # each candidate story's tags


def _practice_collect(chunk: DigestChunk) -> _PracticeCollected:
    memberships = chunk.shared("memberships", lambda: DigestMemberships(chunk.users))
    interests = defaultdict(set)
    for user_id, tag_id in InterestTag.objects.filter(content_object_id__in=chunk.user_ids).values_list(
        "content_object_id", "tag_id"
    ):
        interests[user_id].add(tag_id)
    all_interests = set().union(*interests.values())
    about_here = Q(community_id__in=memberships.all_included()) | Q(
        pk__in=StoryTag.objects.filter(tag_id__in=all_interests).values("content_object_id")
    )
    published = PracticeStory.objects.filter(about_here, status=PracticeStory.Status.PUBLISHED)
    stories = list(
        published.filter(Q(**chunk.window("published_at")) | Q(**chunk.window("promoted_at")))
        .select_related("community", "council", "author")
        .order_by("-published_at")[:MOST_STORIES]
    )
    adoptions = list(
        Adoption.objects.filter(story__in=published, **chunk.window("created_at"))
        .select_related("story__community", "story__council", "story__author", "council")
        .order_by("-created_at")[:MOST_ADOPTIONS]
    )
    story_ids = {story.pk for story in stories} | {adoption.story_id for adoption in adoptions}
    co_authors = defaultdict(set)
    for story_id, user_id in PracticeStory.co_authors.through.objects.filter(
        practicestory_id__in=story_ids
    ).values_list("practicestory_id", "user_id"):
        co_authors[story_id].add(user_id)
    tags = defaultdict(set)
    for story_id, tag_id in StoryTag.objects.filter(content_object_id__in=story_ids).values_list(
        "content_object_id", "tag_id"
    ):
        tags[story_id].add(tag_id)
    # One community object each, carrying the memberships; stories carry their co-authors (is_author).
    for story in [*stories, *(adoption.story for adoption in adoptions)]:
        story.community = memberships.community(story.community)
        story.__dict__["_co_author_ids"] = co_authors[story.pk]
    return _PracticeCollected(memberships, interests, stories, adoptions, tags)


def _practice_pick(
    digest: Digest, chunk: DigestChunk, collected: _PracticeCollected, fresh
) -> dict[str, list[dict]]:
    user = digest.user
    included = collected.memberships.included[user.pk]
    muted = collected.memberships.muted[user.pk]
    interests = collected.interests[user.pk]

    def story_item(story: PracticeStory, *, key: str, when: datetime, detail: str) -> dict | None:
        if story.community_id in muted or not fresh(key):
            return None
        matches = story.community_id in included or interests & collected.tags[story.pk]
        if not matches or practice_permissions.is_author(user=user, story=story):
            return None
        if not practice_permissions.can_read(user=user, story=story):
            return None
        return digest_item(
            key=key,
            title=story.title,
            path=chunk.path(story),
            when=when,
            where=story.council.name if story.council_id else "",
            where_path=chunk.path(story.council) if story.council_id else "",
            detail=detail,
            story=story.pk,
        )

    candidates = []
    for story in collected.stories:
        if story.published_at and digest.covers(story.published_at):
            detail = f"Published by {story.author.public_name}"
            candidates.append((story, f"published:{story.pk}", story.published_at, detail))
        if story.promoted_at and digest.covers(story.promoted_at):
            detail = "Promoted as practice worth repeating"
            candidates.append((story, f"promoted:{story.pk}", story.promoted_at, detail))
    for adoption in collected.adoptions:
        if digest.covers(adoption.created_at):
            detail = f"Repeated by {adoption.council.name}: {adoption.get_outcome_display().lower()}"
            candidates.append((adoption.story, f"repeated:{adoption.pk}", adoption.created_at, detail))
    practice = [
        item
        for story, key, when, detail in candidates
        if (item := story_item(story, key=key, when=when, detail=detail))
    ]
    practice.sort(key=lambda item: item["when"], reverse=True)
    return {"practice": practice}


PROVIDERS = ((_communities_collect, _communities_pick), (_practice_collect, _practice_pick))


def digests_build_before(*, users: list, frequency: str, until: datetime) -> dict[int, Digest]:
    """khub.digests.content.digests_build as it was, on the pickers above."""
    if not users:
        return {}
    digests = {
        user.pk: Digest(
            user=user,
            since=window_start(
                frequency=frequency, until=until, last_until=user.last_until, joined=user.date_joined
            ),
            until=until,
        )
        for user in users
    }
    chunk = DigestChunk(users=users, start=min(digest.since for digest in digests.values()), until=until)
    collected = [(pick, collect(chunk)) for collect, pick in PROVIDERS]
    sections = digest_sections()
    for digest in digests.values():
        previous = set(digest.user.previous_keys or ())

        def fresh(key: str, previous=previous) -> bool:
            return key not in previous

        picked: dict[str, list[dict]] = {}
        for pick, rows in collected:
            picked.update(pick(digest, chunk, rows, fresh))
        for section, _ in sections:
            items = picked.get(section.name)
            if items:
                digest.sections.append(
                    {
                        "name": section.name,
                        "heading": section.heading,
                        "summary": _count(len(items), section.one, section.many),
                        "one": section.one,
                        "many": section.many,
                        "items": items[:PER_SECTION],
                        "more": max(len(items) - PER_SECTION, 0),
                    }
                )
    return digests
