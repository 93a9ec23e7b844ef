"""communities.services.conversations and .moderation: threads, replies, notices and what facilitators do.

Bad input changes nothing and says why; nobody hears of a conversation they may not read; every facilitator
action lands in the moderation log with the thread (and post) it concerned.
"""

import threading
from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from communities.models import (
    Community,
    HubSettings,
    Membership,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    PostRevision,
    Thread,
    ThreadWatch,
)
from communities.services.conversations import (
    BODY_MAX_LENGTH,
    post_delete,
    post_edit,
    post_helpful_toggle,
    post_notify,
    post_reply,
    post_report,
    posts_notify_unsent,
    thread_create,
    thread_mark_answer,
    thread_watch_set,
)
from communities.services.membership import membership_leave
from communities.services.moderation import (
    post_hide,
    post_unhide,
    report_dismiss,
    thread_move,
    thread_set_locked,
    thread_set_pinned,
)
from profiles.models import Notification
from tests.communities.helpers import community, person_as
from tests.concurrency import at_once
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

R = Membership.Role
A = ModerationLogEntry.Action


def _owner(of: Community):
    return Membership.objects.get(community=of, role=R.OWNER).user


def _start(
    of: Community, author=None, *, title="Temporary accommodation costs", body="How do you cope?", **kw
):
    return thread_create(author=author or _owner(of), community=of, title=title, body=body, **kw)


def _question(of: Community, author=None) -> Thread:
    return _start(of, author, title="Which housing register software?", kind=Thread.Kind.QUESTION)


def _reply(thread: Thread, author, body="We pool our budgets.", parent: Post | None = None) -> Post:
    return post_reply(author=author, thread=thread, body=body, parent=parent)


def _fresh(obj):
    obj.refresh_from_db()
    return obj


def _notified(person, kind: str):
    return Notification.objects.filter(recipient=person, kind=f"community.{kind}")


def _kinds(person) -> list[str]:
    return sorted(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


def _limit_posts_per_minute(limit: int) -> None:
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = limit
    settings_row.save()


def _age(posts, seconds: int) -> None:
    """Move posts back in time, as if they were written `seconds` ago."""
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


# --- thread_create -----------------------------------------------------------------------------------
def test_starting_a_conversation_saves_the_thread_its_opening_post_and_its_tags():
    place = community("open")
    author = person_as("member", place)
    thread = thread_create(
        author=author,
        community=place,
        title="  Temporary   accommodation\ncosts ",
        body="How do you **cope**?<script>alert(1)</script>",
        kind=Thread.Kind.QUESTION,
        tags=["Housing", "housing ", "", "Budgets"],
    )
    thread = Thread.objects.get(pk=thread.pk)
    assert thread.title == "Temporary accommodation costs"
    assert thread.is_question
    assert thread.reply_count == 0
    opening = thread.opening_post
    assert (opening.author, opening.depth, opening.path, opening.parent) == (author, 0, "000001", None)
    assert "<strong>cope</strong>" in opening.body_html
    assert "<script" not in opening.body_html
    assert sorted(thread.tags.names()) == ["Budgets", "Housing"]
    assert Post.objects.filter(thread=thread).count() == 1


def test_starting_a_conversation_makes_its_creator_watch_it_and_touches_the_community():
    place = community("open")
    author = person_as("member", place)
    thread = _start(place, author)
    assert ThreadWatch.objects.get(thread=thread, user=author).state == ThreadWatch.State.WATCHING
    assert _fresh(place).last_activity_at == thread.created_at == thread.last_activity_at


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "   "}, "title", "Enter a title."),
        ({"title": "t" * 201}, "title", "The title must be 200 characters or fewer."),
        ({"body": " \n\t "}, "body", "Enter your message."),
        (
            {"body": "x" * (BODY_MAX_LENGTH + 1)},
            "body",
            "Your message must be 20,000 characters or fewer. It has 20,001.",
        ),
        ({"tags": [f"tag {n}" for n in range(11)]}, "tags", "Enter 10 tags or fewer."),
        ({"tags": ["t" * 51]}, "tags", "Each tag must be 50 characters or fewer."),
        ({"kind": "poll"}, "kind", "Choose a discussion or a question."),
    ],
)
def test_starting_a_conversation_with_bad_input_says_why_and_saves_nothing(fields, field, message):
    place = community("open")
    with pytest.raises(ValidationError) as raised:
        _start(place, **fields)
    assert raised.value.message_dict[field] == [message]
    assert not Thread.objects.exists()
    assert not Post.objects.exists()
    assert _fresh(place).last_activity_at == place.last_activity_at


def test_a_body_of_exactly_the_maximum_length_is_accepted():
    thread = _start(community("open"), body="x" * BODY_MAX_LENGTH)
    assert len(thread.opening_post.body) == BODY_MAX_LENGTH


def test_a_post_mentioning_more_than_twenty_people_is_refused_and_nothing_is_saved():
    place = community("open")
    author = person_as("member", place)
    body = " ".join(f"@person-{n}" for n in range(21))
    with pytest.raises(ValidationError, match="up to 20 people"):
        thread_create(author=author, community=place, title="Everyone", body=body)
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("visibility", "relation", "error"),
    [
        ("open", "outsider", PermissionDenied),
        ("restricted", "outsider", PermissionDenied),
        ("restricted", "requester", PermissionDenied),
        ("restricted", "invited", PermissionDenied),
        ("restricted", "banned", PermissionDenied),
        ("restricted", "left", PermissionDenied),
        ("private", "outsider", Http404),
        ("private", "requester", Http404),
        ("private", "banned", Http404),
    ],
)
def test_people_who_are_not_active_members_cannot_start_a_conversation(visibility, relation, error):
    place = community(visibility)
    with pytest.raises(error):
        _start(place, person_as(relation, place))
    assert not Thread.objects.exists()


