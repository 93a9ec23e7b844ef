"""The digest builder picks each member's items from the candidates filed under their own communities and
interests; before, it checked every member against every candidate of the chunk. The digests must be the
same, item for item and in the same order: here both builders (the old one is kept in digests_before.py)
run on a hub with every relation to open, restricted and private communities, muted communities,
facilitators, a site admin, authors and co-authors, interests, earlier digests, members who joined
today, daily and weekly windows, and chunks of different sizes.
"""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from communities.models import HubSettings, Membership, Post, Thread
from communities.services.conversations import post_reply, post_report, thread_create
from communities.services.moderation import post_hide
from khub.digests.content import digests_build
from khub.digests.delivery import recipients, with_history
from khub.models import DigestDelivery
from practice.services.recognition import adoption_record, story_promote
from profiles.models import User
from tests.communities.helpers import RELATIONS, community
from tests.factories import AdminFactory, MembershipFactory, UserFactory, VerifiedMemberFactory, with_tags
from tests.khub.digests_before import digests_build_before
from tests.practice.helpers import author_in, published_story

pytestmark = pytest.mark.django_db

DAILY, WEEKLY = DigestDelivery.Frequency.DAILY, DigestDelivery.Frequency.WEEKLY
RELATION_NAMES = [name for name in RELATIONS if name != "outsider"]


def _at(model, pk: int, moment) -> None:
    model.objects.filter(pk=pk).update(created_at=moment)


def _hub(rng: random.Random) -> list[User]:
    """Six communities (two of each visibility) with a week of activity, and 40 members in random
    relations to them; returns the members."""
    now = timezone.now()
    places = [community(visibility) for visibility in ("open", "restricted", "private") * 2]
    people = []
    for number in range(40):
        factory = AdminFactory if number == 0 else VerifiedMemberFactory if number % 3 else UserFactory
        person = factory(digest_frequency=rng.choice([DAILY, DAILY, WEEKLY]))
        # Most joined long ago; a few today, whose first digest starts when they joined.
        joined = now - (timedelta(hours=rng.randint(1, 20)) if number % 9 == 4 else timedelta(days=30))
        User.objects.filter(pk=person.pk).update(date_joined=joined)
        interests = rng.sample(["housing", "waste", "roads"], rng.randint(0, 2))
        if interests:
            with_tags(person, interests=interests)
        for place in rng.sample(places, rng.randint(1, 4)):
            state, role = RELATIONS[rng.choice(RELATION_NAMES + ["member"] * 4)]
            MembershipFactory(
                community=place,
                user=person,
                state=state,
                role=role,
                in_digest=rng.random() > 0.2,  # a muted community, if the membership is active
            )
        people.append(person)
    promoter = AdminFactory(digest_frequency=User.Digest.OFF)  # never one of a story's authors
    active = {
        place.pk: [
            m.user
            for m in Membership.objects.filter(community=place, state=Membership.State.ACTIVE).select_related(
                "user"
            )
        ]
        for place in places
    }
    for place in places:
        writers = active[place.pk]
        # New conversations: today, and three days ago (new only to a weekly digest); the first
        # community has more than a section shows.
        for number in range(10 if place is places[0] else 3):
            thread = thread_create(
                author=rng.choice(writers),
                community=place,
                title=f"{place.name}: question {number}",
                body="?",
            )
            if number % 3 == 2:
                moment = now - timedelta(days=3)
                _at(Thread, thread.pk, moment)
                _at(Post, thread.opening_post_id, moment)
        reported = thread_create(author=rng.choice(writers), community=place, title="Reported", body="?")
        hidden = thread_create(author=place.created_by, community=place, title="Hidden opening", body="?")
        post_hide(actor=place.created_by, post=hidden.opening_post, reason="Off topic")
        # Busy conversations: replies spread over the last three days, so whether one is busy depends
        # on the member's own window.
        for number in range(3):
            thread = thread_create(
                author=rng.choice(writers), community=place, title=f"{place.name}: busy {number}", body="?"
            )
            _at(Thread, thread.pk, now - timedelta(days=10))
            _at(Post, thread.opening_post_id, now - timedelta(days=10))
            for reply in range(rng.randint(1, 5)):
                post = post_reply(author=rng.choice(writers), thread=thread, body=f"Reply {reply}")
                _at(Post, post.pk, now - timedelta(hours=rng.choice([1, 5, 20, 30, 60])))
        # Practice: stories for every audience, tagged, some co-written, promoted and repeated.
        for number, audience in enumerate(["public", "members", "community"]):
            author = rng.choice(writers)
            if not author.has_verified_affiliation:
                author = VerifiedMemberFactory()
                MembershipFactory(community=place, user=author)
            co_authors = [rng.choice(people).handle] if number == 1 else []
            story = published_story(
                community=place,
                author=author,
                co_authors=co_authors,
                audience=audience,
                title=f"{place.name}: story {number}",
                tags=[rng.choice(["housing", "waste", "roads"])],
            )
            if number != 2:
                story_promote(actor=promoter, story=story)
            adoption_record(
                user=author_in(place), story=story, outcome="adopted", started_on=date(2024, 4, 1)
            )
        # Waiting for facilitators: a request to join and a report.
        MembershipFactory(community=place, user=UserFactory(), state=Membership.State.REQUESTED)
        reporter = next(person for person in writers if person.pk != reported.author_id)
        post_report(reporter=reporter, post=reported.opening_post, reason="Names a resident")
    # Earlier digests: some members' windows start at their last one, which listed some of today's items.
    keys = [f"thread:{pk}" for pk in Thread.objects.values_list("pk", flat=True)]
    keys += [f"busy:{pk}" for pk in Thread.objects.values_list("pk", flat=True)]
    for number, person in enumerate(people):
        if number % 4 == 0:
            continue
        covered_to = now - timedelta(hours=rng.choice([2, 12, 26]))
        DigestDelivery.objects.create(
            user=person,
            frequency=person.digest_frequency,
            period=date(2024, 1, 1) + timedelta(days=number),
            state=DigestDelivery.State.SENT if number % 2 else DigestDelivery.State.EMPTY,
            covered_from=covered_to - timedelta(days=1),
            covered_to=covered_to,
            item_keys=rng.sample(keys, 6),
        )
    return people


