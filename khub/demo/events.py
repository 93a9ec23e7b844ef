"""Demo events (data/events.yaml), after the practice stories: monthly calls, regional workshops and webinars
in which a council walks the others through what it did, in several communities, online, in person and both;
past ones (some with notes on what happened) and upcoming ones, one of them full with a waiting list and one
cancelled with its reason. member@ is going to several (and waits for a place at the full workshop);
facilitator@ to a few.

Everything is made through events.services as the site makes it: announcing an event starts its discussion
and tells the community, replies go through rsvp_set (the counts and the waiting list as the services keep
them), a cancellation tells the people going. The services refuse a start in the past, so an event that has
taken place is announced for a later date, replied to, then moved back to its day (as tests/events/helpers.py
started() does) before its organiser writes its notes. Then each is dated: announced up to four weeks before
it starts, the replies spread after that, its discussion's opening post and the notices it sent dated with it.
The emails a cancellation writes to the people going are marked sent: seeding sends none.
Once only per event: a title its community has already is left alone.
"""

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community, Post, Thread
from events.models import Event, EventEmail, Rsvp
from events.services.events import event_cancel, event_create, event_notes_save
from events.services.rsvps import rsvp_set
from khub.demo.files import read
from khub.demo.people import Cast, Key
from profiles.models import Notification


@dataclass(frozen=True)
class DemoEvent:
    community: str
    title: str
    organiser: Key
    days: float  # from the seed to its start: negative for one that has taken place
    at: str  # its start, London time
    hours: float
    format: str
    description: str
    joining_url: str = ""
    venue: str = ""
    address: str = ""
    postcode: str = ""
    region: str = ""
    capacity: int | None = None
    replies_close: float | None = None  # days before the start
    tags: tuple[str, ...] = ()
    going: tuple[Key, ...] = ()
    not_going: tuple[Key, ...] = ()
    notes: str = ""
    cancelled: str = ""  # the reason


def _event(community: str, record: dict) -> DemoEvent:
    Event.Format(record["format"])  # a misspelt format fails here, not halfway through a seed
    return DemoEvent(
        **{
            **record,
            "community": community,
            "tags": tuple(record.get("tags", ())),
            "going": tuple(record.get("going", ())),
            "not_going": tuple(record.get("not_going", ())),
        }
    )


EVENTS = [_event(community, record) for community, records in read("events").items() for record in records]

LONDON = ZoneInfo(settings.TIME_ZONE)
ANNOUNCED_BEFORE = timedelta(days=28)  # an event is announced this long before it starts, at most
NOTICE_DELAY = timedelta(minutes=3)  # how long after an announcement or a cancellation its notices went
READ_AFTER = timedelta(days=14)  # notices older than this were read, a few hours later
READ_DELAY = timedelta(hours=5)
CANCELLED_DAYS_AGO = 2


def starts_at(spec: DemoEvent, now: datetime) -> datetime:
    """`spec.days` from `now`, at `spec.at` London time that day (10:00 is 10:00 in summer and winter)."""
    day = (timezone.localtime(now, LONDON) + timedelta(days=spec.days)).date()
    return datetime.combine(day, time.fromisoformat(spec.at), tzinfo=LONDON)


@transaction.atomic
def seed_events() -> int:
    """Create the demo events that do not exist yet; returns how many of them there are."""
    now = timezone.now()
    cast = Cast.load()
    communities = {
        community.name: community
        for community in Community.objects.filter(slug__in={slugify(spec.community) for spec in EVENTS})
    }
    existing = set(
        Event.objects.filter(community__in=communities.values()).values_list("community__name", "title")
    )
    new = [
        spec
        for spec in EVENTS
        if spec.community in communities and (spec.community, spec.title) not in existing
    ]
    first_notice = Notification.objects.aggregate(top=Max("pk"))["top"] or 0
    for spec in new:
        _seed_event(spec, community=communities[spec.community], cast=cast, now=now)
    _date_notices(first_notice, now)
    for name in {spec.community for spec in new}:  # each announcement marked its community active now
        community = communities[name]
        latest = community.threads.aggregate(latest=Max("last_activity_at"))["latest"]
        Community.objects.filter(pk=community.pk).update(last_activity_at=latest)
    return Event.objects.filter(community__in=communities.values()).count()


