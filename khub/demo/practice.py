"""Demo practice stories (data/stories.yaml), after the conversations: about thirty first-hand stories across
the service areas and the demo councils, with the members who endorsed them, the facilitators who promoted
them and the councils that repeated them.

Everything is made through practice.services as the site makes it (each publication starts its discussion in
the home community and tells the members; endorsing, promoting and repeating tell the authors), then moved
back in time over the last year or so (three events into the day before the seed, as news for the daily
digest, like recent.py's): the stories, their discussions, endorsements, adoptions, and the notices and
moderation log lines each step wrote. Notices older than a fortnight are marked read, as their recipients
would have. The discussions' posts are old news: they get notified_at, as in conversations.py.

A few colleagues join the communities their stories live in (communities.add_member: the way in that fits
the visibility); member@ and outsider@ keep the memberships the README describes.
Once only per story: a title that exists already is left alone, with its endorsements and adoptions.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community, Membership, ModerationLogEntry, Post, Thread
from communities.services import conversations
from khub.demo.communities import add_member
from khub.demo.files import read
from khub.demo.people import Cast, Key
from practice.models import Adoption, Endorsement, PracticeStory, ServiceArea
from practice.services import recognition, stories
from profiles.models import Notification


class Nod(NamedTuple):
    """An endorsement, `days_ago` or (None) spread evenly between the publication and now."""

    by: Key
    comment: str = ""
    days_ago: float | None = None


class Repeat(NamedTuple):
    """Another council repeated the story: it started `started` days ago and said so `recorded` days ago."""

    by: Key
    outcome: str
    started: int
    recorded: int
    notes: str
    follow_up: str = ""  # the title of the adopting council's own story about it


class Reply(NamedTuple):
    """A reply in the story's discussion, a day and a half after the one before."""

    by: Key
    body: str


@dataclass(frozen=True)
class DemoStory:
    title: str
    community: str
    author: Key
    service_area: str
    audience: str
    days_ago: float  # published, or for a draft last written
    summary: str
    challenge: str = ""
    what_we_did: str = ""
    outcomes: str = ""
    evidence: str = ""
    cost_and_resources: str = ""
    lessons_learned: str = ""
    do_differently: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (url, title)
    measures: tuple[tuple[str, float, float, str], ...] = ()  # (metric, before, after, unit)
    tags: tuple[str, ...] = ()
    co_authors: tuple[Key, ...] = ()
    draft: bool = False
    archived: float | None = None  # days ago its author archived it
    promoted: tuple[Key, float] | None = None  # (facilitator, days ago)
    endorsements: tuple[Nod, ...] = ()
    adoptions: tuple[Repeat, ...] = ()
    replies: tuple[Reply, ...] = ()


def _story(community: str, record: dict) -> DemoStory:
    promoted = record.get("promoted")
    return DemoStory(
        **{
            **record,
            "community": community,
            "service_area": ServiceArea(record["service_area"]),
            "audience": PracticeStory.Audience(record["audience"]),
            "links": tuple((link["url"], link["title"]) for link in record.get("links", ())),
            "measures": tuple(
                (measure["metric"], measure["before"], measure["after"], measure["unit"])
                for measure in record.get("measures", ())
            ),
            "tags": tuple(record.get("tags", ())),
            "co_authors": tuple(record.get("co_authors", ())),
            "promoted": (promoted["by"], promoted["days_ago"]) if promoted else None,
            "endorsements": tuple(Nod(**nod) for nod in record.get("endorsements", ())),
            "adoptions": tuple(
                Repeat(**{**repeat, "outcome": Adoption.Outcome(repeat["outcome"])})
                for repeat in record.get("adoptions", ())
            ),
            "replies": tuple(Reply(**reply) for reply in record.get("replies", ())),
        }
    )


_PRACTICE = read("stories")
# Colleagues who join a community to publish, endorse or repeat its stories.
EXTRA_MEMBERS: dict[str, tuple[Key, ...]] = {
    name: tuple(keys) for name, keys in _PRACTICE["extra_members"].items()
}
STORIES = [
    _story(community, record) for community, records in _PRACTICE["stories"].items() for record in records
]


