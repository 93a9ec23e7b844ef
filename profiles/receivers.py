"""allauth has no adapter hook for an address being removed or made primary; its signals are the
documented integration point. Each receiver only re-derives the council link."""

from allauth.account.signals import email_changed, email_removed
from django.dispatch import receiver

from profiles.services import user_sync_council_link


@receiver(email_removed)
@receiver(email_changed)
def resync_council_link(sender, request, user, **kwargs) -> None:
    user_sync_council_link(user=user)
