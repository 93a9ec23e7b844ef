"""Builders shared by the Ask the hub tests."""

from ask.models import Question
from ask.services.questions import question_create
from tests.factories import VerifiedMemberFactory


def question(*, asker=None, title="How do you run a garden waste subscription?", body="We are starting one.",
             tags=("waste collection",), service_area="environment") -> Question:  # fmt: skip
    return question_create(
        asker=asker or VerifiedMemberFactory(),
        title=title,
        body=body,
        tags=list(tags),
        service_area=service_area,
    )