# --- Seeding -----------------------------------------------------------------------------------------------
NOTICE_DELAY = timedelta(minutes=3)  # how long after an event its notices were sent
READ_AFTER = timedelta(days=14)  # notices older than this were read by their recipients, a few hours later
READ_DELAY = timedelta(hours=5)
WRITING_TIME = timedelta(days=9)  # a story's draft was started this long before it was published
REPLY_GAP = timedelta(days=1, hours=12)


@dataclass
class _Seeding:
    now: datetime
    cast: Cast
    # Dated in bulk at the end: the notices about them take their dates from these rows.
    endorsements: list[Endorsement] = field(default_factory=list)
    adoptions: list[Adoption] = field(default_factory=list)

    def ago(self, days: float, community: Community) -> datetime:
        """`days` ago, but never before the community existed (its threads start after it)."""
        return max(self.now - timedelta(days=days), community.created_at + timedelta(hours=1))

    def between(
        self, start: datetime, days_ago: float | None, share: float, until: datetime | None = None
    ) -> datetime:
        """`days_ago` if given (never before `start`), else `share` of the way from `start` to `until`."""
        if days_ago is not None:
            return max(self.now - timedelta(days=days_ago), start + timedelta(minutes=5))
        return start + ((until or self.now) - start) * share


@transaction.atomic
def seed_practice() -> int:
    """Create the demo stories that do not exist yet; returns how many of them there are."""
    seeding = _Seeding(now=timezone.now(), cast=Cast.load())
    first_notice = Notification.objects.aggregate(top=Max("pk"))["top"] or 0
    communities = {
        community.name: community
        for community in Community.objects.filter(slug__in=[slugify(name) for name in _community_names()])
    }
    _join(seeding, communities)
    titles = [spec.title for spec in STORIES]
    existing = set(PracticeStory.objects.filter(title__in=titles).values_list("title", flat=True))
    new = [spec for spec in STORIES if spec.title not in existing and spec.community in communities]
    made = {spec.title: _seed_story(seeding, spec, communities[spec.community]) for spec in new}
    # Adoptions once every story is there: a follow-up is the adopting council's own (later) story.
    by_title = {story.title: story for story in PracticeStory.objects.filter(title__in=titles)}
    for spec in new:
        for repeat in spec.adoptions:
            _seed_adoption(seeding, story=made[spec.title], repeat=repeat, by_title=by_title)
    Endorsement.objects.bulk_update(seeding.endorsements, ["created_at"])
    Adoption.objects.bulk_update(seeding.adoptions, ["created_at"])
    _date_notices(seeding, first_notice)
    for name in {spec.community for spec in new if not spec.draft}:
        community = communities[name]
        latest = community.threads.aggregate(latest=Max("last_activity_at"))["latest"]
        Community.objects.filter(pk=community.pk).update(last_activity_at=latest)
    return PracticeStory.objects.filter(title__in=titles).count()


def _community_names() -> set[str]:
    return {spec.community for spec in STORIES} | EXTRA_MEMBERS.keys()


def _join(seeding: _Seeding, communities: dict[str, Community]) -> None:
    for name, keys in EXTRA_MEMBERS.items():
        community = communities.get(name)
        if community is None:
            continue
        owner = (
            Membership.objects.filter(community=community, role=Membership.Role.OWNER)
            .select_related("user")
            .get()
            .user
        )
        for key in keys:
            person = seeding.cast.person(key)
            if not Membership.objects.filter(community=community, user=person).exists():
                add_member(owner=owner, community=community, person=person)


