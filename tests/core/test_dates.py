"""core.dates and khub's `when` filter: how long ago, as people say it, with the exact time kept."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from core.dates import clock, exact, label

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 12, 15, 30, tzinfo=LONDON)  # a Thursday


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 12, 15, 29, 30, tzinfo=LONDON), "just now"),
        (datetime(2026, 11, 12, 15, 29, tzinfo=LONDON), "1 minute ago"),
        (datetime(2026, 11, 12, 15, 5, tzinfo=LONDON), "25 minutes ago"),
        (datetime(2026, 11, 12, 14, 30, tzinfo=LONDON), "1 hour ago"),
        (datetime(2026, 11, 12, 0, 1, tzinfo=LONDON), "15 hours ago"),
        (datetime(2026, 11, 11, 23, 59, tzinfo=LONDON), "Wednesday 23:59"),
        (datetime(2026, 11, 6, 14, 5, tzinfo=LONDON), "Friday 14:05"),
        (datetime(2026, 11, 5, 14, 5, tzinfo=LONDON), "5 November"),
        (datetime(2026, 1, 3, 9, 0, tzinfo=LONDON), "3 January"),
        (datetime(2025, 11, 3, 9, 0, tzinfo=LONDON), "3 November 2025"),
        (datetime(2026, 11, 20, 9, 0, tzinfo=LONDON), "20 November, 09:00"),
        (datetime(2027, 1, 2, 9, 0, tzinfo=LONDON), "2 January 2027, 09:00"),
    ],
)
def test_label(settings, moment, expected):
    settings.TIME_ZONE = "Europe/London"
    with timezone.override(LONDON):
        assert label(moment, NOW) == expected


def test_label_is_in_the_current_time_zone():
    """00:30 in London on the 12th is still the 11th in New York: there it was yesterday."""
    moment = datetime(2026, 11, 12, 0, 30, tzinfo=LONDON)
    with timezone.override(ZoneInfo("America/New_York")):
        assert label(moment, NOW) == "Wednesday 19:30"


def test_the_when_filter_keeps_the_exact_time_in_a_time_element():
    moment = datetime(2025, 3, 4, 9, 5, tzinfo=ZoneInfo("UTC"))
    with timezone.override(LONDON):
        html = Template("{% load govuk %}{{ moment|when }}|{{ none|when }}").render(
            Context({"moment": moment, "none": None})
        )
    assert html == (f'<time datetime="{moment.isoformat()}" title="{exact(moment)}">4 March 2025</time>|')
    assert exact(moment) == "4 March 2025 at 09:05"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 12, 14, 5, tzinfo=LONDON), "14:05"),
        (datetime(2026, 11, 12, 0, 1, tzinfo=LONDON), "00:01"),
        (datetime(2026, 11, 11, 23, 59, tzinfo=LONDON), "23:59 on 11 November"),
        (datetime(2026, 1, 3, 9, 0, tzinfo=LONDON), "09:00 on 3 January"),
        (datetime(2025, 11, 3, 9, 0, tzinfo=LONDON), "09:00 on 3 November 2025"),
    ],
)
def test_clock(moment, expected):
    with timezone.override(LONDON):
        assert clock(moment, NOW) == expected


def test_clock_is_london_time_in_summer_and_winter():
    """13:05 UTC is 14:05 in London in July (BST) and 13:05 in November (GMT)."""
    with timezone.override(LONDON):
        assert (
            clock(
                datetime(2026, 7, 1, 13, 5, tzinfo=ZoneInfo("UTC")),
                datetime(2026, 7, 1, 18, 0, tzinfo=LONDON),
            )
            == "14:05"
        )
        assert clock(datetime(2026, 11, 12, 13, 5, tzinfo=ZoneInfo("UTC")), NOW) == "13:05"


def test_the_clock_filter_keeps_the_exact_time_in_a_time_element():
    moment = timezone.now()
    with timezone.override(LONDON):
        html = Template("{% load govuk %}Saved at {{ moment|clock }}{{ none|clock }}").render(
            Context({"moment": moment, "none": None})
        )
        local = timezone.localtime(moment)
    assert html == (
        f'Saved at <time datetime="{moment.isoformat()}" title="{exact(moment)}">{local:%H:%M}</time>'
    )
