"""Reads for Ask the hub's pages: a question for its asker, a viewer's own ask, and the asks listed."""

from django.http import Http404

from ask import permissions
from ask.models import Question, QuestionAsk


def question_for_asker(*, viewer, question_id: int) -> Question:
    """The asker's own question (its thread, tags and opening post for the ranking). Anyone else gets a 404,
    as a page that is not theirs elsewhere: the question is public, who is being asked is not."""
    question = (
        Question.objects.select_related("thread__opening_post", "thread__community", "asker")
        .filter(pk=question_id)
        .first()
    )
    if question is None or not permissions.is_asker(user=viewer, question=question):
        raise Http404("No such question")
    return question


def question_or_404(*, question_id: int) -> Question:
    """Any question with its thread (the caller checks what the viewer may do with it)."""
    question = Question.objects.select_related("thread__community", "asker").filter(pk=question_id).first()
    if question is None:
        raise Http404("No such question")
    return question


def own_ask(*, viewer, question: Question) -> QuestionAsk | None:
    if not getattr(viewer, "is_authenticated", False):
        return None
    return QuestionAsk.objects.filter(question=question, person=viewer).first()


def asked_people(*, question: Question) -> list[QuestionAsk]:
    """Everyone asked about the question, with their council (the asker's banner and block)."""
    return list(
        QuestionAsk.objects.filter(question=question)
        .select_related("person__council")
        .order_by("created_at", "pk")
    )


def asks_for_thread_block(*, viewer, thread) -> tuple[Question | None, QuestionAsk | None]:
    """The question behind a thread and the viewer's ask about it, in one query (a LEFT JOIN from the
    question to the viewer's ask cannot be expressed on the reverse FK: two index probes instead, the second
    only when the thread is a question to the hub)."""
    question = Question.objects.filter(thread_id=thread.pk).select_related("asker").first()
    if question is None:
        return None, None
    if question.asker_id == viewer.pk:
        return question, None
    return question, QuestionAsk.objects.filter(question=question, person=viewer).first()


def personal_data(user) -> dict:
    """For the member's data export: the questions they asked the hub (and how many people they asked), and
    every time they were asked about one (why, by whom when suggested, and what they did). The questions
    live in the open space every member reads; the threads themselves are in communities' part."""
    asked = Question.objects.filter(asker=user).select_related("thread").order_by("created_at", "pk")
    asks = (
        QuestionAsk.objects.filter(person=user)
        .select_related("question__thread", "suggested_by")
        .order_by("created_at", "pk")
    )
    return {
        "questions_asked": [
            {
                "title": question.thread.title,
                "url": question.thread.get_absolute_url(),
                "service_area": question.get_service_area_display() if question.service_area else "",
                "asked_at": question.created_at.isoformat(),
                "people_chosen_at": question.people_confirmed_at.isoformat()
                if question.people_confirmed_at
                else None,
            }
            for question in asked
        ],
        "questions_you_were_asked": [
            {
                "title": ask.question.thread.title,
                "url": ask.question.thread.get_absolute_url(),
                "asked_at": ask.created_at.isoformat(),
                "round": ask.get_round_display(),
                "reasons": list(ask.reasons),
                "suggested_by": ask.suggested_by.public_name if ask.suggested_by else None,
                "what_you_did": ask.get_state_display(),
                "responded_at": ask.responded_at.isoformat() if ask.responded_at else None,
            }
            for ask in asks
        ],
    }
