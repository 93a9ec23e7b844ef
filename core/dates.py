"""Dates as the hub writes them: on a page (`label`, `exact`: khub's `when` filter wraps them in a <time>
element) and outside one (`iso`)."""

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dateformat import format as date_format


def iso(moment: date | None) -> str | None:
    """ISO 8601, for JSON (the data export); None stays None."""
    return moment.isoformat() if moment else None


def label(moment: datetime, now: datetime | None = None) -> str:
    """How long ago, as people say it: "just now", "5 minutes ago" and "2 hours ago" for earlier today,
    "Tuesday 14:05" within the last week, "3 November" earlier this year, "3 November 2025" before; a time
    still to come by its date and time. In the current time zone."""
    now = timezone.localtime(now or timezone.now())
    moment = timezone.localtime(moment)
    if moment > now:
        return date_format(moment, "j F, H:i" if moment.year == now.year else "j F Y, H:i")
    if moment.date() == now.date():
        seconds = int((now - moment).total_seconds())
        if seconds < 60:
            return "just now"
        if seconds < 3600:
            minutes = seconds // 60
            return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''} ago"
    if now.date() - moment.date() < timedelta(days=7):
        return date_format(moment, "l H:i")
    return date_format(moment, "j F" if moment.year == now.year else "j F Y")


def exact(moment: datetime) -> str:
    """The full date and time, for the <time> element's title: "3 November 2025 at 14:05"."""
    return date_format(timezone.localtime(moment), "j F Y \\a\\t H:i")
