"""The one place that decides who may see, read and manage a community.

Two forms of every rule: a check on one object (pages, actions) and a queryset filter (lists, search,
feeds, digests). tests/communities/test_permissions.py generates users and communities and proves the two
agree. Site admins (is_staff) see, read and manage every community: they answer for the whole hub.

A private community does not exist for anyone outside it: checks raise Http404, never PermissionDenied.
"""

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db import connection
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
        # One row at most (unique per community and person): ordered by its key, not by Membership's
        # default ordering, which would join the community and the user only to sort one row.
        cache[user.pk] = Membership.objects.filter(community=community, user=user).order_by("pk").first()
    return cache[user.pk]


def membership_forget(*, community: Community) -> None:
    """Drop the memberships kept on this object: the services call it whenever they change one."""
    community.__dict__.pop("_membership_cache", None)


def membership_remember(*, user, community: Community, membership: Membership | None) -> None:
    """Keep a membership fetched in bulk (one query for a page of cards) so the checks ask for no other."""
    if _signed_in(user):
        community.__dict__.setdefault("_membership_cache", {})[user.pk] = membership


class _KnownMemberships(dict):
    """Memberships fetched in bulk for a set of users: one of them without a row here has none (None)."""

    def __init__(self, memberships: dict[int, Membership], user_ids: frozenset[int]):
        super().__init__(memberships)
        self.user_ids = user_ids

    def __contains__(self, user_id) -> bool:
        return user_id in self.user_ids or super().__contains__(user_id)

    def __missing__(self, user_id) -> None:
        return None


def memberships_remember(
    *, community: Community, user_ids: frozenset[int], memberships: dict[int, Membership]
) -> None:
    """membership_remember for many users at once (a chunk of digests): `memberships` by user id, and none
    for the other `user_ids`, kept without a row per user, so the checks ask for no other."""
    community.__dict__["_membership_cache"] = _KnownMemberships(memberships, user_ids)


def _in_standing(user, community: Community, *names: str) -> bool | None:
    """Whether the community is in any of these lists of the user's standing (below); None when the user
    object carries no standing (the checks then ask for the membership row)."""
    if not _signed_in(user):
        return False
    lists = [getattr(user, name, None) for name in names]
    if any(ids is None for ids in lists):
        return None
    return any(community.pk in ids for ids in lists)


# --- Single-object checks: booleans ------------------------------------------------------------------
def can_see(*, user, community: Community) -> bool:
    """Whether the community exists for this user: its page, name and card."""
    if not _signed_in(user):
        return False
    if user.is_staff or community.visibility in LISTED:
        return True
    known = _in_standing(user, community, "standing_member_of", "standing_invited_to")
    if known is not None:
        return known
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.state in (S.ACTIVE, S.INVITED)


def can_read(*, user, community: Community) -> bool:
    """Whether the user may read what is said in it: conversations, members, stories for its audience."""
    if not _signed_in(user):
        return False
    if user.is_staff or community.visibility == V.OPEN:
        return True
    return can_participate(user=user, community=community)


def can_participate(*, user, community: Community) -> bool:
    """Whether the user may post, reply and react: active members only (site admins included), and in a
    hub-wide space (everyone_takes_part) every active member with a verified council that its facilitators
    have not banned from it."""
    if _is_site_admin(user):
        return True
    if community.everyone_takes_part and community.is_open:
        if not (_signed_in(user) and user.has_verified_affiliation):
            return False
        membership = membership_for(user=user, community=community)
        return membership is None or membership.state != S.BANNED
    known = _in_standing(user, community, "standing_member_of")
    if known is not None:
        return known
    membership = membership_for(user=user, community=community)
    return membership is not None and membership.state == S.ACTIVE


def can_manage(*, user, community: Community) -> bool:
    """Facilitators and owners of this community, and site admins."""
    if _is_site_admin(user):
        return True
    known = _in_standing(user, community, "standing_facilitates")
    if known is not None:
        return known
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


# --- The viewer's standing, read with their user row -------------------------------------------------
# The signed-in member's user row is read once per request (khub.auth); on PostgreSQL the same query brings
# the ids of the communities they are an active member of, facilitate and are invited to, so the filters
# below name those communities instead of asking the membership table again in a subquery of every query of
# the page, and the checks above answer without asking for the membership row. Read
# afresh on every request: a membership that changes is in force from the next request on, with nothing
# kept anywhere to invalidate. A user object that did not come from the request (tests, tasks) has none:
# the filters then ask in a subquery, as before.
STANDING = {  # attribute -> the memberships whose community ids it holds
    "standing_member_of": {"state": S.ACTIVE},
    "standing_invited_to": {"state": S.INVITED},
    "standing_facilitates": {"state": S.ACTIVE, "role__in": FACILITATOR_ROLES},
}
STANDING_OF_STATE = {S.ACTIVE: "standing_member_of", S.INVITED: "standing_invited_to"}


