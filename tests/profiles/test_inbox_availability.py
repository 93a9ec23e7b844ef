"""A notice is re-checked against what its owner may read now, on every surface it appears: the inbox page,
the header's unread count and the data export (and its email). A notice about a thread moved into a
private community, a post since hidden, a community the member was removed from or a story whose audience
narrowed names nothing: "This is no longer available to you", not new, not counted."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.urls import reverse

from communities import permissions
from communities.models import Post, Thread
from communities.services.conversations import post_notify, post_reply, thread_create
from communities.services.membership import membership_ban, membership_remove
from communities.services.moderation import post_hide, thread_move
from practice.models import PracticeStory
from practice.services.recognition import endorsement_create
from practice.services.stories import story_audience_set
from profiles.emails import notification_email_send
from profiles.extensions import notices_mark_available
from profiles.models import EmailState, Notification
from profiles.selectors import notifications_checked, notifications_for_user, notifications_unread_count
from profiles.services import follow_create, notification_send, notifications_mark_read, user_personal_data
from tests.communities.helpers import community, person_as
from tests.factories import AdminFactory, CouncilFactory, MembershipFactory, UserFactory
from tests.practice.helpers import published_story

pytestmark = pytest.mark.django_db

GONE = "This is no longer available to you"
SECRET = "Restructure of the planning team"


def _mentioned_in_open_thread(*, title: str = SECRET):
    """A facilitator of an open community mentions a member there; the facilitator also runs a private one."""
    open_place, private_place = community("open"), community("private")
    facilitator = person_as("facilitator", open_place)
    MembershipFactory(community=private_place, user=facilitator, role="facilitator")
    reader = person_as("member", open_place)
    thread = thread_create(
        author=facilitator, community=open_place, title=title, body=f"Over to @{reader.handle}"
    )
    post_notify(post_id=thread.opening_post_id)
    return facilitator, reader, thread, private_place


def _inbox(client, person):
    client.force_login(person)
    response = client.get(reverse("profiles:notifications"))
    assert response.status_code == 200
    return response.content.decode()


def _shown(person) -> list[tuple[str, bool]]:
    """Each notice's kind and availability, as the data export finds them (notices_available_q in SQL);
    the inbox page's check (notices_mark_available, on fetched rows) must agree on every one."""
    mine = notifications_for_user(user=person)
    shown = [
        (notice.kind, notice.available) for notice in notifications_checked(user=person, notifications=mine)
    ]
    fetched = notices_mark_available(person, list(mine.select_related("target_type")))
    assert [(notice.kind, notice.available) for notice in fetched] == shown
    return shown


# --- The leak in the issue: a mention, then the thread moves somewhere private ---------------------------
def test_a_mention_in_a_thread_moved_into_a_private_community_no_longer_names_it(client):
    facilitator, reader, thread, private_place = _mentioned_in_open_thread()
    page = _inbox(client, reader)
    assert SECRET in page
    assert notifications_unread_count(user=reader) == 1

    thread_move(actor=facilitator, thread=thread, to=private_place)

    page = _inbox(client, reader)
    assert SECRET not in page
    assert private_place.name not in page
    assert facilitator.public_name not in page  # who sent it is not named either
    assert GONE in page
    assert "Mark as read" not in page  # not news, so not counted
    assert ">New<" not in page
    assert notifications_unread_count(user=reader) == 0
    assert 'class="govuk-tag">1<' not in page  # the header agrees with the list


def test_the_data_export_names_nothing_the_member_may_no_longer_read(client):
    facilitator, reader, thread, private_place = _mentioned_in_open_thread()
    thread_move(actor=facilitator, thread=thread, to=private_place)

    client.force_login(reader)
    response = client.post(reverse("profiles:settings-account-export"))
    exported = response.content.decode()
    assert SECRET not in exported
    (notice,) = json.loads(exported)["notifications"]
    assert notice == {**notice, "kind": "community.mention", "text": GONE, "url": "", "actor": None}
    assert SECRET not in json.dumps(user_personal_data(user=reader))


def test_a_notice_becomes_available_again_when_the_member_may_read_it_again(client):
    facilitator, reader, thread, private_place = _mentioned_in_open_thread()
    thread_move(actor=facilitator, thread=thread, to=private_place)
    MembershipFactory(community=private_place, user=reader)
    assert SECRET in _inbox(client, reader)
    assert notifications_unread_count(user=reader) == 1


def test_the_email_of_a_notice_moved_out_of_reach_is_skipped():
    facilitator, reader, thread, private_place = _mentioned_in_open_thread()
    notice = Notification.objects.get(recipient=reader, kind="community.mention")
    Notification.objects.filter(pk=notice.pk).update(email_state=EmailState.PENDING)
    thread_move(actor=facilitator, thread=thread, to=private_place)
    notice.refresh_from_db()
    assert notification_email_send(notification=notice) == "skipped"


