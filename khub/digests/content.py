"""What goes in a member's digest: built for a chunk of members at once, with a fixed number of queries.

Every candidate is fetched once for the whole chunk (the union of the members' communities and interests
over the union of their windows), then each member's items are picked in Python with the permission
modules' own checks (communities.permissions.can_read / can_manage, practice.permissions.can_read), fed
the memberships fetched here so they ask the database nothing more.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.text import Truncator

from communities import permissions as community_permissions
from communities.models import Community, Membership, Post, PostReport, Thread
from communities.services.conversations import thread_url
from practice import permissions as practice_permissions
from practice.models import Adoption, PracticeStory, StoryTag
from practice.services import story_url
from profiles.models import InterestTag, User

PERIOD = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# However long since their last digest, a member is sent at most this much history.
LONGEST_WINDOW = timedelta(days=31)
BUSY_REPLIES = 2  # new replies in the window that make a conversation "busy"
PER_SECTION = 8
# Bounds on the rows a chunk reads, whatever the activity: the newest win.
MOST_THREADS = 2000
MOST_BUSY = 500
MOST_STORIES = 500
MOST_ADOPTIONS = 500
MOST_REQUESTS = 1000
MOST_REPORTS = 1000

S = Membership.State


@dataclass
class Digest:
    user: User
    since: datetime
    until: datetime
    sections: list[dict] = field(default_factory=list)

    @property
    def item_keys(self) -> list[str]:
        return [item["key"] for section in self.sections for item in section["items"]]

    @property
    def is_empty(self) -> bool:
        return not self.sections

    def subject(self, frequency: str) -> str:
        return subject_for(frequency=frequency, sections=self.sections)


def subject_for(*, frequency: str, sections: list[dict]) -> str:
    """What is inside, counted: "Your daily digest: 3 new conversations and 1 practice update"."""
    return f"Your {frequency} digest: " + _join([section["summary"] for section in sections])


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _item(
    *,
    key,
    title,
    path,
    when,
    where="",
    where_path="",
    detail="",
    community=None,
    story=None,
    manage=False,
    thread=None,
) -> dict:
    return {
        "key": key,
        "title": Truncator(title).chars(200),
        "path": path,
        "when": when.isoformat(),
        "where": where,
        "where_path": where_path,
        "detail": detail,
        "community": community,
        "story": story,
        "manage": manage,
        "thread": thread,  # for those who manage the community (requests, reports): re-checked as such
    }


def sections_still_readable(*, user: User, sections: list[dict]) -> tuple[list[dict], int]:
    """A built digest's sections, keeping only what the member may read now (three queries), and how many
    items were withheld: for a retried send and for the "view in browser" page."""
    items = [item for section in sections for item in section["items"]]
    communities = {item["community"] for item in items if item.get("community")}
    stories = {item["story"] for item in items if item.get("story")}
    # Where each conversation is now (it may have moved), its opening post still visible, and the
    # community still readable and not muted since.
    muted = Membership.objects.filter(user=user, in_digest=False).values("community_id")
    threads = {item["thread"] for item in items if item.get("thread")}
    readable = community_permissions.readable_threads(user).filter(
        pk__in=threads, opening_post__state=Post.State.VISIBLE
    )
    readable = set(readable.exclude(community_id__in=muted).values_list("pk", flat=True))
    managed = community_permissions.managed_communities(user).filter(pk__in=communities)
    managed = set(managed.values_list("pk", flat=True))
    listed = practice_permissions.listed_stories(user).filter(pk__in=stories)
    listed = set(listed.values_list("pk", flat=True))

    def still_readable(item: dict) -> bool:
        if item.get("story"):
            return item["story"] in listed
        if item.get("manage"):
            return item["community"] in managed
        return item.get("thread") in readable

    kept = []
    for section in sections:
        shown = [item for item in section["items"] if still_readable(item)]
        if len(shown) == len(section["items"]):
            kept.append(section)
        elif shown:  # counted again: what it holds now, not what it held when built
            summary = _count(len(shown), section.get("one", "item"), section.get("many", "items"))
            kept.append({**section, "items": shown, "summary": summary, "more": 0})
    return kept, len(items) - sum(len(section["items"]) for section in kept)


def window_start(
    *, frequency: str, until: datetime, last_until: datetime | None, joined: datetime
) -> datetime:
    """Since the member's last digest; the first covers one period; never more than LONGEST_WINDOW."""
    start = last_until or max(joined, until - PERIOD[frequency])
    return max(start, until - LONGEST_WINDOW)


