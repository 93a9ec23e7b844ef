"""Every write to practice: stories (stories.py) and what others do with them (recognition.py).

Errors a person can fix are ValidationError with a message to show as it is, and nothing is saved. A story
the person may not read is Http404 (practice.permissions), so a refusal never reveals it.
"""

from practice import permissions
from practice.models import PracticeStory
from profiles.models import User
from profiles.services import notification_send


def authors_of(story: PracticeStory) -> list[User]:
    return [story.author, *story.co_authors.all()]


def authors_notify(*, story: PracticeStory, actor: User | None, kind: str, text: str) -> None:
    """Tell each of the story's authors (not the one who acted) through their inbox."""
    for person in authors_of(story):
        if permissions.can_read(user=person, story=story):
            notification_send(
                recipient=person,
                kind=f"practice.{kind}",
                text=text,
                url=story.get_absolute_url(),
                actor=actor,
                target=story,
            )


def locked_story(story: PracticeStory) -> PracticeStory:
    """The story's row, locked alone: counts and status change one writer at a time."""
    return (
        PracticeStory.objects.select_for_update(of=("self",))
        .select_related("community", "author", "council")
        .get(pk=story.pk)
    )
