"""Dates as the hub writes them: on a page (`label`, `exact`: khub's `when` filter wraps them in a <time>
element; `clock`, for "Saved at 14:05": khub's `clock` filter) and outside one (`iso`)."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache

from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import get_language


def iso(moment: date | None) -> str | None:
    """ISO 8601, for JSON (the data export); None stays None."""
    return moment.isoformat() if moment else None


@cache
def _names(language: str | None) -> tuple[dict[int, str], dict[int, str]]:
    """The month and weekday names (Django's, as its date formats use them) in a language, translated once."""
    return {n: str(name) for n, name in MONTHS.items()}, {n: str(name) for n, name in WEEKDAYS.items()}


def label(moment: datetime, now: datetime | None = None) -> str:
    """How long ago, as people say it: "just now", "5 minutes ago" and "2 hours ago" for earlier today,
    "Tuesday 14:05" within the last week, "3 November" earlier this year, "3 November 2025" before; a time
    still to come by its date and time. In the current time zone."""
    return labeller(now)(moment)


def labeller(now: datetime | None = None) -> Callable[[datetime], str]:
    """`label` for many moments (a page of posts): the time zone, the language and now looked up once (each
    is a context-local lookup that cost more than the rest of a label)."""
    zone = timezone.get_current_timezone()
    months, weekdays = _names(get_language())
    now = (now or timezone.now()).astimezone(zone)
    today, week_ago = now.date(), now.date() - timedelta(days=7)

    def label_one(moment: datetime) -> str:
        moment = moment.astimezone(zone)
        # Written here rather than by django.utils.dateformat (the same month and day names), which parses
        # its format on every call.
        day_month = f"{moment.day} {months[moment.month]}"
        if moment > now:
            if moment.year == now.year:
                return f"{day_month}, {moment:%H:%M}"
            return f"{day_month} {moment.year}, {moment:%H:%M}"
        if moment.date() == today:
            seconds = int((now - moment).total_seconds())
            if seconds < 60:
                return "just now"
            if seconds < 3600:
                minutes = seconds // 60
                return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
            hours = seconds // 3600
            return f"{hours} hour{'s' if hours != 1 else ''} ago"
        if moment.date() > week_ago:
            return f"{weekdays[moment.weekday()]} {moment:%H:%M}"
        return day_month if moment.year == now.year else f"{day_month} {moment.year}"

    return label_one


def exact(moment: datetime) -> str:
    """The full date and time, for the <time> element's title: "3 November 2025 at 14:05"."""
    moment, months = timezone.localtime(moment), _names(get_language())[0]
    return f"{moment.day} {months[moment.month]} {moment.year} at {moment:%H:%M}"


def clock(moment: datetime, now: datetime | None = None) -> str:
    """The time on the clock, for "Saved at 14:05": the time alone today, "14:05 on 3 November" earlier this
    year, "14:05 on 3 November 2025" before. In the current time zone."""
    zone = timezone.get_current_timezone()
    moment, now = moment.astimezone(zone), (now or timezone.now()).astimezone(zone)
    if moment.date() == now.date():
        return f"{moment:%H:%M}"
    months = _names(get_language())[0]
    day_month = f"{moment.day} {months[moment.month]}"
    return (
        f"{moment:%H:%M} on {day_month}"
        if moment.year == now.year
        else f"{moment:%H:%M} on {day_month} {moment.year}"
    )
