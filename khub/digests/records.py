"""A member's digests in their records (registered in khub/extensions.py): the data export lists the digests
sent to them; erasing an account deletes them, as they quote what others wrote."""

from core.dates import iso
from khub.digests.models import DigestDelivery


def digests_personal_data(user) -> list[dict]:
    return [
        {
            "frequency": delivery.frequency,
            "period": delivery.period.isoformat(),
            "state": delivery.state,
            "subject": delivery.subject,
            "sent_at": iso(delivery.sent_at),
        }
        for delivery in DigestDelivery.objects.filter(user=user).order_by("period", "pk")
    ]


def erase_digests(user) -> None:
    DigestDelivery.objects.filter(user=user).delete()
