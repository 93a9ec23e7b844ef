"""Counts that follow a site admin deleting a user row outside practice's services (imported from
PracticeConfig.ready()): profiles may not call practice, so this listens for the deletion and only calls a
service."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from practice.services.erasure import endorsements_uncount
from profiles.models import User


@receiver(pre_delete, sender=User, dispatch_uid="practice_endorsements_leave_with_their_user")
def endorsements_leave_with_their_user(sender, instance, **kwargs) -> None:
    """A site admin deleting someone outright (not erasing them) cascades their endorsements away: the
    counts must drop with them, as erasure makes them. (Someone who wrote a story cannot be deleted: the
    story protects its author, and Django refuses before this runs.)"""
    endorsements_uncount(user=instance)
