"""Who belongs to a community and as what: joining, asking and withdrawing, facilitators' decisions,
invitations, roles, removal and bans, and the member count. Each decision tells the person concerned (their
inbox) and each facilitator action lands in the moderation log.

Errors a person can fix are ValidationError with a message to show as it is; a write that would reveal a
private community to someone outside it raises Http404 through the permission checks instead.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from communities import permissions
from communities.models import Community, Membership, ModerationLogEntry
from communities.services.log import moderation_log_write
from communities.services.notices import community_notify, community_url
from profiles.models import Notification, User
from profiles.permissions import is_on_the_hub, on_the_hub

S = Membership.State
R = Membership.Role
A = ModerationLogEntry.Action


def community_refresh_member_count(*, community: Community) -> int:
    permissions.membership_forget(community=community)
    # The members page lists only people still on the hub: count the same people.
    count = Membership.objects.filter(on_the_hub("user__"), community=community, state=S.ACTIVE).count()
    Community.objects.filter(pk=community.pk).update(member_count=count)
    community.member_count = count
    return count


def communities_refresh_member_counts_of(*, user: User) -> int:
    """Recount every community the person is an active member of: their being on the hub or not changes
    whom the members page lists. One UPDATE, however many communities. Returns how many were recounted."""
    counted = (
        Membership.objects.filter(on_the_hub("user__"), community=OuterRef("pk"), state=S.ACTIVE)
        .order_by()
        .values("community")
        .annotate(n=Count("pk"))
        .values("n")
    )
    theirs = Membership.objects.filter(user=user, state=S.ACTIVE).values("community_id")
    return Community.objects.filter(pk__in=theirs).update(member_count=Coalesce(Subquery(counted), 0))


def _lock_community(community: Community) -> None:
    list(Community.objects.select_for_update().filter(pk=community.pk).values_list("pk", flat=True))


def _locked_membership(*, community: Community, user: User) -> Membership | None:
    """The person's membership row, after locking the community's row.

    Every membership write of a community starts here, so they queue one behind the other: a double-clicked
    join finds the first one's row, two owners leaving at once cannot leave none, and member_count is
    counted after the previous write committed. (PostgreSQL; SQLite serialises all writes anyway.)
    """
    _lock_community(community)
    # Whatever follows may change the row: checks made after it must read it afresh.
    permissions.membership_forget(community=community)
    permissions.standing_forget(user=user)
    return Membership.objects.select_for_update().filter(community=community, user=user).first()


def _facilitators(community: Community):
    return User.objects.filter(
        on_the_hub(),
        memberships__community=community,
        memberships__state=S.ACTIVE,
        memberships__role__in=permissions.FACILITATOR_ROLES,
    )


def _set(membership: Membership, **fields) -> None:
    fields["updated_at"] = timezone.now()
    for key, value in fields.items():
        setattr(membership, key, value)
    membership.save(update_fields=list(fields))


@transaction.atomic
def membership_join(*, user: User, community: Community, message: str = "") -> Membership:
    """Join an open community at once, or ask to join a restricted one. Private ones are by invitation."""
    permissions.check_see(user=user, community=community)
    if len(message) > 1000:
        raise ValidationError({"message": "Your message must be 1000 characters or fewer."})
    existing = _locked_membership(community=community, user=user)
    if existing is not None:
        if existing.state == S.ACTIVE:
            raise ValidationError("You are already a member of this community.")
        if existing.state == S.REQUESTED:
            raise ValidationError("You have already asked to join. A facilitator will decide.")
        if existing.state == S.BANNED:
            raise ValidationError("You cannot join this community.")
        if existing.state == S.INVITED:
            return invitation_accept(user=user, community=community)
    if community.is_private:
        raise ValidationError("This community is by invitation only.")
    now = timezone.now()
    membership = existing or Membership(community=community, user=user, created_at=now)
    membership.role = R.MEMBER
    membership.invited_by = None
    if community.is_open:
        membership.state, membership.message, membership.joined_at = S.ACTIVE, "", now
    else:
        membership.state, membership.message = S.REQUESTED, message.strip()
    membership.updated_at = now
    membership.save()
    if membership.state == S.ACTIVE:
        community_refresh_member_count(community=community)
    else:
        for facilitator in _facilitators(community):
            community_notify(
                recipient=facilitator,
                kind="join_requested",
                actor=user,
                community=community,
                text=f"{user.display_name} asked to join {community.name}",
                url=community_url(community, "communities:manage"),
                collapse=True,  # ask, withdraw, ask again: one line while it is unread
            )
    return membership


@transaction.atomic
def membership_withdraw_request(*, user: User, community: Community) -> None:
    membership = _locked_membership(community=community, user=user)
    if membership is None or membership.state != S.REQUESTED:
        raise ValidationError("You have no request to join this community.")
    membership.delete()


@transaction.atomic
def membership_leave(*, user: User, community: Community) -> None:
    membership = _locked_membership(community=community, user=user)
    if membership is None or membership.state != S.ACTIVE:
        raise ValidationError("You are not a member of this community.")
    if membership.role == R.OWNER and _other_owners(membership) == 0:
        raise ValidationError("You are the only owner. Make another member an owner before you leave.")
    _set(membership, state=S.LEFT, role=R.MEMBER)
    community_refresh_member_count(community=community)


def _other_owners(membership: Membership) -> int:
    return (
        Membership.objects.select_for_update()
        .filter(community_id=membership.community_id, state=S.ACTIVE, role=R.OWNER)
        .exclude(pk=membership.pk)
        .count()
    )


def _decidable(*, actor: User, community: Community, user: User) -> Membership | None:
    permissions.check_manage(user=actor, community=community)
    return _locked_membership(community=community, user=user)


def _decision(
    *,
    community: Community,
    actor: User,
    user: User,
    action: str,
    kind: str,
    text: str,
    reason: str = "",
    url: str | None = None,
    notify: bool = True,
) -> None:
    """Log a facilitator's decision about a person, then tell them, with the reason when one was given."""
    moderation_log_write(community=community, actor=actor, action=action, subject=user, reason=reason)
    if notify:
        community_notify(
            recipient=user,
            kind=kind,
            actor=actor,
            community=community,
            text=f"{text}: {reason}" if reason else text,
            url=url,
        )


