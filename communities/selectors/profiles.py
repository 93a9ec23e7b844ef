"""What communities shows of a person elsewhere (registered in communities/extensions.py): the "Communities"
section of their profile page, their conversations among "Recent contributions", and their records in the
data export.

Sections and contributions are filtered to what the viewer may read and run a fixed number of queries
(tests/profiles/test_people_queries.py pins them). The export names a community or a thread only while the
member may still read it: one moved into a private community must not be revealed.
"""

from typing import Any

from communities import permissions
from communities.models import (
    Community,
    Membership,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    PostRevision,
    Thread,
    ThreadRead,
    ThreadWatch,
)
from communities.selectors import memberships_for_profile
from communities.selectors.conversations import posts_by
from core.dates import iso as _iso
from profiles.extensions import Contribution, ProfileSection


def profile_communities(viewer, person) -> ProfileSection:
    """The person's communities whose members the viewer may read: one query, whatever the number."""
    memberships = list(memberships_for_profile(viewer=viewer, person=person))
    return ProfileSection(
        title="Communities",
        template="communities/_profile_section.html",
        context={"memberships": memberships, "own_profile": viewer.pk == person.pk},
    )


def conversation_contributions(viewer, person, limit: int) -> list[Contribution]:
    """The person's newest conversations started and replies, in communities the viewer may read, only
    visible posts: one query (an opening post stands for its conversation)."""
    return [
        Contribution(
            kind="Conversation" if post.is_opening else "Reply",
            title=post.thread.title,
            url=post.get_absolute_url(),
            created_at=post.created_at,
            where=post.thread.community.name,
        )
        for post in posts_by(viewer=viewer, person=person, limit=limit)
    ]


def personal_data(user) -> dict[str, Any]:
    """Their memberships (with what they wrote when asking to join) and the moderation log entries that
    they made or that concern them. Who acted on them stays out: that is the facilitator's data."""
    memberships = Membership.objects.filter(user=user).select_related("community", "invited_by")
    taken = ModerationLogEntry.objects.filter(actor=user).select_related("community", "subject")
    about = ModerationLogEntry.objects.filter(subject=user).select_related("community")
    readable = set(permissions.readable_communities(user).values_list("pk", flat=True))
    return {
        "memberships": [
            {
                "community": {"name": m.community.name, "slug": m.community.slug},
                "role": m.role,
                "state": m.state,
                "message": m.message,
                "invited_by": m.invited_by.public_name if m.invited_by else None,
                "created_at": _iso(m.created_at),
                "updated_at": _iso(m.updated_at),
                "joined_at": _iso(m.joined_at),
            }
            for m in memberships.order_by("community__name")
        ],
        "moderation_actions_taken": [
            {
                "community": {"name": e.community.name, "slug": e.community.slug},
                "action": e.action,
                "subject": e.subject.public_name if e.subject else None,
                "reason": e.reason,
                "created_at": _iso(e.created_at),
            }
            for e in taken.order_by("created_at", "pk")
        ],
        "moderation_actions_about_you": [
            {
                # A post of theirs hidden after its thread moved somewhere they cannot read: no name.
                "community": {"name": e.community.name, "slug": e.community.slug}
                if e.thread_id is None or e.community_id in readable
                else None,
                "action": e.action,
                "reason": e.reason,
                "created_at": _iso(e.created_at),
            }
            for e in about.order_by("created_at", "pk")
        ],
    }


def _community(community: Community) -> dict[str, str]:
    return {"name": community.name, "slug": community.slug}


def _where(thread: Thread, readable: set[int]) -> dict[str, str] | None:
    """The thread's community, if they may read it: one moved into a private community must not name it."""
    return _community(thread.community) if thread.community_id in readable else None


def _title(thread: Thread, readable: set[int], own: bool = False) -> str | None:
    return thread.title if own or thread.community_id in readable else None


def conversations_personal_data(user) -> dict[str, Any]:
    """What they wrote (every state: deleted and hidden posts are still theirs), the earlier texts of their
    edited posts, what they did to others' posts (found helpful, watched or muted, reported) and when they
    last read each thread. Who decided a report stays out, as in the moderation log."""
    threads = Thread.objects.filter(author=user).select_related("community").prefetch_related("tags")
    posts = Post.objects.filter(author=user).select_related("thread__community")
    revisions = PostRevision.objects.filter(post__author=user)
    reactions = PostReaction.objects.filter(user=user).select_related("post__thread")
    watches = ThreadWatch.objects.filter(user=user).select_related("thread__community")
    reports = PostReport.objects.filter(reporter=user).select_related("post__thread")
    reads = ThreadRead.objects.filter(user=user).select_related("thread__community")
    readable = set(permissions.readable_communities(user).values_list("pk", flat=True))
    return {
        "threads": [
            {
                "title": t.title,
                "community": _where(t, readable),
                "kind": t.kind,
                "tags": sorted(tag.name for tag in t.tags.all()),
                "created_at": _iso(t.created_at),
            }
            for t in threads.order_by("created_at", "pk")
        ],
        "posts": [
            {
                "id": p.pk,
                "thread": _title(p.thread, readable, own=p.thread.author_id == user.pk),
                "community": _where(p.thread, readable),
                "opening_post": p.is_opening,
                "body": p.body,
                "state": p.state,
                "created_at": _iso(p.created_at),
                "edited_at": _iso(p.edited_at),
            }
            for p in posts.order_by("created_at", "pk")
        ],
        "post_revisions": [
            {"post_id": r.post_id, "body": r.body, "replaced_at": _iso(r.created_at)}
            for r in revisions.order_by("post_id", "created_at", "pk")
        ],
        "posts_found_helpful": [
            {
                "post_id": r.post_id,
                "thread": _title(r.post.thread, readable),
                "created_at": _iso(r.created_at),
            }
            for r in reactions.order_by("created_at", "pk")
        ],
        "watched_threads": [
            {
                "thread": _title(w.thread, readable),
                "community": _where(w.thread, readable),
                "state": w.state,
                "created_at": _iso(w.created_at),
            }
            for w in watches.order_by("created_at", "pk")
        ],
        "reports_made": [
            {
                "post_id": r.post_id,
                "thread": _title(r.post.thread, readable),
                "reason": r.reason,
                "state": r.state,
                "created_at": _iso(r.created_at),
                "decided_at": _iso(r.decided_at),
            }
            for r in reports.order_by("created_at", "pk")
        ],
        "threads_read": [
            {"thread": _title(r.thread, readable), "last_read_at": _iso(r.last_read_at)}
            for r in reads.order_by("last_read_at", "pk")
        ],
    }
