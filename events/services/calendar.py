"""A member's personal calendar feed: the secret address (/events/feed/<token>.ics) that Outlook or Google
Calendar subscribes to. Whoever holds the address reads the member's events, so it is long and random
(secrets.token_urlsafe: 32 bytes, 43 characters) and the member can replace it; the old one then answers 404.
"""

import secrets

from django.db import IntegrityError, transaction

from events.models import CalendarFeed
from profiles.models import User


def _token() -> str:
    return secrets.token_urlsafe(32)


def calendar_feed_for(*, user: User) -> CalendarFeed:
    """The member's feed, made the first time they ask for it (their calendar settings page)."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user, token=_token())
    except IntegrityError:  # two first visits at once (one feed per member): the other one made it
        return CalendarFeed.objects.get(user=user)


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret address: the old one answers 404 from now on."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return CalendarFeed.objects.create(user=user, token=_token())
    feed.token = _token()
    feed.save(update_fields=["token"])
    return feed
