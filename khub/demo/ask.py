"""The demo's questions to the hub (data/ask.yaml): one answered (people asked, an accepted answer marked
helpful, someone who said "Not me") and one still open, asked yesterday of people who include the demo
member, so that signing in as member@ shows "You were asked to help" on it.

Asked through the ask app's services as a member asks (ask.services: the question, the ranking's suggestions
confirmed, replies, the accepted answer), then dated `days` before the seed. Once only: a question whose
title the space already has is left alone.
"""

from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from ask.models import Question, QuestionAsk
from ask.services.asks import ask_pass, people_to_ask, question_confirm_people
from ask.services.questions import question_create, questions_space
from communities.models import Community, Post, Thread
from communities.services.conversations import post_helpful_toggle, post_reply, thread_mark_answer
from khub.demo.files import read
from khub.demo.people import Cast
from profiles.models import Notification

QUESTIONS = read("ask")["questions"]
REPLY_GAP = timedelta(hours=5)  # between the question and each reply


def seed_ask() -> int:
    """Ask the demo questions the space does not have yet; returns how many demo questions there are."""
    cast, now = Cast.load(), timezone.now()
    space = questions_space()
    titles = set(Thread.objects.filter(community=space).values_list("title", flat=True))
    for spec in QUESTIONS:
        if spec["title"] not in titles:
            _seed_question(spec, cast=cast, asked_at=now - timedelta(days=spec["days"]))
    # The space as old as its first question (it is made by the first one asked, at the seed).
    first = min(now - timedelta(days=spec["days"]) for spec in QUESTIONS)
    Community.objects.filter(pk=space.pk, created_at__gt=first).update(created_at=first)
    latest = Thread.objects.filter(community=space).aggregate(latest=Max("last_activity_at"))["latest"]
    Community.objects.filter(pk=space.pk).update(last_activity_at=latest)
    return Thread.objects.filter(community=space, title__in=[spec["title"] for spec in QUESTIONS]).count()


def _seed_question(spec: dict, *, cast: Cast, asked_at) -> Question:
    asker = cast.person(spec["asker"])
    question = question_create(
        asker=asker,
        title=spec["title"],
        body=spec["body"],
        service_area=spec.get("service_area", ""),
        tags=spec.get("tags", []),
    )
    suggested = [suggestion.person.pk for suggestion in people_to_ask(question=question)]
    chosen = suggested[: spec["ask"]]
    for key in spec.get("include", []):
        person = cast.person(key)
        if person.pk in suggested and person.pk not in chosen:
            chosen.append(person.pk)
    question_confirm_people(asker=asker, question=question, person_ids=chosen)
    asked = list(QuestionAsk.objects.filter(question=question).order_by("pk").select_related("person"))
    thread = question.thread
    posts = []
    for number, reply in enumerate(spec.get("replies", []), start=1):
        author = asked[reply["asked"]].person if "asked" in reply else cast.person(reply["person"])
        post = post_reply(author=author, thread=thread, body=reply["body"])
        posts.append((post, asked_at + REPLY_GAP * number))
        for key in reply.get("helpful", []):
            post_helpful_toggle(user=cast.person(key), post=post)
        if reply.get("accepted"):
            thread_mark_answer(actor=asker, thread=thread, post=post)
    for index in spec.get("passed", []):
        if index < len(asked):
            ask_pass(person=asked[index].person, question=question)
    _date(question, asked_at, posts)
    return question


def _date(question: Question, asked_at, posts) -> None:
    """The question, its asks, replies and notices as of when they happened."""
    thread = question.thread
    last = posts[-1][1] if posts else asked_at
    Question.objects.filter(pk=question.pk).update(created_at=asked_at, people_confirmed_at=asked_at)
    Thread.objects.filter(pk=thread.pk).update(created_at=asked_at, last_activity_at=last)
    Post.objects.filter(pk=thread.opening_post_id).update(created_at=asked_at, notified_at=asked_at)
    for post, at in posts:
        Post.objects.filter(pk=post.pk).update(created_at=at, notified_at=at)
    asks = QuestionAsk.objects.filter(question=question)
    asks.update(created_at=asked_at)
    asks.exclude(responded_at=None).update(responded_at=last)
    Notification.objects.filter(url__contains=f"/conversations/{thread.pk}/").update(created_at=asked_at)
