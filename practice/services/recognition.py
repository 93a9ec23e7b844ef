"""What the peer community does with a published story: endorse it, promote it, repeat it.

Each locks the story's row, so its counts stay exact with any number of writers; each tells the authors.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from communities.models import ModerationLogEntry
from communities.services.log import moderation_log_write
from practice import permissions
from practice.models import Adoption, Endorsement, PracticeStory
from practice.services import authors_notify, locked_story
from profiles.models import User

COMMENT_MAX_LENGTH = Endorsement._meta.get_field("comment").max_length
NOTES_MAX_LENGTH = Adoption._meta.get_field("notes").max_length
REASON_MAX_LENGTH = 2000
L = ModerationLogEntry.Action


def _readable(actor: User, story: PracticeStory) -> PracticeStory:
    story = locked_story(story)
    permissions.check_read(user=actor, story=story)
    return story


def _count(story: PracticeStory, field: str, change: int) -> None:
    PracticeStory.objects.filter(pk=story.pk).update(**{field: F(field) + change})


# --- Endorsement -------------------------------------------------------------------------------------------
@transaction.atomic
def endorsement_create(*, user: User, story: PracticeStory, comment: str = "") -> Endorsement:
    story = _readable(user, story)
    if permissions.is_author(user=user, story=story):
        raise ValidationError("You wrote this story, so you cannot endorse it.")
    if not permissions.can_endorse(user=user, story=story):
        raise ValidationError("Only a published story can be endorsed.")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": f"Your comment must be {COMMENT_MAX_LENGTH:,} characters or fewer. "
                f"It has {len(comment):,}."
            }
        )
    if Endorsement.objects.filter(story=story, user=user).exists():  # the row lock makes this exact
        raise ValidationError("You have already endorsed this story.")
    endorsement = Endorsement.objects.create(story=story, user=user, comment=comment)
    _count(story, "endorsement_count", 1)
    authors_notify(
        story=story,
        actor=user,
        kind="endorsed",
        text=f"{user.public_name} endorsed “{story.title}”",
    )
    return endorsement


@transaction.atomic
def endorsement_withdraw(*, user: User, story: PracticeStory) -> None:
    story = _readable(user, story)
    deleted, _ = Endorsement.objects.filter(story=story, user=user).delete()
    if not deleted:
        raise ValidationError("You have not endorsed this story.")
    _count(story, "endorsement_count", -1)


# --- Promotion ---------------------------------------------------------------------------------------------
def _check_promote(actor: User, story: PracticeStory, *, withdrawing: bool = False) -> None:
    allowed = permissions.can_withdraw_promotion if withdrawing else permissions.can_promote
    if not withdrawing and permissions.is_author(user=actor, story=story):
        raise PermissionDenied("You wrote this story: another facilitator or a site admin can promote it.")
    if not allowed(user=actor, story=story):
        raise PermissionDenied("Only the home community's facilitators can promote a published story.")


@transaction.atomic
def story_promote(*, actor: User, story: PracticeStory) -> PracticeStory:
    story = _readable(actor, story)
    _check_promote(actor, story)
    if story.is_promoted:
        raise ValidationError("This story is already Practice worth repeating.")
    story.promoted_at, story.promoted_by = timezone.now(), actor
    story.save(update_fields=["promoted_at", "promoted_by"])
    moderation_log_write(
        community=story.community,
        actor=actor,
        action=L.STORY_PROMOTED,
        about_title=story.title,
        about_url=story.get_absolute_url(),
    )
    authors_notify(
        story=story,
        actor=actor,
        kind="promoted",
        text=f"{actor.public_name} promoted “{story.title}” to Practice worth repeating",
    )
    return story


@transaction.atomic
def story_promotion_withdraw(*, actor: User, story: PracticeStory, reason: str) -> PracticeStory:
    story = _readable(actor, story)
    _check_promote(actor, story, withdrawing=True)
    if not story.is_promoted:
        raise ValidationError("This story is not promoted.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the authors will see it."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"The reason must be {REASON_MAX_LENGTH:,} characters or fewer."})
    story.promoted_at, story.promoted_by = None, None
    story.save(update_fields=["promoted_at", "promoted_by"])
    moderation_log_write(
        community=story.community,
        actor=actor,
        action=L.STORY_UNPROMOTED,
        reason=reason,
        about_title=story.title,
        about_url=story.get_absolute_url(),
    )
    authors_notify(
        story=story,
        actor=actor,
        kind="unpromoted",
        text=f"{actor.public_name} withdrew the promotion of “{story.title}”: {reason}",
    )
    return story


# --- Adoption ----------------------------------------------------------------------------------------------
def _clean_follow_up(
    user: User, story: PracticeStory, follow_up: PracticeStory | None
) -> PracticeStory | None:
    if follow_up is None:
        return None
    if (
        follow_up.pk == story.pk
        or not follow_up.is_published
        or follow_up.council_id != user.council_id
        or not permissions.can_read(user=user, story=follow_up)
    ):
        raise ValidationError({"follow_up": "Choose a published story from your own council."})
    return follow_up


@transaction.atomic
def adoption_record(
    *,
    user: User,
    story: PracticeStory,
    outcome: str,
    started_on: datetime.date,
    notes: str = "",
    follow_up: PracticeStory | None = None,
) -> Adoption:
    """ "We've repeated this", for the member's council: once per council and story."""
    story = _readable(user, story)
    if not user.has_verified_affiliation:
        raise PermissionDenied(
            "Only members with a verified council affiliation can record that their council repeated a story."
        )
    if permissions.is_author(user=user, story=story):
        raise ValidationError("You wrote this story: another council's members record repeating it.")
    if user.council_id == story.council_id:
        raise ValidationError(
            "This is your own council's story: record adoptions of other councils' practice."
        )
    if not permissions.can_adopt(user=user, story=story):
        raise ValidationError("Only a published story can be repeated.")
    if outcome not in Adoption.Outcome.values:
        raise ValidationError({"outcome": "Choose how it went."})
    if started_on is None or started_on > timezone.localdate():
        raise ValidationError({"started_on": "Enter when you started: today or a date in the past."})
    if started_on.year < 1990:
        raise ValidationError({"started_on": "Enter a year from 1990 onwards."})
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX_LENGTH:
        raise ValidationError({"notes": f"Your notes must be {NOTES_MAX_LENGTH:,} characters or fewer."})
    follow_up = _clean_follow_up(user, story, follow_up)
    existing = (
        Adoption.objects.filter(story=story, council_id=user.council_id).select_related("recorded_by").first()
    )
    if existing is not None:
        who = existing.recorded_by.public_name if existing.recorded_by else "a former member"
        raise ValidationError(f"{user.council.name} has already recorded this, by {who}.")
    adoption = Adoption.objects.create(
        story=story,
        council_id=user.council_id,
        recorded_by=user,
        outcome=outcome,
        started_on=started_on,
        notes=notes,
        follow_up=follow_up,
    )
    _count(story, "adoption_count", 1)
    authors_notify(
        story=story,
        actor=user,
        kind="adopted",
        text=f"{user.council.name} repeated “{story.title}”: {adoption.get_outcome_display().lower()}",
    )
    return adoption


@transaction.atomic
def adoption_withdraw(*, actor: User, adoption: Adoption) -> None:
    """The member who recorded it, another verified member of that council, or a site admin removes it."""
    story = _readable(actor, adoption.story)
    adoption = Adoption.objects.select_for_update().filter(pk=adoption.pk).first()
    if adoption is None:  # a second click, or someone else removed it meanwhile
        raise ValidationError("That record was already removed.")
    if not permissions.can_withdraw_adoption(user=actor, adoption=adoption):
        raise PermissionDenied("Only someone from the council that recorded it can remove it.")
    adoption.delete()
    _count(story, "adoption_count", -1)
