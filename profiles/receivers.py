"""allauth has no adapter hook for an address being removed or made primary; its signals are the
documented integration point. Council member counts follow every save and deletion of a user, whoever
makes it (services, the admin's forms, factories): a receiver is the one place that sees them all. Each
receiver only calls a service."""

from allauth.account.signals import email_changed, email_removed
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from profiles.models import User
from profiles.services import COUNCIL_COUNT_FIELDS, councils_recount, user_sync_council_link


@receiver(email_removed)
@receiver(email_changed)
def resync_council_link(sender, request, user, **kwargs) -> None:
    user_sync_council_link(user=user)


def _may_change_count(update_fields) -> bool:
    return update_fields is None or not COUNCIL_COUNT_FIELDS.isdisjoint(update_fields)


@receiver(pre_save, sender=User, dispatch_uid="profiles_council_before_save")
def council_before_save(sender, instance, update_fields=None, **kwargs) -> None:
    """The council the row held before this save, for the count it leaves: read from the row only when
    the instance was not loaded from it (User.from_db keeps it) and the save may move the member."""
    if instance._state.adding or hasattr(instance, "_council_id_loaded"):
        return
    if _may_change_count(update_fields):
        loaded = User.objects.filter(pk=instance.pk).values_list("council_id", flat=True).first()
        instance._council_id_loaded = loaded


@receiver(post_save, sender=User, dispatch_uid="profiles_council_count_on_save")
def council_count_on_save(sender, instance, created, update_fields=None, **kwargs) -> None:
    """Joined, left or changed council, deactivated, reactivated or erased: the councils left and joined
    are recounted. Saves naming other fields only (sign-in's last_login, profile edits) cost nothing."""
    if not _may_change_count(update_fields):
        return
    before = getattr(instance, "_council_id_loaded", None)
    councils_recount(council_ids={before, instance.council_id})
    instance._council_id_loaded = instance.council_id


@receiver(post_delete, sender=User, dispatch_uid="profiles_council_count_on_delete")
def council_count_on_delete(sender, instance, **kwargs) -> None:
    """Deleted outright by a site admin (not erased): their council counts one fewer."""
    councils_recount(council_ids={getattr(instance, "_council_id_loaded", None), instance.council_id})
