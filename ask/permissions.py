"""Who may do what with questions to the hub. The conversation itself follows communities.permissions (the
space is open, and everyone_takes_part lets every member with a verified council reply)."""

from django.core.exceptions import PermissionDenied


def can_ask(*, user) -> bool:
    """Members with a verified council ask the hub (as they start communities): it reaches people by name."""
    return bool(user and user.is_authenticated and user.is_active and user.has_verified_affiliation)


def check_ask(*, user) -> None:
    if not can_ask(user=user):
        raise PermissionDenied("Only members with a verified council can ask the hub.")


def is_asker(*, user, question) -> bool:
    return getattr(user, "pk", None) == question.asker_id


def can_email_ask_notice(notification) -> bool:
    """An "ask.asked" notice is emailed (once profiles found its question's opening post readable to the
    recipient) only while they are still asked: not if they passed or answered before it went."""
    from ask.models import QuestionAsk

    return QuestionAsk.objects.filter(
        question__thread__opening_post_id=notification.target_id,
        person_id=notification.recipient_id,
        state=QuestionAsk.State.ASKED,
    ).exists()