@transaction.atomic
def membership_approve(*, actor: User, community: Community, user: User, message: str = "") -> Membership:
    membership = _decidable(actor=actor, community=community, user=user)
    if membership is None or membership.state != S.REQUESTED:
        raise ValidationError(
            f"{user.display_name}'s request is no longer waiting: it was withdrawn or already decided."
        )
    _set(membership, state=S.ACTIVE, joined_at=timezone.now())
    community_refresh_member_count(community=community)
    _decision(
        community=community,
        actor=actor,
        user=user,
        action=A.REQUEST_APPROVED,
        kind="request_approved",
        text=f"Your request to join {community.name} was approved",
        reason=message,
    )
    return membership


@transaction.atomic
def membership_decline(*, actor: User, community: Community, user: User, message: str = "") -> Membership:
    membership = _decidable(actor=actor, community=community, user=user)
    if membership is None or membership.state != S.REQUESTED:
        raise ValidationError(
            f"{user.display_name}'s request is no longer waiting: it was withdrawn or already decided."
        )
    _set(membership, state=S.DECLINED)
    _decision(
        community=community,
        actor=actor,
        user=user,
        action=A.REQUEST_DECLINED,
        kind="request_declined",
        text=f"Your request to join {community.name} was declined",
        reason=message,
        url=reverse("communities:index"),
    )
    return membership


@transaction.atomic
def membership_invite(*, actor: User, community: Community, user: User, message: str = "") -> Membership:
    permissions.check_manage(user=actor, community=community)
    if len(message) > 1000:
        raise ValidationError({"message": "The message must be 1000 characters or fewer."})
    if not is_on_the_hub(user):
        raise ValidationError("That person is no longer on the hub.")
    membership = _locked_membership(community=community, user=user)
    if membership is not None:
        if membership.state == S.ACTIVE:
            raise ValidationError(f"{user.display_name} is already a member.")
        if membership.state == S.INVITED:
            raise ValidationError(f"{user.display_name} has already been invited.")
        if membership.state == S.BANNED:
            raise ValidationError(f"{user.display_name} is banned from this community. Lift the ban first.")
    now = timezone.now()
    membership = membership or Membership(community=community, user=user, created_at=now)
    membership.state, membership.role, membership.invited_by = S.INVITED, R.MEMBER, actor
    membership.message, membership.updated_at = message.strip(), now
    membership.save()
    moderation_log_write(community=community, actor=actor, action=A.INVITED, subject=user, reason=message)
    community_notify(
        recipient=user,
        kind="invited",
        actor=actor,
        community=community,
        text=f"{actor.display_name} invited you to join {community.name}",
        collapse=True,
    )
    return membership


