"""The emails events send (reminders, changes, cancellations, a place from the waiting list): rows of
EventEmail written in the caller's transaction, sent after it commits."""

from django.db import transaction


def event_emails_queue() -> None:
    """Send the pending event emails once the current transaction commits (the sweep sends the rest)."""
    # Filled in with the calendar and reminders work: the task that claims and sends EventEmail rows.
    transaction.on_commit(lambda: None)
