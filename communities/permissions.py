"""The one place that decides who may see, read and manage a community.

Two forms of every rule: a check on one object (pages, actions) and a queryset filter (lists, search,
feeds, digests). tests/communities/test_permissions.py generates users and communities and proves the two
agree. Site admins (is_staff) see, read and manage every community: they answer for the whole hub.

A private community does not exist for anyone outside it: checks raise Http404, never PermissionDenied.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from communities.models import Community, HubSettings, Membership, Post, Thread, ThreadWatch
from core.queries import among
from profiles.models import User

V = Community.Visibility
S = Membership.State
R = Membership.Role
LISTED = (V.OPEN, V.RESTRICTED)
FACILITATOR_ROLES = (R.FACILITATOR, R.OWNER)


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _is_site_admin(user) -> bool:
    return _signed_in(user) and user.is_staff


def membership_for(*, user, community: Community) -> Membership | None:
    """The viewer's membership row, fetched once per community object and kept on it for the request."""
    if not _signed_in(user):
        return None
    cache = community.__dict__.setdefault("_membership_cache", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(community=community, user=user).first()
    return cache[user.pk]


def membership_forget(*, community: Community) -> None:
    """Drop the memberships kept on this object: the services call it whenever they change one."""
    community.__dict__.pop("_membership_cache", None)


def membership_remember(*, user, community: Community, membership: Membership | None) -> None:
    """Keep a membership fetched in bulk (one query for a page of cards) so the checks ask for no other."""
    if _signed_in(user):
        community.__dict__.setdefault("_membership_cache", {})[user.pk] = membership


# --- Single-object checks: booleans ------------------------------------------------------------------
def can_see(*, user, community: Community) -> bool:
    """Whether the community exists for this user: its page, name and card."""
    if not _signed_in(user):
        return False
    if user.is_staff or community.visibility in LISTED:
        return True
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.state in (S.ACTIVE, S.INVITED)


def can_read(*, user, community: Community) -> bool:
    """Whether the user may read what is said in it: conversations, members, stories for its audience."""
    if not _signed_in(user):
        return False
    if user.is_staff or community.visibility == V.OPEN:
        return True
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.state == S.ACTIVE


def can_participate(*, user, community: Community) -> bool:
    """Whether the user may post, reply and react: active members only (site admins included)."""
    if _is_site_admin(user):
        return True
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.state == S.ACTIVE


def can_manage(*, user, community: Community) -> bool:
    """Facilitators and owners of this community, and site admins."""
    if _is_site_admin(user):
        return True
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.is_facilitator


def can_manage_owners(*, user, community: Community) -> bool:
    """Owners of this community, and site admins: they make and unmake owners, change another
    facilitator's role and remove facilitators."""
    if _is_site_admin(user):
        return True
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.is_owner


def can_create_community(*, user) -> bool:
    if not _signed_in(user):
        return False
    if user.is_staff:
        return True
    if HubSettings.load().community_creation == HubSettings.CommunityCreation.ADMINS:
        return False
    return user.has_verified_affiliation


# --- Single-object checks that raise -------------------------------------------------------------------
def check_see(*, user, community: Community) -> None:
    if not can_see(user=user, community=community):
        raise Http404("No such community")


def check_read(*, user, community: Community) -> None:
    check_see(user=user, community=community)
    if not can_read(user=user, community=community):
        raise PermissionDenied("Only members of this community can see this.")


def check_manage(*, user, community: Community) -> None:
    check_see(user=user, community=community)
    if not can_manage(user=user, community=community):
        # A restricted community's outsiders and members know it exists: tell them plainly.
        raise PermissionDenied("Only the community's facilitators can do this.")


# --- Queryset filters ------------------------------------------------------------------------------
def _membership_exists(user, states) -> Exists:
    return Exists(Membership.objects.filter(community=OuterRef("pk"), user=user, state__in=states))


def visible_communities(viewer) -> QuerySet[Community]:
    """Every community that exists for the viewer (can_see)."""
    if not _signed_in(viewer):
        return Community.objects.none()
    if viewer.is_staff:
        return Community.objects.all()
    invited_or_member = _membership_exists(viewer, (S.ACTIVE, S.INVITED))
    return Community.objects.filter(Q(visibility__in=LISTED) | invited_or_member)


def readable_communities(viewer) -> QuerySet[Community]:
    """Every community whose content the viewer may read (can_read)."""
    if not _signed_in(viewer):
        return Community.objects.none()
    if viewer.is_staff:
        return Community.objects.all()
    return Community.objects.filter(Q(visibility=V.OPEN) | _membership_exists(viewer, (S.ACTIVE,)))


def managed_communities(viewer) -> QuerySet[Community]:
    """Every community the viewer may manage (can_manage)."""
    if not _signed_in(viewer):
        return Community.objects.none()
    if viewer.is_staff:
        return Community.objects.all()
    return Community.objects.filter(
        Exists(
            Membership.objects.filter(
                community=OuterRef("pk"), user=viewer, state=S.ACTIVE, role__in=FACILITATOR_ROLES
            )
        )
    )


def readers_of(*, community: Community, people: QuerySet[User]) -> QuerySet[User]:
    """Those of `people` (a queryset of users) who may read the community (can_read for each of them)."""
    people = people.filter(is_active=True)
    if community.visibility == V.OPEN:
        return people
    member = Membership.objects.filter(community=community, user=OuterRef("pk"), state=S.ACTIVE)
    return people.filter(Q(is_staff=True) | Exists(member))


def readable_community_ids(viewer):
    """A subquery of readable community ids, for filtering other apps' rows (threads, stories) in SQL."""
    return readable_communities(viewer).values("pk")


# --- Conversations: a thread is as readable as its community ------------------------------------------
def can_reply(*, user, thread) -> bool:
    """Participants may reply; in a locked conversation only those who manage the community."""
    community = thread.community
    if not can_participate(user=user, community=community):
        return False
    return not thread.locked or can_manage(user=user, community=community)


def can_edit_post(*, user, post) -> bool:
    """Authors edit their own visible posts while they still take part (and the thread is not locked)."""
    return (
        _signed_in(user)
        and post.author_id == user.pk
        and post.is_visible
        and can_reply(user=user, thread=post.thread)
    )


def can_delete_post(*, user, post) -> bool:
    return _signed_in(user) and post.author_id == user.pk and post.is_visible


def can_react(*, user, post) -> bool:
    """Participants find others' visible posts helpful (not their own)."""
    return (
        post.is_visible
        and post.author_id != getattr(user, "pk", None)
        and can_participate(user=user, community=post.thread.community)
    )


def can_report(*, user, post) -> bool:
    return can_react(user=user, post=post)


def can_mark_answer(*, user, thread) -> bool:
    """In a question, its asker (while a participant) or anyone who manages the community."""
    if not thread.is_question:
        return False
    community = thread.community
    if can_manage(user=user, community=community):
        return True
    return thread.author_id == getattr(user, "pk", None) and can_participate(user=user, community=community)


def can_see_post_text(*, user, post) -> bool:
    """Readers see a removed post's notice; its author and the facilitators may still read the text."""
    if post.is_visible:
        return True
    return post.author_id == getattr(user, "pk", None) or can_manage(
        user=user, community=post.thread.community
    )


def check_thread_read(*, user, thread) -> None:
    check_read(user=user, community=thread.community)


def check_participate(*, user, community: Community) -> None:
    check_read(user=user, community=community)
    if not can_participate(user=user, community=community):
        raise PermissionDenied("Only members of this community can do this. Join it first.")


def readable_threads(viewer) -> QuerySet[Thread]:
    """Every thread the viewer may read (can_read on its community)."""
    return Thread.objects.filter(community__in=readable_community_ids(viewer))


# --- Listed: what the feed, search, digests and notices may name away from a thread's page ------------
# A thread whose opening post was hidden or deleted keeps its page for those who may read it, but is listed
# nowhere; a hidden or deleted reply is listed nowhere either.
def can_list_thread(*, user, thread) -> bool:
    opening = thread.opening_post
    return opening is not None and opening.is_visible and can_read(user=user, community=thread.community)


def listable_threads_q(prefix: str = "") -> Q:
    """The half of listed_threads_q that is the same for every viewer, the opening post still visible: for
    candidates fetched for many members at once (digests), each then checked with can_list_thread."""
    return Q(**{f"{prefix}opening_post__state": Post.State.VISIBLE})


def listed_threads_q(viewer, prefix: str = "") -> Q:
    """listed_threads as a condition, on Thread or through a relation (prefix "thread__" on Post): joins
    rather than a subquery of threads, so the planner may start from the rarest condition."""
    return Q(**{f"{prefix}community__in": readable_community_ids(viewer)}) & listable_threads_q(prefix)


def listed_threads(viewer) -> QuerySet[Thread]:
    """Every thread can_list_thread allows the viewer."""
    return Thread.objects.filter(listed_threads_q(viewer))


def can_list_post(*, user, post) -> bool:
    return post.is_visible and can_list_thread(user=user, thread=post.thread)


def listed_posts(viewer) -> QuerySet[Post]:
    """Every post can_list_post allows the viewer: visible, in a listed thread."""
    return Post.objects.filter(listed_threads_q(viewer, "thread__"), state=Post.State.VISIBLE)


def can_name_in_notice(*, user, post) -> bool:
    """Whether a notice may name this post to the user: a listed post; their own post, hidden or not,
    wherever they may still read (they are told it was hidden); any post where they manage the community
    (a report of it)."""
    community = post.thread.community
    if can_manage(user=user, community=community):
        return True
    own = post.author_id == user.pk and can_read(user=user, community=community)
    return own or can_list_post(user=user, post=post)


def posts_named_in_notices(viewer) -> QuerySet[Post]:
    """Every post can_name_in_notice allows the viewer."""
    if not _signed_in(viewer):
        return Post.objects.none()
    # listed_posts or their own, where they may read (one subquery of readable communities, compiled once:
    # the inbox asks this on every page), or anywhere they manage.
    listed = Q(listable_threads_q("thread__"), state=Post.State.VISIBLE)
    # Both sets as arrays computed once: as IN (subquery) the planner costs their hashing again for each of
    # the page's posts and reads every thread instead (a sequential scan of all threads on a national hub).
    readable = among("thread__community", readable_community_ids(viewer))
    managed = among("thread__community", managed_communities(viewer).values("pk"))
    return Post.objects.filter((readable & (listed | Q(author=viewer))) | managed)


# --- Notices (profiles.extensions.notices_available_q) ----------------------------------------------
# Notices about a community are readable while it exists for the recipient (visible_communities), but
# those that tell a member they lost their place in it stay readable after: they knew its name and must
# learn why it is gone. Notices about a post are readable while posts_named_in_notices gives it.
OWN_STANDING_NOTICES = (
    "community.request_declined",
    "community.invitation_cancelled",
    "community.removed",
    "community.banned",
)


def can_email_notice(notification) -> bool:
    """A conversation notice is emailed (once notices_available_q found its post readable to the
    recipient) only while the post is visible, and the recipient has not muted the conversation since."""
    if notification.target_type is None or notification.target_type.model_class() is not Post:
        return True
    post = Post.objects.filter(pk=notification.target_id).first()
    if post is None or not post.is_visible:
        return False
    muted = ThreadWatch.objects.filter(thread_id=post.thread_id, user=notification.recipient)
    return not muted.filter(state=ThreadWatch.State.MUTED).exists()