@transaction.atomic
def invitation_cancel(*, actor: User, community: Community, user: User) -> None:
    membership = _decidable(actor=actor, community=community, user=user)
    if membership is None or membership.state != S.INVITED:
        raise ValidationError(f"{user.display_name} has no open invitation.")
    membership.delete()
    _forget_invitation_notices(community=community, user=user)
    moderation_log_write(community=community, actor=actor, action=A.INVITATION_CANCELLED, subject=user)
    if community.visibility in permissions.LISTED:  # a private one no longer exists for them: say nothing
        community_notify(
            recipient=user,
            kind="invitation_cancelled",
            actor=actor,
            community=community,
            text=f"Your invitation to join {community.name} was withdrawn",
        )


def _forget_invitation_notices(*, community: Community, user: User) -> None:
    # An invitation that is gone must not linger in the inbox: for a private community it would name a
    # community that no longer exists for them and link to a 404.
    Notification.objects.filter(
        recipient=user,
        kind="community.invited",
        target_type=ContentType.objects.get_for_model(Community),
        target_id=community.pk,
    ).delete()


@transaction.atomic
def invitation_accept(*, user: User, community: Community) -> Membership:
    membership = _locked_membership(community=community, user=user)
    if membership is None or membership.state != S.INVITED:
        raise ValidationError("You have no invitation to this community.")
    inviter = membership.invited_by
    _set(membership, state=S.ACTIVE, joined_at=timezone.now())
    community_refresh_member_count(community=community)
    if inviter is not None:
        community_notify(
            recipient=inviter,
            kind="invitation_accepted",
            actor=user,
            community=community,
            text=f"{user.display_name} accepted your invitation to {community.name}",
        )
    return membership


@transaction.atomic
def invitation_decline(*, user: User, community: Community) -> None:
    membership = _locked_membership(community=community, user=user)
    if membership is None or membership.state != S.INVITED:
        raise ValidationError("You have no invitation to this community.")
    membership.delete()
    _forget_invitation_notices(community=community, user=user)


@transaction.atomic
def membership_set_role(*, actor: User, community: Community, user: User, role: str) -> Membership:
    """Promote or demote. Facilitators move people between member and facilitator; owners (and site
    admins) also make and unmake owners. The last owner stays an owner."""
    permissions.check_manage(user=actor, community=community)
    if role not in R.values:
        raise ValidationError("Choose a role: member, facilitator or owner.")
    membership = _locked_membership(community=community, user=user)
    if membership is None or membership.state != S.ACTIVE:
        raise ValidationError(f"{user.display_name} is not a member of this community.")
    if membership.role == role:
        raise ValidationError(f"{user.display_name} is already a {membership.get_role_display().lower()}.")
    actor_is_owner = permissions.can_manage_owners(user=actor, community=community)
    if R.OWNER in (role, membership.role) and not actor_is_owner:
        raise PermissionDenied("Only an owner can make or unmake owners.")
    if membership.role == R.FACILITATOR and not actor_is_owner and actor.pk != user.pk:
        # Otherwise a facilitator could demote another and then remove them, which only owners may do.
        raise PermissionDenied("Only an owner can change another facilitator's role.")
    if membership.role == R.OWNER and _other_owners(membership) == 0:
        raise ValidationError(f"{user.display_name} is the only owner. Make someone else an owner first.")
    promoted = [R.MEMBER, R.FACILITATOR, R.OWNER].index(role) > [R.MEMBER, R.FACILITATOR, R.OWNER].index(
        membership.role
    )
    _set(membership, role=role)
    permissions.membership_forget(community=community)  # the actor's own row may be the one just changed
    action = A.MADE_OWNER if role == R.OWNER else (A.PROMOTED if promoted else A.DEMOTED)
    moderation_log_write(community=community, actor=actor, action=action, subject=user)
    community_notify(
        recipient=user,
        kind="role_changed",
        actor=actor,
        community=community,
        text=f"You are now {'an' if role == R.OWNER else 'a'} {membership.get_role_display().lower()} "
        f"of {community.name}",
    )
    return membership


