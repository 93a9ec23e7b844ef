"""Activity digests (khub.digests): what each member's digest holds, what it never holds, the windows
"since their last digest", the email itself, the "view in browser" page and the builder's query pins.

Sending exactly once (claims, the sweep, retries), the command and the beat schedule are in
test_digest_delivery.py.
"""

import datetime
import json
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, HubSettings, Post, Thread
from communities.services.conversations import post_delete, post_reply, post_report, thread_create
from communities.services.membership import (
    membership_ban,
    membership_decline,
    membership_join,
    membership_leave,
    membership_remove,
    membership_set_role,
    memberships_digest_set,
)
from communities.services.moderation import post_hide, report_dismiss
from khub.digests import emails
from khub.digests.content import digests_build
from khub.digests.delivery import (
    RECORD_EVERY,
    SEND_BATCH,
    deliver_chunk,
    deliveries_create,
    period_for,
    recipients,
    with_history,
)
from khub.digests.emails import digest_message
from khub.models import DigestDelivery
from practice.models import PracticeStory
from practice.services.recognition import adoption_record, story_promote
from practice.services.stories import story_archive
from profiles.emails import unsubscribe_read
from profiles.models import User
from profiles.services import follow_create
from tests.communities.helpers import community, person_as
from tests.factories import MembershipFactory, UserFactory, VerifiedMemberFactory, with_tags
from tests.practice.helpers import author_in, draft_story, published_story

pytestmark = pytest.mark.django_db

DAILY = DigestDelivery.Frequency.DAILY
# Memberships, interests, new threads, reply counts, busy threads, their reply times, stories, adoptions,
# co-authors, story tags, join requests, reports, new events, the members' replies to the coming week's
# events, (issue 21) the library's new documents and guides in one UNION, and (issue 22) the members'
# expertise: one query each, however many members and rows. (When members hold expertise, Ask the hub reads
# the open questions and their tags too: 2 more, fixed; none of these members holds any.)
BUILD_QUERIES = 16
# deliver_chunk: insert the rows, claim them, read the claimed rows, the members with their history, the
# build (BUILD_QUERIES), then what was built written onto the rows still claimed (PostgreSQL: one UPDATE ...
# FROM (VALUES ...); SQLite: savepoint, lock the rows still claimed, bulk update, release). Per batch of
# SEND_BATCH emails: the claim and, on PostgreSQL, its outcomes' commits set not to wait for the disk and
# reset; per RECORD_EVERY emails sent: their outcome recorded.
DELIVER_QUERIES = {"postgresql": 4 + BUILD_QUERIES + 1, "sqlite": 4 + BUILD_QUERIES + 4}
PER_BATCH = {"postgresql": 3, "sqlite": 1}
# Session, member, the delivery, readable and managed communities, listed stories, the header's unread
# count.
VIEW_QUERIES = 7


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # The builders post far more than a person may in a minute: the rate limit is not what is tested here.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


# --- Builders ------------------------------------------------------------------------------------------
def _reader(relation: str, place: Community, **fields) -> User:
    """A person on the daily digest, in this relation to the community (a verified address: a recipient)."""
    return person_as(relation, place, digest_frequency=DAILY, **fields)


def _interested(user: User, *interests: str) -> User:
    return with_tags(user, interests=interests)


def _start(place: Community, title: str, author: User | None = None) -> Thread:
    return thread_create(author=author or place.created_by, community=place, title=title, body="How?")


def _age(thread: Thread, by: timedelta = timedelta(days=3)) -> Thread:
    """Started long before the window: not a new conversation any more (its replies may still be new)."""
    then = timezone.now() - by
    Thread.objects.filter(pk=thread.pk).update(created_at=then)
    Post.objects.filter(pk=thread.opening_post_id).update(created_at=then)
    thread.refresh_from_db()
    return thread


def _busy(place: Community, title: str, replier: User, replies: int = 2) -> Thread:
    """An older conversation with `replies` new replies."""
    thread = _age(_start(place, title))
    for number in range(replies):
        post_reply(author=replier, thread=thread, body=f"Reply {number}")
    return thread


def _adopt(story: PracticeStory, person: User | None = None):
    return adoption_record(
        user=person or VerifiedMemberFactory(),
        story=story,
        outcome="adopted",
        started_on=datetime.date(2024, 4, 1),
    )


