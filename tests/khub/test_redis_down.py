"""With Redis (the Celery broker) down, posting, replying and publishing still succeed at once: what they
should notify is a row written with the content (a post's notified_at still empty, a notice's email still
pending), and the periodic sweeps deliver it later, exactly once. Nothing is lost, nothing is sent twice.

Transactional tests: the work is queued by transaction.on_commit, which must really run (and fail to reach
the broker) after each request's transaction commits.
"""

import logging
import socket
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from communities.models import HubSettings, Post, Thread
from communities.services.conversations import posts_notify_unsent, thread_create, thread_watch_set
from communities.tasks import notify_post
from khub.celery import app
from khub.digests.delivery import deliver_chunk, period_for
from practice.models import PracticeStory
from profiles.emails import notification_emails_send_due
from profiles.models import EmailState, Notification
from profiles.tasks import send_notification_emails
from tests.communities.helpers import community, person_as
from tests.practice.helpers import author_in, draft_story

pytestmark = pytest.mark.django_db(transaction=True)

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused
# Redis is the cache as well as the broker: down, both are (khub/cache.py answers from process memory).
CACHE_DOWN = {
    "default": {
        "BACKEND": "khub.cache.ResilientRedisCache",
        "LOCATION": UNREACHABLE,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
AT_ONCE = 5  # seconds: a request that enqueues work must not hang while Redis is down


@contextmanager
def redis_down(broker: str = UNREACHABLE):
    """Real publishing to a broker nobody answers, and a cache nobody answers. khub.celery reads the
    CELERY_* settings once, when the app is first configured, so the app's own conf is changed too (and its
    cached connection pools, made for the old URL, set aside), then all of it restored."""
    conf = app.conf
    saved = {"task_always_eager": conf.task_always_eager, "broker_url": conf.broker_url}
    saved_pool, saved_producers = app._pool, app.amqp._producer_pool
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=broker, CACHES=CACHE_DOWN):
        conf.task_always_eager, conf.broker_url = False, broker
        app._pool = app.amqp._producer_pool = None
        try:
            yield
        finally:
            if app._pool is not None:
                app._pool.force_close_all()
            conf.update(saved)
            app._pool, app.amqp._producer_pool = saved_pool, saved_producers


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    row = HubSettings.load()
    row.posts_per_minute = 10_000
    row.save()


@pytest.fixture
def queue_warnings(caplog):
    caplog.set_level(logging.WARNING)
    return lambda: [r.getMessage() for r in caplog.records if "the sweep will send them" in r.getMessage()]


def _timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def _sweep() -> tuple[int, dict[str, int]]:
    """What beat runs every few minutes: the posts' notices, then the emails due."""
    return posts_notify_unsent(older_than=timedelta(0)), notification_emails_send_due()


def _digest_for(reader):
    """The reader's daily digest, built and sent through the real path (with Redis still down)."""
    result = deliver_chunk(frequency="daily", period=period_for(frequency="daily"), user_ids=[reader.pk])
    assert result["sent"] == 1, result
    return result


# --- The broker really is unreachable --------------------------------------------------------------------
def test_with_redis_down_publishing_a_task_fails_fast_and_afterwards_tasks_run_eagerly_again():
    with redis_down():
        for task, kwargs in ((notify_post, {"post_id": 0}), (send_notification_emails, {})):
            started = time.monotonic()
            with pytest.raises(OperationalError):
                task.delay(**kwargs)
            assert time.monotonic() - started < AT_ONCE
        cache.set("k", "v", 30)  # answered from process memory
        assert cache.get("k") == "v"
        with pytest.raises(RedisConnectionError):
            cache.ping()
    assert app.conf.task_always_eager is True
    assert send_notification_emails.delay().successful()


# --- Posting, replying, publishing -----------------------------------------------------------------------
def test_starting_a_conversation_with_redis_down_succeeds_at_once_and_the_sweep_tells_them_later(
    client, mailoutbox, queue_warnings
):
    place = community("open", name="Waste Officers")
    author = person_as("member", place)
    priya = person_as("member", place, handle="priya-shah")
    reader = person_as("member", place, digest_frequency="daily")
    client.force_login(author)
    data = {"title": "Bin rounds after the heatwave", "kind": "discussion", "body": "Ideas, @priya-shah?"}
    with redis_down():
        response, took = _timed(
            lambda: client.post(reverse("communities:thread-create", args=[place.slug]), data)
        )
        thread = Thread.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("communities:thread", args=[place.slug, thread.pk])
        assert took < AT_ONCE
        assert thread.opening_post.body == "Ideas, @priya-shah?"
        assert thread.opening_post.notified_at is None
        assert not Notification.objects.exists()
        assert len(queue_warnings()) == 1

        assert _sweep() == (1, {"gave_up": 0, "sent": 1})
        [mention] = Notification.objects.filter(recipient=priya)
        assert (mention.kind, mention.email_state) == ("community.mention", EmailState.SENT)
        assert [m.to for m in mailoutbox] == [[priya.email]]
        assert Post.objects.get().notified_at is not None

        assert _sweep() == (0, {"gave_up": 0})
        assert len(mailoutbox) == 1
        assert Notification.objects.count() == 1

        _digest_for(reader)
    digest = mailoutbox[-1]
    assert digest.to == [reader.email]
    assert "1 new conversation" in digest.subject
    assert "Bin rounds after the heatwave" in digest.body


def test_replying_with_a_mention_with_redis_down_succeeds_at_once_and_nothing_is_lost(
    client, mailoutbox, queue_warnings
):
    place = community("private", name="Housing Leads")
    asker = person_as("member", place)
    replier = person_as("member", place, display_name="Sam Jones")
    priya = person_as("member", place, handle="priya-shah")
    watcher = person_as("member", place)
    thread = thread_create(author=asker, community=place, title="Temporary accommodation", body="How?")
    thread_watch_set(user=watcher, thread=thread, state="watching")
    client.force_login(replier)
    with redis_down():
        response, took = _timed(
            lambda: client.post(
                reverse("communities:reply", args=[place.slug, thread.pk]),
                {"body": "We used a framework, @priya-shah knows more."},
            )
        )
        assert response.status_code == 302
        assert took < AT_ONCE
        reply = Post.objects.get(thread=thread, depth=1)
        assert reply.body == "We used a framework, @priya-shah knows more."
        assert reply.notified_at is None
        assert Thread.objects.get(pk=thread.pk).reply_count == 1
        assert not Notification.objects.filter(recipient__in=[asker, priya, watcher]).exists()
        assert mailoutbox == []
        assert len(queue_warnings()) == 1

        assert _sweep() == (1, {"gave_up": 0, "sent": 2})
        kinds = dict(Notification.objects.values_list("recipient_id", "kind"))
        assert kinds == {
            priya.pk: "community.mention",
            asker.pk: "community.reply",
            watcher.pk: "community.thread_reply",
        }
        assert sorted(m.to[0] for m in mailoutbox) == sorted([priya.email, asker.email])
        assert _sweep() == (0, {"gave_up": 0})
        assert len(mailoutbox) == 2
        assert Notification.objects.count() == 3


def test_publishing_a_story_with_redis_down_succeeds_at_once_and_reaches_the_next_digest(
    client, mailoutbox, queue_warnings
):
    place = community("open", name="Waste Officers")
    story = draft_story(community=place, author=author_in(place), title="Missed bins reported online")
    reader = person_as("member", place, digest_frequency="daily")
    client.force_login(story.author)
    with redis_down():
        response, took = _timed(lambda: client.post(reverse("practice:publish", args=[story.slug])))
        assert response.status_code == 302
        assert took < AT_ONCE
        story = PracticeStory.objects.get(pk=story.pk)
        assert story.status == PracticeStory.Status.PUBLISHED
        assert story.discussion.opening_post.notified_at is None
        # The members' "published" notices are rows of the publishing transaction itself.
        assert Notification.objects.filter(recipient=reader, kind="practice.published").count() == 1
        assert len(queue_warnings()) == 1

        assert _sweep() == (1, {"gave_up": 0})  # nobody was mentioned in the discussion's opening post
        assert Post.objects.get(thread=story.discussion).notified_at is not None
        assert _sweep() == (0, {"gave_up": 0})
        assert Notification.objects.filter(recipient=reader).count() == 1

        _digest_for(reader)
    digest = mailoutbox[-1]
    assert digest.to == [reader.email]
    assert "Missed bins reported online" in digest.body
    assert "1 practice update" in digest.subject


def test_a_digest_after_an_outage_lists_the_conversation_and_the_story_once(client, mailoutbox):
    place = community("open", name="Waste Officers")
    member = person_as("member", place)
    story = draft_story(community=place, author=author_in(place), title="Missed bins reported online")
    reader = person_as("member", place, digest_frequency="daily")
    with redis_down():
        client.force_login(member)
        client.post(
            reverse("communities:thread-create", args=[place.slug]),
            {"title": "Bin rounds after the heatwave", "kind": "discussion", "body": "Ideas?"},
        )
        client.force_login(story.author)
        client.post(reverse("practice:publish", args=[story.slug]))
        assert Post.objects.filter(notified_at__isnull=True).count() == 2
        _sweep()
        _digest_for(reader)
        digest = mailoutbox[-1]
        assert digest.to == [reader.email]
        for title in ("Bin rounds after the heatwave", "Missed bins reported online"):
            assert title in digest.body
            assert title in digest.alternatives[0][0]
        today = period_for(frequency="daily")
        again = deliver_chunk(frequency="daily", period=today, user_ids=[reader.pk])
        assert again["sent"] == 0
        tomorrow = deliver_chunk(
            frequency="daily",
            period=today + timedelta(days=1),
            user_ids=[reader.pk],
            now=timezone.now() + timedelta(days=1),
        )
        assert (tomorrow["sent"], tomorrow["empty"]) == (0, 1)  # nothing new: no item twice, no email
        assert mailoutbox[-1] is digest


@pytest.fixture
def silent_redis():
    """A Redis that takes connections but never answers (stuck, or behind a proxy whose backend is gone):
    the kernel completes the handshake from the listen backlog; nothing ever reads or replies."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


def test_replying_while_redis_takes_connections_but_never_answers_does_not_hang(
    client, mailoutbox, silent_redis
):
    place = community("open")
    thread = thread_create(author=person_as("member", place), community=place, title="Bins", body="How?")
    person_as("member", place, handle="priya-shah")
    client.force_login(person_as("member", place))
    with redis_down(broker=silent_redis):
        response, took = _timed(
            lambda: client.post(
                reverse("communities:reply", args=[place.slug, thread.pk]), {"body": "Ask @priya-shah."}
            )
        )
        assert response.status_code == 302
        assert Post.objects.get(thread=thread, depth=1).notified_at is None
        assert took < AT_ONCE, f"the reply took {took:.1f} s"


def test_the_home_feed_and_the_library_answer_at_once_with_redis_down_and_keep_a_private_community_private(
    client,
):
    """The member's standing comes with their user row, not from the cache: an outage changes nothing."""
    place = community("private", name="Closed data group")
    member = person_as("member", place)
    thread_create(author=author_in(place), community=place, title="Closed thread", body="How?")
    outsider = person_as("outsider", place)
    with redis_down():
        client.force_login(member)
        response, took = _timed(lambda: client.get(reverse("home")))
        assert response.status_code == 200
        assert took < AT_ONCE
        assert "Closed thread" in response.text
        assert client.get(reverse("practice:index")).status_code == 200

        client.force_login(outsider)
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "Closed thread" not in response.text
        assert "Closed data group" not in response.text
