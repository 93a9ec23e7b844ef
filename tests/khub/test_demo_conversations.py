"""The demo conversations seeded by `manage.py seed_demo` (khub/demo/conversations.py).

The seed takes seconds, so it runs once for the module, inside a transaction rolled back at the end; each
test still runs in its own savepoint (pytest-django's `db`), so a test that seeds again changes nothing for
the others.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.test import override_settings
from django.utils import timezone

from communities.models import (
    PATH_MAX_DEPTH,
    PATH_STEP,
    Community,
    Membership,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    Thread,
    ThreadWatch,
)
from communities.services.conversations import posts_notify_unsent
from khub.demo import DEMO_ACCOUNTS
from profiles.models import Notification, User


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, _media_root):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, MEDIA_ROOT=_media_root):  # its files in the test run's folder
            call_command("seed_demo")
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def test_every_demo_community_has_conversations():
    assert Community.objects.count() >= 12
    assert not Community.objects.filter(threads__isnull=True).exists()
    private = Community.objects.filter(visibility="private", name="Heads of Digital").get()
    assert private.threads.count() >= 1


def test_some_demo_threads_run_to_hundreds_of_posts():
    sizes = sorted(Thread.objects.annotate(posts_count=Count("posts")).values_list("posts_count", flat=True))
    assert sizes[-1] >= 400
    assert sizes[-2] >= 200


def test_demo_questions_include_answered_and_unanswered_ones():
    questions = Thread.objects.filter(kind=Thread.Kind.QUESTION)
    assert questions.filter(answer__isnull=True).exists()
    answered = questions.filter(answer__isnull=False).select_related("answer")
    assert answered.exists()
    for thread in answered:
        assert thread.answer.thread_id == thread.pk
        assert thread.answer.is_visible
        assert not thread.answer.is_opening
    assert not Thread.objects.filter(kind=Thread.Kind.DISCUSSION, answer__isnull=False).exists()


def test_demo_posts_ordered_by_path_read_as_a_depth_first_tree():
    for thread in Thread.objects.all():
        posts = list(thread.posts.order_by("path"))
        assert posts[0].pk == thread.opening_post_id
        assert posts[0].depth == 0
        assert posts[0].path == f"{1:0{PATH_STEP}d}"
        by_id = {post.pk: post for post in posts}
        ancestors = [posts[0]]  # the path from the opening post down to the previous post
        for post in posts[1:]:
            parent = by_id[post.parent_id]
            segment = post.path[-PATH_STEP:]
            assert segment.isdigit()
            assert 1 < int(segment) <= thread.post_sequence
            if parent.depth + 1 < PATH_MAX_DEPTH:
                assert post.path == parent.path + segment
                assert post.depth == parent.depth + 1
            else:  # filed beside its parent
                assert post.path == parent.path[:-PATH_STEP] + segment
            assert len(post.path) == PATH_STEP * (post.depth + 1)
            assert post.created_at >= parent.created_at
            # Depth-first: the post's place in the tree (its parent, or its parent's parent when filed
            # beside it) is on the way down to the post read just before.
            above = parent.pk if post.depth > parent.depth else parent.parent_id
            while ancestors and ancestors[-1].pk != above:
                ancestors.pop()
            assert ancestors, f"{thread}: {post.path} comes after its parent's subtree"
            ancestors.append(post)
        assert thread.post_sequence == len(posts)
        assert thread.created_at == posts[0].created_at
        assert thread.last_activity_at == max(post.created_at for post in posts)


def test_demo_replies_go_several_levels_deep():
    assert Post.objects.filter(depth__gte=4).values("thread").distinct().count() >= 3


def test_demo_reply_counts_are_the_visible_replies():
    visible = Count("posts", filter=Q(posts__depth__gt=0, posts__state=Post.State.VISIBLE))
    for thread in Thread.objects.annotate(visible=visible):
        assert thread.reply_count == thread.visible, thread.title
    assert Post.objects.filter(state=Post.State.HIDDEN).exists()
    assert Post.objects.filter(state=Post.State.DELETED).exists()


def test_demo_helpful_counts_match_the_reactions():
    assert PostReaction.objects.count() >= 100
    assert not Post.objects.annotate(marks=Count("reactions")).exclude(helpful_count=F("marks")).exists()
    assert not PostReaction.objects.filter(user=F("post__author")).exists()


def test_every_demo_author_is_an_active_member_of_the_community():
    """(In a community of practice: in the hub-wide space of questions every verified member writes.)"""
    active = Membership.objects.filter(
        community=OuterRef("thread__community"), user=OuterRef("author"), state=Membership.State.ACTIVE
    )
    posts = Post.objects.filter(thread__community__everyone_takes_part=False)
    assert not posts.exclude(Exists(active)).exists()
    fans = Membership.objects.filter(
        community=OuterRef("post__thread__community"), user=OuterRef("user"), state=Membership.State.ACTIVE
    )
    reactions = PostReaction.objects.filter(post__thread__community__everyone_takes_part=False)
    assert not reactions.exclude(Exists(fans)).exists()
    # Starting or replying watches a thread (post_reply's _watch): the bulk-made replies too.
    watching = ThreadWatch.objects.filter(thread=OuterRef("thread"), user=OuterRef("author"))
    assert not Post.objects.exclude(Exists(watching)).exists()


def test_demo_conversations_are_pinned_locked_and_moderated_through_the_log():
    assert Thread.objects.filter(pinned=True).count() >= 2
    locked = Thread.objects.get(locked=True)
    assert ModerationLogEntry.objects.filter(thread=locked, action=ModerationLogEntry.Action.LOCKED).exists()
    assert ModerationLogEntry.objects.filter(action=ModerationLogEntry.Action.POST_HIDDEN).exists()
    assert PostReport.objects.filter(state=PostReport.State.OPEN).count() >= 2


def test_demo_bodies_use_markdown_links_and_mentions():
    assert Post.objects.filter(body_html__contains='<a href="https://www.gov.uk/').exists()
    assert Post.objects.filter(body_html__contains="<li>").exists()
    assert Post.objects.filter(body_html__contains='<a href="/people/').count() >= 10


def test_member_asked_a_question_was_answered_and_is_told_a_little():
    member = User.objects.get(email="member@demo.khub.test")
    asked = Thread.objects.filter(author=member, kind=Thread.Kind.QUESTION)
    assert asked.filter(reply_count__gt=0).exists()
    assert Post.objects.filter(thread__in=asked, depth__gt=0).exclude(author=member).exists()
    notices = Notification.objects.filter(recipient=member, kind__in=["community.reply", "community.mention"])
    assert 1 <= notices.count() <= 5
    for login in User.objects.filter(email__in=[account.email for account in DEMO_ACCOUNTS]):
        conversation_notices = Notification.objects.filter(
            recipient=login, kind__startswith="community.", target_type__model="post"
        )
        assert conversation_notices.count() <= 5, login.email


def test_seeded_posts_are_never_announced_again():
    assert not Post.objects.filter(notified_at__isnull=True).exists()
    assert posts_notify_unsent(older_than=timedelta(0)) == 0


def test_demo_threads_start_after_their_community_and_end_in_the_past():
    assert not Thread.objects.filter(created_at__lt=F("community__created_at")).exists()
    assert not Post.objects.filter(created_at__gt=timezone.now()).exists()
    for community in Community.objects.all():
        assert community.last_activity_at == max(t.last_activity_at for t in community.threads.all())


@override_settings(DEBUG=True)
def test_rerunning_the_seed_adds_no_conversation_twice():
    models = (Thread, Post, PostReaction, ThreadWatch, PostReport, ModerationLogEntry, Notification)
    before = [model.objects.count() for model in models]
    call_command("seed_demo")
    assert [model.objects.count() for model in models] == before


# --- Questions to the hub (khub/demo/ask.py) -------------------------------------------------------------
def test_the_demo_has_an_answered_and_an_open_question_to_the_hub_with_people_asked(client):
    from ask.models import Question, QuestionAsk
    from khub.demo.ask import QUESTIONS

    questions = {q.thread.title: q for q in Question.objects.select_related("thread")}
    assert set(questions) == {spec["title"] for spec in QUESTIONS}
    answered, still_open = (questions[spec["title"]] for spec in QUESTIONS)
    assert answered.thread.answer is not None
    assert answered.thread.answer.helpful_count >= 1
    asks = QuestionAsk.objects.filter(question=answered)
    assert asks.filter(state=QuestionAsk.State.ANSWERED).count() == 1
    assert asks.filter(state=QuestionAsk.State.PASSED).count() == 1
    assert all(ask.reasons for ask in asks)
    assert still_open.thread.reply_count == 0
    member = User.objects.get(email="member@demo.khub.test")
    assert QuestionAsk.objects.filter(question=still_open, person=member).exists()

    client.force_login(member)
    assert "You were asked to help" in client.get(still_open.thread.get_absolute_url()).text
    home = client.get("/").text
    assert "People you may want to know" in home
    assert "Communities you may like" in home
