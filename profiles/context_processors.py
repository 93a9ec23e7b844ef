from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from profiles.selectors import notifications_unread_count


def inbox(request: HttpRequest) -> dict:
    """The signed-in member's unread count for the header.

    Lazy: the COUNT runs only when a template prints it, at most once per response, so JSON, redirects
    and htmx fragments without the header cost nothing.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: notifications_unread_count(user=user))}