@pytest.mark.parametrize("relation", ["member", "facilitator", "owner", "site_admin"])
def test_active_members_and_site_admins_can_start_a_conversation_in_a_private_community(relation):
    place = community("private")
    thread = _start(place, person_as(relation, place))
    assert thread.community == place


# --- post_reply ------------------------------------------------------------------------------------
def test_replies_are_ordered_depth_first_so_a_reply_to_a_reply_sits_under_its_parent():
    place = community("open")
    thread = _start(place)
    first = _reply(thread, person_as("member", place), "First")
    second = _reply(thread, person_as("member", place), "Second")
    under_first = _reply(thread, person_as("member", place), "Under the first", parent=first)
    under_that = _reply(thread, person_as("member", place), "Deeper", parent=under_first)

    in_order = list(Post.objects.filter(thread=thread).order_by("path").values_list("body", flat=True))
    assert in_order == ["How do you cope?", "First", "Under the first", "Deeper", "Second"]
    assert [p.depth for p in (first, second, under_first, under_that)] == [1, 1, 2, 3]
    assert first.path == "000001000002"
    assert second.path == "000001000003"
    assert under_first.path == "000001000002000004"
    assert under_first.parent == first
    assert first.parent == thread.opening_post
    thread = _fresh(thread)
    assert (thread.reply_count, thread.post_sequence) == (4, 5)


def test_a_reply_moves_the_last_activity_of_the_thread_and_the_community():
    place = community("open")
    thread = _start(place)
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=timezone.now() - timedelta(days=3))
    Community.objects.filter(pk=place.pk).update(last_activity_at=timezone.now() - timedelta(days=3))
    post = _reply(thread, person_as("member", place))
    assert _fresh(thread).last_activity_at == post.created_at
    assert _fresh(place).last_activity_at == post.created_at


def test_replying_makes_the_replier_watch_the_thread_but_keeps_a_mute():
    place = community("open")
    thread = _start(place)
    replier, muter = person_as("member", place), person_as("member", place)
    thread_watch_set(user=muter, thread=thread, state=ThreadWatch.State.MUTED)
    _reply(thread, replier)
    _reply(thread, muter)
    assert ThreadWatch.objects.get(thread=thread, user=replier).state == ThreadWatch.State.WATCHING
    assert ThreadWatch.objects.get(thread=thread, user=muter).state == ThreadWatch.State.MUTED


def test_a_locked_thread_refuses_members_but_not_facilitators():
    place = community("open")
    thread = _start(place)
    thread_set_locked(actor=_owner(place), thread=thread, locked=True)
    with pytest.raises(ValidationError) as raised:
        _reply(thread, person_as("member", place))
    assert "locked" in raised.value.message_dict["body"][0]
    assert _reply(thread, person_as("facilitator", place)).pk
    assert _reply(thread, person_as("site_admin", place)).pk
    assert _fresh(thread).reply_count == 2


@pytest.mark.parametrize(
    ("visibility", "relation", "error"),
    [
        ("open", "outsider", PermissionDenied),
        ("restricted", "left", PermissionDenied),
        ("private", "outsider", Http404),
    ],
)
def test_people_who_are_not_active_members_cannot_reply(visibility, relation, error):
    place = community(visibility)
    thread = _start(place)
    with pytest.raises(error):
        _reply(thread, person_as(relation, place))
    assert _fresh(thread).reply_count == 0


def test_a_reply_to_a_post_in_another_thread_is_refused():
    place = community("open")
    here, elsewhere = _start(place), _start(place, title="Another")
    with pytest.raises(ValidationError) as raised:
        _reply(here, person_as("member", place), parent=elsewhere.opening_post)
    assert "parent" in raised.value.message_dict
    assert Post.objects.filter(thread=here).count() == 1


def test_a_reply_to_a_deleted_post_is_refused():
    place = community("open")
    thread = _start(place)
    author = person_as("member", place)
    gone = post_delete(actor=author, post=_reply(thread, author))
    with pytest.raises(ValidationError) as raised:
        _reply(thread, person_as("member", place), parent=gone)
    assert raised.value.message_dict["parent"] == [
        "That post was removed. Reply to the conversation instead."
    ]
    assert Post.objects.filter(thread=thread).count() == 2


def test_a_reply_to_a_hidden_post_is_refused():
    place = community("open")
    thread = _start(place)
    hidden = post_hide(
        actor=_owner(place), post=_reply(thread, person_as("member", place)), reason="Off topic"
    )
    with pytest.raises(ValidationError) as raised:
        _reply(thread, person_as("member", place), parent=hidden)
    assert "parent" in raised.value.message_dict


def test_a_reply_to_the_conversation_works_after_its_opening_post_was_deleted():
    place = community("open")
    author = person_as("member", place)
    thread = _start(place, author)
    post_delete(actor=author, post=thread.opening_post)
    reply = post_reply(author=person_as("member", place), thread=thread, body="Still useful")
    assert reply.parent_id == thread.opening_post_id
    assert Thread.objects.get(pk=thread.pk).reply_count == 1


def test_an_empty_or_over_long_reply_is_refused_and_nothing_changes():
    place = community("open")
    thread = _start(place)
    member = person_as("member", place)
    for body in ("  ", "x" * (BODY_MAX_LENGTH + 1)):
        with pytest.raises(ValidationError) as raised:
            _reply(thread, member, body)
        assert "body" in raised.value.message_dict
    thread = _fresh(thread)
    assert (thread.reply_count, thread.post_sequence) == (0, 1)
    assert Post.objects.filter(thread=thread).count() == 1