def _activity(place: Community, marker: str = "") -> SimpleNamespace:
    """A day in a community: a new conversation, a busy one, a community-audience story tagged "housing",
    promoted by the owner and repeated by another council. `keys` are what an ordinary member of it hears
    of: the story's discussion is not listed as a new conversation besides the story itself."""
    author = author_in(place)
    thread = _start(place, f"{marker}New conversation about bins")
    busy = _busy(place, f"{marker}Busy conversation about rents", replier=author)
    story = published_story(
        community=place,
        author=author,
        audience="community",
        title=f"{marker}Story of repairs",
        tags=["housing"],
    )
    story_promote(actor=place.created_by, story=story)
    adoption = _adopt(story, author_in(place))
    story.refresh_from_db()
    keys = {
        f"thread:{thread.pk}",
        f"busy:{busy.pk}",
        f"published:{story.pk}",
        f"promoted:{story.pk}",
        f"repeated:{adoption.pk}",
    }
    return SimpleNamespace(author=author, thread=thread, busy=busy, story=story, adoption=adoption, keys=keys)


def _digest(person: User, now: datetime.datetime | None = None) -> DigestDelivery:
    """Build and send this member's daily digest as the chunk task does; the delivery row afterwards."""
    now = now or timezone.now()
    period = period_for(frequency=DAILY, moment=now)
    deliver_chunk(frequency=DAILY, period=period, user_ids=[person.pk], now=now)
    return DigestDelivery.objects.get(user=person, frequency=DAILY, period=period)


def _keys(delivery: DigestDelivery, section: str | None = None) -> set[str]:
    return {
        item["key"] for part in delivery.sections if section in (None, part["name"]) for item in part["items"]
    }


def _emails(person: User) -> list:
    return [message for message in mail.outbox if message.to == [person.email]]


def _email(person: User):
    (message,) = _emails(person)
    return message


def _html(message) -> str:
    ((html, kind),) = message.alternatives
    assert kind == "text/html"
    return html


def _everything(person: User) -> str:
    """Every word the member was sent or could see: subjects, both parts, the stored sections."""
    parts = [json.dumps(row.sections) + row.subject for row in DigestDelivery.objects.filter(user=person)]
    for message in _emails(person):
        parts += [message.subject, message.body, _html(message)]
    return "\n".join(parts)


# --- Content per role --------------------------------------------------------------------------------
@pytest.mark.parametrize("visibility", ["open", "restricted", "private"])
def test_a_member_hears_of_new_and_busy_conversations_and_practice_in_their_community(visibility):
    place = community(visibility)
    reader = _reader("member", place)
    made = _activity(place)

    delivery = _digest(reader)

    assert delivery.state == DigestDelivery.State.SENT
    assert set(delivery.item_keys) == _keys(delivery) == made.keys
    assert _keys(delivery, "busy") == {f"busy:{made.busy.pk}"}
    assert _email(reader).subject == (
        "Your daily digest: 1 new conversation, 1 busy conversation and 3 practice updates"
    )


def test_a_conversation_with_one_new_reply_is_not_busy():
    place = community("open")
    reader = _reader("member", place)
    quiet = _busy(place, "Quiet conversation", replier=author_in(place), replies=1)

    delivery = _digest(reader)

    assert delivery.state == DigestDelivery.State.EMPTY
    assert f"busy:{quiet.pk}" not in delivery.item_keys
    assert _emails(reader) == []


@pytest.mark.parametrize("relation", ["facilitator", "owner"])
def test_facilitators_hear_of_join_requests_and_open_reports_and_plain_members_do_not(relation):
    place = community("restricted")
    facilitator = _reader(relation, place)
    member = _reader("member", place)
    made = _activity(place)
    request = membership_join(user=UserFactory(display_name="Asha Asker"), community=place, message="Hi")
    report = post_report(reporter=made.author, post=made.thread.opening_post, reason="Off topic")

    for_facilitator, for_member = _digest(facilitator), _digest(member)

    waiting = {f"request:{request.pk}:{request.updated_at.timestamp():.0f}", f"report:{report.pk}"}
    assert _keys(for_facilitator, "waiting") == waiting
    assert _keys(for_facilitator) == made.keys | waiting
    assert _keys(for_member, "waiting") == set()
    assert _keys(for_member) == made.keys
    assert _email(facilitator).subject.startswith("Your daily digest: 2 requests and reports, ")
    assert "Asha Asker asked to join" in _email(facilitator).body
    assert "Asha Asker" not in _everything(member)


