"""Asking people by name about a question to the hub: the asker's confirmation of who to ask, what someone
asked does (pass, suggest someone else, answer), and the one follow-up of a question nobody replied to.

Every ask is a QuestionAsk row (one per question and person: ask_ask_once) and an inbox notice with an
immediate email for those who want one (profiles.services.notifications_send_many(email=True): the email
is a state on the notice's row, sent later even if Redis is down now). Exclusions (opted out, the weekly
cap, deactivated or erased, the asker, already asked) are checked again when the rows are written, under a
lock on the question's row, whatever the page showed earlier.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ask import routing
from ask.models import Question, QuestionAsk
from ask.routing import Topic
from profiles.models import User
from profiles.services import notifications_send_many

logger = logging.getLogger(__name__)

ASKED_KIND = "ask.asked"
R, S = QuestionAsk.Round, QuestionAsk.State


def question_topic(question: Question) -> Topic:
    """What the ranking reads of a question: its title, opening post, tags and service area."""
    thread = question.thread
    return Topic(
        title=thread.title,
        text=thread.opening_post.body if thread.opening_post_id else "",
        tags=tuple(sorted(thread.tags.names(), key=str.lower)),
        service_area=question.service_area,
    )


def people_ranked(*, question: Question, exclude_ids=()) -> list[routing.PersonSuggestion]:
    """The ranking's suggestions for the asker now, up to settings.ASK_PEOPLE_MOST (opted-out and capped
    people left out by the ranking itself: for_asking)."""
    return routing.suggest_people(
        viewer=question.asker,
        topic=question_topic(question),
        limit=settings.ASK_PEOPLE_MOST,
        exclude_ids=exclude_ids,
        for_asking=True,
    )


def question_rank_people(question: Question) -> None:
    """Rank who to ask once, as the question is posted, and keep the result on its row (Question.suggested):
    the asker's page and their confirmation read it back rather than ranking again on every view."""
    question.suggested = routing.suggestions_kept(people_ranked(question=question))
    question.save(update_fields=["suggested"])


def people_to_ask(*, question: Question) -> list[routing.PersonSuggestion]:
    """Who the asker may confirm: the suggestions kept when the question was posted, less anyone who has
    since opted out, reached the weekly cap or left the hub (ranked now if none were kept)."""
    if question.suggested is None:
        return people_ranked(question=question)
    return routing.suggestions_read(question.suggested)


