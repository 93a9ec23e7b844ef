from celery import shared_task


@shared_task(name="khub.clear_expired_sessions", ignore_result=True)
def clear_expired_sessions() -> None:
    """Database sessions are not removed when they expire; Django leaves that to a periodic job."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.filter(expire_date__lt=timezone.now()).delete()


@shared_task(name="khub.send_digests", ignore_result=True)
def send_digests(frequency: str) -> int:
    """Beat, at 07:00 Europe/London: write this period's delivery rows, then queue chunks of member ids."""
    from khub.digests.delivery import CHUNK_SIZE, deliveries_create, period_for, recipients

    period = period_for(frequency=frequency)
    ids = list(recipients(frequency=frequency).values_list("pk", flat=True))
    deliveries_create(frequency=frequency, period=period, user_ids=ids)
    for start in range(0, len(ids), CHUNK_SIZE):
        send_digest_chunk.delay(
            frequency=frequency, period=period.isoformat(), user_ids=ids[start : start + CHUNK_SIZE]
        )
    return len(ids)


@shared_task(
    name="khub.send_digest_chunk",
    ignore_result=True,
    autoretry_for=(Exception,),  # safe: a chunk claims its rows, so a retry never sends anyone a second copy
    retry_backoff=60,
    max_retries=5,
)
def send_digest_chunk(*, frequency: str, period: str, user_ids: list[int]) -> dict[str, int]:
    from datetime import date

    from khub.digests.delivery import deliver_chunk

    return dict(deliver_chunk(frequency=frequency, period=date.fromisoformat(period), user_ids=user_ids))


@shared_task(name="khub.digests_sweep", ignore_result=True)
def digests_sweep() -> dict[str, int]:
    """Every few minutes: chunks whose task was lost, interrupted builds, failed sends due a retry."""
    from khub.digests.delivery import digests_sweep as sweep

    return dict(sweep())