def test_a_facilitator_elsewhere_is_not_told_of_requests_in_a_community_they_only_belong_to():
    place, theirs = community("restricted"), community("restricted")
    person = _reader("member", place)
    MembershipFactory(community=theirs, user=person, role="facilitator")
    membership_join(user=UserFactory(display_name="Asha Asker"), community=place)
    thread = _start(place, "Something to read")
    report = post_report(reporter=author_in(place), post=thread.opening_post, reason="Off topic")

    delivery = _digest(person)

    assert _keys(delivery) == {f"thread:{thread.pk}"}
    assert f"report:{report.pk}" not in _everything(person)
    assert "Asha Asker" not in _everything(person)


def test_decided_requests_and_dismissed_reports_are_not_waiting():
    place = community("restricted")
    facilitator = _reader("facilitator", place)
    asker = UserFactory(display_name="Asha Asker")
    membership_join(user=asker, community=place)
    membership_decline(actor=place.created_by, community=place, user=asker)
    thread = _start(place, "Reported conversation")
    report = post_report(reporter=author_in(place), post=thread.opening_post, reason="Off topic")
    report_dismiss(actor=place.created_by, report=report)

    delivery = _digest(facilitator)

    assert _keys(delivery) == {f"thread:{thread.pk}"}


def test_a_members_own_conversation_and_story_are_not_news_to_them():
    place = community("open")
    writer = author_in(place, digest_frequency=DAILY)
    co_author = author_in(place, digest_frequency=DAILY)
    own = _start(place, "My own question", author=writer)
    theirs = _start(place, "Someone else's question")
    story = published_story(
        community=place, author=writer, co_authors=[co_author.handle], audience="community", title="Our story"
    )
    story_promote(actor=place.created_by, story=story)
    _adopt(story)
    story.refresh_from_db()

    for_writer, for_co_author = _digest(writer), _digest(co_author)

    assert _keys(for_writer) == {f"thread:{theirs.pk}"}
    # The story is the co-author's too: no practice news of it (and its discussion is not listed).
    assert _keys(for_co_author) == {f"thread:{own.pk}", f"thread:{theirs.pk}"}


@pytest.mark.parametrize(
    ("visibility", "audience", "heard"),
    [
        ("open", "community", True),
        ("open", "public", True),
        ("restricted", "members", True),
        ("private", "members", True),  # its authors chose every signed-in member: practice.permissions
        ("restricted", "community", False),
        ("private", "community", False),
    ],
)
def test_practice_from_elsewhere_matching_a_members_interests_reaches_them_only_if_they_may_read_it(
    visibility, audience, heard
):
    elsewhere = community(visibility, name="Faraway Practice Circle")
    reader = _interested(UserFactory(digest_frequency=DAILY), "Housing")
    story = published_story(
        community=elsewhere, audience=audience, title="Story of repairs", tags=["housing"]
    )
    published_story(community=elsewhere, audience="public", title="Story of bins", tags=["waste"])
    story_promote(actor=elsewhere.created_by, story=story)
    adoption = _adopt(story, author_in(elsewhere))

    delivery = _digest(reader)

    if heard:
        assert _keys(delivery) == {f"published:{story.pk}", f"promoted:{story.pk}", f"repeated:{adoption.pk}"}
        assert _email(reader).subject == "Your daily digest: 3 practice updates"
        # The item names the council, not the community (which may not exist for the reader).
        assert "Faraway Practice Circle" not in _everything(reader)
    else:
        assert delivery.state == DigestDelivery.State.EMPTY
        assert _emails(reader) == []
        assert "Story of repairs" not in _everything(reader)


# --- Nothing leaks -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "relation", ["outsider", "requester", "invited", "declined", "left", "removed", "banned"]
)
def test_nothing_from_a_private_community_reaches_anyone_outside_it(relation):
    """Not through its conversations, nor an interest in its community-audience story, nor following its
    author: they hear of their open community, and of nothing else."""
    private = community("private", name="Closed Circle")
    made = _activity(private, marker="SECRET ")
    person_as("requester", private, display_name="SECRET Asker")
    post_report(reporter=author_in(private), post=made.thread.opening_post, reason="SECRET reason")
    person = _interested(_reader(relation, private), "housing")
    follow_create(follower=person, followed=made.author)
    follow_create(follower=person, followed=private.created_by)
    open_place = community("open")
    MembershipFactory(community=open_place, user=person)
    news = _start(open_place, "Open news")

    delivery = _digest(person)

    assert _keys(delivery) == {f"thread:{news.pk}"}
    assert _email(person).subject == "Your daily digest: 1 new conversation"
    everything = _everything(person)
    assert "SECRET" not in everything
    assert "Closed Circle" not in everything