def _seed_story(seeding: _Seeding, spec: DemoStory, community: Community) -> PracticeStory:
    author = seeding.cast.person(spec.author)
    published = seeding.ago(spec.days_ago + len(spec.title) % 7 / 24, community)  # not all at one hour
    written = max(published - WRITING_TIME, community.created_at) if not spec.draft else published
    story = stories.story_create(
        author=author,
        community=community,
        title=spec.title,
        summary=spec.summary,
        service_area=spec.service_area,
        audience=spec.audience,
        sections={
            "challenge": spec.challenge,
            "what_we_did": spec.what_we_did,
            "outcomes": spec.outcomes,
            "evidence": spec.evidence,
            "cost_and_resources": spec.cost_and_resources,
            "lessons_learned": spec.lessons_learned,
            "do_differently": spec.do_differently,
        },
        evidence_links=[{"url": url, "title": title} for url, title in spec.links],
        tags=list(spec.tags),
        co_authors=[seeding.cast.person(key).handle for key in spec.co_authors],
        measures=[
            {"metric": metric, "before": before, "after": after, "unit": unit}
            for metric, before, after, unit in spec.measures
        ],
    )
    if spec.draft:
        PracticeStory.objects.filter(pk=story.pk).update(created_at=written, updated_at=written)
        return story
    story = stories.story_publish(actor=author, story=story)
    _seed_discussion(seeding, spec, story=story, published=published)
    dates = {"created_at": written, "published_at": published, "updated_at": published}
    archived = seeding.between(published, spec.archived, 1) if spec.archived is not None else None
    for number, nod in enumerate(spec.endorsements, 1):
        endorsement = recognition.endorsement_create(
            user=seeding.cast.person(nod.by), story=story, comment=nod.comment
        )
        share = number / (len(spec.endorsements) + 2)  # while it was in the library
        endorsement.created_at = seeding.between(published, nod.days_ago, share, until=archived)
        seeding.endorsements.append(endorsement)
    if spec.promoted:
        facilitator, days_ago = spec.promoted
        dates["promoted_at"] = seeding.between(published, days_ago, 0)
        recognition.story_promote(actor=seeding.cast.person(facilitator), story=story)
        ModerationLogEntry.objects.filter(
            action=ModerationLogEntry.Action.STORY_PROMOTED, about_url=story.get_absolute_url()
        ).update(created_at=dates["promoted_at"])
    if archived is not None:
        stories.story_archive(actor=author, story=story)
        dates["updated_at"] = archived
    PracticeStory.objects.filter(pk=story.pk).update(**dates)
    return story


def _seed_discussion(
    seeding: _Seeding, spec: DemoStory, *, story: PracticeStory, published: datetime
) -> None:
    """The discussion story_publish started, and its replies, moved back to the publication. Each post is
    dated as soon as it is made, so the post rate limit (posts in the last minute) never counts it; each
    gets notified_at, so nobody is told about it now."""
    thread = story.discussion
    Post.objects.filter(pk=thread.opening_post_id).update(created_at=published, notified_at=published)
    latest = published
    for reply in spec.replies:
        latest = min(latest + REPLY_GAP, seeding.now - timedelta(hours=1))
        post = conversations.post_reply(author=seeding.cast.person(reply.by), thread=thread, body=reply.body)
        Post.objects.filter(pk=post.pk).update(created_at=latest, notified_at=latest)
    Thread.objects.filter(pk=thread.pk).update(created_at=published, last_activity_at=latest)


def _seed_adoption(
    seeding: _Seeding, *, story: PracticeStory, repeat: Repeat, by_title: dict[str, PracticeStory]
) -> None:
    started_on = timezone.localtime(seeding.now - timedelta(days=repeat.started)).date()
    adoption = recognition.adoption_record(
        user=seeding.cast.person(repeat.by),
        story=story,
        outcome=repeat.outcome,
        started_on=started_on,
        notes=repeat.notes,
        follow_up=by_title.get(repeat.follow_up),
    )
    adoption.created_at = seeding.now - timedelta(days=repeat.recorded)
    seeding.adoptions.append(adoption)


# When each kind of notice the practice services sent happened: the story's dates, or the row it tells of.
_STORY = PracticeStory.objects.filter(pk=OuterRef("target_id"))
NOTICE_TIMES = {
    "practice.co_author": _STORY.values("created_at"),
    "practice.published": _STORY.values("published_at"),
    "practice.promoted": _STORY.values("promoted_at"),
    "practice.endorsed": Endorsement.objects.filter(
        story=OuterRef("target_id"), user=OuterRef("actor")
    ).values("created_at"),
    "practice.adopted": Adoption.objects.filter(
        story=OuterRef("target_id"), recorded_by=OuterRef("actor")
    ).values("created_at"),
}


def _date_notices(seeding: _Seeding, first_notice: int) -> None:
    """Date the notices this seeding sent about stories when what they tell of happened, a few minutes
    after; those older than a fortnight were read by now."""
    notices = Notification.objects.filter(
        pk__gt=first_notice, target_type=ContentType.objects.get_for_model(PracticeStory)
    )
    for kind, moment in NOTICE_TIMES.items():
        notices.filter(kind=kind).update(created_at=Subquery(moment[:1]) + NOTICE_DELAY)
    notices.filter(created_at__lt=seeding.now - READ_AFTER).update(read_at=F("created_at") + READ_DELAY)
