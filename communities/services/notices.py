"""Community notices: a line in the inbox of the person a community decision or action concerns."""

from django.urls import reverse

from communities.models import Community, Post
from profiles.models import User
from profiles.services import notification_send


def community_url(community: Community, name: str = "communities:detail") -> str:
    return reverse(name, kwargs={"slug": community.slug})


def community_notify(
    *,
    recipient: User,
    kind: str,
    text: str,
    community: Community,
    actor: User | None,
    url: str | None = None,
    collapse: bool = False,
    about: Post | None = None,
) -> None:
    """A community notice; `about` names the post it concerns, so the inbox checks that post (not just the
    community) against what the recipient may read."""
    notification_send(
        recipient=recipient,
        kind=f"community.{kind}",
        text=text,
        url=url or community_url(community),
        actor=actor,
        target=about or community,
        collapse=collapse,
    )
