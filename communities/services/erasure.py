"""What leaves communities with a member: account erasure (registered in communities/extensions.py, run
inside the erasure transaction) and a site admin deleting someone outright (communities/receivers.py)."""

from django.db.models import F

from communities.models import Community, Membership, Post, PostReaction, PostReport, ThreadRead, ThreadWatch
from communities.services.membership import community_ensure_owner, community_refresh_member_count
from profiles.models import User


def erase_memberships(user: User) -> None:
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
        community_refresh_member_count(community=community)
        community_ensure_owner(community=community)


def erase_conversation_records(user: User) -> None:
    """What they wrote stays (threads, posts and their revisions, shown as by "Former member"), like the
    moderation log. What only says something about them goes: which threads they watch or muted and when
    they last read them, which posts they found helpful (the counts follow) and, on reports they made, the
    reason they gave. The reports stay, open ones open: the post may still need a facilitator's look."""
    ThreadWatch.objects.filter(user=user).delete()
    ThreadRead.objects.filter(user=user).delete()
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


def reactions_uncount(*, user: User) -> None:
    """Drop the helpful counts of the posts `user` found helpful, before their reactions are deleted with
    them (a cascade, not erasure): no atomic of its own, it runs inside the deletion's transaction."""
    posts = Post.objects.filter(reactions__user=user)
    posts.update(helpful_count=F("helpful_count") - 1)