def _seed_event(spec: DemoEvent, *, community: Community, cast: Cast, now: datetime) -> Event:
    organiser = cast.person(spec.organiser)
    start = starts_at(spec, now)
    end = start + timedelta(hours=spec.hours)
    deadline = start - timedelta(days=spec.replies_close) if spec.replies_close is not None else None
    # One that has taken place is announced for a later date (the services refuse a past start) and moved
    # back once its replies are in.
    shift = timedelta(days=math.ceil(-spec.days) + 30) if start <= now else timedelta(0)
    event = event_create(
        organiser=organiser,
        community=community,
        title=spec.title,
        description=spec.description,
        starts_at=start + shift,
        ends_at=end + shift,
        format=spec.format,
        joining_url=spec.joining_url,
        venue=spec.venue,
        address=spec.address,
        postcode=spec.postcode,
        region=spec.region,
        capacity=spec.capacity,
        rsvp_deadline=deadline + shift if deadline else None,
        tags=list(spec.tags),
    )
    announced = max(
        community.created_at + timedelta(hours=1), min(start - ANNOUNCED_BEFORE, now - timedelta(days=2))
    )
    # Dated at once, so that the post rate limit (posts in the last minute) never counts it.
    Post.objects.filter(pk=event.discussion.opening_post_id).update(
        created_at=announced, notified_at=announced
    )
    Thread.objects.filter(pk=event.discussion_id).update(created_at=announced, last_activity_at=announced)
    _seed_replies(spec, event=event, cast=cast, announced=announced, until=min(start, now))
    dates = {"created_at": announced, "updated_at": announced}
    if spec.cancelled:
        event = event_cancel(actor=organiser, event=event, reason=spec.cancelled)
        cancelled = max(announced + timedelta(days=1), now - timedelta(days=CANCELLED_DAYS_AGO))
        dates.update(cancelled_at=cancelled, updated_at=cancelled)
        # The people going were told then: their emails are old news, not the seed's to send.
        EventEmail.objects.filter(event=event).update(
            state=EventEmail.State.SENT, created_at=cancelled, sent_at=cancelled + NOTICE_DELAY
        )
    if shift:
        Event.objects.filter(pk=event.pk).update(starts_at=start, ends_at=end, rsvp_deadline=deadline)
        event.refresh_from_db()
        if spec.notes:
            event_notes_save(actor=organiser, event=event, notes=spec.notes)
            dates["updated_at"] = min(end + timedelta(days=1), now - timedelta(hours=2))
    Event.objects.filter(pk=event.pk).update(**dates)
    return event


def _seed_replies(spec: DemoEvent, *, event: Event, cast: Cast, announced: datetime, until: datetime) -> None:
    """Going (past the capacity: waiting), then not going, spread in that order after the announcement; the
    waiting list keeps the order they replied in (Rsvp.updated_at)."""
    replies = [(key, True) for key in spec.going] + [(key, False) for key in spec.not_going]
    step = (until - announced) / (len(replies) + 2)
    for number, (key, going) in enumerate(replies, start=1):
        rsvp = rsvp_set(user=cast.person(key), event=event, going=going)
        moment = announced + step * number
        Rsvp.objects.filter(pk=rsvp.pk).update(created_at=moment, updated_at=moment)


def _date_notices(first_notice: int, now: datetime) -> None:
    """The notices this seeding sent about events (announced, cancelled), dated a few minutes after what
    they tell of; those older than a fortnight were read by now."""
    notices = Notification.objects.filter(
        pk__gt=first_notice, target_type=ContentType.objects.get_for_model(Event)
    ).order_by()
    for event in Event.objects.filter(pk__in=notices.values("target_id")):
        about = notices.filter(target_id=event.pk)
        about.filter(kind="events.created").update(created_at=event.created_at + NOTICE_DELAY)
        if event.cancelled_at:
            about.filter(kind="events.cancelled").update(created_at=event.cancelled_at + NOTICE_DELAY)
    notices.filter(created_at__lt=now - READ_AFTER).update(read_at=F("created_at") + READ_DELAY)
