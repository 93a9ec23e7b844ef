"""The envelope of every email the hub sends on its own: a plain-text and an HTML part rendered from
`emails/<template>.txt` and `.html`, a one-line subject, and a one-click unsubscribe (RFC 8058:
`List-Unsubscribe` and `List-Unsubscribe-Post`). Who it goes to and what the unsubscribe link leaves is the
caller's (profiles.emails.member_email). An email a member asked for by what they did (an event they are
going to) has no one-click unsubscribe: its footer says how to stop it."""

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def message_id(kind: str, pk: int, created_at: datetime) -> str:
    """The same for every attempt at one message (a retry is not a second message); the creation time
    keeps ids apart after a database is reset and its primary keys start again."""
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "khub"
    return f"<{kind}-{pk}.{created_at.timestamp():.6f}@{domain}>"


def multipart_email(
    *,
    to: str,
    template: str,
    context: dict,
    subject: str,
    unsubscribe_url: str,
    connection=None,
    message_id: str = "",
) -> EmailMultiAlternatives:
    """`emails/<template>.txt` and `.html`, rendered with the subject, the site's address and the
    unsubscribe link added to `context`; without an unsubscribe link ("") no List-Unsubscribe header."""
    # One line whatever a member put in their name: a line break in a header would stop the email.
    subject = " ".join(subject.split())
    context = {
        **context,
        "subject": subject,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": unsubscribe_url,
    }
    headers = {"Auto-Submitted": "auto-generated"}  # RFC 3834: out-of-office replies are not sent back
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message_id:
        headers["Message-ID"] = message_id  # the same on a retry: mail systems treat it as one message
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=[to],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message