class _Chunk:
    """The rows shared by a chunk's members, and the memberships the permission checks are fed."""

    def __init__(self, users: list[User]):
        self.users = users
        self.ids = [user.pk for user in users]
        self.communities: dict[int, Community] = {}
        self.included: dict[int, set[int]] = defaultdict(set)
        self.muted: dict[int, set[int]] = defaultdict(set)
        self.managed: dict[int, set[int]] = defaultdict(set)
        self.memberships: dict[tuple[int, int], Membership] = {}
        rows = list(Membership.objects.filter(user_id__in=self.ids).select_related("community"))
        self.memberships = {(membership.user_id, membership.community_id): membership for membership in rows}
        for membership in rows:
            community = self.community(membership.community)
            if membership.state != S.ACTIVE:
                continue
            if not membership.in_digest:
                self.muted[membership.user_id].add(community.pk)
                continue
            self.included[membership.user_id].add(community.pk)
            if membership.is_facilitator:
                self.managed[membership.user_id].add(community.pk)
        self.interests: dict[int, set[int]] = defaultdict(set)
        for user_id, tag_id in InterestTag.objects.filter(content_object_id__in=self.ids).values_list(
            "content_object_id", "tag_id"
        ):
            self.interests[user_id].add(tag_id)

    def community(self, community: Community) -> Community:
        """One object per community, carrying every chunk member's membership (or None) for the checks."""
        known = self.communities.get(community.pk)
        if known is not None:
            return known
        self.communities[community.pk] = community
        for user in self.users:
            membership = self.memberships.get((user.pk, community.pk))
            community_permissions.membership_remember(user=user, community=community, membership=membership)
        return community


def _where(community: Community) -> tuple[str, str]:
    return community.name, reverse("communities:detail", kwargs={"slug": community.slug})