def standing_annotations() -> dict:
    """Annotations for the request's user query: the ids of their communities, by state (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return {}
    from django.contrib.postgres.expressions import ArraySubquery

    memberships = Membership.objects.filter(user=OuterRef("pk")).order_by()
    return {
        name: ArraySubquery(memberships.filter(**which).values("community_id"))
        for name, which in STANDING.items()
    }


def standing_forget(*, user) -> None:
    """Drop the standing read with this user object: the membership services call it whenever they change
    one of the user's own memberships, so the rest of the same request sees the change."""
    for name in STANDING:
        if hasattr(user, name):  # request.user is a lazy object: delattr reaches the user behind it
            delattr(user, name)


def _standing_ids(viewer, states) -> list[int] | None:
    """The ids of the viewer's communities in these states, if read with their user row; else None."""
    values = [getattr(viewer, STANDING_OF_STATE[state], None) for state in states]
    if any(value is None for value in values):
        return None
    return sorted({pk for value in values for pk in value})


def member_community_ids(viewer):
    """The communities the viewer takes part in (an active membership): their ids, or a subquery of them."""
    ids = _standing_ids(viewer, (S.ACTIVE,))
    if ids is not None:
        return ids
    return Membership.objects.filter(user=viewer, state=S.ACTIVE).values("community_id")


# --- Queryset filters ------------------------------------------------------------------------------
def _membership_exists(user, states) -> Exists | Q:
    ids = _standing_ids(user, states)
    if ids is not None:
        return Q(pk__in=ids)
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
    return readable_communities(viewer).order_by().values("pk")  # a set: not sorted by name


def visible_community_q(viewer, path: str = "community") -> Q:
    """Rows whose community (at `path`) exists for the viewer (can_see), as a condition: on the joined
    community with the viewer's standing read with their user row, else a subquery of visible_communities."""
    ids = _standing_ids(viewer, (S.ACTIVE, S.INVITED))
    if ids is None or not _signed_in(viewer) or viewer.is_staff:
        return Q(**{f"{path}__in": visible_communities(viewer).values("pk")})
    return Q(**{f"{path}__visibility__in": LISTED}) | Q(**{f"{path}__in": ids})


def readable_community_q(viewer, path: str = "community") -> Q:
    """Rows whose community (at `path`) the viewer may read, as a condition. With the viewer's standing read
    with their user row it is a condition on the joined community, which a page that shows the community
    joins anyway; else a subquery of readable_communities."""
    ids = _standing_ids(viewer, (S.ACTIVE,))
    if ids is None or not _signed_in(viewer) or viewer.is_staff:
        return Q(**{f"{path}__in": readable_community_ids(viewer)})
    return Q(**{f"{path}__visibility": V.OPEN}) | Q(**{f"{path}__in": ids})


# --- The same filters as SQL text, for statements written once -----------------------------------------
# The home feed runs statements whose text is the same for every viewer, so that nothing is built per
# request: the viewer comes in as named parameters (sql_params) and these conditions, on the aliases the
# statement gives its tables, say what the filters above say (tests/communities/test_permissions.py proves
# that they agree). For signed-in, active viewers only: the others read nothing there.
def sql_params(viewer) -> dict:
    """The named parameters of the conditions below: the viewer's id, whether they are a site admin, and
    the ids of their communities by state (read with their user row; asked now if it did not come with it)."""
    member_of = _standing_ids(viewer, (S.ACTIVE,))
    invited_to = _standing_ids(viewer, (S.INVITED,))
    if member_of is None or invited_to is None:
        by_state = {S.ACTIVE: [], S.INVITED: []}
        rows = Membership.objects.filter(user=viewer, state__in=by_state).order_by("community_id")
        for state, community_id in rows.values_list("state", "community_id"):
            by_state[state].append(community_id)
        member_of, invited_to = by_state[S.ACTIVE], by_state[S.INVITED]
    return {
        "viewer": viewer.pk,
        "viewer_is_staff": bool(viewer.is_staff),
        "viewer_member_of": member_of,
        "viewer_invited_to": invited_to,
    }


def readable_community_sql(community: str) -> str:
    """readable_communities as a condition on the community table aliased `community` (sql_params)."""
    return (
        f"(%(viewer_is_staff)s OR {community}.visibility = '{V.OPEN}'"
        f" OR {community}.id = ANY(%(viewer_member_of)s::bigint[]))"
    )