def test_replies_past_the_deepest_level_are_filed_beside_their_parent():
    place = community("open")
    thread = _start(place)
    admin = person_as("site_admin", place)  # not rate limited
    parent = thread.opening_post
    for _ in range(59):
        parent = _reply(thread, admin, parent=parent)
    assert parent.depth == 59
    beside = _reply(thread, admin, "Too deep", parent=parent)
    assert beside.parent == parent
    assert beside.depth == 59
    assert beside.path[:-6] == parent.path[:-6]
    assert beside.path > parent.path


# --- The rate limit ----------------------------------------------------------------------------------
def test_the_fourth_post_in_a_minute_is_refused_with_a_message_and_nothing_is_saved():
    _limit_posts_per_minute(3)
    place = community("open")
    member = person_as("member", place)
    thread = _start(place, member)
    _reply(thread, member)
    _reply(thread, member)
    with pytest.raises(ValidationError) as raised:
        _reply(thread, member, "One too many")
    assert raised.value.message_dict["body"] == [
        "You can post 3 times a minute. Wait a minute and post again: "
        "your message has not been sent, and it is still here."
    ]
    with pytest.raises(ValidationError):
        _start(place, member, title="And another")
    assert Post.objects.filter(author=member).count() == 3
    assert Thread.objects.count() == 1
    assert _fresh(thread).reply_count == 2


def test_the_rate_limit_counts_each_member_separately():
    _limit_posts_per_minute(3)
    place = community("open")
    busy, other = person_as("member", place), person_as("member", place)
    thread = _start(place, busy)
    _reply(thread, busy)
    _reply(thread, busy)
    assert _reply(thread, other).pk


def test_site_admins_are_not_rate_limited():
    _limit_posts_per_minute(3)
    place = community("open")
    admin = person_as("site_admin", place)
    thread = _start(place, admin)
    for _ in range(5):
        _reply(thread, admin)
    assert Post.objects.filter(author=admin).count() == 6


def test_posts_older_than_a_minute_do_not_count_towards_the_rate_limit():
    _limit_posts_per_minute(3)
    place = community("open")
    member = person_as("member", place)
    thread = _start(place, member)
    earlier = [thread.opening_post, _reply(thread, member), _reply(thread, member)]
    _age(earlier, 61)
    assert _reply(thread, member).pk
    _age(earlier[:1], 30)  # one of them back inside the minute: with the new one, 2 of 3
    assert _reply(thread, member).pk
    with pytest.raises(ValidationError):
        _reply(thread, member)


# --- post_edit ---------------------------------------------------------------------------------------
def test_editing_keeps_the_old_text_as_a_revision_and_marks_the_post_edited():
    place = community("open")
    author = person_as("member", place)
    post = _reply(_start(place), author, "We pool our budgets")
    edited = post_edit(actor=author, post=post, body="We pool our **budgets** across districts")
    post = Post.objects.get(pk=post.pk)
    assert post.body == "We pool our **budgets** across districts"
    assert "<strong>budgets</strong>" in post.body_html
    assert post.edited_at is not None
    assert edited.edited_at == post.edited_at
    revision = PostRevision.objects.get(post=post)
    assert (revision.body, revision.edited_by) == ("We pool our budgets", author)


def test_editing_to_the_same_text_records_no_revision():
    place = community("open")
    author = person_as("member", place)
    post = _reply(_start(place), author, "Same")
    post_edit(actor=author, post=post, body="  Same  ")
    assert not PostRevision.objects.exists()
    assert _fresh(post).edited_at is None


@pytest.mark.parametrize("relation", ["member", "facilitator", "owner"])
def test_only_the_author_can_edit_a_post(relation):
    place = community("open")
    post = _reply(_start(place), person_as("member", place), "Mine")
    with pytest.raises(PermissionDenied):
        post_edit(actor=person_as(relation, place), post=post, body="Theirs")
    assert _fresh(post).body == "Mine"
    assert not PostRevision.objects.exists()


def test_a_hidden_post_cannot_be_edited_by_its_author():
    place = community("open")
    author = person_as("member", place)
    post = _reply(_start(place), author, "Rude")
    post_hide(actor=_owner(place), post=post, reason="Be kind")
    with pytest.raises(PermissionDenied):
        post_edit(actor=author, post=post, body="Nice now")
    assert _fresh(post).body == "Rude"


def test_a_post_in_a_locked_thread_cannot_be_edited_by_a_member():
    place = community("open")
    author = person_as("member", place)
    thread = _start(place)
    post = _reply(thread, author, "Before the lock")
    thread_set_locked(actor=_owner(place), thread=thread, locked=True)
    with pytest.raises(PermissionDenied):
        post_edit(actor=author, post=post, body="After the lock")


def test_an_edit_to_an_empty_body_is_refused():
    place = community("open")
    author = person_as("member", place)
    post = _reply(_start(place), author, "Something")
    with pytest.raises(ValidationError):
        post_edit(actor=author, post=post, body="   ")
    assert _fresh(post).body == "Something"


def test_adding_a_mention_in_an_edit_tells_only_the_newly_mentioned(django_capture_on_commit_callbacks):
    place = community("open")
    author = person_as("member", place)
    alice = person_as("member", place, display_name="Alice")
    bob = person_as("member", place, display_name="Bob")
    post = _reply(_start(place), author, f"Thanks @{alice.handle}")
    post_notify(post_id=post.pk)
    assert _notified(alice, "mention").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        post_edit(actor=author, post=post, body=f"Thanks @{alice.handle} and @{bob.handle}")
    assert _notified(alice, "mention").count() == 1
    assert _notified(bob, "mention").count() == 1
    assert _notified(bob, "mention").get().actor == author


