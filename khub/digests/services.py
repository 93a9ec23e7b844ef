"""Digest settings written: the notification settings page saves through here."""

from django.db import transaction

from core.providers.digests import digest_scopes
from profiles.services import notification_settings_set


@transaction.atomic
def notification_settings_save(
    *,
    user,
    digest_frequency: str,
    email_immediately: bool,
    included: dict[str, set[int]],
    accepts_questions: bool | None = None,
) -> None:
    """All or nothing: how the member hears from the hub by email and, for each scope they were offered
    (named in `included`: their communities), which options their digest covers; the rest are muted."""
    notification_settings_set(
        user=user,
        digest_frequency=digest_frequency,
        email_immediately=email_immediately,
        accepts_questions=accepts_questions,
    )
    for scope in digest_scopes():
        if scope.name in included:
            scope.save(user=user, included_ids=included[scope.name])
