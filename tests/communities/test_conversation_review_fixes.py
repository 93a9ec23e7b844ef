"""What a review of the conversations found, each pinned: lock order, a removed opening post, mention spam,
and what a moved thread must not reveal (the log, the author's notice, the data export)."""

import threading
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from communities.models import Membership, Post, Thread
from communities.selectors.profiles import conversations_personal_data, personal_data
from communities.services import conversations as cs
from communities.services.moderation import post_hide, thread_move
from profiles.models import Notification
from tests.communities.helpers import community, person_as
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
R = Membership.Role


def _owner(of):
    return Membership.objects.get(community=of, role=R.OWNER).user


def _thread(of, author, **kw):
    return cs.thread_create(author=author, community=of, title="Winter pressures", body="What works?", **kw)


def _moved_to_private(author, mover):
    """A thread by `author` in an open community, moved by `mover` into a private one they own."""
    source, hidden = community("open", name="Adult Social Care"), community("private", name="Hidden Network")
    MembershipFactory(community=source, user=author)
    MembershipFactory(community=source, user=mover, role=R.FACILITATOR)
    MembershipFactory(community=hidden, user=mover, role=R.OWNER)
    thread = _thread(source, author)
    reply = cs.post_reply(author=author, thread=thread, body="Our reply")
    thread_move(actor=mover, thread=thread, to=hidden)
    return source, hidden, thread, reply


def test_a_reply_to_the_conversation_works_after_its_opening_post_was_deleted():
    place = community("open")
    author = person_as("member", place)
    thread = _thread(place, author)
    cs.post_delete(actor=author, post=thread.opening_post)
    reply = cs.post_reply(author=person_as("member", place), thread=thread, body="Still useful")
    assert reply.parent_id == thread.opening_post_id
    assert Thread.objects.get(pk=thread.pk).reply_count == 1


def test_a_post_mentioning_more_than_twenty_people_is_refused_and_nothing_is_saved():
    place = community("open")
    author = person_as("member", place)
    body = " ".join(f"@person-{n}" for n in range(21))
    with pytest.raises(ValidationError, match="up to 20 people"):
        cs.thread_create(author=author, community=place, title="Everyone", body=body)
    assert not Thread.objects.exists()


def test_removing_and_adding_a_mention_again_tells_them_once(django_capture_on_commit_callbacks):
    place = community("open")
    author, bob = person_as("member", place), person_as("member", place)
    thread = _thread(place, author)
    post = cs.post_reply(author=author, thread=thread, body="Thanks all")
    cs.post_notify(post_id=post.pk)
    for body in (f"Thanks @{bob.handle}", "Thanks all", f"Thanks @{bob.handle}!"):
        with django_capture_on_commit_callbacks(execute=True):
            post = cs.post_edit(actor=author, post=post, body=body)
    assert Notification.objects.filter(recipient=bob, kind="community.mention").count() == 1


def test_the_sweep_goes_on_past_a_post_whose_notices_fail(monkeypatch):
    place = community("open")
    author = person_as("member", place)
    first = _thread(place, author).opening_post
    second = _thread(place, author).opening_post
    Post.objects.update(notified_at=None, created_at=first.created_at.replace(year=2020))
    real = cs.post_notify

    def failing(*, post_id):
        if post_id == first.pk:
            raise RuntimeError("broken post")
        return real(post_id=post_id)

    monkeypatch.setattr(cs, "post_notify", failing)
    assert cs.posts_notify_unsent() == 1
    assert Post.objects.get(pk=second.pk).notified_at is not None


def test_moving_a_thread_into_a_private_community_keeps_its_name_out_of_the_other_log(client):
    author, mover = person_as("outsider", None), person_as("outsider", None)
    source, hidden, thread, _ = _moved_to_private(author, mover)
    colleague = person_as("facilitator", source)
    client.force_login(colleague)
    page = client.get(reverse("communities:manage-log", kwargs={"slug": source.slug})).text
    assert "Moved a conversation to another community" in page
    assert "A conversation now in a community you cannot read" in page
    assert hidden.name not in page
    assert hidden.slug not in page
    assert thread.title not in page


def test_the_author_of_a_post_hidden_where_they_cannot_read_is_not_told_its_community():
    author, mover = person_as("outsider", None), person_as("outsider", None)
    _, hidden, _, reply = _moved_to_private(author, mover)
    post_hide(actor=mover, post=reply, reason="Off topic")
    assert not Notification.objects.filter(recipient=author, kind="community.post_hidden").exists()
    assert not Notification.objects.filter(recipient=author, url__contains=hidden.slug).exists()


def test_the_data_export_does_not_name_a_private_community_a_thread_was_moved_into():
    author, mover = person_as("outsider", None), person_as("outsider", None)
    _, hidden, _, reply = _moved_to_private(author, mover)
    post_hide(actor=mover, post=reply, reason="Off topic")
    about = personal_data(author)["moderation_actions_about_you"]
    assert [(entry["action"], entry["community"]) for entry in about] == [("post_hidden", None)]
    data = conversations_personal_data(author)
    assert data["threads"][0]["title"] == "Winter pressures"  # theirs: they wrote the title
    assert data["threads"][0]["community"] is None
    assert all(post["community"] is None for post in data["posts"])
    assert hidden.name not in str(data)


def test_deleting_a_member_in_the_admin_takes_their_helpful_marks_off_the_counts():
    place = community("open")
    author, fan = person_as("member", place), person_as("member", place)
    post = cs.post_reply(author=author, thread=_thread(place, author), body="Worth a look")
    cs.post_helpful_toggle(user=fan, post=post)
    fan.delete()
    assert Post.objects.get(pk=post.pk).helpful_count == 0


def _at_once(*actions) -> list[Exception]:
    """Run the calls in threads released together (each with its own connection); the errors they raised."""
    start, errors = threading.Barrier(len(actions)), []

    def run(action):
        try:
            start.wait()
            action()
        except Exception as error:  # returned to the test, which asserts there are none
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(action,)) for action in actions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_a_reply_and_a_delete_or_helpful_mark_of_its_parent_at_once_do_not_deadlock(postgres_only):
    place = community("open")
    thread = _thread(place, _owner(place))
    errors = []
    for _ in range(4):
        author, fan = person_as("member", place), person_as("member", place)
        parent = cs.post_reply(author=author, thread=thread, body="Parent")
        sibling = cs.post_reply(author=author, thread=thread, body="Sibling", parent=parent)
        errors += _at_once(
            partial(cs.post_reply, author=fan, thread=thread, body="Reply", parent=parent),
            partial(cs.post_helpful_toggle, user=fan, post=parent),
            partial(cs.post_delete, actor=author, post=sibling),
        )
    assert errors == []
    thread = Thread.objects.get(pk=thread.pk)
    assert thread.reply_count == Post.objects.filter(thread=thread, depth__gt=0, state="visible").count()