def test_a_mention_added_before_the_notices_went_out_is_told_once(django_capture_on_commit_callbacks):
    place = community("open")
    author = person_as("member", place)
    bob = person_as("member", place)
    post = _reply(_start(place), author, "Thanks all")
    with django_capture_on_commit_callbacks(execute=True):
        post_edit(actor=author, post=post, body=f"Thanks @{bob.handle}")
    post_notify(post_id=post.pk)  # the task (or the sweep) runs after the edit: it reads the new text
    assert _notified(bob, "mention").count() == 1


def test_removing_and_adding_a_mention_again_tells_them_once(django_capture_on_commit_callbacks):
    place = community("open")
    author, bob = person_as("member", place), person_as("member", place)
    thread = _start(place, author)
    post = post_reply(author=author, thread=thread, body="Thanks all")
    post_notify(post_id=post.pk)
    for body in (f"Thanks @{bob.handle}", "Thanks all", f"Thanks @{bob.handle}!"):
        with django_capture_on_commit_callbacks(execute=True):
            post = post_edit(actor=author, post=post, body=body)
    assert Notification.objects.filter(recipient=bob, kind="community.mention").count() == 1


# --- post_delete -------------------------------------------------------------------------------------
def test_deleting_a_post_keeps_its_text_lowers_the_count_and_clears_the_answer():
    place = community("open")
    asker = person_as("member", place)
    author = person_as("member", place)
    thread = _question(place, asker)
    answer = _reply(thread, author, "Use the shared register")
    _reply(thread, person_as("member", place))
    thread_mark_answer(actor=asker, thread=thread, post=answer)
    post_delete(actor=author, post=answer)
    answer = _fresh(answer)
    assert answer.state == Post.State.DELETED
    assert answer.body == "Use the shared register"
    thread = _fresh(thread)
    assert thread.reply_count == 1
    assert thread.answer is None


def test_only_the_author_can_delete_a_post_and_only_once():
    place = community("open")
    author = person_as("member", place)
    thread = _start(place)
    post = _reply(thread, author)
    with pytest.raises(PermissionDenied):
        post_delete(actor=person_as("facilitator", place), post=post)
    post_delete(actor=author, post=post)
    with pytest.raises(PermissionDenied):
        post_delete(actor=author, post=post)
    assert _fresh(thread).reply_count == 0


def test_deleting_the_opening_post_does_not_change_the_reply_count():
    place = community("open")
    author = person_as("member", place)
    thread = _start(place, author)
    _reply(thread, person_as("member", place))
    post_delete(actor=author, post=thread.opening_post)
    assert _fresh(thread).reply_count == 1


# --- post_helpful_toggle -----------------------------------------------------------------------------
def test_marking_a_post_helpful_toggles_and_keeps_the_count():
    place = community("open")
    post = _reply(_start(place), person_as("member", place))
    fan, other = person_as("member", place), person_as("member", place)
    assert post_helpful_toggle(user=fan, post=post) is True
    assert post_helpful_toggle(user=other, post=post) is True
    assert _fresh(post).helpful_count == 2
    assert post_helpful_toggle(user=fan, post=post) is False
    assert _fresh(post).helpful_count == 1
    assert list(PostReaction.objects.filter(post=post).values_list("user", flat=True)) == [other.pk]
    assert post_helpful_toggle(user=fan, post=post) is True
    assert _fresh(post).helpful_count == 2


def test_nobody_can_mark_their_own_or_a_removed_post_helpful():
    place = community("open")
    author = person_as("member", place)
    post = _reply(_start(place), author)
    with pytest.raises(ValidationError):
        post_helpful_toggle(user=author, post=post)
    post_delete(actor=author, post=post)
    with pytest.raises(ValidationError):
        post_helpful_toggle(user=person_as("member", place), post=post)
    assert _fresh(post).helpful_count == 0
    assert not PostReaction.objects.exists()


def test_deleting_a_member_in_the_admin_takes_their_helpful_marks_off_the_counts():
    place = community("open")
    author, fan = person_as("member", place), person_as("member", place)
    post = post_reply(author=author, thread=_start(place, author), body="Worth a look")
    post_helpful_toggle(user=fan, post=post)
    fan.delete()
    assert Post.objects.get(pk=post.pk).helpful_count == 0


@pytest.mark.parametrize(
    ("visibility", "relation", "error"),
    [
        ("open", "outsider", PermissionDenied),
        ("restricted", "requester", PermissionDenied),
        ("private", "outsider", Http404),
    ],
)
def test_people_who_are_not_active_members_cannot_mark_a_post_helpful(visibility, relation, error):
    place = community(visibility)
    post = _reply(_start(place), person_as("member", place))
    with pytest.raises(error):
        post_helpful_toggle(user=person_as(relation, place), post=post)
    assert _fresh(post).helpful_count == 0


# --- thread_mark_answer ------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["asker", "facilitator", "owner", "site_admin"])
def test_the_asker_and_facilitators_can_mark_and_unmark_the_answer(who):
    place = community("open")
    asker = person_as("member", place)
    thread = _question(place, asker)
    reply = _reply(thread, person_as("member", place))
    actor = asker if who == "asker" else person_as(who, place)
    thread_mark_answer(actor=actor, thread=thread, post=reply)
    assert _fresh(thread).answer == reply
    thread_mark_answer(actor=actor, thread=thread, post=None)
    assert _fresh(thread).answer is None


def test_marking_the_answer_tells_the_reply_author():
    place = community("open")
    asker = person_as("member", place, display_name="Asha Patel")
    thread = _question(place, asker)
    author = person_as("member", place)
    reply = _reply(thread, author)
    thread_mark_answer(actor=asker, thread=thread, post=reply)
    notice = _notified(author, "answer").get()
    assert notice.actor == asker
    assert notice.text == "Asha Patel marked your reply as the answer to “Which housing register software?”"
    assert str(reply.pk) in notice.url
    thread_mark_answer(actor=asker, thread=thread, post=None)
    assert _notified(author, "answer").count() == 1


