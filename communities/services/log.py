"""The moderation log: one line for each facilitator's action, written in the action's own transaction."""

from django.core.exceptions import ValidationError

from communities.models import Community, ModerationLogEntry, Post, Thread
from profiles.models import User


def moderation_log_write(
    *,
    community: Community,
    actor: User | None,
    action: str,
    subject: User | None = None,
    reason: str = "",
    thread: Thread | None = None,
    post: Post | None = None,
    about_title: str = "",
    about_url: str = "",
) -> None:
    """A moderation log line. A conversation action names its thread and post; an app above communities
    (practice) names what it was about by title and URL."""
    # Raised inside the caller's transaction: the decision it records is rolled back with it.
    limit = ModerationLogEntry._meta.get_field("reason").max_length
    if len(reason or "") > limit:
        raise ValidationError({"reason": f"The reason must be {limit} characters or fewer."})
    ModerationLogEntry.objects.create(
        community=community,
        actor=actor,
        action=action,
        subject=subject,
        reason=reason or "",
        thread=thread,
        post=post,
        about_title=about_title[:200],
        about_url=about_url,
    )