@pytest.mark.parametrize("action", ["left", "removed", "banned"])
def test_a_member_who_leaves_or_is_removed_before_the_digest_is_sent_hears_nothing_of_it(action):
    private = community("private", name="Closed Circle")
    person = _interested(_reader("member", private), "housing")
    MembershipFactory(community=community("open"), user=person)
    _activity(private, marker="SECRET ")
    if action == "left":
        membership_leave(user=person, community=private)
    elif action == "removed":
        membership_remove(actor=private.created_by, community=private, user=person, reason="Moved on")
    else:
        membership_ban(actor=private.created_by, community=private, user=person, reason="Abuse")

    delivery = _digest(person)

    assert delivery.state == DigestDelivery.State.EMPTY
    assert _emails(person) == []
    assert "SECRET" not in _everything(person)


def test_conversations_whose_opening_post_was_hidden_or_deleted_are_left_out():
    place = community("open")
    reader = _reader("member", place)
    author = author_in(place)
    hidden = _start(place, "Hidden conversation")
    post_hide(actor=place.created_by, post=hidden.opening_post, reason="Spam")
    deleted = _start(place, "Deleted conversation", author=author)
    post_delete(actor=author, post=deleted.opening_post)
    hidden_busy = _busy(place, "Hidden busy conversation", replier=author)
    post_hide(actor=place.created_by, post=hidden_busy.opening_post, reason="Spam")
    # Two new replies, one of them hidden: one visible reply is not busy.
    half = _busy(place, "Half-hidden busy conversation", replier=author)
    post_hide(actor=place.created_by, post=half.posts.filter(depth=1).first(), reason="Rude")
    kept = _start(place, "Kept conversation")

    delivery = _digest(reader)

    assert _keys(delivery) == {f"thread:{kept.pk}"}
    assert "Hidden" not in _everything(reader)
    assert "Deleted" not in _everything(reader)


def test_draft_and_archived_stories_are_left_out():
    place = community("open")
    reader = _interested(_reader("member", place), "housing")
    draft_story(community=place, audience="community", title="Draft story", tags=["housing"])
    archived = published_story(
        community=place, audience="community", title="Archived story", tags=["housing"]
    )
    story_promote(actor=place.created_by, story=archived)
    _adopt(archived)
    story_archive(actor=archived.author, story=archived)
    live = published_story(community=place, audience="community", title="Live story")

    delivery = _digest(reader)

    assert _keys(delivery, "practice") == {f"published:{live.pk}"}
    assert "Draft story" not in _everything(reader)


def test_nothing_from_a_muted_community_not_even_its_stories_matched_by_interest():
    muted, kept = community("open", name="Muted Circle"), community("open")
    reader = _interested(_reader("member", muted), "housing")
    MembershipFactory(community=kept, user=reader)
    memberships_digest_set(user=reader, included_ids={kept.pk})
    _activity(muted, marker="MUTED ")
    news = _start(kept, "Kept news")

    delivery = _digest(reader)

    assert _keys(delivery) == {f"thread:{news.pk}"}
    assert "MUTED" not in _everything(reader)
    assert "Muted Circle" not in _everything(reader)


def test_a_muted_community_s_facilitator_is_not_told_of_its_requests_either():
    place = community("restricted")
    facilitator = _reader("facilitator", place)
    memberships_digest_set(user=facilitator, included_ids=set())
    membership_join(user=UserFactory(), community=place)

    delivery = _digest(facilitator)

    assert delivery.state == DigestDelivery.State.EMPTY


# --- Since their last digest ---------------------------------------------------------------------------
def test_a_second_digest_lists_only_what_happened_after_the_first_one_ended():
    place = community("open")
    reader = _reader("member", place)
    first = _start(place, "First conversation")
    started = timezone.now()

    one = _digest(reader, now=started)
    second = _start(place, "Second conversation")
    two = _digest(reader, now=started + timedelta(days=1))

    assert _keys(one) == {f"thread:{first.pk}"}
    assert _keys(two) == {f"thread:{second.pk}"}
    assert two.covered_from == one.covered_to == started
    assert [message.subject for message in _emails(reader)] == ["Your daily digest: 1 new conversation"] * 2