# --- Removed or banned, a post hidden, a story's audience narrowed, a person gone ---------------------
@pytest.mark.parametrize("expel", [membership_remove, membership_ban])
def test_removed_or_banned_members_keep_the_notice_of_why_but_not_what_was_said(client, expel):
    place = community("restricted")
    facilitator = person_as("facilitator", place)
    reader = person_as("member", place)
    thread = thread_create(
        author=facilitator, community=place, title=SECRET, body=f"Over to @{reader.handle}"
    )
    post_notify(post_id=thread.opening_post_id)

    expel(actor=facilitator, community=place, user=reader, reason="Left the council")

    page = _inbox(client, reader)
    assert SECRET not in page
    assert "Left the council" in page  # the notice of their own standing stays
    assert sorted(_shown(reader)) == sorted(
        [
            ("community.mention", False),
            (f"community.{'removed' if expel is membership_remove else 'banned'}", True),
        ]
    )
    assert notifications_unread_count(user=reader) == 1


def test_a_reply_hidden_by_a_facilitator_is_gone_from_the_inbox_of_whoever_it_replied_to(client):
    place = community("open")
    facilitator = person_as("facilitator", place)
    asker, replier = person_as("member", place), person_as("member", place)
    thread = thread_create(author=asker, community=place, title="Bin rounds", body="How do you plan rounds?")
    reply = post_reply(author=replier, thread=thread, body="Abusive words here")
    post_notify(post_id=reply.pk)
    assert ("community.reply", True) in _shown(asker)

    post_hide(actor=facilitator, post=reply, reason="Abuse")

    assert ("community.reply", False) in _shown(asker)
    assert notifications_unread_count(user=asker) == 0
    # Its author is told, and may read their own hidden post's notice; the notice names the post itself.
    hidden = Notification.objects.get(recipient=replier, kind="community.post_hidden")
    assert hidden.target == Post.objects.get(pk=reply.pk)
    assert ("community.post_hidden", True) in _shown(replier)


def test_notices_in_a_thread_whose_opening_post_was_hidden_are_gone_as_from_every_list():
    place = community("open")
    facilitator = person_as("facilitator", place)
    asker, replier = person_as("member", place), person_as("member", place)
    thread = thread_create(author=asker, community=place, title="Bin rounds", body=f"Hello @{replier.handle}")
    post_notify(post_id=thread.opening_post_id)
    post_hide(actor=facilitator, post=thread.opening_post, reason="Off topic")
    assert _shown(replier) == [("community.mention", False)]
    assert ("community.post_hidden", True) in _shown(asker)


def test_a_story_whose_audience_narrows_is_gone_from_the_inbox_of_those_who_no_longer_read_it(client):
    place = community("restricted")
    reader = person_as("member", place)
    story = published_story(audience=PracticeStory.Audience.MEMBERS, community=place, title=SECRET)
    assert _shown(reader) == [("practice.published", True)]
    membership_remove(actor=place.created_by, community=place, user=reader)
    assert ("practice.published", True) in _shown(reader)  # every member still reads it

    story_audience_set(actor=story.author, story=story, audience=PracticeStory.Audience.COMMUNITY)

    assert ("practice.published", False) in _shown(reader)
    assert SECRET not in _inbox(client, reader)
    assert all(available for _, available in _shown(story.author))  # its authors always read it


def test_a_follow_from_someone_since_deactivated_names_nobody():
    follower, followed = UserFactory(), UserFactory()
    follow_create(follower=follower, followed=followed)
    assert _shown(followed) == [("follow", True)]
    follower.is_active = False
    follower.save()
    assert _shown(followed) == [("follow", False)]
    assert notifications_unread_count(user=followed) == 0


def test_notices_about_nothing_or_kinds_no_app_registered_stay_available(member):
    notification_send(recipient=member, kind="test", text="Welcome", actor=UserFactory())
    assert _shown(member) == [("test", True)]
    assert notifications_unread_count(user=member) == 1
    notification_send(recipient=member, kind="test.council", text="Your council", target=CouncilFactory())
    assert _shown(member) == [("test.council", True), ("test", True)]
    assert notifications_unread_count(user=member) == 2


# --- Cost: one query for a page, one COUNT for the header, whatever the page holds ------------------------
def _mixed_notices(reader, count: int):
    place, private_place = community("open"), community("private")
    facilitator = person_as("facilitator", place)
    MembershipFactory(community=private_place, user=facilitator, role="facilitator")
    for i in range(count):
        thread = thread_create(
            author=facilitator, community=place, title=f"T{i}", body=f"Hi @{reader.handle}"
        )
        post_notify(post_id=thread.opening_post_id)
        if i % 2:
            thread_move(actor=facilitator, thread=thread, to=private_place)
        follow_create(follower=UserFactory(), followed=reader)
    story = published_story()
    MembershipFactory(community=story.community, user=reader)
    endorsement_create(user=reader, story=story, comment="")


