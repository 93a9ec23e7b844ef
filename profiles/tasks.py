from celery import shared_task


@shared_task(name="profiles.send_notification_emails", ignore_result=True)
def send_notification_emails() -> dict[str, int]:
    """Emails for mentions and replies (queued after the notice is saved) and the periodic sweep: both send
    whatever is due, each email claimed first so the two never send one twice."""
    from profiles.emails import notification_emails_send_due

    return notification_emails_send_due()