def askable_ids(*, question: Question, person_ids) -> set[int]:
    """Of `person_ids`, those who may be asked about `question` now: on the hub, taking questions, under
    the weekly cap, not the asker and not already asked about it. Two queries."""
    ids = set(person_ids) - {question.asker_id}
    if not ids:
        return set()
    ids &= set(routing.askable(User.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    ids -= set(
        QuestionAsk.objects.filter(question=question, person_id__in=ids).values_list("person_id", flat=True)
    )
    capped = {pk for pk, n in routing.asked_recently(ids).items() if n >= settings.ASK_WEEKLY_CAP}
    return ids - capped


def _locked(question: Question) -> Question:
    # One writer per question at a time: two confirmations (or a suggestion and the follow-up) at once see
    # each other's rows rather than both passing the "already asked" check.
    return (
        Question.objects.select_for_update(of=("self",)).select_related("thread", "asker").get(pk=question.pk)
    )


def _tell(*, question: Question, person_ids, text: str, actor: User | None) -> int:
    """The inbox notice (and the immediate email of those who want one) about the question's opening post:
    the inbox and the email re-check that the person may still read it (communities' notice subjects)."""
    if not person_ids:
        return 0
    thread = question.thread
    return notifications_send_many(
        recipients=User.objects.filter(pk__in=list(person_ids)),
        kind=ASKED_KIND,
        text=text,
        url=thread.get_absolute_url(),
        actor=actor,
        target=thread.opening_post,
        email=True,
    )


@dataclass
class Confirmed:
    asked: list[User]  # in the ranking's order
    skipped: int  # ticked but no longer askable (opted out, capped, already asked, gone)


def _ask(question: Question, chosen, round_: int, now, *, text: str, actor: User) -> None:
    """The rows of the people asked (with the ranking's reasons) and their notices, in the caller's
    transaction."""
    QuestionAsk.objects.bulk_create(
        QuestionAsk(question=question, person=s.person, round=round_, reasons=list(s.reasons), created_at=now)
        for s in chosen
    )
    _tell(question=question, person_ids=[s.person.pk for s in chosen], text=text, actor=actor)


@transaction.atomic
def question_confirm_people(*, asker: User, question: Question, person_ids) -> Confirmed:
    """The asker's choice of who to ask among the ranking's suggestions (none: the question stays open to
    everyone). Once only: a second confirmation changes nothing."""
    question = _locked(question)
    if question.asker_id != asker.pk:
        raise PermissionDenied("Only the person who asked can choose who to ask.")
    if question.people_confirmed_at is not None:
        raise ValidationError("You have already chosen who to ask about this question.")
    ticked = set(person_ids)
    suggestions = {s.person.pk: s for s in people_to_ask(question=question)} if ticked else {}
    allowed = askable_ids(question=question, person_ids=ticked & set(suggestions))
    chosen = [s for pk, s in suggestions.items() if pk in allowed]
    now = timezone.now()
    text = f"{asker.public_name} asked you: “{question.thread.title}”"
    _ask(question, chosen, R.FIRST, now, text=text, actor=asker)
    question.people_confirmed_at = now
    question.suggested = []  # nothing kept about people who were not asked
    question.save(update_fields=["people_confirmed_at", "suggested"])
    return Confirmed(asked=[s.person for s in chosen], skipped=len(ticked) - len(chosen))


def _own_ask(*, person: User, question: Question) -> QuestionAsk:
    ask = QuestionAsk.objects.select_for_update().filter(question=question, person=person).first()
    if ask is None:
        raise PermissionDenied("You were not asked about this question.")
    return ask


@transaction.atomic
def ask_pass(*, person: User, question: Question) -> QuestionAsk:
    """ "Not me": they are not reminded or followed up again. It tells nobody and changes nobody else's
    ranking."""
    ask = _own_ask(person=person, question=question)
    if ask.state == S.PASSED:
        raise ValidationError("You have already said this question is not for you.")
    if ask.state == S.ANSWERED:
        raise ValidationError("You have already answered this question.")
    ask.state, ask.responded_at = S.PASSED, timezone.now()
    ask.save(update_fields=["state", "responded_at"])
    return ask


def find_member(text: str) -> User | None:
    """A member named by their handle (with or without @) or, failing that, by their exact name when only
    one member on the hub has it."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError({"person": "Enter the handle or name of the person to suggest."})
    people = User.objects.filter(is_active=True, erased_at__isnull=True)
    found = people.filter(handle__iexact=text.removeprefix("@")).first()
    if found is not None:
        return found
    named = list(people.filter(display_name__iexact=text)[:2])
    if len(named) > 1:
        raise ValidationError({"person": "More than one member has that name. Enter their handle instead."})
    return named[0] if named else None


@transaction.atomic
def ask_suggest(*, suggester: User, question: Question, person_text: str) -> QuestionAsk:
    """Someone asked puts someone else forward: asked in the SUGGESTED round, the suggestion as reason."""
    question = _locked(question)
    _own_ask(person=suggester, question=question)
    person = find_member(person_text)
    if person is None:
        raise ValidationError({"person": "There is no member on the hub with that handle or name."})
    if person.pk == suggester.pk:
        raise ValidationError({"person": "Suggest someone other than yourself."})
    if person.pk == question.asker_id:
        raise ValidationError({"person": "That is the person who asked the question."})
    if QuestionAsk.objects.filter(question=question, person=person).exists():
        raise ValidationError({"person": f"{person.public_name} has already been asked about this question."})
    if not person.accepts_questions:
        raise ValidationError(
            {"person": f"{person.public_name} does not take questions. Suggest someone else."}
        )
    if not askable_ids(question=question, person_ids=[person.pk]):
        raise ValidationError(
            {
                "person": f"{person.public_name} has been asked enough questions this week. "
                "Suggest someone else."
            }
        )
    ask = QuestionAsk.objects.create(
        question=question,
        person=person,
        suggested_by=suggester,
        round=R.SUGGESTED,
        reasons=[f"suggested by {suggester.public_name}"],
        created_at=timezone.now(),
    )
    _tell(
        question=question,
        person_ids=[person.pk],
        text=f"{suggester.public_name} suggested you could answer “{question.thread.title}”",
        actor=suggester,
    )
    return ask


def asks_mark_answered(*, thread_id: int, person_id: int, at=None) -> int:
    """A reply in a question's thread by someone asked about it: their ask is answered (a pass before it
    becomes an answer too). One UPDATE; nothing for anyone not asked."""
    return QuestionAsk.objects.filter(
        question__thread_id=thread_id, person_id=person_id, state__in=[S.ASKED, S.PASSED]
    ).update(state=S.ANSWERED, responded_at=at or timezone.now())


# --- The follow-up ------------------------------------------------------------------------------------
def _due_follow_ups(now) -> Q:
    return Q(
        followed_up_at__isnull=True,
        people_confirmed_at__isnull=False,
        created_at__lte=now - timedelta(days=settings.ASK_FOLLOW_UP_DAYS),
        thread__reply_count=0,
    )


def question_follow_up(*, question_id: int, now=None) -> int | None:
    """Offer one question nobody replied to to the next people in the ranking, once. None when another run
    has it (locked: skip_locked) or it is no longer due; else how many were asked. followed_up_at is set in
    the same transaction as the rows, so it happens once even when two sweeps run at the same moment."""
    now = now or timezone.now()
    with transaction.atomic():
        question = (
            Question.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("thread", "asker")
            .filter(_due_follow_ups(now), pk=question_id)
            .first()
        )
        if question is None:
            return None
        already = set(QuestionAsk.objects.filter(question=question).values_list("person_id", flat=True))
        suggestions = people_ranked(question=question, exclude_ids=already)
        allowed = askable_ids(question=question, person_ids=[s.person.pk for s in suggestions])
        chosen = [s for s in suggestions if s.person.pk in allowed]
        title = question.thread.title
        text = f"{question.asker.public_name} asked, and nobody has replied yet: “{title}”"
        _ask(question, chosen, R.FOLLOW_UP, now, text=text, actor=question.asker)
        question.followed_up_at = now
        question.save(update_fields=["followed_up_at"])
        return len(chosen)


def questions_follow_up(*, now=None, limit: int = 200) -> int:
    """The periodic sweep (task ask.follow_up): every question due a follow-up, each in its own transaction.
    Returns how many were followed up."""
    now = now or timezone.now()
    due = list(
        Question.objects.filter(_due_follow_ups(now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in due:
        if question_follow_up(question_id=pk, now=now) is not None:
            done += 1
    return done