def test_another_member_cannot_mark_the_answer():
    place = community("open")
    thread = _question(place, person_as("member", place))
    reply = _reply(thread, person_as("member", place))
    with pytest.raises(PermissionDenied):
        thread_mark_answer(actor=reply.author, thread=thread, post=reply)
    assert _fresh(thread).answer is None


def test_the_opening_post_a_removed_reply_or_a_reply_elsewhere_cannot_be_the_answer():
    place = community("open")
    asker = person_as("member", place)
    thread = _question(place, asker)
    author = person_as("member", place)
    removed = post_delete(actor=author, post=_reply(thread, author))
    elsewhere = _reply(_question(place), author)
    for post in (thread.opening_post, removed, elsewhere):
        with pytest.raises(ValidationError):
            thread_mark_answer(actor=asker, thread=thread, post=post)
    assert _fresh(thread).answer is None


def test_a_discussion_has_no_answer_to_mark():
    place = community("open")
    thread = _start(place)
    reply = _reply(thread, person_as("member", place))
    with pytest.raises(ValidationError, match="Only a question"):
        thread_mark_answer(actor=_owner(place), thread=thread, post=reply)
    assert _fresh(thread).answer is None


# --- thread_watch_set --------------------------------------------------------------------------------
def test_a_reader_can_watch_mute_and_reset_a_thread():
    place = community("open")
    thread = _start(place)
    reader = person_as("outsider", place)  # an open community's conversations are for everyone to read
    assert thread_watch_set(user=reader, thread=thread, state="watching") == "watching"
    assert ThreadWatch.objects.get(thread=thread, user=reader).state == "watching"
    thread_watch_set(user=reader, thread=thread, state="muted")
    assert ThreadWatch.objects.get(thread=thread, user=reader).state == "muted"
    assert thread_watch_set(user=reader, thread=thread, state="") == ""
    assert not ThreadWatch.objects.filter(thread=thread, user=reader).exists()


def test_watching_with_an_unknown_state_is_refused():
    place = community("open")
    thread = _start(place)
    with pytest.raises(ValidationError):
        thread_watch_set(user=person_as("member", place), thread=thread, state="loud")
    assert ThreadWatch.objects.filter(thread=thread).count() == 1


@pytest.mark.parametrize(("visibility", "error"), [("restricted", PermissionDenied), ("private", Http404)])
def test_outsiders_cannot_watch_a_thread_they_may_not_read(visibility, error):
    place = community(visibility)
    thread = _start(place)
    outsider = person_as("outsider", place)
    with pytest.raises(error):
        thread_watch_set(user=outsider, thread=thread, state="watching")
    assert not ThreadWatch.objects.filter(user=outsider).exists()


# --- Notices: post_notify and the sweep --------------------------------------------------------------
def test_a_reply_tells_each_watcher_once_and_the_parent_author_as_a_reply():
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    watcher = person_as("member", place)
    thread_watch_set(user=watcher, thread=thread, state="watching")
    replier = person_as("member", place, display_name="Rhys Evans")
    post = _reply(thread, replier)
    assert post_notify(post_id=post.pk) is True
    assert _kinds(asker) == ["community.reply"]
    assert (
        _notified(asker, "reply").get().text
        == "Rhys Evans replied to your conversation “Temporary accommodation costs”"
    )
    assert _kinds(watcher) == ["community.thread_reply"]
    assert _notified(watcher, "thread_reply").get().actor == replier
    assert _kinds(replier) == []
    assert _fresh(post).notified_at is not None


def test_a_reply_to_a_reply_tells_its_author_as_a_reply_and_the_asker_as_a_watcher():
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    first_author = person_as("member", place)
    first = _reply(thread, first_author)
    post_notify(post_id=first.pk)
    Notification.objects.all().delete()
    second = _reply(thread, person_as("member", place), parent=first)
    post_notify(post_id=second.pk)
    assert _kinds(first_author) == ["community.reply"]
    assert "replied to your post in" in _notified(first_author, "reply").get().text
    assert _kinds(asker) == ["community.thread_reply"]


def test_notifying_twice_tells_nobody_twice():
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    watcher = person_as("member", place)
    thread_watch_set(user=watcher, thread=thread, state="watching")
    post = _reply(thread, person_as("member", place))
    assert post_notify(post_id=post.pk) is True
    assert post_notify(post_id=post.pk) is False
    assert _kinds(asker) == ["community.reply"]
    assert _kinds(watcher) == ["community.thread_reply"]


def test_muted_watchers_hear_nothing_not_even_as_the_parent_author():
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    thread_watch_set(user=asker, thread=thread, state="muted")
    post = _reply(thread, person_as("member", place))
    post_notify(post_id=post.pk)
    assert _kinds(asker) == []


def test_mentioned_members_are_told_once_as_a_mention_and_not_also_as_watchers():
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    watcher, named = person_as("member", place), person_as("member", place)
    thread_watch_set(user=watcher, thread=thread, state="watching")
    thread_watch_set(user=named, thread=thread, state="watching")
    replier = person_as("member", place, display_name="Rhys Evans")
    post = _reply(
        thread, replier, f"@{asker.handle} and @{named.handle.upper()}, see this; @{replier.handle} too"
    )
    post_notify(post_id=post.pk)
    assert _kinds(asker) == ["community.mention"]
    assert _kinds(named) == ["community.mention"]
    assert (
        _notified(named, "mention").get().text
        == "Rhys Evans mentioned you in “Temporary accommodation costs”"
    )
    assert _kinds(watcher) == ["community.thread_reply"]
    assert _kinds(replier) == []