def visible_community_sql(community: str) -> str:
    """visible_communities as a condition on the community table aliased `community` (sql_params)."""
    return (
        f"(%(viewer_is_staff)s OR {community}.visibility IN ('{V.OPEN}', '{V.RESTRICTED}')"
        f" OR {community}.id = ANY(%(viewer_member_of)s::bigint[])"
        f" OR {community}.id = ANY(%(viewer_invited_to)s::bigint[]))"
    )


def listed_thread_sql(thread: str, community: str) -> str:
    """listed_threads as a condition on the thread aliased `thread` joined to its community aliased
    `community` (sql_params): a readable community, and the opening post still visible."""
    opening = f"{thread}_opening"
    return (
        f"{readable_community_sql(community)} AND EXISTS (SELECT 1 FROM {Post._meta.db_table} {opening}"  # noqa: S608
        f" WHERE {opening}.id = {thread}.opening_post_id AND {opening}.state = '{Post.State.VISIBLE}')"
    )


# --- Conversations: a thread is as readable as its community ------------------------------------------
def can_reply(*, user, thread) -> bool:
    """Participants may reply; in a locked conversation only those who manage the community."""
    community = thread.community
    if not can_participate(user=user, community=community):
        return False
    return not thread.locked or can_manage(user=user, community=community)


class PostPermissions:
    """What one viewer may do with the posts of one thread: the rules for a post, asked of three answers
    about the viewer (may take part, may manage, may reply) that are each worked out once, when first
    needed. A thread page asks it for fifty posts without a membership look-up per post; the can_*_post
    checks below ask it for one (and fetch its thread only for a rule that needs it)."""

    def __init__(self, *, user, thread=None, post=None) -> None:
        self.user, self._thread, self._post = user, thread, post
        self.viewer_pk = getattr(user, "pk", None)
        self.signed_in = _signed_in(user)

    @cached_property
    def thread(self):
        return self._thread if self._thread is not None else self._post.thread

    @cached_property
    def participates(self) -> bool:
        return can_participate(user=self.user, community=self.thread.community)

    @cached_property
    def manages(self) -> bool:
        return can_manage(user=self.user, community=self.thread.community)

    @cached_property
    def replies(self) -> bool:
        return can_reply(user=self.user, thread=self.thread)

    def is_author(self, post) -> bool:
        return post.author_id == self.viewer_pk

    def can_edit(self, post) -> bool:
        """Authors edit their own visible posts while they still take part (and the thread is not locked)."""
        return self.signed_in and self.is_author(post) and post.is_visible and self.replies

    def can_delete(self, post) -> bool:
        return self.signed_in and self.is_author(post) and post.is_visible

    def can_react(self, post) -> bool:
        """Participants find others' visible posts helpful (not their own)."""
        return post.is_visible and not self.is_author(post) and self.participates

    def can_report(self, post) -> bool:
        return self.can_react(post)

    def can_see_text(self, post) -> bool:
        """Readers see a removed post's notice; its author and the facilitators may still read the text."""
        return post.is_visible or self.is_author(post) or self.manages


def post_permissions(*, user, thread) -> PostPermissions:
    return PostPermissions(user=user, thread=thread)


def _one_post(user, post) -> PostPermissions:
    return PostPermissions(user=user, post=post)


def can_edit_post(*, user, post) -> bool:
    return _one_post(user, post).can_edit(post)


def can_delete_post(*, user, post) -> bool:
    return _one_post(user, post).can_delete(post)


def can_react(*, user, post) -> bool:
    return _one_post(user, post).can_react(post)


def can_report(*, user, post) -> bool:
    return _one_post(user, post).can_report(post)


def can_mark_answer(*, user, thread) -> bool:
    """In a question, its asker (while a participant) or anyone who manages the community."""
    if not thread.is_question:
        return False
    community = thread.community
    if can_manage(user=user, community=community):
        return True
    return thread.author_id == getattr(user, "pk", None) and can_participate(user=user, community=community)


def can_see_post_text(*, user, post) -> bool:
    return _one_post(user, post).can_see_text(post)


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
    return readable_community_q(viewer, f"{prefix}community") & listable_threads_q(prefix)


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
    # With the viewer's standing read with their user row: a condition on each post's community (open, or
    # one of theirs), looked up by primary key for the few posts asked about. Else both sets as arrays
    # computed once: as IN (subquery) the planner costs their hashing again for each of the page's posts and
    # reads every thread instead (a sequential scan of all threads on a national hub). Not the array of
    # every open community when the ids are known: `= ANY` scans it for each post (2,000 on a national hub).
    ids = _standing_ids(viewer, (S.ACTIVE,))
    if ids is not None and not viewer.is_staff:
        readable = Q(thread__community__visibility=V.OPEN) | Q(thread__community__in=ids)
    else:
        readable = among("thread__community", readable_community_ids(viewer))
    managed = among("thread__community", managed_communities(viewer).order_by().values("pk"))
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
