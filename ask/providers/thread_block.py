"""The block Ask the hub adds to a question's page (core.providers.conversations): for someone asked, why
they were asked and what they can do (answer, "Not me", suggest someone else); for the asker, whom they
asked and what each did. Nobody else sees anything. No query for other threads (the community is read with
the thread); one or two index look-ups on a question's page, three for the asker's list."""

from ask.forms import SuggestForm
from ask.models import SPACE_SLUG, QuestionAsk
from ask.selectors import asked_people, asks_for_thread_block
from core.providers.conversations import ThreadBlock


def thread_block(viewer, thread) -> ThreadBlock | None:
    if not getattr(viewer, "is_authenticated", False) or thread.community.slug != SPACE_SLUG:
        return None
    question, ask = asks_for_thread_block(viewer=viewer, thread=thread)
    if question is None:
        return None
    if question.asker_id == viewer.pk:
        return ThreadBlock(
            template="ask/_asker_block.html",
            context={"question": question, "asks": asked_people(question=question)},
        )
    if ask is None:
        return None
    return ThreadBlock(
        template="ask/_asked_block.html",
        context={"question": question, "ask": ask, "State": QuestionAsk.State, "form": SuggestForm()},
    )