def test_a_mention_in_an_open_community_tells_a_non_member():
    place = community("open")
    outsider = person_as("outsider", place)
    post = _reply(_start(place), person_as("member", place), f"Ask @{outsider.handle}")
    post_notify(post_id=post.pk)
    assert _kinds(outsider) == ["community.mention"]


@pytest.mark.parametrize("visibility", ["restricted", "private"])
@pytest.mark.parametrize("relation", ["outsider", "requester", "invited", "left", "banned"])
def test_a_mentioned_person_who_may_not_read_the_community_is_told_nothing(visibility, relation):
    place = community(visibility)
    member, stranger = person_as("member", place), person_as(relation, place)
    post = _reply(_start(place), person_as("member", place), f"Ask @{stranger.handle} or @{member.handle}")
    post_notify(post_id=post.pk)
    assert _kinds(stranger) == []
    assert _kinds(member) == ["community.mention"]


def test_a_watcher_who_left_a_restricted_community_is_told_nothing():
    place = community("restricted")
    leaver = person_as("member", place)
    thread = _start(place)
    _reply(thread, leaver)
    membership_leave(user=leaver, community=place)
    post = _reply(thread, person_as("member", place))
    post_notify(post_id=post.pk)
    assert _kinds(leaver) == []


def test_deactivated_watchers_are_told_nothing():
    place = community("open")
    thread = _start(place)
    gone = person_as("member", place)
    thread_watch_set(user=gone, thread=thread, state="watching")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    post = _reply(thread, person_as("member", place))
    post_notify(post_id=post.pk)
    assert _kinds(gone) == []


def test_a_hidden_post_tells_nobody_when_its_notices_go_out():
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    post = _reply(thread, person_as("member", place), f"Hey @{asker.handle}")
    post_hide(actor=_owner(place), post=post, reason="Spam")
    assert post_notify(post_id=post.pk) is True
    assert _kinds(asker) == []


def test_a_new_thread_tells_only_the_mentioned():
    place = community("open")
    named, bystander = person_as("member", place), person_as("member", place)
    thread = _start(place, person_as("member", place), body=f"What do you think, @{named.handle}?")
    post_notify(post_id=thread.opening_post_id)
    assert _kinds(named) == ["community.mention"]
    assert _kinds(bystander) == []


def test_the_sweep_sends_the_notices_of_posts_older_than_two_minutes_that_were_never_sent():
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    old = _reply(thread, person_as("member", place), "Old and unsent")
    sent = _reply(thread, person_as("member", place), "Old and sent")
    new = _reply(thread, person_as("member", place), "Too new")
    post_notify(post_id=sent.pk)
    _age([thread.opening_post, old, sent], 121)
    Notification.objects.all().delete()

    assert posts_notify_unsent() == 2  # the opening post and `old`
    assert _fresh(old).notified_at is not None
    assert _fresh(new).notified_at is None
    assert _notified(asker, "reply").count() == 1
    assert posts_notify_unsent() == 0
    assert _notified(asker, "reply").count() == 1


def test_the_sweep_goes_on_past_a_post_whose_notices_fail(monkeypatch):
    place = community("open")
    author = person_as("member", place)
    first = _start(place, author).opening_post
    second = _start(place, author).opening_post
    Post.objects.update(notified_at=None, created_at=first.created_at.replace(year=2020))
    real = post_notify

    def failing(*, post_id):
        if post_id == first.pk:
            raise RuntimeError("broken post")
        return real(post_id=post_id)

    monkeypatch.setattr("communities.services.conversations.post_notify", failing)
    assert posts_notify_unsent() == 1
    assert Post.objects.get(pk=second.pk).notified_at is not None


def test_the_celery_tasks_run_the_notices_and_the_sweep():
    from communities.tasks import notify_post, notify_unsent_posts

    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker)
    post = _reply(thread, person_as("member", place))
    notify_post.delay(post_id=post.pk)
    assert _notified(asker, "reply").count() == 1
    _age([thread.opening_post], 300)
    assert notify_unsent_posts.delay().get() == 1


# --- Moderation: pin, lock ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("service", "field", "on", "off"),
    [
        (thread_set_pinned, "pinned", A.PINNED, A.UNPINNED),
        (thread_set_locked, "locked", A.LOCKED, A.UNLOCKED),
    ],
)
def test_pinning_and_locking_are_logged_with_the_thread(service, field, on, off):
    place = community("open")
    thread = _start(place)
    facilitator = person_as("facilitator", place)
    service(actor=facilitator, thread=thread, **{field: True})
    service(actor=facilitator, thread=thread, **{field: True})  # no change: no second line
    assert getattr(_fresh(thread), field) is True
    service(actor=facilitator, thread=thread, **{field: False})
    assert getattr(_fresh(thread), field) is False
    log = ModerationLogEntry.objects.filter(community=place, thread=thread).order_by("pk")
    assert [(e.action, e.actor) for e in log] == [(on, facilitator), (off, facilitator)]


def test_a_lock_keeps_its_reason_in_the_log():
    place = community("open")
    thread = _start(place)
    thread_set_locked(actor=_owner(place), thread=thread, locked=True, reason="  Resolved  ")
    assert ModerationLogEntry.objects.get(thread=thread, action=A.LOCKED).reason == "Resolved"


@pytest.mark.parametrize(
    ("visibility", "relation", "error"),
    [
        ("open", "member", PermissionDenied),
        ("restricted", "outsider", PermissionDenied),
        ("private", "outsider", Http404),
        ("private", "member", PermissionDenied),
    ],
)
def test_only_facilitators_can_pin_or_lock(visibility, relation, error):
    place = community(visibility)
    thread = _start(place)
    actor = person_as(relation, place)
    with pytest.raises(error):
        thread_set_pinned(actor=actor, thread=thread, pinned=True)
    with pytest.raises(error):
        thread_set_locked(actor=actor, thread=thread, locked=True)
    thread = _fresh(thread)
    assert (thread.pinned, thread.locked) == (False, False)
    assert not ModerationLogEntry.objects.filter(thread=thread).exists()