@pytest.mark.parametrize("count", [2, 8])  # 8 threads: under the 10 posts a minute
def test_the_inbox_page_costs_the_same_however_many_notices_are_unavailable(
    client, django_assert_max_num_queries, count
):
    reader = UserFactory()
    _mixed_notices(reader, count)
    client.force_login(reader)
    # session, user, page count, the page and newest unread lines, what they are about checked
    with django_assert_max_num_queries(5):
        response = client.get(reverse("profiles:notifications"))
    assert response.status_code == 200
    with django_assert_max_num_queries(1):
        notifications_unread_count(user=reader)
    shown = _shown(reader)
    assert sum(not available for _, available in shown) == count // 2
    assert notifications_unread_count(user=reader) == len(shown) - count // 2


@override_settings(INBOX_UNREAD_KEPT_SECONDS=60)  # as in production: the page keeps what it counted
def test_the_inbox_counts_unread_lines_beyond_its_page_as_the_header_does(client, django_assert_num_queries):
    reader = UserFactory()
    _mixed_notices(reader, 8)  # 16 unread lines (8 mentions, 8 follows), 4 about threads moved out of reach
    for i in range(25):  # newer: the whole first page
        notification_send(recipient=reader, kind="test", text=f"Welcome {i}", actor=None)
    client.force_login(reader)
    for page in (1, 2):
        response = client.get(reverse("profiles:notifications"), {"page": page})
        assert response.context["notifications_unread"] == 25 + 16 - 4
        assert '37<span class="govuk-visually-hidden"> unread</span>' in response.content.decode()
    with django_assert_num_queries(0):  # the header's count on other pages: kept from the inbox's
        assert notifications_unread_count(user=reader) == 37
    assert notifications_unread_count(user=reader, fresh=True) == 37  # as the header counts on its own
    assert [available for _, available in _shown(reader)].count(False) == 4


# --- The post rules agree with their filters, for every role and state -----------------------------------
def test_the_listing_and_notice_rules_for_posts_agree_with_their_filters_for_every_role_and_state():
    places = [community(visibility) for visibility in ("open", "restricted", "private")]
    viewers = [AdminFactory(), UserFactory(is_active=False), AnonymousUser()]
    posts, threads = [], []
    for place in places:
        author = person_as("member", place)
        viewers += [author, person_as("facilitator", place), person_as("member", place), UserFactory()]
        viewers.append(person_as("removed", place))
        for hide_opening in (False, True):
            thread = thread_create(author=author, community=place, title="Rounds", body="Opening words")
            visible = post_reply(author=author, thread=thread, body="A reply")
            hidden = post_reply(author=author, thread=thread, body="Another reply")
            post_hide(actor=place.created_by, post=hidden, reason="Abuse")
            if hide_opening:
                post_hide(actor=place.created_by, post=thread.opening_post, reason="Abuse")
            posts += [thread.opening_post_id, visible.pk, hidden.pk]
            threads.append(thread.pk)
    checked = 0
    for viewer in viewers:
        listed_threads = set(permissions.listed_threads(viewer).values_list("pk", flat=True))
        listed = set(permissions.listed_posts(viewer).values_list("pk", flat=True))
        named = set(permissions.posts_named_in_notices(viewer).values_list("pk", flat=True))
        for thread in Thread.objects.filter(pk__in=threads).select_related("community", "opening_post"):
            assert permissions.can_list_thread(user=viewer, thread=thread) == (thread.pk in listed_threads)
        for post in Post.objects.filter(pk__in=posts).select_related(
            "thread__community", "thread__opening_post"
        ):
            who = (viewer, post.pk, post.state)
            assert permissions.can_list_post(user=viewer, post=post) == (post.pk in listed), who
            assert permissions.can_name_in_notice(user=viewer, post=post) == (post.pk in named), who
            checked += 1
    assert checked == len(viewers) * len(posts)


def test_the_header_counts_at_most_a_hundred_and_says_99_plus(client):
    reader = UserFactory()
    for _ in range(101):
        notification_send(recipient=reader, kind="test", text="Welcome", actor=None)
    assert notifications_unread_count(user=reader) == 100
    client.force_login(reader)
    page = client.get(reverse("profiles:notifications")).content.decode()
    assert '99+<span class="govuk-visually-hidden"> unread</span>' in page


@override_settings(INBOX_UNREAD_KEPT_SECONDS=60)  # as in production (the test settings count every time)
def test_the_header_count_is_kept_between_pages_and_forgotten_when_a_notice_comes_or_is_read(
    client, django_assert_num_queries
):
    reader = UserFactory()
    notification_send(recipient=reader, kind="test", text="Welcome", actor=None)
    assert notifications_unread_count(user=reader) == 1
    with django_assert_num_queries(0):
        assert notifications_unread_count(user=reader) == 1  # kept
    notification_send(recipient=reader, kind="test", text="Again", actor=None)
    assert notifications_unread_count(user=reader) == 2  # a new notice forgets it
    notifications_mark_read(user=reader)
    assert notifications_unread_count(user=reader) == 0  # so does reading
