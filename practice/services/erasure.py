"""What leaves practice with a member: account erasure (registered in practice/extensions.py, run inside the
erasure transaction) and a site admin deleting someone outright (practice/receivers.py)."""

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from practice.models import Endorsement, PracticeStory
from profiles.models import User


def _recount_endorsements(story_ids: list[int], *, without: User | None = None) -> None:
    """Set each story's endorsement_count from its rows (less `without`'s, about to be deleted)."""
    rows = Endorsement.objects.filter(story=OuterRef("pk"))
    if without is not None:
        rows = rows.exclude(user=without)
    counted = rows.order_by().values("story").annotate(n=Count("pk")).values("n")
    PracticeStory.objects.filter(pk__in=story_ids).update(
        endorsement_count=Coalesce(Subquery(counted), Value(0))
    )


def _lock_endorsed_stories(user: User) -> list[int]:
    """Lock the stories the member endorsed, in one order, as the recognition services lock a story before
    they change its endorsements: an endorsement made meanwhile lands before we count, or after."""
    return list(
        PracticeStory.objects.select_for_update()
        .filter(pk__in=Endorsement.objects.filter(user=user).values("story_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def erase_endorsements(user: User) -> None:
    """Endorsements go: each says what they think, often with a comment in their words. The counts are
    recounted from what remains.

    What they wrote and recorded stays: their stories (shown as by "Former member" once profiles anonymises
    the user row) and the adoptions they recorded, which are their council's record (recorded_by is kept, so
    the story's page says a former member recorded it).
    """
    story_ids = _lock_endorsed_stories(user)
    if story_ids:
        Endorsement.objects.filter(user=user).delete()
        _recount_endorsements(story_ids)


def endorsements_uncount(*, user: User) -> None:
    """Recount the stories `user` endorsed without their endorsements, before those are deleted with them
    (a cascade, not erasure): no atomic of its own, it runs inside the deletion's transaction."""
    story_ids = _lock_endorsed_stories(user)
    if story_ids:
        _recount_endorsements(story_ids, without=user)
