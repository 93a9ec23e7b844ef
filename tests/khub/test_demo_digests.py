"""The demo's recent activity and digest preferences (khub/demo/recent.py and the recent stories in
khub/demo/practice.py): after `manage.py seed_demo`, tomorrow's daily digest has news for most demo members.

As in test_demo_conversations, the seed runs once for the module inside a transaction rolled back at the end;
each test runs in its own savepoint, so the test that seeds again, or sends the digests, changes nothing for
the others.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone

from communities.models import Community, Membership, ModerationLogEntry, Post, PostReport, Thread
from khub.demo import DEMO_ACCOUNTS, DEMO_DOMAIN
from khub.demo.recent import JOIN_REQUESTS, RECENT_THREADS
from khub.digests.content import digests_build
from khub.digests.delivery import recipients, with_history
from khub.models import DigestDelivery
from practice import permissions as practice_permissions
from practice.models import PracticeStory
from profiles.models import Notification, User

DAILY = DigestDelivery.Frequency.DAILY
DAY = timedelta(hours=21)  # the recent activity goes back 20 hours before the seed


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, _media_root):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, MEDIA_ROOT=_media_root):  # its files in the test run's folder
            call_command("seed_demo")
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def _login(name: str) -> User:
    return User.objects.get(email=f"{name}@{DEMO_DOMAIN}")


def _demo_people():
    return User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")


def _digests() -> dict[int, object]:
    """Every daily recipient's digest, as send_digests would build it now."""
    users = list(with_history(recipients(frequency=DAILY)))
    return digests_build(users=users, frequency=DAILY, until=timezone.now())


def _private_titles() -> set[str]:
    """What the private communities had in the last day: none of it may reach a non-member."""
    private = Community.objects.filter(visibility="private")
    since = timezone.now() - timedelta(days=1)
    threads = Thread.objects.filter(community__in=private, last_activity_at__gt=since)
    stories = PracticeStory.objects.filter(community__in=private, published_at__gt=since)
    return set(threads.values_list("title", flat=True)) | set(stories.values_list("title", flat=True))


def test_the_readme_logins_and_all_but_two_colleagues_take_the_daily_digest():
    for account in DEMO_ACCOUNTS:
        assert User.objects.get(email=account.email).digest_frequency == DAILY, account.email
    choices = dict(_demo_people().order_by().values_list("digest_frequency").annotate(n=Count("pk")))
    assert choices == {DAILY: _demo_people().count() - 2, "weekly": 1, "off": 1}
    # They can all receive it: active, with a confirmed address.
    assert recipients(frequency=DAILY).filter(email__endswith=f"@{DEMO_DOMAIN}").count() == choices[DAILY]


def test_member_mutes_one_community_in_their_digest():
    muted = Membership.objects.filter(in_digest=False).select_related("user", "community")
    assert [(m.user.email, m.community.name, m.state) for m in muted] == [
        (f"member@{DEMO_DOMAIN}", "Planning and Development", Membership.State.ACTIVE)
    ]
    # Something happened there today, which member@'s digest leaves out.
    planning = muted.get().community
    assert Thread.objects.filter(community=planning, created_at__gt=timezone.now() - DAY).exists()
    digest = _digests()[_login("member").pk]
    assert not digest.is_empty
    assert planning.pk not in {
        item.get("community") for section in digest.sections for item in section["items"]
    }


def test_demo_people_joined_the_hub_long_before_the_demo_communities():
    oldest_community = Community.objects.order_by("created_at").first()
    assert not _demo_people().filter(date_joined__gt=oldest_community.created_at).exists()


def test_every_community_has_a_new_conversation_today_and_some_older_ones_are_busy():
    now = timezone.now()
    # (Every community of practice: the hub-wide space of questions has its own, khub/demo/ask.py.)
    recent = Thread.objects.filter(
        created_at__gt=now - DAY, created_at__lt=now, story__isnull=True, community__everyone_takes_part=False
    )
    assert set(recent.values_list("community__name", flat=True)) == set(
        Community.objects.filter(everyone_takes_part=False).values_list("name", flat=True)
    )
    assert recent.filter(title__in=[t.title for ts in RECENT_THREADS.values() for t in ts]).count() == 12
    for thread in recent:
        assert thread.reply_count >= 2, thread.title
        assert thread.last_activity_at < now
    # Older conversations with two or more replies today: busy in the digest.
    busy = (
        Thread.objects.filter(created_at__lt=now - timedelta(days=2))
        .annotate(today=Count("posts", filter=Q(posts__created_at__gt=now - DAY, posts__depth__gt=0)))
        .filter(today__gte=2)
    )
    assert busy.count() >= 3
    assert not Post.objects.filter(Q(created_at__gt=now) | Q(notified_at__isnull=True)).exists()


