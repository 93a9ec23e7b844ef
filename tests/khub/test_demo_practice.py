"""The demo practice stories seeded by `manage.py seed_demo` (khub/demo/practice.py).

As in test_demo_conversations, the seed runs once for the module inside a transaction rolled back at the end;
each test runs in its own savepoint, so the test that seeds again changes nothing for the others.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import override_settings
from django.utils import timezone

from communities.models import Community, Membership, ModerationLogEntry, Post, Thread
from khub.demo.practice import STORIES
from practice import permissions
from practice.models import RECORD_SECTIONS, Adoption, Endorsement, MeasuredOutcome, PracticeStory
from profiles.models import Notification, User

ST = PracticeStory.Status
A = PracticeStory.Audience


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, _media_root):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, MEDIA_ROOT=_media_root):  # its files in the test run's folder
            call_command("seed_demo")
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def _login(name: str) -> User:
    return User.objects.get(email=f"{name}@demo.khub.test")


def _published():
    return PracticeStory.objects.filter(status=ST.PUBLISHED)


def test_about_thirty_stories_across_many_service_areas_and_councils():
    assert PracticeStory.objects.count() == len(STORIES)
    assert 28 <= len(STORIES) <= 40
    assert _published().count() >= 25
    assert _published().values("service_area").distinct().count() >= 12
    assert _published().values("council").distinct().count() >= 10
    assert 2 <= PracticeStory.objects.filter(status=ST.DRAFT).count() <= 3
    assert PracticeStory.objects.filter(status=ST.ARCHIVED).count() == 1


def test_every_story_outside_the_drafts_has_its_full_record():
    for story in PracticeStory.objects.exclude(status=ST.DRAFT).prefetch_related("tags"):
        assert story.summary
        assert story.service_area
        for name, heading in RECORD_SECTIONS:
            assert getattr(story, name), f"{story}: {heading}"
            assert getattr(story, f"{name}_html"), f"{story}: {heading}"
        assert 1 <= len(story.evidence_links) <= 2, story.title
        assert all(link["url"].startswith("https://") and link["title"] for link in story.evidence_links)
        assert story.tags.exists(), story.title
    # Markdown, rendered as the site renders it: lists and emphasis in some records.
    assert PracticeStory.objects.filter(what_we_did_html__contains="<li>").count() >= 5
    assert PracticeStory.objects.filter(challenge_html__contains="<strong>").exists()
    assert MeasuredOutcome.objects.values("story").distinct().count() >= 15
    assert not MeasuredOutcome.objects.filter(story__status=ST.DRAFT).exists()


def test_two_drafts_are_their_authors_alone_and_have_no_discussion():
    drafts = PracticeStory.objects.filter(status=ST.DRAFT)
    assert drafts.filter(author=_login("member")).exists()
    assert not drafts.filter(Q(discussion__isnull=False) | Q(published_at__isnull=False)).exists()
    for draft in drafts:
        assert not permissions.listed_stories(_login("admin")).filter(pk=draft.pk).exists()
        assert permissions.readable_stories(draft.author).filter(pk=draft.pk).exists()
        assert not permissions.readable_stories(_login("facilitator")).filter(pk=draft.pk).exists()


def test_stories_are_for_the_public_members_and_communities_including_two_in_heads_of_digital():
    assert set(_published().values_list("audience", flat=True)) == {A.PUBLIC, A.MEMBERS, A.COMMUNITY}
    heads = Community.objects.get(name="Heads of Digital", visibility="private")
    private = _published().filter(community=heads, audience=A.COMMUNITY)
    assert private.count() >= 2
    # Those stories exist only for the private community's members.
    assert not permissions.readable_stories(_login("member")).filter(community=heads).exists()
    assert not permissions.readable_stories(_login("outsider")).filter(community=heads).exists()
    facilitator_sees = permissions.listed_stories(_login("facilitator"))
    assert facilitator_sees.filter(community=heads).count() == private.count()
    # Restricted communities' own stories stay with their members; visitors see the public ones.
    outsider_sees = permissions.listed_stories(_login("outsider"))
    assert not outsider_sees.filter(audience=A.COMMUNITY, community__visibility__in=["restricted", "private"])
    anonymous_sees = permissions.listed_stories(AnonymousUser())
    assert anonymous_sees.count() >= 10
    assert set(anonymous_sees.values_list("audience", flat=True)) == {A.PUBLIC}


def test_every_author_is_a_verified_member_active_in_the_home_community():
    for story in PracticeStory.objects.select_related("author", "council"):
        assert story.author.has_verified_affiliation, story.title
        assert Membership.objects.filter(
            community=story.community_id, user=story.author, state=Membership.State.ACTIVE
        ).exists(), story.title
        if not story.is_draft:
            assert story.council_id == story.author.council_id


def test_at_least_one_story_is_co_authored():
    co_authored = PracticeStory.objects.filter(co_authors__isnull=False, status=ST.PUBLISHED).distinct()
    assert co_authored.exists()
    assert not PracticeStory.objects.filter(co_authors=F("author")).exists()


def test_several_stories_were_promoted_by_a_facilitator_of_their_home_community():
    promoted = PracticeStory.objects.filter(promoted_at__isnull=False).select_related("promoted_by")
    assert promoted.count() >= 5
    assert promoted.values("community").distinct().count() >= 5
    for story in promoted:
        assert story.is_published
        assert story.promoted_by_id != story.author_id
        assert Membership.objects.filter(
            community=story.community_id,
            user=story.promoted_by,
            state=Membership.State.ACTIVE,
            role__in=[Membership.Role.OWNER, Membership.Role.FACILITATOR],
        ).exists(), story.title
        assert story.published_at < story.promoted_at <= timezone.now()
        entry = ModerationLogEntry.objects.get(
            action=ModerationLogEntry.Action.STORY_PROMOTED, about_url=story.get_absolute_url()
        )
        assert entry.created_at == story.promoted_at
        assert entry.actor_id == story.promoted_by_id


def test_stories_are_repeated_by_other_councils_in_every_way_and_one_follows_up():
    adoptions = Adoption.objects.select_related("story", "recorded_by", "follow_up")
    assert adoptions.count() >= 10
    assert set(adoptions.values_list("outcome", flat=True)) == set(Adoption.Outcome.values)
    today = timezone.localdate()
    for adoption in adoptions:
        assert adoption.story.is_published
        assert adoption.council_id != adoption.story.council_id
        assert adoption.recorded_by.has_verified_affiliation
        assert adoption.recorded_by.council_id == adoption.council_id
        assert permissions.can_read(user=adoption.recorded_by, story=adoption.story)
        assert adoption.notes
        assert adoption.started_on <= today
        assert adoption.story.published_at < adoption.created_at <= timezone.now()
    follow_ups = adoptions.filter(follow_up__isnull=False)
    assert follow_ups.exists()
    for adoption in follow_ups:
        assert adoption.follow_up.is_published
        assert adoption.follow_up.council_id == adoption.council_id
        assert adoption.follow_up.published_at < adoption.created_at


def test_endorsements_come_with_comments_from_many_readers_who_did_not_write_the_story():
    endorsements = Endorsement.objects.select_related("story", "user")
    assert endorsements.count() >= 60
    assert endorsements.exclude(comment="").count() >= 25
    assert endorsements.values("user").distinct().count() >= 15
    for endorsement in endorsements:
        story = endorsement.story
        assert not story.is_draft
        assert not permissions.is_author(user=endorsement.user, story=story)
        assert permissions.can_read(user=endorsement.user, story=story)
        assert story.published_at < endorsement.created_at <= timezone.now()
        if story.is_archived:  # endorsed while it was in the library
            assert endorsement.created_at < story.updated_at


def test_every_story_counts_its_own_rows():
    stories = PracticeStory.objects.annotate(
        endorsed=Count("endorsements", distinct=True), repeated=Count("adoptions", distinct=True)
    )
    for story in stories:
        assert story.endorsement_count == story.endorsed, story.title
        assert story.adoption_count == story.repeated, story.title


def test_every_published_story_has_its_discussion_in_its_home_community():
    for story in PracticeStory.objects.exclude(status=ST.DRAFT).select_related("discussion__opening_post"):
        thread = story.discussion
        assert thread is not None, story.title
        assert thread.community_id == story.community_id
        assert thread.title == story.title
        assert thread.author_id == story.author_id
        assert thread.created_at == story.published_at == thread.opening_post.created_at
        assert story.get_absolute_url() in thread.opening_post.body
    # Some discussions have replies, each dated after the story and never announced again.
    replies = Post.objects.filter(thread__story__isnull=False, depth__gt=0)
    assert replies.count() >= 5
    assert not Post.objects.filter(thread__story__isnull=False, notified_at__isnull=True).exists()
    for thread in Thread.objects.filter(story__isnull=False):
        assert thread.reply_count == thread.posts.filter(depth__gt=0).count()
        assert thread.last_activity_at == max(post.created_at for post in thread.posts.all())


def test_the_library_looks_lived_in_over_the_last_year_and_more():
    now = timezone.now()
    dates = sorted(PracticeStory.objects.exclude(status=ST.DRAFT).values_list("published_at", flat=True))
    assert dates[0] < now - timedelta(days=365)
    assert dates[-1] > now - timedelta(days=60)
    assert dates[-1] < now
    assert len({date.date() for date in dates}) >= 25
    for story in PracticeStory.objects.exclude(status=ST.DRAFT).select_related("community"):
        assert story.community.created_at <= story.created_at < story.published_at <= story.updated_at
    for community in Community.objects.filter(stories__isnull=False).distinct():
        assert community.last_activity_at == max(t.last_activity_at for t in community.threads.all())


def test_member_wrote_a_promoted_story_that_others_endorsed_and_repeated_and_is_told_so():
    member = _login("member")
    own = _published().filter(Q(author=member) | Q(co_authors=member)).distinct()
    assert own.filter(promoted_at__isnull=False, endorsement_count__gte=3, adoption_count__gte=1).exists()
    assert Endorsement.objects.filter(story__in=own).exclude(comment="").count() >= 3
    notices = Notification.objects.filter(recipient=member, kind__startswith="practice.")
    assert notices.filter(kind="practice.endorsed").exists()
    assert notices.filter(kind="practice.adopted").exists()
    assert notices.filter(kind="practice.promoted").exists()
    assert 1 <= notices.filter(read_at__isnull=True).count() <= 10
    assert Endorsement.objects.filter(user=member).count() >= 5


def test_the_demo_logins_keep_the_memberships_the_readme_describes():
    member, outsider = _login("member"), _login("outsider")
    assert not Membership.objects.filter(user=member, community__visibility="private").exists()
    assert Membership.objects.filter(user=member, state="requested", community__name="Procurement").exists()
    assert not Membership.objects.filter(user=outsider).exists()


def test_notices_about_stories_are_dated_when_it_happened_and_old_ones_are_read():
    now = timezone.now()
    notices = Notification.objects.filter(kind__startswith="practice.")
    assert notices.count() >= 100
    assert not notices.filter(created_at__gt=now).exists()
    for notice in notices.filter(kind="practice.endorsed"):
        endorsement = Endorsement.objects.get(story=notice.target_id, user=notice.actor)
        assert endorsement.created_at < notice.created_at < endorsement.created_at + timedelta(hours=1)
    assert not notices.filter(created_at__lt=now - timedelta(days=14), read_at__isnull=True).exists()
    assert not notices.filter(created_at__gt=now - timedelta(days=13), read_at__isnull=False).exists()


@override_settings(DEBUG=True)
def test_rerunning_the_seed_adds_no_story_twice():
    models = (
        PracticeStory,
        Endorsement,
        Adoption,
        MeasuredOutcome,
        Thread,
        Post,
        Membership,
        ModerationLogEntry,
        Notification,
    )
    before = [model.objects.count() for model in models]
    call_command("seed_demo")
    assert [model.objects.count() for model in models] == before
