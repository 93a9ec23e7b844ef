"""A member's digests in their records (registered in khub/extensions.py): the data export lists the digests
sent to them; erasing an account deletes them, as they quote what others wrote."""

from khub.digests.models import DigestDelivery


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def digests_personal_data(user) -> list[dict]:
    return [
        {
            "frequency": delivery.frequency,
            "period": delivery.period.isoformat(),
            "state": delivery.state,
            "subject": delivery.subject,
            "sent_at": _iso(delivery.sent_at),
        }
        for delivery in DigestDelivery.objects.filter(user=user).order_by("period", "pk")
    ]


def erase_digests(user) -> None:
    DigestDelivery.objects.filter(user=user).delete()
