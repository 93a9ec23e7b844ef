"""Demo data for `manage.py seed_demo`: `seed()` is the one way in.

The content is in data/*.yaml (each file's header says what its fields mean); the modules beside this one read
it and write it through the apps' services, in this order:

  people.py         real English councils, invented people at reserved addresses, their profiles and inboxes
  communities.py    a dozen communities with their members
  conversations.py  threads and replies in every community, two of them hundreds of posts long
  practice.py       practice stories with their endorsements, promotions and adoptions
  recent.py         the hours before the seed, and digest preferences, so that tomorrow's digest has news

Every address is under demo.khub.test (RFC 2606 reserves .test), so no demo email can reach a real
person, and seeding sends none: the notices it writes are old news in the inboxes (_skip_emails).
"""

from dataclasses import dataclass

from django.db import transaction

from khub.demo.communities import seed_communities
from khub.demo.conversations import seed_conversations
from khub.demo.people import (
    DEMO_ACCOUNTS,
    DEMO_DOMAIN,
    PEOPLE_COUNT,
    DemoAccount,
    seed_councils,
    seed_people,
)
from khub.demo.practice import seed_practice
from khub.demo.recent import seed_recent
from profiles.models import EmailState, Notification

__all__ = ["DEMO_ACCOUNTS", "DEMO_DOMAIN", "PEOPLE_COUNT", "DemoAccount", "SeedReport", "seed"]


@dataclass
class SeedReport:
    councils: int = 0
    people: int = 0
    communities: int = 0
    logins: tuple[DemoAccount, ...] = ()


@transaction.atomic
def seed(*, password: str) -> SeedReport:
    """Create or update the demo data. Safe to run again: everything is keyed on slug, address or title."""
    councils = seed_councils()
    seed_people(councils=councils, password=password)
    communities = seed_communities()
    seed_conversations()
    seed_practice()
    seed_recent()
    _skip_emails()
    return SeedReport(
        councils=len(councils),
        people=PEOPLE_COUNT + len(DEMO_ACCOUNTS),
        communities=communities,
        logins=DEMO_ACCOUNTS,
    )


def _skip_emails() -> None:
    """The mentions and replies the demo tells its people about (conversations.py's `notify` replies) are
    backdated news for their inboxes, not email: marked skipped in the seed's transaction, so neither the
    task queued on commit nor the sweep (or a worker, with Redis) sends them, to the terminal or anywhere."""
    Notification.objects.filter(
        recipient__email__endswith=f"@{DEMO_DOMAIN}", email_state__in=[EmailState.PENDING, EmailState.FAILED]
    ).update(email_state=EmailState.SKIPPED)
