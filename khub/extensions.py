"""Digests in a member's records (registered through profiles.extensions from KhubConfig.ready()): the data
export lists the digests sent to them; erasing an account deletes them, as they quote what others wrote."""

from khub.models import DigestDelivery
from profiles.extensions import register_erasure, register_personal_data


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _digests(user) -> list[dict]:
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


def _erase(user) -> None:
    DigestDelivery.objects.filter(user=user).delete()


register_personal_data("digests", _digests)
register_erasure(_erase)
