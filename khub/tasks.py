from celery import shared_task


@shared_task(name="khub.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    """Database sessions are not removed when they expire; Django leaves that to a periodic job."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()
