"""Ask the hub: a question to every member rather than one community, routed to the people most likely to
know (ask.routing), who are asked by name.

The question's conversation is an ordinary communities.Thread (kind "question") in the hub-wide space
"Questions to the hub" (an open community whose `everyone_takes_part` lets any member with a verified council
reply without joining, made the first time someone asks: ask.services.questions.questions_space): the same
thread page, replies, helpful marks and accepted answer as every conversation. This app keeps what is
particular to a question to the hub: its service area, who was asked and why, and what each of them did.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from practice.models import ServiceArea

SPACE_SLUG = "questions-to-the-hub"
SPACE_NAME = "Questions to the hub"


class Question(models.Model):
    thread = models.OneToOneField("communities.Thread", on_delete=models.CASCADE, related_name="hub_question")
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    service_area = models.CharField(max_length=24, choices=ServiceArea.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Who the ranking suggested when the question was posted, best first: [[person id, score, [reasons in
    # words]], ...] (ask.routing.suggestions_kept; None: not ranked yet). The asker's page reads it back;
    # emptied once they have chosen (what was said of those not asked is not kept).
    suggested = models.JSONField(null=True, blank=True, editable=False)
    # When the asker confirmed who to ask (None: posted, the people not chosen yet).
    people_confirmed_at = models.DateTimeField(null=True, blank=True)
    # When a question still without a reply after settings.ASK_FOLLOW_UP_DAYS was offered to the next people
    # in the ranking: once only (ask.services.follow_up).
    followed_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The follow-up sweep: questions not yet followed up, oldest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(followed_up_at__isnull=True),
                name="ask_question_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"Question {self.pk} (thread {self.thread_id})"


class QuestionAsk(models.Model):
    """One person asked about one question: why (the reasons shown to the asker and to them), by whom, and
    what they did. One row per question and person: nobody is asked twice about the same question."""

    class State(models.TextChoices):
        ASKED = "asked", "Asked"
        ANSWERED = "answered", "Answered"
        PASSED = "passed", "Passed: not me"

    class Round(models.IntegerChoices):
        FIRST = 1, "When it was asked"
        FOLLOW_UP = 2, "No reply after three days"
        SUGGESTED = 3, "Suggested by someone asked"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="asks")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Who put them forward when it was not the ranking: someone asked who suggested them instead.
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    round = models.PositiveSmallIntegerField(choices=Round.choices, default=Round.FIRST)
    # The reasons in words, as the ranking gave them ("wrote a story on this", "expertise: waste collection").
    reasons = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.ASKED)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["question", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "person"], name="ask_ask_once"),
        ]
        indexes = [
            # The weekly cap (settings.ASK_WEEKLY_CAP): how often a person was asked in the last seven days.
            models.Index(fields=["person", "-created_at"], name="ask_ask_person_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} asked about question {self.question_id}: {self.state}"
