"""Dates as the hub writes them outside a page."""

from datetime import date


def iso(moment: date | None) -> str | None:
    """ISO 8601, for JSON (the data export); None stays None."""
    return moment.isoformat() if moment else None