def digests_build(*, users: list[User], frequency: str, until: datetime) -> dict[int, Digest]:
    """Each member's digest (possibly empty). `users` carry `last_until` and `previous_keys` (see
    delivery.recipients_with_history); the number of queries does not depend on how many there are."""
    if not users:
        return {}
    chunk = _Chunk(users)
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
    start = min(digest.since for digest in digests.values())
    in_window = {"created_at__gt": start, "created_at__lte": until}
    all_included = set().union(*chunk.included.values()) if chunk.included else set()
    all_managed = set().union(*chunk.managed.values()) if chunk.managed else set()
    all_interests = set().union(*chunk.interests.values()) if chunk.interests else set()

    started = list(
        Thread.objects.filter(
            community_id__in=all_included, opening_post__state=Post.State.VISIBLE, **in_window
        )
        .filter(story__isnull=True)  # a story's discussion: the story itself is listed under Practice
        .select_related("community", "author")
        .order_by("-created_at")[:MOST_THREADS]
    )
    activity = list(
        Post.objects.filter(
            thread__community_id__in=all_included, state=Post.State.VISIBLE, depth__gt=0, **in_window
        )
        .values("thread_id")
        .annotate(replies=Count("pk"), latest=Max("created_at"))
        .filter(replies__gte=BUSY_REPLIES)
        .order_by("-replies")[:MOST_BUSY]
    )
    busy = {
        thread.pk: thread
        for thread in Thread.objects.filter(
            pk__in=[row["thread_id"] for row in activity], opening_post__state=Post.State.VISIBLE
        ).select_related("community", "author")
    }
    # The candidates' reply times, so each member's count covers their own window, not the chunk's.
    reply_times = defaultdict(list)
    for thread_id, created_at in Post.objects.filter(
        thread_id__in=list(busy), state=Post.State.VISIBLE, depth__gt=0, **in_window
    ).values_list("thread_id", "created_at"):
        reply_times[thread_id].append(created_at)
    about_here = Q(community_id__in=all_included) | Q(
        pk__in=StoryTag.objects.filter(tag_id__in=all_interests).values("content_object_id")
    )
    stories = list(
        PracticeStory.objects.filter(about_here, status=PracticeStory.Status.PUBLISHED)
        .filter(
            Q(published_at__gt=start, published_at__lte=until)
            | Q(promoted_at__gt=start, promoted_at__lte=until)
        )
        .select_related("community", "council", "author")
        .order_by("-published_at")[:MOST_STORIES]
    )
    adoptions = list(
        Adoption.objects.filter(
            story__in=PracticeStory.objects.filter(about_here, status=PracticeStory.Status.PUBLISHED),
            **in_window,
        )
        .select_related("story__community", "story__council", "story__author", "council")
        .order_by("-created_at")[:MOST_ADOPTIONS]
    )
    story_ids = {story.pk for story in stories} | {adoption.story_id for adoption in adoptions}
    co_authors = defaultdict(set)
    for story_id, user_id in PracticeStory.co_authors.through.objects.filter(
        practicestory_id__in=story_ids
    ).values_list("practicestory_id", "user_id"):
        co_authors[story_id].add(user_id)
    story_tags = defaultdict(set)
    for story_id, tag_id in StoryTag.objects.filter(content_object_id__in=story_ids).values_list(
        "content_object_id", "tag_id"
    ):
        story_tags[story_id].add(tag_id)
    requests = list(
        Membership.objects.filter(community_id__in=all_managed, state=S.REQUESTED, updated_at__gt=start)
        .select_related("community", "user")
        .order_by("-updated_at")[:MOST_REQUESTS]
    )
    reports = list(
        PostReport.objects.filter(
            post__thread__community_id__in=all_managed, state=PostReport.State.OPEN, **in_window
        )
        .select_related("post__thread__community")
        .order_by("-created_at")[:MOST_REPORTS]
    )

    # One community object each, carrying the memberships; stories carry their co-authors.
    for thread in [*started, *busy.values()]:
        thread.community = chunk.community(thread.community)
    for story in [*stories, *(adoption.story for adoption in adoptions)]:
        story.community = chunk.community(story.community)
        story.__dict__["_co_author_ids"] = co_authors[story.pk]
    for membership in requests:
        membership.community = chunk.community(membership.community)
    for report in reports:
        report.post.thread.community = chunk.community(report.post.thread.community)

    for digest in digests.values():
        _pick(digest, chunk, started, reply_times, busy, stories, adoptions, story_tags, requests, reports)
    return digests


