"""Demo data for `manage.py seed_demo`: `seed()` is the one way in.

The content is in data/*.yaml (each file's header says what its fields mean); the modules beside this one read
it and write it through the apps' services, in this order:

  people.py         real English councils, invented people at reserved addresses, their profiles and inboxes
  communities.py    a dozen communities with their members
  conversations.py  threads and replies in every community, two of them hundreds of posts long
  practice.py       practice stories with their endorsements, promotions and adoptions
  events.py         past and upcoming events, the people going, a waiting list, notes and a cancellation
  library.py        documents (real PDF, Word and Excel files built by documents.py) and two living guides
  ask.py            questions to the hub: one answered, one open, each asked of the people the ranking chose
  recent.py         the hours before the seed, and digest preferences, so that tomorrow's digest has news

Every address is under demo.khub.test (RFC 2606 reserves .test), so no demo email can reach a real
person, and seeding sends none: the notices it writes are old news in the inboxes (_skip_emails).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from communities.models import Community, Membership, Post, Thread, ThreadRead
from khub.demo.ask import seed_ask
from khub.demo.communities import seed_communities
from khub.demo.conversations import seed_conversations
from khub.demo.events import seed_events
from khub.demo.library import seed_library
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
from practice.models import PracticeStory
from profiles.models import EmailState, Notification, User

__all__ = ["DEMO_ACCOUNTS", "DEMO_DOMAIN", "PEOPLE_COUNT", "DemoAccount", "SeedReport", "main_pages", "seed"]


@dataclass
class SeedReport:
    councils: int = 0
    people: int = 0
    communities: int = 0
    logins: tuple[DemoAccount, ...] = ()


@transaction.atomic
def seed(*, password: str) -> SeedReport:
    """Create or update the demo data. Safe to run again: everything is keyed on slug, address or title."""
    started = timezone.now()
    councils = seed_councils()
    seed_people(councils=councils, password=password)
    communities = seed_communities()
    seed_conversations()
    seed_practice()
    seed_events()
    seed_library()
    seed_ask()
    seed_recent()
    _settle_reads(started)
    _skip_emails()
    return SeedReport(
        councils=len(councils),
        people=PEOPLE_COUNT + len(DEMO_ACCOUNTS),
        communities=communities,
        logins=DEMO_ACCOUNTS,
    )


def _settle_reads(started) -> None:
    """The demo's memberships and reads as if they had happened when its backdated content did: a member
    joined when the community started, and last read a thread when they last wrote in it. Otherwise every
    demo member would have joined, and read what they wrote in, at the moment of the seed, and the home
    page would have no unread conversations to show. Only what this seed made (from `started` on)."""
    Membership.objects.filter(joined_at__gte=started, state=Membership.State.ACTIVE).update(
        joined_at=Subquery(Community.objects.filter(pk=OuterRef("community_id")).values("created_at")[:1])
    )
    their_latest = (
        Post.objects.filter(thread=OuterRef("thread_id"), author=OuterRef("user_id"))
        .values("thread")
        .annotate(latest=Max("created_at"))
        .values("latest")
    )
    ThreadRead.objects.filter(last_read_at__gte=started).update(
        last_read_at=Coalesce(Subquery(their_latest[:1]), F("last_read_at"))
    )


def _skip_emails() -> None:
    """The mentions and replies the demo tells its people about (conversations.py's `notify` replies) are
    backdated news for their inboxes, not email: marked skipped in the seed's transaction, so neither the
    task queued on commit nor the sweep (or a worker, with Redis) sends them, to the terminal or anywhere."""
    Notification.objects.filter(
        recipient__email__endswith=f"@{DEMO_DOMAIN}", email_state__in=[EmailState.PENDING, EmailState.FAILED]
    ).update(email_state=EmailState.SKIPPED)


def main_pages() -> dict[str, str]:
    """The demo's main pages by name, read from the seeded data (so its content may change): the busiest open
    community, its longest conversation, the most endorsed public story, a colleague's profile, the open
    question to the hub. For the browser test that scans and photographs them and docs/screenshots.py."""
    place = Community.objects.filter(visibility=Community.Visibility.OPEN).order_by("-member_count").first()
    thread = Thread.objects.filter(community=place).order_by("-reply_count", "pk").first()
    story = (
        PracticeStory.objects.filter(
            status=PracticeStory.Status.PUBLISHED, audience=PracticeStory.Audience.PUBLIC
        )
        .order_by("-endorsement_count", "pk")
        .first()
    )
    colleague = User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}", is_staff=False).order_by("pk")[5]
    return {
        "home": "/",
        "communities": "/communities/",
        "community": place.get_absolute_url(),
        "thread": thread.get_absolute_url(),
        "practice": "/practice/",
        "story": story.get_absolute_url(),
        "people": "/people/",
        "profile": colleague.get_absolute_url(),
        "notifications": "/notifications/",
        "search": "/search/?q=housing",
        "question": _open_question_url(),
    }


def _open_question_url() -> str:
    """The demo's question to the hub that is still open (asked of member@: khub/demo/ask.py)."""
    from ask.models import Question

    question = Question.objects.filter(thread__reply_count=0).select_related("thread__community").first()
    return question.thread.get_absolute_url() if question else "/ask/"
