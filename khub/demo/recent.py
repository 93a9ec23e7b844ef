"""The day before the seed (data/recent.yaml), seeded last: recent activity and digest preferences, so that
the next `manage.py send_digests --frequency daily` has news for most demo members (the digest providers:
conversations started and busy ones in their communities, practice there or matching their interests, and
for facilitators requests to join).

  * preferences: every demo person takes the daily digest but two colleagues, one weekly and one off, so that
    /settings/notifications/ shows each choice; member@ mutes Planning and Development;
  * a new conversation in every community, started 1 to 20 hours before the seed, each with replies, made by
    conversations.py as it makes its own threads (through the services, then dated);
  * late replies to three older conversations, two or more each, which makes them busy
    (communities.providers.BUSY_REPLIES);
  * two requests to join restricted communities, for their facilitators.
The practice news is in data/stories.yaml, dated the same way: a story published and one promoted in the
hours before the seed, and a private community's story whose tags are some outsiders' interests.

Everything is dated from the moment of the seed: a digest sent days later finds little of it new.
Once only: a conversation its community has, late replies their thread holds and a request already made are
left alone; the preferences are set to the same values every time, as people.py sets the profiles.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community, Membership, Post, Thread
from communities.services import conversations
from communities.services.membership import membership_join, memberships_digest_set
from khub.demo.conversations import DemoThread, Reply, seed_conversations, threads_from
from khub.demo.files import read
from khub.demo.people import DEMO_DOMAIN, Cast, Key
from profiles.models import Notification, User
from profiles.services import notification_settings_set


def hours(start: float, end: float) -> tuple[float, float]:
    """DemoThread.days_ago for a thread started `start` hours before the seed, its latest reply `end`."""
    return start / 24, end / 24


@dataclass(frozen=True)
class LateReplies:
    """Replies to an older conversation in the hours before the seed: level 1 answers the opening post, level
    n the late reply at level n-1. Evenly spread from `hours_ago[0]` to `hours_ago[1]` hours before."""

    community: str
    title: str
    hours_ago: tuple[float, float]
    replies: tuple[Reply, ...]


_RECENT = read("recent")
# Colleagues who keep another digest than the daily one; everybody else, the logins too, takes it daily.
DIGEST_EXCEPTIONS: dict[Key, str] = {
    key: User.Digest(frequency) for key, frequency in _RECENT["digest_exceptions"].items()
}
MUTED: tuple[Key, str] = (_RECENT["muted"]["by"], _RECENT["muted"]["community"])  # who mutes which community
RECENT_THREADS: dict[str, list[DemoThread]] = threads_from(
    {
        community: [
            {key: value for key, value in record.items() if key != "hours_ago"}
            | {"days_ago": hours(*record["hours_ago"])}
            for record in records
        ]
        for community, records in _RECENT["threads"].items()
    }
)
LATE_REPLIES = [
    LateReplies(
        community=record["community"],
        title=record["title"],
        hours_ago=tuple(record["hours_ago"]),
        replies=tuple(Reply(**reply) for reply in record["replies"]),
    )
    for record in _RECENT["late_replies"]
]
# Requests to join restricted communities, for their facilitators: (community, who, message, hours ago).
JOIN_REQUESTS: list[tuple[str, Key, str, float]] = [
    (record["community"], record["by"], record["message"], record["hours_ago"])
    for record in _RECENT["join_requests"]
]


@dataclass(frozen=True)
class _Seeding:
    now: datetime
    cast: Cast


@transaction.atomic
def seed_recent() -> None:
    seeding = _Seeding(now=timezone.now(), cast=Cast.load())
    _seed_preferences(seeding)
    seed_conversations(threads_by_community=RECENT_THREADS)
    _seed_late_replies(seeding)
    _seed_requests(seeding)


def _seed_preferences(seeding: _Seeding) -> None:
    """Through the services the settings page uses, set to the same values on every run."""
    exceptions = {seeding.cast.person(key).pk: frequency for key, frequency in DIGEST_EXCEPTIONS.items()}
    for user in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("pk"):
        frequency = exceptions.get(user.pk, User.Digest.DAILY)
        if user.digest_frequency != frequency:
            notification_settings_set(
                user=user, digest_frequency=frequency, email_immediately=user.email_immediately
            )
    key, name = MUTED
    user = seeding.cast.person(key)
    mine = Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
    memberships_digest_set(
        user=user,
        included_ids=set(mine.exclude(community__slug=slugify(name)).values_list("community", flat=True)),
    )


def _seed_late_replies(seeding: _Seeding) -> None:
    """Through post_reply, each reply dated as soon as it is made (so the rate limit, posts in the last
    minute, never counts it) and given notified_at: nobody is told about it now."""
    touched = set()
    for spec in LATE_REPLIES:
        thread = Thread.objects.filter(community__slug=slugify(spec.community), title=spec.title).first()
        first = spec.replies[0]
        if thread is None or thread.locked:
            continue
        if thread.posts.filter(
            author=seeding.cast.person(first.author), body=seeding.cast.text(first.body)
        ).exists():
            continue  # an earlier seed added them
        start, end = (seeding.now - timedelta(hours=ago) for ago in spec.hours_ago)
        step = (end - start) / max(len(spec.replies) - 1, 1)
        latest = {0: thread.opening_post}
        for number, reply in enumerate(spec.replies):
            post = conversations.post_reply(
                author=seeding.cast.person(reply.author),
                thread=thread,
                body=seeding.cast.text(reply.body),
                parent=latest[reply.level - 1],
            )
            moment = start + step * number
            Post.objects.filter(pk=post.pk).update(created_at=moment, notified_at=moment)
            latest[reply.level] = post
        Thread.objects.filter(pk=thread.pk).update(
            last_activity_at=thread.posts.aggregate(latest=Max("created_at"))["latest"]
        )
        touched.add(thread.community_id)
    # post_reply marked each community active at seed time: back to its latest conversation.
    for community in Community.objects.filter(pk__in=touched):
        latest = community.threads.aggregate(latest=Max("last_activity_at"))["latest"]
        Community.objects.filter(pk=community.pk).update(last_activity_at=latest)


def _seed_requests(seeding: _Seeding) -> None:
    for name, key, message, ago in JOIN_REQUESTS:
        community = Community.objects.filter(slug=slugify(name)).first()
        person = seeding.cast.person(key)
        if community is None or Membership.objects.filter(community=community, user=person).exists():
            continue
        membership = membership_join(user=person, community=community, message=message)
        asked = seeding.now - timedelta(hours=ago)
        Membership.objects.filter(pk=membership.pk).update(created_at=asked, updated_at=asked)
        Notification.objects.filter(
            kind="community.join_requested",
            actor=person,
            target_type=ContentType.objects.get_for_model(Community),
            target_id=community.pk,
            created_at__gte=seeding.now,
        ).update(created_at=asked)
