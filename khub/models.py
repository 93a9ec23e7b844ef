"""khub's models live with the features they belong to; Django looks for them here (app label "khub")."""

from khub.digests.models import DigestDelivery

__all__ = ["DigestDelivery"]
