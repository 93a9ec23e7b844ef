"""Asking the hub: the question's conversation in the hub-wide space, and its Question row.

FOUNDATION: questions_space and question_create; asking people, passing, suggesting and the follow-up are
added beside them.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ask import permissions
from ask.models import SPACE_NAME, SPACE_SLUG, Question
from ask.services.asks import question_rank_people
from communities.models import Community, Thread
from communities.services.conversations import thread_create
from practice.models import ServiceArea

SPACE_DESCRIPTION = "Questions asked to the whole hub, and their answers. Every member can answer."


def questions_space() -> Community:
    """The hub-wide open space questions live in, made the first time it is needed."""
    try:
        return Community.objects.get(slug=SPACE_SLUG)
    except Community.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return Community.objects.create(
                slug=SPACE_SLUG,
                name=SPACE_NAME,
                description=SPACE_DESCRIPTION,
                visibility=Community.Visibility.OPEN,
                everyone_takes_part=True,
            )
    except IntegrityError:  # made at the same moment by another request
        return Community.objects.get(slug=SPACE_SLUG)


def question_create(
    *, asker, title: str, body: str, service_area: str = "", tags: list[str] | None = None
) -> Question:
    """A question to the hub: a question thread in the space (titles, bodies and tags cleaned and checked by
    communities' thread_create, with its rate limit) and its Question row, in one transaction; then who to
    ask, ranked and kept on the row (ask.services.asks.question_rank_people)."""
    from django.core.exceptions import ValidationError

    permissions.check_ask(user=asker)
    if service_area and service_area not in ServiceArea.values:
        raise ValidationError({"service_area": "Choose a service area from the list."})
    space = questions_space()
    with transaction.atomic():
        thread = thread_create(
            author=asker, community=space, title=title, body=body, kind=Thread.Kind.QUESTION, tags=tags
        )
        question = Question.objects.create(
            thread=thread, asker=asker, service_area=service_area, created_at=timezone.now()
        )
    # Ranked once the question is saved, outside its transaction (no lock held while ranking).
    question_rank_people(question)
    return question
