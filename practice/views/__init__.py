"""The practice pages: the library (library.py), a story and writing one (stories.py), and what members and
facilitators do with a story (recognition.py).

The library and a story's page are the hub's public face: they opt out of sign-in and show a visitor the
public stories only. Every other page needs sign-in. A signed-in member who may not read a story gets 404,
whatever the reason; a visitor asking for any story that is not public is sent to sign in, so neither learns
whether a private one exists.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest

from practice import permissions, selectors
from practice.models import PracticeStory


class SignInFirst(Exception):
    """Raised for a visitor who is not signed in; the view answers with a redirect to sign in."""


def readable_story(request: HttpRequest, slug: str) -> PracticeStory:
    story = selectors.story_for_page(slug=slug, viewer=request.user)
    if story is None or not permissions.can_read(user=request.user, story=story):
        if not request.user.is_authenticated:
            raise SignInFirst
        raise Http404("No such story")
    return story


def error_text(error: ValidationError | PermissionDenied) -> str:
    """A refusal's message, to show as it is (messages framework)."""
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def sign_in(request: HttpRequest):
    return redirect_to_login(request.get_full_path())