def _pick(
    digest, chunk, started, reply_times, busy, stories, adoptions, story_tags, requests, reports
) -> None:
    user, since, until = digest.user, digest.since, digest.until
    previous = set(user.previous_keys or ())
    included, muted = chunk.included[user.pk], chunk.muted[user.pk]
    interests = chunk.interests[user.pk]

    def fresh(key: str) -> bool:
        # A conversation is one item whether it was listed as new or as busy last time.
        kind, _, rest = key.partition(":")
        if kind in ("thread", "busy"):
            return f"thread:{rest}" not in previous and f"busy:{rest}" not in previous
        return key not in previous

    def thread_readable(thread: Thread) -> bool:
        return thread.community_id in included and community_permissions.can_read(
            user=user, community=thread.community
        )

    new_threads = []
    for thread in started:
        key = f"thread:{thread.pk}"
        if (
            since < thread.created_at <= until
            and thread.author_id != user.pk
            and fresh(key)
            and thread_readable(thread)
        ):
            where, where_path = _where(thread.community)
            new_threads.append(
                _item(
                    key=key,
                    title=thread.title,
                    path=thread_url(thread),
                    when=thread.created_at,
                    where=where,
                    where_path=where_path,
                    detail=f"Started by {thread.author.public_name}",
                    community=thread.community_id,
                    thread=thread.pk,
                )
            )
    listed = {item["key"] for item in new_threads}
    busy_threads = []
    for thread_id, thread in busy.items():
        key = f"busy:{thread_id}"
        new_replies = [moment for moment in reply_times[thread_id] if since < moment <= until]
        if len(new_replies) < BUSY_REPLIES or f"thread:{thread_id}" in listed or not fresh(key):
            continue
        if thread_readable(thread):
            where, where_path = _where(thread.community)
            busy_threads.append(
                (
                    len(new_replies),
                    _item(
                        key=key,
                        title=thread.title,
                        path=thread_url(thread),
                        when=max(new_replies),
                        where=where,
                        where_path=where_path,
                        detail=f"{len(new_replies)} new replies",
                        community=thread.community_id,
                        thread=thread.pk,
                    ),
                )
            )
    busy_threads = [item for _, item in sorted(busy_threads, key=lambda pair: pair[0], reverse=True)]

    def story_item(story: PracticeStory, *, key: str, when, detail: str) -> dict | None:
        if story.community_id in muted or not fresh(key):
            return None
        matches = story.community_id in included or interests & story_tags[story.pk]
        if not matches or practice_permissions.is_author(user=user, story=story):
            return None
        if not practice_permissions.can_read(user=user, story=story):
            return None
        where = story.council.name if story.council_id else ""
        return _item(
            key=key,
            title=story.title,
            path=story_url(story),
            when=when,
            where=where,
            where_path=reverse("profiles:council", kwargs={"slug": story.council.slug}) if where else "",
            detail=detail,
            story=story.pk,
        )

    practice = []
    for story in stories:
        if story.published_at and since < story.published_at <= until:
            item = story_item(
                story,
                key=f"published:{story.pk}",
                when=story.published_at,
                detail=f"Published by {story.author.public_name}",
            )
            if item:
                practice.append(item)
        if story.promoted_at and since < story.promoted_at <= until:
            item = story_item(
                story,
                key=f"promoted:{story.pk}",
                when=story.promoted_at,
                detail="Promoted as practice worth repeating",
            )
            if item:
                practice.append(item)
    for adoption in adoptions:
        if since < adoption.created_at <= until:
            item = story_item(
                adoption.story,
                key=f"repeated:{adoption.pk}",
                when=adoption.created_at,
                detail=f"Repeated by {adoption.council.name}: {adoption.get_outcome_display().lower()}",
            )
            if item:
                practice.append(item)
    practice.sort(key=lambda item: item["when"], reverse=True)

    waiting = []
    managed = chunk.managed[user.pk]
    asks = [
        (
            f"request:{membership.pk}:{membership.updated_at.timestamp():.0f}",
            membership.community,
            membership.updated_at,
            f"{membership.user.public_name} asked to join {membership.community.name}",
            "communities:manage",
        )
        for membership in requests
    ] + [
        (
            f"report:{report.pk}",
            report.post.thread.community,
            report.created_at,
            f"A post in “{report.post.thread.title}” was reported",
            "communities:manage-reports",
        )
        for report in reports
    ]
    for key, community, when, title, page in asks:
        if (
            community.pk in managed
            and since < when <= until
            and fresh(key)
            and community_permissions.can_manage(user=user, community=community)
        ):
            waiting.append(
                _item(
                    key=key,
                    title=title,
                    path=reverse(page, kwargs={"slug": community.slug}),
                    when=when,
                    where=community.name,
                    where_path=_where(community)[1],
                    community=community.pk,
                    manage=True,
                )
            )

    for name, heading, one, many, items in (
        ("waiting", "Waiting for you as a facilitator", "request or report", "requests and reports", waiting),
        ("new", "New conversations", "new conversation", "new conversations", new_threads),
        ("busy", "Busy conversations", "busy conversation", "busy conversations", busy_threads),
        ("practice", "Practice", "practice update", "practice updates", practice),
    ):
        if items:
            # Sections show the newest few; "more" counts the rest, which the page links to find.
            digest.sections.append(
                {
                    "name": name,
                    "heading": heading,
                    "summary": _count(len(items), one, many),
                    "one": one,
                    "many": many,
                    "items": items[:PER_SECTION],
                    "more": max(len(items) - PER_SECTION, 0),
                }
            )