@transaction.atomic
def community_ensure_owner(*, community: Community) -> Membership | None:
    """Give an ownerless community an owner: the longest-serving facilitator, else the longest-serving
    member, still on the hub. Called when the last owner's account is erased. Returns the new owner's
    membership, or None when the community already has an owner or nobody is left to make one."""
    _lock_community(community)
    permissions.membership_forget(community=community)
    still_here = Membership.objects.filter(on_the_hub("user__"), community=community, state=S.ACTIVE)
    if still_here.filter(role=R.OWNER).exists():
        return None
    heir = (
        still_here.select_related("user")
        .order_by(Case(When(role=R.FACILITATOR, then=0), default=1), "joined_at", "pk")
        .first()
    )
    if heir is None:
        return None
    _set(heir, role=R.OWNER)
    permissions.membership_forget(community=community)
    moderation_log_write(
        community=community,
        actor=None,
        action=A.MADE_OWNER,
        subject=heir.user,
        reason="The last owner's account was deleted.",
    )
    community_notify(
        recipient=heir.user,
        kind="role_changed",
        actor=None,
        community=community,
        text=f"You are now an owner of {community.name}: its last owner's account was deleted",
    )
    return heir


def _check_removable(*, actor: User, membership: Membership | None, user: User) -> Membership:
    if membership is None or membership.state not in (S.ACTIVE, S.REQUESTED, S.INVITED):
        raise ValidationError(f"{user.display_name} is not a member of this community.")
    if membership.role == R.OWNER and membership.state == S.ACTIVE:
        raise ValidationError(f"{user.display_name} is an owner. Change their role before removing them.")
    if membership.is_facilitator and not permissions.can_manage_owners(
        user=actor, community=membership.community
    ):
        raise PermissionDenied("Only an owner can remove a facilitator.")
    return membership


def _expel(membership: Membership, *, actor: User, state: str, reason: str) -> Membership:
    """Remove or ban: out of the community as a plain member row, counted, logged and told."""
    community, user = membership.community, membership.user
    _set(membership, state=state, role=R.MEMBER)
    community_refresh_member_count(community=community)
    removed = state == S.REMOVED
    _decision(
        community=community,
        actor=actor,
        user=user,
        action=A.REMOVED if removed else A.BANNED,
        kind="removed" if removed else "banned",
        text=f"You were {'removed' if removed else 'banned'} from {community.name}",
        reason=reason,
        url=reverse("communities:index"),
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, community: Community, user: User, reason: str = "") -> Membership:
    membership = _decidable(actor=actor, community=community, user=user)
    if actor.pk == user.pk:
        raise ValidationError("You cannot remove yourself. Leave the community instead.")
    membership = _check_removable(actor=actor, membership=membership, user=user)
    return _expel(membership, actor=actor, state=S.REMOVED, reason=reason)


@transaction.atomic
def membership_ban(*, actor: User, community: Community, user: User, reason: str = "") -> Membership:
    """Ban anyone, member or not: they cannot join, request or be invited until the ban is lifted."""
    membership = _decidable(actor=actor, community=community, user=user)
    if actor.pk == user.pk:
        raise ValidationError("You cannot ban yourself.")
    if membership is not None and membership.state == S.BANNED:
        raise ValidationError(f"{user.display_name} is already banned.")
    if membership is None and community.is_private:
        # They cannot join without an invitation anyway, and the ban's notice would name the community.
        raise ValidationError(
            f"{user.display_name} has never belonged to this private community: there is nothing to ban."
        )
    if membership is not None and membership.state in (S.ACTIVE, S.REQUESTED, S.INVITED):
        _check_removable(actor=actor, membership=membership, user=user)
    if membership is None:
        membership = Membership.objects.create(community=community, user=user, state=S.BANNED)
    return _expel(membership, actor=actor, state=S.BANNED, reason=reason)


@transaction.atomic
def membership_unban(*, actor: User, community: Community, user: User, reason: str = "") -> None:
    membership = _decidable(actor=actor, community=community, user=user)
    if membership is None or membership.state != S.BANNED:
        raise ValidationError(f"{user.display_name} is not banned.")
    membership.delete()
    _decision(
        community=community,
        actor=actor,
        user=user,
        action=A.UNBANNED,
        kind="unbanned",
        text=f"Your ban from {community.name} was lifted",
        reason=reason,
        # A private community does not exist for them once banned: say nothing.
        notify=community.visibility in permissions.LISTED,
    )


@transaction.atomic
def memberships_digest_set(*, user: User, included_ids: set[int]) -> int:
    """Which of the member's communities go in their digest (the rest are muted); returns how many changed.

    Only their active memberships are touched: an id of any other community is ignored.
    """
    mine = Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
    changed = mine.filter(community_id__in=included_ids, in_digest=False).update(in_digest=True)
    return changed + mine.exclude(community_id__in=included_ids).filter(in_digest=True).update(
        in_digest=False
    )