def test_a_conversation_busy_in_two_consecutive_windows_appears_in_one_digest_only():
    place = community("open")
    reader = _reader("member", place)
    replier = author_in(place)
    busy = _busy(place, "Busy twice", replier=replier)
    started = timezone.now()
    one = _digest(reader, now=started)
    for body in ("Later reply 1", "Later reply 2"):
        post_reply(author=replier, thread=busy, body=body)
    newly = _busy(place, "Busy later", replier=replier)

    two = _digest(reader, now=started + timedelta(days=1))

    assert _keys(one) == {f"busy:{busy.pk}"}
    assert _keys(two) == {f"busy:{newly.pk}"}


def test_a_join_request_still_waiting_is_not_repeated_in_the_next_digest():
    place = community("restricted")
    facilitator = _reader("facilitator", place)
    request = membership_join(user=UserFactory(), community=place)
    started = timezone.now()

    one = _digest(facilitator, now=started)
    two = _digest(facilitator, now=started + timedelta(days=1))

    assert _keys(one) == {f"request:{request.pk}:{request.updated_at.timestamp():.0f}"}
    assert two.state == DigestDelivery.State.EMPTY
    assert len(_emails(facilitator)) == 1


def test_a_member_with_nothing_new_gets_no_email_and_an_empty_delivery_that_the_next_one_starts_from():
    place = community("open")
    reader = _reader("member", place)
    _age(_start(place, "Old conversation"))
    quiet = timezone.now()

    empty = _digest(reader, now=quiet)
    news = _start(place, "News at last")
    # Two days on (a day's run was missed): it starts where the empty one ended, not a day back.
    then = _digest(reader, now=quiet + timedelta(days=2))

    assert empty.state == DigestDelivery.State.EMPTY
    assert (empty.sections, empty.item_keys, empty.subject) == ([], [], "")
    assert empty.covered_to == quiet
    assert then.covered_from == quiet
    assert _keys(then) == {f"thread:{news.pk}"}
    assert len(_emails(reader)) == 1


def test_a_first_digest_covers_one_period_and_nothing_from_before_the_member_joined():
    place = community("open")
    newcomer, old_hand = _reader("member", place), _reader("member", place)
    now = timezone.now()
    User.objects.filter(pk=newcomer.pk).update(date_joined=now - timedelta(minutes=10))
    User.objects.filter(pk=old_hand.pk).update(date_joined=now - timedelta(days=30))
    threads = {}
    for title, age in (("Two days ago", timedelta(days=2)), ("An hour ago", timedelta(hours=1))):
        threads[title] = _start(place, title)
        Thread.objects.filter(pk=threads[title].pk).update(created_at=now - age)
    threads["Just now"] = _start(place, "Just now")

    for_newcomer, for_old_hand = (
        _digest(newcomer, now=now + timedelta(seconds=1)),
        _digest(old_hand, now=now + timedelta(seconds=1)),
    )

    assert _keys(for_newcomer) == {f"thread:{threads['Just now'].pk}"}
    assert _keys(for_old_hand) == {f"thread:{threads[title].pk}" for title in ("An hour ago", "Just now")}


def test_whether_a_conversation_is_busy_depends_on_the_members_own_window_not_on_their_chunk():
    place = community("open")
    recent, lapsed = _reader("member", place), _reader("member", place)
    now = timezone.now()
    User.objects.filter(pk__in=[recent.pk, lapsed.pk]).update(date_joined=now - timedelta(days=30))
    # The recent member's last digest ended an hour ago; the lapsed member's five days ago.
    for person, ended in ((recent, now - timedelta(hours=1)), (lapsed, now - timedelta(days=5))):
        DigestDelivery.objects.create(
            user=person,
            frequency=DAILY,
            period=(ended - timedelta(days=1)).date(),
            state="sent",
            covered_to=ended,
        )
    replier = author_in(place)
    thread = _age(_busy(place, "One reply for the recent member", replier=replier), by=timedelta(days=10))
    older_reply, newer_reply = thread.posts.filter(depth=1).order_by("path")
    Post.objects.filter(pk=older_reply.pk).update(created_at=now - timedelta(days=3))
    Post.objects.filter(pk=newer_reply.pk).update(created_at=now - timedelta(minutes=10))

    def built(*people):
        users = list(with_history(recipients(frequency=DAILY)).filter(pk__in=[p.pk for p in people]))
        return digests_build(users=users, frequency=DAILY, until=now)

    alone = built(recent)[recent.pk]
    together = built(recent, lapsed)

    assert _keys(together[lapsed.pk]) == {f"busy:{thread.pk}"}  # two replies in their five days
    assert alone.is_empty  # one reply in the recent member's hour: not busy
    assert together[recent.pk].is_empty