# --- Moderation: hide and unhide ---------------------------------------------------------------------
def test_hiding_a_post_needs_a_reason():
    place = community("open")
    post = _reply(_start(place), person_as("member", place))
    with pytest.raises(ValidationError) as raised:
        post_hide(actor=_owner(place), post=post, reason="  ")
    assert "reason" in raised.value.message_dict
    assert _fresh(post).is_visible
    assert not ModerationLogEntry.objects.filter(action=A.POST_HIDDEN).exists()


def test_hiding_a_post_hides_it_tells_its_author_resolves_reports_and_logs_it():
    place = community("open")
    asker = person_as("member", place)
    thread = _question(place, asker)
    author = person_as("member", place)
    post = _reply(thread, author, "Rude words")
    thread_mark_answer(actor=asker, thread=thread, post=post)
    report = post_report(reporter=person_as("member", place), post=post, reason="Rude")
    facilitator = person_as("facilitator", place)

    post_hide(actor=facilitator, post=post, reason="Be kind")

    post = _fresh(post)
    assert (post.state, post.moderation_reason, post.moderated_by) == (
        Post.State.HIDDEN,
        "Be kind",
        facilitator,
    )
    assert post.body == "Rude words"
    thread = _fresh(thread)
    assert (thread.reply_count, thread.answer) == (0, None)
    report = _fresh(report)
    assert (report.state, report.decided_by) == (PostReport.State.RESOLVED, facilitator)
    assert report.decided_at is not None
    entry = ModerationLogEntry.objects.get(action=A.POST_HIDDEN)
    assert (entry.community, entry.actor, entry.subject, entry.reason) == (
        place,
        facilitator,
        author,
        "Be kind",
    )
    assert (entry.thread, entry.post) == (thread, post)
    notice = _notified(author, "post_hidden").get()
    assert notice.text == "A facilitator hid your post in “Which housing register software?”: Be kind"
    assert str(post.pk) in notice.url


def test_hiding_an_already_hidden_post_is_refused():
    place = community("open")
    post = _reply(_start(place), person_as("member", place))
    post_hide(actor=_owner(place), post=post, reason="Spam")
    with pytest.raises(ValidationError):
        post_hide(actor=_owner(place), post=post, reason="Spam again")
    assert ModerationLogEntry.objects.filter(action=A.POST_HIDDEN).count() == 1


def test_a_member_cannot_hide_a_post():
    place = community("open")
    post = _reply(_start(place), person_as("member", place))
    with pytest.raises(PermissionDenied):
        post_hide(actor=person_as("member", place), post=post, reason="I disagree")
    assert _fresh(post).is_visible


def test_restoring_a_hidden_post_restores_the_count_and_logs_it():
    place = community("open")
    thread = _start(place)
    post = _reply(thread, person_as("member", place))
    owner = _owner(place)
    post_hide(actor=owner, post=post, reason="Check this")
    assert _fresh(thread).reply_count == 0
    post_unhide(actor=owner, post=post, reason="It was fine")
    assert _fresh(post).is_visible
    assert _fresh(thread).reply_count == 1
    entry = ModerationLogEntry.objects.get(action=A.POST_UNHIDDEN)
    assert (entry.thread, entry.post, entry.reason, entry.subject) == (
        thread,
        post,
        "It was fine",
        post.author,
    )
    with pytest.raises(ValidationError):
        post_unhide(actor=owner, post=post)


def test_hiding_and_restoring_the_opening_post_leaves_the_reply_count_alone():
    place = community("open")
    thread = _start(place, person_as("member", place))
    _reply(thread, person_as("member", place))
    post_hide(actor=_owner(place), post=thread.opening_post, reason="Spam")
    assert _fresh(thread).reply_count == 1
    post_unhide(actor=_owner(place), post=thread.opening_post)
    assert _fresh(thread).reply_count == 1


def test_a_deleted_post_cannot_be_hidden_so_restoring_cannot_undo_its_deletion():
    place = community("open")
    thread = _start(place)
    author = person_as("member", place)
    post = post_delete(actor=author, post=_reply(thread, author))
    _reply(thread, person_as("member", place))
    with pytest.raises(ValidationError, match="already deleted by its author"):
        post_hide(actor=_owner(place), post=post, reason="Abuse in the text")
    post.refresh_from_db()
    assert post.state == Post.State.DELETED
    assert _fresh(thread).reply_count == 1
    with pytest.raises(ValidationError):
        post_unhide(actor=_owner(place), post=post)
    post.refresh_from_db()
    assert post.state == Post.State.DELETED


# --- Moderation: move --------------------------------------------------------------------------------
def test_moving_a_thread_to_a_community_the_actor_facilitates_logs_it_in_both():
    source, target = community("open", name="Housing"), community("open", name="Homelessness")
    mover = person_as("facilitator", source)
    MembershipFactory(community=target, user=mover, role=R.FACILITATOR)
    author = person_as("member", source)
    thread = _start(source, author)
    thread_move(actor=mover, thread=thread, to=target)
    assert _fresh(thread).community == target
    out = ModerationLogEntry.objects.get(action=A.MOVED_OUT)
    into = ModerationLogEntry.objects.get(action=A.MOVED_IN)
    assert (out.community, out.thread, out.actor, out.reason) == (
        source,
        thread,
        mover,
        "",  # the other community's name stays out: the log's readers may not be able to see it
    )
    assert (into.community, into.thread, into.actor, into.reason) == (
        target,
        thread,
        mover,
        "",
    )
    assert _notified(author, "thread_moved").count() == 1


