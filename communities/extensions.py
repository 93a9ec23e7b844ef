"""What communities adds to a person's records through profiles.extensions (registered from apps.ready()):
the "Communities" section of a profile page, their conversations among "Recent contributions", the data
export and account erasure; and, through a signal, member counts that follow a site admin deactivating or
reactivating someone."""

from typing import Any

from django.db.models import F
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from communities import permissions, selectors, services
from communities.models import (
    Community,
    Membership,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    PostRevision,
    Thread,
    ThreadWatch,
)
from communities.providers import (
    COMMUNITIES_IN_DIGESTS,
    COMMUNITIES_IN_SEARCH,
    CONVERSATIONS_IN_DIGESTS,
    CONVERSATIONS_IN_SEARCH,
)
from communities.selectors.conversations import posts_by
from communities.services.conversations import post_url
from core.dates import iso as _iso
from core.providers.digests import register_digest_provider, register_digest_scope
from core.providers.search import register_search_kind
from profiles.extensions import (
    Contribution,
    ProfileSection,
    register_contributions,
    register_erasure,
    register_notice_check,
    register_notice_filter,
    register_personal_data,
    register_profile_section,
)
from profiles.models import User


@register_profile_section
def profile_communities(viewer, person) -> ProfileSection:
    """The person's communities whose members the viewer may read: one query, whatever the number."""
    memberships = list(selectors.memberships_for_profile(viewer=viewer, person=person))
    return ProfileSection(
        title="Communities",
        template="communities/_profile_section.html",
        context={"memberships": memberships, "own_profile": viewer.pk == person.pk},
    )


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


register_personal_data("communities", personal_data)


@register_contributions
def conversation_contributions(viewer, person, limit: int) -> list[Contribution]:
    """The person's newest conversations started and replies, in communities the viewer may read, only
    visible posts: one query (an opening post stands for its conversation)."""
    return [
        Contribution(
            kind="Conversation" if post.is_opening else "Reply",
            title=post.thread.title,
            url=post_url(post),
            created_at=post.created_at,
            where=post.thread.community.name,
        )
        for post in posts_by(viewer=viewer, person=person, limit=limit)
    ]


def _community(community: Community) -> dict[str, str]:
    return {"name": community.name, "slug": community.slug}


def _where(thread: Thread, readable: set[int]) -> dict[str, str] | None:
    """The thread's community, if they may read it: one moved into a private community must not name it."""
    return _community(thread.community) if thread.community_id in readable else None


def _title(thread: Thread, readable: set[int], own: bool = False) -> str | None:
    return thread.title if own or thread.community_id in readable else None


def conversations_personal_data(user) -> dict[str, Any]:
    """What they wrote (every state: deleted and hidden posts are still theirs), the earlier texts of their
    edited posts, and what they did to others' posts: found helpful, watched or muted, reported. Who
    decided a report stays out, as in the moderation log."""
    threads = Thread.objects.filter(author=user).select_related("community").prefetch_related("tags")
    posts = Post.objects.filter(author=user).select_related("thread__community")
    revisions = PostRevision.objects.filter(post__author=user)
    reactions = PostReaction.objects.filter(user=user).select_related("post__thread")
    watches = ThreadWatch.objects.filter(user=user).select_related("thread__community")
    reports = PostReport.objects.filter(reporter=user).select_related("post__thread")
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
    }


register_personal_data("conversations", conversations_personal_data)


@register_erasure
def erase_memberships(user) -> None:
    """Memberships say who belongs where: personal data, so they go, and the member counts follow.

    What the member did stays: the moderation log keeps its rows (they appear as "Former member" once
    profiles anonymises the user row), and communities they created keep existing. A community whose last
    owner is erased gets a new owner from among its facilitators, else its members.
    """
    community_ids = list(
        Membership.objects.filter(user=user, state=Membership.State.ACTIVE).values_list(
            "community_id", flat=True
        )
    )
    Membership.objects.filter(user=user).delete()
    for community in Community.objects.filter(pk__in=community_ids):
        services.community_refresh_member_count(community=community)
        services.community_ensure_owner(community=community)


@register_erasure
def erase_conversation_records(user) -> None:
    """What they wrote stays (threads, posts and their revisions, shown as by "Former member"), like the
    moderation log. What only says something about them goes: which threads they watch or muted, which
    posts they found helpful (the counts follow) and, on reports they made, the reason they gave. The
    reports stay, open ones open: the post may still need a facilitator's look."""
    ThreadWatch.objects.filter(user=user).delete()
    reactions = PostReaction.objects.filter(user=user)
    # Lock the posts first, as post_helpful_toggle does, then read the reactions afresh: a toggle running
    # now finishes before we count, so each count drops exactly by the reactions that go.
    locked = list(
        Post.objects.select_for_update()
        .filter(pk__in=reactions.values("post_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if locked:
        reactions = reactions.filter(post_id__in=locked)
        Post.objects.filter(pk__in=reactions.values("post_id")).update(helpful_count=F("helpful_count") - 1)
        reactions.delete()
    PostReport.objects.filter(reporter=user).exclude(reason="").update(reason="")


@receiver(pre_delete, sender=User, dispatch_uid="communities_reactions_leave_with_their_user")
def reactions_leave_with_their_user(sender, instance, **kwargs) -> None:
    """A site admin deleting someone outright (not erasing them) cascades their helpful marks away: the
    counts must drop with them, as erasure makes them."""
    posts = Post.objects.filter(reactions__user=instance)
    posts.update(helpful_count=F("helpful_count") - 1)


@receiver(post_save, sender=User, dispatch_uid="communities_recount_on_activation")
def recount_when_activation_may_have_changed(sender, instance, created, update_fields=None, **kwargs) -> None:
    """A deactivated member drops out of every members page, so out of its count; reactivated, back in.
    Saves naming their fields without is_active (sign-in's last_login, profile edits) cost nothing."""
    if created or (update_fields is not None and "is_active" not in update_fields):
        return
    services.communities_refresh_member_counts_of(user=instance)


def _notice_still_visible(notification) -> bool:
    """A conversation notice is emailed (once notices_available_q found its post readable to the
    recipient) only while the post is visible, and the recipient has not muted the conversation since."""
    if notification.target_type is None or notification.target_type.model_class() is not Post:
        return True
    post = Post.objects.filter(pk=notification.target_id).first()
    if post is None or not post.is_visible:
        return False
    muted = ThreadWatch.objects.filter(thread_id=post.thread_id, user=notification.recipient)
    return not muted.filter(state=ThreadWatch.State.MUTED).exists()


register_notice_check("community.", _notice_still_visible)
register_notice_filter("communities.community", permissions.notices_about_communities_q)
register_notice_filter("communities.post", permissions.notices_about_posts_q)

register_search_kind(CONVERSATIONS_IN_SEARCH)
register_search_kind(COMMUNITIES_IN_SEARCH)

register_digest_provider(CONVERSATIONS_IN_DIGESTS)
register_digest_scope(COMMUNITIES_IN_DIGESTS)
