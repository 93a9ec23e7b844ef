"""Counts that follow a site admin acting on a user row outside communities' services (imported from
CommunitiesConfig.ready()): profiles may not call communities, so these listen for the user's save and
deletion. Each receiver only calls a service."""

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from communities.services.erasure import reactions_uncount
from communities.services.membership import communities_refresh_member_counts_of
from profiles.models import User


@receiver(pre_delete, sender=User, dispatch_uid="communities_reactions_leave_with_their_user")
def reactions_leave_with_their_user(sender, instance, **kwargs) -> None:
    """A site admin deleting someone outright (not erasing them) cascades their helpful marks away: the
    counts must drop with them, as erasure makes them."""
    reactions_uncount(user=instance)


@receiver(post_save, sender=User, dispatch_uid="communities_recount_on_activation")
def recount_when_activation_may_have_changed(sender, instance, created, update_fields=None, **kwargs) -> None:
    """A deactivated member drops out of every members page, so out of its count; reactivated, back in.
    Saves naming their fields without is_active (sign-in's last_login, profile edits) cost nothing."""
    if created or (update_fields is not None and "is_active" not in update_fields):
        return
    communities_refresh_member_counts_of(user=instance)
