"""What communities adds to a person's records through profiles.extensions (registered from apps.ready()):
the "Communities" section of a profile page, the data export and account erasure; and, through a signal,
member counts that follow a site admin deactivating or reactivating someone."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from communities import selectors, services
from communities.models import Community, Membership, ModerationLogEntry
from profiles.extensions import (
    ProfileSection,
    register_erasure,
    register_personal_data,
    register_profile_section,
)
from profiles.models import User


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


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
                "community": {"name": e.community.name, "slug": e.community.slug},
                "action": e.action,
                "reason": e.reason,
                "created_at": _iso(e.created_at),
            }
            for e in about.order_by("created_at", "pk")
        ],
    }


register_personal_data("communities", personal_data)


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


@receiver(post_save, sender=User, dispatch_uid="communities_recount_on_activation")
def recount_when_activation_may_have_changed(sender, instance, created, update_fields=None, **kwargs) -> None:
    """A deactivated member drops out of every members page, so out of its count; reactivated, back in.
    Saves naming their fields without is_active (sign-in's last_login, profile edits) cost nothing."""
    if created or (update_fields is not None and "is_active" not in update_fields):
        return
    services.communities_refresh_member_counts_of(user=instance)
