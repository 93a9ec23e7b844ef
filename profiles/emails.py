"""Email the hub sends members on its own (immediate notices here, digests in khub.digests).

Every message is core.email's envelope (a plain-text and an HTML part, a one-click unsubscribe), says in
its subject what is inside, links to the member's notification settings and unsubscribes through a signed
URL. The signed token names the member and what they leave; it works signed out and a changed token is
refused.
"""

import logging
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from celery.exceptions import SoftTimeLimitExceeded
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.email import absolute, message_id, multipart_email
from profiles.extensions import notice_still_visible
from profiles.models import EmailState, Notification, User
from profiles.permissions import is_on_the_hub, on_the_hub

logger = logging.getLogger(__name__)

SALT = "profiles.unsubscribe"
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=5)
STALE = timedelta(minutes=15)


class Unsubscribe(models.TextChoices):
    DIGEST = "digest", "activity digests"
    IMMEDIATE = "immediate", "emails when someone mentions you or replies to you"


def unsubscribe_token(*, user: User, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=SALT)


def unsubscribe_url(*, user: User, kind: str) -> str:
    return absolute(
        reverse("profiles:unsubscribe", kwargs={"token": unsubscribe_token(user=user, kind=kind)})
    )


def unsubscribe_read(token: str) -> tuple[User, str] | None:
    """The member and what they unsubscribe from, or None for a changed, foreign or stale token."""
    try:
        data = signing.loads(token, salt=SALT)
        user = User.objects.filter(on_the_hub()).get(pk=int(data["u"]))
        kind = Unsubscribe(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist):
        return None
    return user, kind


def member_email(
    *,
    user: User,
    template: str,
    context: dict,
    kind: str,
    subject: str,
    connection=None,
    message_id: str = "",
) -> EmailMultiAlternatives:
    """core.email's envelope to the member, with the links every message to a member carries: their
    notification settings and a signed unsubscribe from `kind`."""
    return multipart_email(
        to=user.email,
        template=template,
        context={
            **context,
            "user": user,
            "settings_url": absolute(reverse("notification-settings")),
            "unsubscribe_what": Unsubscribe(kind).label,
        },
        subject=subject,
        unsubscribe_url=unsubscribe_url(user=user, kind=kind),
        connection=connection,
        message_id=message_id,
    )


# --- Immediate notices -----------------------------------------------------------------------------
def notification_emails_queue() -> None:
    """After the transaction that wrote the notices: ask a worker to send them now. With Redis down the
    rows wait (email_state pending) for the sweep."""

    def enqueue() -> None:
        from profiles.tasks import send_notification_emails

        try:
            send_notification_emails.delay()
        except Exception:  # the broker is down: the notices are rows, the sweep sends them
            logger.warning("Could not queue notice emails; the sweep will send them.")

    transaction.on_commit(enqueue)


def _wanted(notification: Notification) -> bool:
    user = notification.recipient
    return (
        user.email_immediately
        and is_on_the_hub(user)
        and EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists()
        and notice_still_visible(notification)
    )


def _due(now: datetime) -> Q:
    """New notices, and failed ones whose backoff has passed (the sweep finds them by the partial index
    profiles_notif_email_due)."""
    return Q(email_state=EmailState.PENDING) | Q(email_state=EmailState.FAILED, email_retry_at__lte=now)


def _claim(*, pk: int, now: datetime) -> bool:
    """Mark a due notice as being sent, in one UPDATE; False if it is not due.

    The caller's copy may have been read before another worker's attempt: the due check is made again in
    the UPDATE (which PostgreSQL re-evaluates on the row once a concurrent claim commits). Once claimed the
    row is this worker's until it records the outcome, so its attempt count can be read then."""
    return bool(
        Notification.objects.filter(_due(now), pk=pk).update(
            # The claim's own time (not the sweep's start): a concurrent sweep judges staleness by it.
            email_state=EmailState.SENDING,
            email_retry_at=timezone.now(),
            email_attempts=F("email_attempts") + 1,
        )
    )


def notification_email_send(*, notification: Notification, now: datetime | None = None) -> str:
    """Claim one notice's email and send it: "sent", "failed", "skipped" (no longer wanted or visible),
    or "taken" when it is not due (another worker has it or has sent it, or its backoff has not passed)."""
    now = now or timezone.now()
    if not _claim(pk=notification.pk, now=now):
        return "taken"
    mine = Notification.objects.filter(pk=notification.pk)
    if not _wanted(notification):
        mine.update(email_state=EmailState.SKIPPED)
        return "skipped"
    try:
        member_email(
            user=notification.recipient,
            template="notification",
            context={
                "notification": notification,
                "url": absolute(notification.url or reverse("profiles:notifications")),
                "inbox_url": absolute(reverse("profiles:notifications")),
            },
            kind=Unsubscribe.IMMEDIATE,
            subject=notification.text,
            message_id=message_id("notice", notification.pk, notification.created_at),
        ).send()
    except SoftTimeLimitExceeded:
        raise  # the task is out of time, not the mail server
    except Exception as error:  # recorded on the row and retried with backoff
        logger.warning("Notice %s not emailed: %s", notification.pk, error)
        attempts = mine.values_list("email_attempts", flat=True).get()  # this one included, from the row
        mine.update(
            email_state=EmailState.FAILED if attempts < MAX_ATTEMPTS else EmailState.GAVE_UP,
            email_retry_at=now + FIRST_RETRY * 2 ** (attempts - 1),
            email_error=str(error)[:300],
        )
        return "failed"
    mine.update(email_state=EmailState.SENT, emailed_at=now, email_error="")
    return "sent"


def notification_emails_send_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Send every notice email that is due: new ones, and failed ones whose backoff has passed."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    counts["gave_up"] = Notification.objects.filter(
        email_state=EmailState.SENDING, email_retry_at__lt=now - STALE
    ).update(email_state=EmailState.GAVE_UP, email_error="Interrupted while sending; not sent again.")
    due = Notification.objects.filter(_due(now)).select_related("recipient", "actor").order_by("pk")[:limit]
    for notification in due:
        outcome = notification_email_send(notification=notification, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
