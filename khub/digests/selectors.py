"""Digest reads for pages: a member's built digests, and what they may leave out of the next ones."""

from django.db.models import QuerySet

from core.providers.digests import DigestScope, digest_scopes
from khub.digests.models import DigestDelivery

D = DigestDelivery.State
SHOWN_STATES = (D.READY, D.SENDING, D.SENT, D.FAILED, D.GAVE_UP)  # built: it has content


def digests_for_page(*, viewer) -> QuerySet[DigestDelivery]:
    """The viewer's own digests that were built with something in them: their "view in browser" pages."""
    return DigestDelivery.objects.filter(user=viewer, state__in=SHOWN_STATES)


def digest_scope_options(*, user) -> list[tuple[DigestScope, list[tuple[int, str, bool]]]]:
    """Each registered scope with the member's options in it (id, label, included now): a query each."""
    return [(scope, scope.options(user)) for scope in digest_scopes()]