def test_a_story_was_published_and_one_promoted_today_and_two_people_asked_to_join():
    now = timezone.now()
    published = PracticeStory.objects.filter(published_at__gt=now - DAY, published_at__lt=now)
    assert published.filter(audience=PracticeStory.Audience.MEMBERS).exists()
    promoted = PracticeStory.objects.filter(promoted_at__gt=now - DAY, promoted_at__lt=now)
    assert promoted.filter(published_at__lt=now - timedelta(days=30)).exists()
    for story in promoted:
        entry = ModerationLogEntry.objects.get(
            action=ModerationLogEntry.Action.STORY_PROMOTED, about_url=story.get_absolute_url()
        )
        assert entry.created_at == story.promoted_at
    requests = Membership.objects.filter(state="requested", message__in=[m for _, _, m, _ in JOIN_REQUESTS])
    assert requests.count() == len(JOIN_REQUESTS) == 2
    for request in requests:
        assert now - DAY < request.created_at == request.updated_at < now - timedelta(hours=1)
        notices = Notification.objects.filter(
            kind="community.join_requested", actor=request.user, target_id=request.community_id
        )
        assert notices.exists()
        assert set(notices.values_list("created_at", flat=True)) == {request.updated_at}
    # Facilitators also have a report on today's conversations to look at.
    assert PostReport.objects.filter(state="open", created_at__gt=now - DAY).exists()


def test_most_daily_recipients_get_a_digest_by_email(mailoutbox):
    daily = list(recipients(frequency=DAILY).values_list("email", flat=True))
    call_command("send_digests", "--frequency", "daily")
    digests = [message for message in mailoutbox if message.subject.startswith("Your daily digest: ")]
    sent_to = [message.to[0] for message in digests]
    assert len(sent_to) == len(set(sent_to))
    assert set(sent_to) <= set(daily)
    assert len(sent_to) >= 0.75 * len(daily)
    for account in DEMO_ACCOUNTS:
        assert account.email in sent_to, account.email
    assert DigestDelivery.objects.filter(state=DigestDelivery.State.SENT).count() == len(sent_to)
    # Nothing a private community said today reaches the logins who are not in it.
    private = _private_titles()
    assert len(private) >= 3
    for name in ("member", "outsider"):
        [message] = [m for m in digests if m.to == [f"{name}@{DEMO_DOMAIN}"]]
        html = message.alternatives[0][0]
        for title in private:
            assert title not in message.body, (name, title)
            assert title.replace("'", "&#x27;") not in html, (name, title)


def test_no_digest_item_from_a_private_community_reaches_a_non_member():
    private = set(Community.objects.filter(visibility="private").values_list("pk", flat=True))
    stories = {story.pk: story for story in PracticeStory.objects.select_related("community")}
    checked = 0
    for digest in _digests().values():
        user = digest.user
        if user.is_staff:  # site admins may read everything
            continue
        inside = set(
            Membership.objects.filter(user=user, state="active", community__in=private).values_list(
                "community", flat=True
            )
        )
        for item in (item for section in digest.sections for item in section["items"]):
            checked += 1
            if item.get("story"):  # a practice item; the others name their community
                story = stories[item["story"]]
                assert practice_permissions.can_read(user=user, story=story), (user.email, item["title"])
                community = story.community_id if story.audience == PracticeStory.Audience.COMMUNITY else None
            else:
                community = item["community"]
            assert community not in private - inside, (user.email, item["title"])
    assert checked >= 100
    # The case that matters: a private community's story tagged with the outsider's interests.
    outsider = _login("outsider")
    tempting = PracticeStory.objects.filter(
        community__visibility="private",
        published_at__gt=timezone.now() - DAY,
        tags__name__in=outsider.interests.names(),
    )
    assert tempting.exists()


@override_settings(DEBUG=True)
def test_seeding_again_adds_no_recent_activity_twice():
    models = (Thread, Post, PostReport, Membership, PracticeStory, ModerationLogEntry, Notification)
    before = [model.objects.count() for model in models]
    choices = sorted(_demo_people().values_list("email", "digest_frequency"))
    call_command("seed_demo")
    assert [model.objects.count() for model in models] == before
    assert sorted(_demo_people().values_list("email", "digest_frequency")) == choices
    assert Membership.objects.filter(in_digest=False).count() == 1