# --- Query pins ------------------------------------------------------------------------------------------
def _crowd(size: int) -> list[User]:
    """`size` daily members, each in three of six communities (open, restricted, private), facilitating the
    first, interested in "housing". Each community has a new conversation, a busy one, a promoted and
    repeated story, a join request and a report; and each member adds a busy conversation, a report and a
    join request of their own, so the rows grow with the crowd."""
    places = [community(visibility) for visibility in ("open", "restricted", "private") * 2]
    people = [_interested(UserFactory(digest_frequency=DAILY), "housing") for _ in range(size)]
    User.objects.filter(pk__in=[person.pk for person in people]).update(
        date_joined=timezone.now() - timedelta(days=2)
    )
    for number, person in enumerate(people):
        for step in range(3):
            role = "facilitator" if step == 0 else "member"
            MembershipFactory(community=places[(number + step) % 6], user=person, role=role)
    made = {place.pk: _activity(place) for place in places}
    for number, person in enumerate(people):
        place = places[number % 6]
        _busy(place, f"Question from member {number}", replier=made[place.pk].author)
        post_report(reporter=person, post=made[place.pk].thread.opening_post, reason="Off topic")
        person_as("requester", place)
    return [User.objects.get(pk=person.pk) for person in people]


@pytest.mark.parametrize("size", [1, 50])
def test_building_digests_takes_the_same_number_of_queries_for_1_or_50_members(
    size, django_assert_max_num_queries
):
    people = _crowd(size)
    users = list(with_history(recipients(frequency=DAILY)))
    assert len(users) == size

    with django_assert_max_num_queries(BUILD_QUERIES):
        digests = digests_build(users=users, frequency=DAILY, until=timezone.now())

    for digest in digests.values():
        assert [section["name"] for section in digest.sections] == ["waiting", "new", "busy", "practice"]
    assert set(digests) == {person.pk for person in people}