def test_a_thread_is_not_moved_to_a_community_the_actor_does_not_facilitate():
    source = community("open")
    mover = person_as("facilitator", source)
    thread = _start(source)
    for target in (community("open"), source):
        with pytest.raises(ValidationError) as raised:
            thread_move(actor=mover, thread=thread, to=target)
        assert "community" in raised.value.message_dict
    assert _fresh(thread).community == source
    assert not ModerationLogEntry.objects.filter(thread=thread).exists()


def test_a_moved_thread_does_not_tell_its_author_about_a_community_they_cannot_read():
    source, target = community("open"), community("private")
    admin = person_as("site_admin", source)
    author = person_as("member", source)
    thread = _start(source, author)
    thread_move(actor=admin, thread=thread, to=target)
    assert _kinds(author) == []


# --- Reports -----------------------------------------------------------------------------------------
def test_a_report_needs_a_reason_and_tells_the_facilitators():
    place = community("open")
    facilitator, member = person_as("facilitator", place), person_as("member", place)
    post = _reply(_start(place), person_as("member", place))
    reporter = person_as("member", place)
    with pytest.raises(ValidationError) as raised:
        post_report(reporter=reporter, post=post, reason="   ")
    assert raised.value.message_dict["reason"] == ["Say what is wrong with the post."]
    assert not PostReport.objects.exists()

    report = post_report(reporter=reporter, post=post, reason=" Personal attack ")
    assert (report.reason, report.state, report.reporter) == (
        "Personal attack",
        PostReport.State.OPEN,
        reporter,
    )
    assert _notified(facilitator, "post_reported").count() == 1
    assert _notified(_owner(place), "post_reported").count() == 1
    assert _kinds(member) == []
    assert _kinds(reporter) == []


def test_reporting_the_same_post_twice_is_refused_with_a_message():
    place = community("open")
    post = _reply(_start(place), person_as("member", place))
    reporter = person_as("member", place)
    post_report(reporter=reporter, post=post, reason="Spam")
    with pytest.raises(ValidationError) as raised:
        post_report(reporter=reporter, post=post, reason="Still spam")
    assert raised.value.message_dict["reason"] == [
        "You have already reported this post. The facilitators will look at it."
    ]
    assert PostReport.objects.count() == 1
    assert _notified(_owner(place), "post_reported").count() == 1


def test_an_over_long_report_or_a_report_of_ones_own_post_is_refused():
    place = community("open")
    author = person_as("member", place)
    post = _reply(_start(place), author)
    with pytest.raises(ValidationError):
        post_report(reporter=author, post=post, reason="Oops")
    with pytest.raises(ValidationError):
        post_report(reporter=person_as("member", place), post=post, reason="x" * 1001)
    assert not PostReport.objects.exists()


def test_dismissing_a_report_logs_it_and_lets_the_member_report_again():
    place = community("open")
    post = _reply(_start(place), person_as("member", place))
    reporter = person_as("member", place)
    report = post_report(reporter=reporter, post=post, reason="Spam")
    facilitator = person_as("facilitator", place)
    report = report_dismiss(actor=facilitator, report=report, reason="Not spam")
    assert (report.state, report.decided_by) == (PostReport.State.DISMISSED, facilitator)
    entry = ModerationLogEntry.objects.get(action=A.REPORT_DISMISSED)
    assert (entry.community, entry.thread, entry.post, entry.reason) == (place, post.thread, post, "Not spam")
    with pytest.raises(ValidationError):
        report_dismiss(actor=facilitator, report=report)
    assert post_report(reporter=reporter, post=post, reason="It is spam").state == PostReport.State.OPEN


def test_a_member_cannot_dismiss_a_report():
    place = community("open")
    post = _reply(_start(place), person_as("member", place))
    report = post_report(reporter=person_as("member", place), post=post, reason="Spam")
    with pytest.raises(PermissionDenied):
        report_dismiss(actor=person_as("member", place), report=report)
    assert _fresh(report).state == PostReport.State.OPEN


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_replies_at_once_are_both_saved_with_distinct_paths_and_the_right_count(postgres_only):
    place = community("open")
    thread = _start(place)
    repliers = [person_as("member", place) for _ in range(2)]
    start = threading.Barrier(2)
    errors = []

    def reply(author):
        try:
            start.wait()
            post_reply(author=author, thread=Thread.objects.get(pk=thread.pk), body=f"From {author.pk}")
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=reply, args=(author,)) for author in repliers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    replies = Post.objects.filter(thread=thread, depth=1)
    assert sorted(replies.values_list("path", flat=True)) == ["000001000002", "000001000003"]
    thread = _fresh(thread)
    assert (thread.reply_count, thread.post_sequence) == (2, 3)


@pytest.mark.django_db(transaction=True)
def test_a_reply_and_a_delete_or_helpful_mark_of_its_parent_at_once_do_not_deadlock(postgres_only):
    place = community("open")
    thread = _start(place)
    errors = []
    for _ in range(4):
        author, fan = person_as("member", place), person_as("member", place)
        parent = post_reply(author=author, thread=thread, body="Parent")
        sibling = post_reply(author=author, thread=thread, body="Sibling", parent=parent)
        errors += at_once(
            partial(post_reply, author=fan, thread=thread, body="Reply", parent=parent),
            partial(post_helpful_toggle, user=fan, post=parent),
            partial(post_delete, actor=author, post=sibling),
        )
    assert errors == []
    thread = Thread.objects.get(pk=thread.pk)
    assert thread.reply_count == Post.objects.filter(thread=thread, depth__gt=0, state="visible").count()
