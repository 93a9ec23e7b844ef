"""How an event's time is written on its pages: in Europe/London (the current time zone), in <time>
elements carrying the exact moment."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language

from core import dates

register = template.Library()


def _day(moment: datetime) -> str:
    months, weekdays = dates._names(get_language())
    return f"{weekdays[moment.weekday()]} {moment.day} {months[moment.month]} {moment.year}"


def _time(moment: datetime, text: str) -> str:
    return format_html('<time datetime="{}">{}</time>', moment.isoformat(), text)


@register.filter
def event_day(moment: datetime) -> str:
    """ "Sunday 25 October 2026", in London."""
    return _day(timezone.localtime(moment)) if moment else ""


@register.filter
def event_time(moment: datetime) -> str:
    """ "10:00", in London."""
    return f"{timezone.localtime(moment):%H:%M}" if moment else ""


@register.filter
def event_when(event) -> str:
    """ "Sunday 25 October 2026, 10:00 to 11:30" (the end's date too when it ends on another day)."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    starts = _time(start, f"{_day(start)}, {start:%H:%M}")
    if end.date() == start.date():
        return format_html("{} to {}", starts, _time(end, f"{end:%H:%M}"))
    return format_html("{} to {}", starts, _time(end, f"{_day(end)}, {end:%H:%M}"))


@register.filter
def event_moment(moment: datetime) -> str:
    """ "Sunday 25 October 2026 at 10:00", for a deadline."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return _time(local, f"{_day(local)} at {local:%H:%M}")


@register.filter
def date_time_parts(field) -> list[dict]:
    """The four inputs of a LondonDateTimeField (events/forms/_date_time.html): day, month, year, time."""
    values = field.field.widget.format_value(field.value())
    labels = (
        ("day", "Day", "govuk-input--width-2", "numeric"),
        ("month", "Month", "govuk-input--width-2", "numeric"),
        ("year", "Year", "govuk-input--width-4", "numeric"),
        ("time", "Time", "govuk-input--width-5", "text"),
    )
    return [
        {
            # The day's input takes the field's id: the error summary links to it.
            "id": field.auto_id if part == "day" else f"{field.auto_id}_{part}",
            "name": f"{field.html_name}_{part}",
            "label": label,
            "width": width,
            "inputmode": inputmode,
            "value": value,
        }
        for (part, label, width, inputmode), value in zip(labels, values, strict=True)
    ]
