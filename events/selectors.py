"""Reads for the event pages, each through events.permissions, with what each page shows and no query per
row: a list row names its community (select_related) and shows the counts kept on the event."""

from datetime import date, datetime, time
from functools import cached_property

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from communities.permissions import readable_communities
from events import permissions
from events.forms import LONDON
from events.models import Event, Rsvp
from profiles.extensions import ProfileSection
from profiles.models import User

RS = Rsvp.State
FACES_SHOWN = 20  # who is going, on the event's page: the first this many, then a link to them all
COMMUNITY_PAGE_EVENTS = 3  # the community's page shows its next few
# What a row of a list shows (events/_row.html): not the description nor the notes.
ROW_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "format",
    "venue",
    "postcode",
    "status",
    "capacity",
    "going_count",
    "waiting_count",
    "community__slug",
    "community__name",
    "community__visibility",
)
# Who a face shows (profiles' avatar tag and a link to the profile).
PERSON_FIELDS = ("handle", "display_name", "avatar", "erased_at")


def _rows(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.select_related("community").only(*ROW_FIELDS)  # each row names and links its community


def urls_decorate(events) -> list[Event]:
    """Each event's page address as `url`, from one reverse() rather than one a row (get_absolute_url)."""
    events = list(events)
    pattern = reverse("events:detail", kwargs={"slug": "-slug-", "event_id": 0})
    head, tail = pattern.split("-slug-")
    tail = tail.removesuffix("0/")
    for event in events:
        event.url = f"{head}{event.community.slug}{tail}{event.pk}/"
    return events


def profile_urls(people) -> list[User]:
    """Each person's profile address as `url`, from one reverse() rather than one a row."""
    people = list(people)
    head, tail = reverse("profiles:profile", kwargs={"handle": "-handle-"}).split("-handle-")
    for person in people:
        person.url = f"{head}{person.handle}{tail}"
    return people


def event_for_page(*, slug: str, event_id: int) -> Event | None:
    """The event behind the URL, with its community, organiser and discussion thread; the view checks
    permissions.can_read."""
    return (
        Event.objects.select_related("community", "organiser__council", "discussion")
        .filter(pk=event_id, community__slug=slug)
        .first()
    )


class UpcomingThenPast:
    """A community's events as one list for the paginator: the upcoming ones soonest first, then the past
    ones (started) newest first. Each part is read as a range of the events_community_start index, forwards
    or backwards from now, so a page costs its rows whatever the community's history; the two counts come
    from one statement."""

    def __init__(self, *, community: Community, now: datetime | None = None):
        self.now = now or timezone.now()
        events = _rows(Event.objects.filter(community=community))
        self.upcoming = events.filter(starts_at__gt=self.now).order_by("starts_at", "pk")
        self.past = events.filter(starts_at__lte=self.now).order_by("-starts_at", "-pk")
        self.community = community

    @cached_property
    def counts(self) -> dict:
        return Event.objects.filter(community=self.community).aggregate(
            total=Count("pk"), upcoming=Count("pk", filter=Q(starts_at__gt=self.now))
        )

    def count(self) -> int:
        return self.counts["total"]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[Event]:
        start, stop = key.start or 0, key.stop
        upcoming = self.counts["upcoming"]
        rows: list[Event] = []
        if start < upcoming:
            rows.extend(self.upcoming[start : min(stop, upcoming)])
        if stop > upcoming:
            rows.extend(self.past[max(start - upcoming, 0) : stop - upcoming])
        for row in rows:
            row.upcoming = row.starts_at > self.now
        return rows


def community_events(*, community: Community, now: datetime | None = None) -> UpcomingThenPast:
    """The caller has checked that the viewer may read the community."""
    return UpcomingThenPast(community=community, now=now)


def next_events(*, community: Community, limit: int = 3) -> list[Event]:
    """The community's next few events not cancelled, for its page."""
    return list(
        _rows(Event.objects.filter(community=community, starts_at__gt=timezone.now()))
        .exclude(status=Event.Status.CANCELLED)
        .order_by("starts_at", "pk")[:limit]
    )


def upcoming_events(
    *,
    viewer,
    community: str = "",
    region: str = "",
    where: str = "",
    starts_from: date | None = None,
    starts_until: date | None = None,
) -> QuerySet[Event]:
    """/events/: events still to start in every community the viewer may read, soonest first (the
    events_start index, read from now onwards), filtered."""
    start = timezone.now()
    if starts_from:
        start = max(start, datetime.combine(starts_from, time(), tzinfo=LONDON))
    events = permissions.readable_events(viewer).filter(starts_at__gt=start)
    if starts_until:
        events = events.filter(starts_at__lt=datetime.combine(starts_until, time.max, tzinfo=LONDON))
    if community:
        events = events.filter(community__slug=community)
    if region:
        events = events.filter(region=region)
    if where == "online":
        events = events.filter(format__in=(Event.Format.ONLINE, Event.Format.HYBRID))
    elif where == "in_person":
        events = events.filter(format__in=(Event.Format.IN_PERSON, Event.Format.HYBRID))
    return _rows(events).order_by("starts_at", "pk")


def filter_communities(*, viewer) -> list[tuple[str, str]]:
    """/events/'s community filter: the communities the viewer may read, by name."""
    return list(readable_communities(viewer).order_by("name").values_list("slug", "name"))


def going_faces(*, event: Event, limit: int = FACES_SHOWN) -> list[User]:
    """The first people going, in the order they replied (the events_rsvp_list index)."""
    if not event.going_count:
        return []
    return profile_urls(going_people(event=event)[:limit])


def going_people(*, event: Event) -> QuerySet[User]:
    """Everyone going, in the order they replied (one reply per member and event: one row each). The caller
    has checked that the viewer may read the event."""
    return (
        User.objects.filter(rsvps__event=event, rsvps__state=RS.GOING)
        .select_related("council")  # each face names its council
        .only(*PERSON_FIELDS, "council__name")
        .order_by("rsvps__updated_at", "rsvps__pk")
    )


def waiting_place(*, rsvp: Rsvp) -> int:
    """The member's place on the waiting list (1 is next): those who joined before them, plus one."""
    return (
        Rsvp.objects.filter(event_id=rsvp.event_id, state=RS.WAITING)
        .filter(Q(updated_at__lt=rsvp.updated_at) | Q(updated_at=rsvp.updated_at, pk__lt=rsvp.pk))
        .count()
        + 1
    )


def community_section(viewer, community: Community) -> ProfileSection:
    """ "Coming up" on the community's page (communities.sections): its next events, with a link to them all.
    Called only for a viewer who may read the community."""
    return ProfileSection(
        title="Coming up",
        template="events/_community_section.html",
        context={
            "coming_up": urls_decorate(next_events(community=community, limit=COMMUNITY_PAGE_EVENTS)),
            "can_create_event": permissions.can_create(user=viewer, community=community),
        },
    )
