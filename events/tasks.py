from celery import shared_task


@shared_task(
    name="events.send_event_emails",
    ignore_result=True,
    autoretry_for=(Exception,),  # safe: each email is claimed before it is sent, so a retry sends none twice
    retry_backoff=30,
    max_retries=5,
)
def send_event_emails() -> dict[str, int]:
    """Queued after the transaction that wrote event emails commits: send whatever is due."""
    from events.services.emails import event_emails_send_due

    return dict(event_emails_send_due())


@shared_task(name="events.event_emails_sweep", ignore_result=True)
def event_emails_sweep() -> dict[str, int]:
    """Every few minutes: the reminders now due, emails whose task never ran, what a dead worker left."""
    from events.services.emails import event_emails_sweep as sweep

    return dict(sweep())