@pytest.mark.parametrize("size", [1, 50])
def test_delivering_a_chunk_takes_a_fixed_number_of_queries_plus_a_few_per_batch_and_one_per_five_emails(
    size, django_assert_max_num_queries
):
    people = _crowd(size)
    now = timezone.now()
    batches = -(-size // SEND_BATCH)
    records = sum(-(-min(SEND_BATCH, size - start) // RECORD_EVERY) for start in range(0, size, SEND_BATCH))
    expected = DELIVER_QUERIES[connection.vendor] + PER_BATCH[connection.vendor] * batches + records

    with django_assert_max_num_queries(expected) as queries:
        result = deliver_chunk(
            frequency=DAILY,
            period=period_for(frequency=DAILY, moment=now),
            user_ids=[p.pk for p in people],
            now=now,
        )

    assert result["sent"] == len(mail.outbox) == size
    assert len(queries.captured_queries) == expected


# --- The email -------------------------------------------------------------------------------------------
def test_the_email_says_what_is_inside_and_carries_its_links_and_one_click_unsubscribe(client):
    place = community("open")
    reader = _reader("member", place)
    made = _activity(place)

    delivery = _digest(reader)
    message = _email(reader)

    site = settings.SITE_URL
    assert (
        message.subject
        == delivery.subject
        == "Your daily digest: 1 new conversation, 1 busy conversation and 3 practice updates"
    )
    html = _html(message)
    view = f"{site}/digests/{delivery.pk}/"
    assert view == site + reverse("digest", kwargs={"delivery_id": delivery.pk})
    assert f"View it in your browser: {view}" in message.body
    assert f'href="{view}"' in html
    preferences = f"{site}/settings/notifications/"
    assert preferences in message.body
    assert f'href="{preferences}"' in html
    thread_url = f"{site}/communities/{place.slug}/conversations/{made.thread.pk}/"
    assert thread_url in message.body
    assert f'href="{thread_url}"' in html
    for heading in ("New conversations", "Busy conversations", "Practice"):
        assert heading.upper() in message.body
        assert f">{heading}</h2>" in html
    assert "2 new replies" in message.body

    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith(f"<{site}/unsubscribe/")
    assert header.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = header[1:-1]
    token = unsubscribe.removeprefix(f"{site}/unsubscribe/").rstrip("/")
    assert unsubscribe_read(token) == (reader, "digest")
    assert unsubscribe in message.body
    assert unsubscribe_read(token[:-2] + "xx") is None
    # One click, signed out: the POST a mail provider makes.
    response = client.post(unsubscribe.removeprefix(site), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.digest_frequency == User.Digest.OFF


def test_the_html_part_and_the_page_escape_a_hostile_title_and_name_and_the_text_part_keeps_them(client):
    place = community("restricted")
    facilitator = _reader("facilitator", place)
    hostile = "<script>alert(1)</script>"
    _start(place, hostile)
    membership_join(user=UserFactory(display_name='<img src=x onerror="alert(2)">'), community=place)

    _digest(facilitator)
    message = _email(facilitator)

    html = _html(message)
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html
    assert hostile in message.body
    assert '<img src=x onerror="alert(2)"> asked to join' in message.body
    assert "&lt;" not in message.body
    page = _page(client, facilitator, DigestDelivery.objects.get(user=facilitator)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page


def test_a_section_shows_its_newest_eight_and_counts_the_rest():
    place = community("open")
    reader = _reader("member", place)
    for number in range(10):
        _start(place, f"Conversation {number}")

    delivery = _digest(reader)
    message = _email(reader)

    (section,) = delivery.sections
    assert len(section["items"]) == 8
    assert section["more"] == 2
    assert message.subject == "Your daily digest: 10 new conversations"
    assert "and 2 more." in message.body
    assert "And 2 more." in _html(message)


# --- The "view in browser" page ---------------------------------------------------------------------------
def _page(client, viewer: User | None, delivery: DigestDelivery):
    if viewer is not None:
        client.force_login(viewer)
    return client.get(reverse("digest", kwargs={"delivery_id": delivery.pk}))


def test_the_recipient_sees_their_digest_in_the_browser(client):
    place = community("open")
    reader = _reader("member", place)
    made = _activity(place)
    delivery = _digest(reader)

    response = _page(client, reader, delivery)

    assert response.status_code == 200
    page = response.content.decode()
    assert "New conversation about bins" in page
    assert f'href="/communities/{place.slug}/conversations/{made.thread.pk}/"' in page
    assert "no longer available" not in page


@pytest.mark.parametrize("who", ["another member", "site admin"])
def test_nobody_but_the_recipient_sees_a_digest(client, who):
    place = community("open")
    reader = _reader("member", place)
    _start(place, "Private to the reader")
    delivery = _digest(reader)
    other = _reader("member", place) if who == "another member" else person_as("site_admin", place)

    response = _page(client, other, delivery)

    assert response.status_code == 404
    assert "Private to the reader" not in response.content.decode()


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client):
    place = community("open")
    reader = _reader("member", place)
    _start(place, "Something new")
    delivery = _digest(reader)

    response = _page(client, None, delivery)

    assert response.status_code == 302
    path = reverse("digest", kwargs={"delivery_id": delivery.pk})
    assert response["Location"] == f"{reverse('account_login')}?next={path}"


def test_an_item_from_a_community_the_recipient_has_left_is_withheld_with_a_note(client):
    private, open_place = community("private"), community("open")
    reader = _reader("member", private)
    MembershipFactory(community=open_place, user=reader)
    _start(private, "SECRET plans")
    _start(open_place, "Open plans")
    delivery = _digest(reader)
    membership_leave(user=reader, community=private)

    response = _page(client, reader, delivery)

    assert response.status_code == 200
    page = response.content.decode()
    assert "SECRET plans" not in page
    assert "Open plans" in page
    assert "1 item from this digest is no longer available to you." in page


def test_a_story_no_longer_listed_is_withheld_on_the_page(client):
    place = community("open")
    reader = _reader("member", place)
    story = published_story(community=place, audience="community", title="Soon archived")
    delivery = _digest(reader)
    story_archive(actor=story.author, story=story)

    page = _page(client, reader, delivery).content.decode()

    assert f'href="/practice/{story.slug}/"' not in page
    assert "1 item from this digest is no longer available to you." in page


def test_requests_and_reports_are_withheld_from_the_page_once_the_recipient_no_longer_manages_it(client):
    place = community("restricted")
    facilitator = _reader("facilitator", place)
    membership_join(user=UserFactory(display_name="Asha Asker"), community=place)
    thread = _start(place, "Reported conversation")
    post_report(reporter=author_in(place), post=thread.opening_post, reason="Off topic")
    delivery = _digest(facilitator)
    assert _keys(delivery, "waiting")
    membership_set_role(actor=place.created_by, community=place, user=facilitator, role="member")

    page = _page(client, facilitator, delivery).content.decode()

    assert "Asha Asker" not in page
    assert "was reported" not in page
    assert "Reported conversation" in page  # still a member: the conversation itself stays
    assert "2 items from this digest are no longer available to you." in page


def test_a_digest_that_was_not_sent_has_no_page(client):
    place = community("open")
    reader = _reader("member", place)
    empty = _digest(reader)
    pending_period = period_for(frequency=DAILY) + timedelta(days=1)
    deliveries_create(frequency=DAILY, period=pending_period, user_ids=[reader.pk])
    pending = DigestDelivery.objects.get(user=reader, period=pending_period)

    assert empty.state == DigestDelivery.State.EMPTY
    assert _page(client, reader, empty).status_code == 404
    assert _page(client, reader, pending).status_code == 404


@pytest.mark.parametrize("threads", [1, 20])
def test_the_digest_page_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries, threads):
    places = [community("open"), community("private")]
    reader = _interested(_reader("member", places[0]), "housing")
    MembershipFactory(community=places[1], user=reader)
    for number in range(threads):
        _start(places[number % 2], f"Conversation {number}")
        if number % 4 == 0:
            published_story(community=places[number % 2], title=f"Story {number}", tags=["housing"])
    delivery = _digest(reader)
    client.force_login(reader)

    with django_assert_max_num_queries(VIEW_QUERIES):
        response = client.get(reverse("digest", kwargs={"delivery_id": delivery.pk}))

    assert response.status_code == 200


def test_an_email_rendered_with_its_chunks_shared_item_lines_is_the_one_rendered_on_its_own():
    people = _crowd(3)
    now = timezone.now()
    deliver_chunk(
        frequency=DAILY,
        period=period_for(frequency=DAILY, moment=now),
        user_ids=[p.pk for p in people],
        now=now,
    )
    shared: dict = {}

    def parts(message) -> tuple[str, str, str]:
        token = re.compile(r"/unsubscribe/[^/\s\"]+/")  # signed with the time: not compared
        return tuple(token.sub("", text) for text in (message.subject, message.body, _html(message)))

    for delivery in DigestDelivery.objects.filter(user__in=people).select_related("user"):
        alone = digest_message(delivery=delivery, user=delivery.user)
        together = digest_message(delivery=delivery, user=delivery.user, fragments=shared)
        assert parts(together) == parts(alone)
        assert delivery.sections[0]["items"][0]["title"] in alone.body
    # The conversations and stories of the communities they share were rendered once for all three.
    assert len(shared) < sum(
        len(section["items"]) for d in DigestDelivery.objects.all() for section in d.sections
    )


def test_a_workers_chunks_of_one_run_share_the_item_lines_and_the_next_run_starts_afresh(monkeypatch):
    place = community("open")
    people = [_reader("member", place) for _ in range(6)]
    _activity(place)
    now = timezone.now()
    period = period_for(frequency=DAILY, moment=now)
    rendered = []
    render = emails.render_to_string

    def counted(name, *args, **kwargs):
        rendered.append(name)
        return render(name, *args, **kwargs)

    monkeypatch.setattr(emails, "render_to_string", counted)

    def chunk(members: list[User], day) -> int:
        """The item lines it rendered."""
        rendered.clear()
        deliver_chunk(frequency=DAILY, period=day, user_ids=[p.pk for p in members], now=now)
        return sum(name.startswith("emails/_digest_item") for name in rendered)

    first = chunk(people[:2], period)
    second = chunk(people[2:4], period)  # the same items, rendered by the first chunk
    next_run = chunk(people[4:], period + timedelta(days=1))

    assert first > 0
    assert second == 0
    assert next_run == first
    assert len(mail.outbox) == 6