@pytest.fixture
def hub(db):
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()
    return _hub(random.Random(18))


def _both(frequency: str, chunk_size: int) -> tuple[dict, dict]:
    """Each member's sections from the builder and from the one before it, in chunks of chunk_size."""
    until = timezone.now()
    ids = list(recipients(frequency=frequency).values_list("pk", flat=True))
    now, before = {}, {}
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        users = list(with_history(recipients(frequency=frequency)).filter(pk__in=chunk))
        built = digests_build(users=users, frequency=frequency, until=until)
        now.update({pk: (d.since, d.sections) for pk, d in built.items()})
        users = list(with_history(recipients(frequency=frequency)).filter(pk__in=chunk))
        built = digests_build_before(users=users, frequency=frequency, until=until)
        before.update({pk: (d.since, d.sections) for pk, d in built.items()})
    return now, before


def test_every_members_digest_is_the_same_as_the_builder_before_made_it_daily_or_weekly_in_any_chunk(hub):
    for frequency in (DAILY, WEEKLY):
        for chunk_size in (1, 7, 500):
            now, before = _both(frequency, chunk_size)

            assert now.keys() == before.keys()
            for pk in now:
                assert now[pk] == before[pk], f"member {pk}, {frequency}, chunks of {chunk_size}"
            # Something to compare: every section, long ones, empty digests.
            sections = [section for _, built in now.values() for section in built]
            assert {section["name"] for section in sections} == {"waiting", "new", "busy", "practice"}
            assert any(section["more"] for section in sections)
            assert any(not built for _, built in now.values())
            assert len(now) >= 8
