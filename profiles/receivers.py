"""allauth has no adapter hook for an address being removed or made primary; its signals are the
documented integration point. Council member counts and follow counts follow every save and deletion of a
user or a follow, whoever makes it (services, the admin's forms, factories): a receiver is the one place
that sees them all. Each receiver only calls a service."""

from allauth.account.signals import email_changed, email_removed
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from profiles.models import Follow, User
from profiles.permissions import is_on_the_hub
from profiles.services import (
    COUNCIL_COUNT_FIELDS,
    ON_THE_HUB_FIELDS,
    councils_recount,
    follow_counts_change,
    follow_counts_shift,
    follows_are_counted_by_caller,
    user_sync_council_link,
)


@receiver(email_removed)
@receiver(email_changed)
def resync_council_link(sender, request, user, **kwargs) -> None:
    user_sync_council_link(user=user)


def _may_change_count(update_fields) -> bool:
    return update_fields is None or not COUNCIL_COUNT_FIELDS.isdisjoint(update_fields)


def _may_move_on_or_off_the_hub(update_fields) -> bool:
    return update_fields is None or not ON_THE_HUB_FIELDS.isdisjoint(update_fields)


@receiver(pre_save, sender=User, dispatch_uid="profiles_council_before_save")
def council_before_save(sender, instance, update_fields=None, **kwargs) -> None:
    """The row as stored before this save, when the save may change a count: the council it held, for the
    count it leaves (read only when the instance was not loaded from the row: User.from_db keeps it), and
    whether the member was on the hub, for the follow counts (always read, and the row locked: User.save
    runs in a transaction, so a second save at once reads what this one wrote)."""
    if instance._state.adding:
        return
    council = _may_change_count(update_fields) and not hasattr(instance, "_council_id_loaded")
    hub = _may_move_on_or_off_the_hub(update_fields)
    if not (council or hub):
        return
    stored = User.objects.filter(pk=instance.pk)
    if hub:
        stored = stored.select_for_update()
    row = stored.values_list("council_id", "is_active", "erased_at").first()
    if row is None:
        return
    if council:
        instance._council_id_loaded = row[0]
    if hub:
        instance._on_the_hub_stored = row[1] and row[2] is None


@receiver(post_save, sender=User, dispatch_uid="profiles_council_count_on_save")
def council_count_on_save(sender, instance, created, update_fields=None, **kwargs) -> None:
    """Joined, left or changed council, deactivated, reactivated or erased: the councils left and joined
    are recounted. Saves naming other fields only (sign-in's last_login, profile edits) cost nothing."""
    if not _may_change_count(update_fields):
        return
    before = getattr(instance, "_council_id_loaded", None)
    councils_recount(council_ids={before, instance.council_id})
    instance._council_id_loaded = instance.council_id


@receiver(post_save, sender=User, dispatch_uid="profiles_follow_counts_on_save")
def follow_counts_on_save(sender, instance, created, **kwargs) -> None:
    """Deactivated, reactivated or erased: the people they follow and their followers count them again or
    no more. A new member has no follows yet."""
    stored = instance.__dict__.pop("_on_the_hub_stored", None)
    if created or stored is None:
        return
    now = is_on_the_hub(instance)
    if now != stored:
        follow_counts_shift(user_id=instance.pk, delta=1 if now else -1)


@receiver(pre_delete, sender=User, dispatch_uid="profiles_follow_counts_on_user_delete")
def follow_counts_on_user_delete(sender, instance, **kwargs) -> None:
    """Deleted outright by a site admin: before their follows go with them (in the deletion's transaction),
    the people they follow and their followers count them no more, in two statements."""
    stored = User.objects.select_for_update().filter(pk=instance.pk).values_list("is_active", "erased_at")
    row = stored.first()
    if row is not None and row[0] and row[1] is None:
        follow_counts_shift(user_id=instance.pk, delta=-1)


@receiver(post_save, sender=Follow, dispatch_uid="profiles_follow_counts_on_follow")
def follow_counts_on_follow(sender, instance, created, **kwargs) -> None:
    if created:
        follow_counts_change(follower_id=instance.follower_id, followed_id=instance.followed_id, delta=1)


def _deleting_users(origin) -> bool:
    return isinstance(origin, User) or (isinstance(origin, QuerySet) and origin.model is User)


@receiver(post_delete, sender=Follow, dispatch_uid="profiles_follow_counts_on_unfollow")
def follow_counts_on_unfollow(sender, instance, origin=None, **kwargs) -> None:
    """An unfollow. Follows deleted with a member (follow_counts_on_user_delete) or by a service that counts
    them itself (user_erase) are left to them."""
    if _deleting_users(origin) or follows_are_counted_by_caller(instance):
        return
    follow_counts_change(follower_id=instance.follower_id, followed_id=instance.followed_id, delta=-1)


@receiver(post_delete, sender=User, dispatch_uid="profiles_council_count_on_delete")
def council_count_on_delete(sender, instance, **kwargs) -> None:
    """Deleted outright by a site admin (not erased): their council counts one fewer."""
    councils_recount(council_ids={getattr(instance, "_council_id_loaded", None), instance.council_id})
