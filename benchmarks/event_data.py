"""Community events for the generated datasets (benchmarks/pages.py with bulk_create, benchmarks/national.py
with COPY): planned here once, as plain values, so both hubs hold the same shape of events.

- a busy community with `busy_events` events (500), two fifths of them past, three fifths upcoming over the
  next year and a half; one in five with a capacity, a few of those full with a waiting list;
- one event with `crowd` people going (1,000) and a waiting list, in a popular open community;
- `per_community` events (3) in every other community, past and upcoming;
- one event in 25 cancelled with its reason, one past event in three with notes;
- `fan` going to two fifths of the busy community's events and half of those of their other communities:
  a member with many events (their calendar feed is measured).

Only members who take part reply (the services' rule), each at most once; going never passes the capacity
(the rest wait, in the order they replied: Rsvp.updated_at), and going_count and waiting_count are the
replies. (Not named events.py: national.py runs as a script, with benchmarks/ first on sys.path, where an
events module would hide the app.)
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from benchmarks.bulk import LOCAL_GOV, PLACES

FORMATS = ("online", "online", "hybrid", "in_person")
VENUES = (  # (venue, address, postcode, region)
    ("Leeds Civic Hall", "Calverley Street, Leeds", "LS1 1UR", "yorkshire"),
    ("Manchester Central Library", "St Peter's Square, Manchester", "M2 5PD", "north_west"),
    ("The Council House", "Victoria Square, Birmingham", "B1 1BB", "west_midlands"),
    ("City Hall", "College Green, Bristol", "BS1 5TR", "south_west"),
    ("Newcastle Civic Centre", "Barras Bridge, Newcastle upon Tyne", "NE1 8QH", "north_east"),
    ("Local Government Association, 18 Smith Square", "Westminster, London", "SW1P 3HZ", "london"),
    ("Loxley House", "Station Street, Nottingham", "NG2 3NG", "east_midlands"),
)
KINDS = ("Monthly call: {topic}", "Regional workshop: {topic}", "Webinar: how {place} changed {topic}",
         "Show and tell: {topic} in {place}", "Round table: {topic}")  # fmt: skip
CANCEL_REASON = "Too few replies to make the trip worthwhile: we will run it online in the spring instead."
NOTES = [
    "Thank you to everyone who came. The slides and the recording are linked below; carry on in the "
    "discussion.",
    "- [Slides (PDF)](https://meet.example.org/files/slides.pdf)\n- [Recording](https://meet.example.org/recordings/1)",
]


@dataclass
class PlannedEvent:
    community: int
    organiser: int
    title: str
    starts_at: datetime
    ends_at: datetime
    format: str
    joining_url: str
    venue: str
    address: str
    postcode: str
    region: str
    capacity: int | None
    created_at: datetime
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    notes: str = ""
    notes_html: str = ""
    # Replies in the order given: (user, state, when).
    replies: list[tuple[int, str, datetime]] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "cancelled" if self.cancelled_at else "scheduled"

    @property
    def sequence(self) -> int:
        return 1 if self.cancelled_at else 0

    @property
    def going_count(self) -> int:
        return sum(1 for _, state, _ in self.replies if state == "going")

    @property
    def waiting_count(self) -> int:
        return sum(1 for _, state, _ in self.replies if state == "waiting")


def _reply(event: PlannedEvent, people: list[int], rng: random.Random, now: datetime) -> None:
    """`people` reply going in this order (past the capacity they wait); one in ten of them says no."""
    when = event.created_at
    until = min(event.starts_at, event.created_at + timedelta(days=20), now)
    gap = (until - when) / (len(people) + 1)
    going = 0
    for user in people:
        when += gap
        if rng.random() < 0.1:
            state = "not_going"
        elif event.capacity is not None and going >= event.capacity:
            state = "waiting"
        else:
            state, going = "going", going + 1
        event.replies.append((user, state, when))


def plan_events(
    rng: random.Random,
    *,
    now: datetime,
    members_of: dict[int, list[int]],
    organiser_of: dict[int, int],
    busy: int,
    crowd_community: int,
    fan: int,
    busy_events: int = 500,
    crowd: int = 1000,
    per_community: int = 3,
) -> tuple[list[PlannedEvent], PlannedEvent]:
    """Every event, in the order they are written (ids follow), and the one with `crowd` going. members_of
    holds each community's members who take part; organiser_of an owner or facilitator of each. (Django set
    up: the notes are rendered as the services render them.)"""
    from core.markdown import markdown_render

    notes = "\n\n".join(NOTES)
    notes_html = markdown_render(notes)

    def make(community: int, starts_at: datetime, number: int) -> PlannedEvent:
        kind = KINDS[number % len(KINDS)]
        topic = LOCAL_GOV[rng.randrange(len(LOCAL_GOV))]
        title = kind.format(topic=topic, place=PLACES[rng.randrange(len(PLACES))])
        event_format = FORMATS[number % len(FORMATS)]
        online, in_person = event_format in ("online", "hybrid"), event_format in ("in_person", "hybrid")
        venue, address, postcode, region = VENUES[number % len(VENUES)] if in_person else ("", "", "", "")
        past = starts_at < now
        event = PlannedEvent(
            community=community,
            organiser=organiser_of[community],
            title=f"{title[0].upper()}{title[1:]}",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=(1, 2, 3)[number % 3]),
            format=event_format,
            joining_url=f"https://meet.example.org/events/{community}-{number}" if online else "",
            venue=venue,
            address=address,
            postcode=postcode,
            region=region,
            capacity=rng.choice((20, 30, 60)) if number % 5 == 0 else None,
            created_at=min(starts_at - timedelta(days=rng.randint(7, 40)), now - timedelta(hours=1)),
        )
        if not past and number % 25 == 7:
            event.cancelled_at = min(now, event.created_at + timedelta(days=3))
            event.cancel_reason = CANCEL_REASON
        if past and number % 3 == 0:
            event.notes, event.notes_html = notes, notes_html
        return event

    events: list[PlannedEvent] = []
    # The busy community: two fifths past (the last 12 months), three fifths ahead (the next 18), whole days
    # away from `now` so that the hour of the day never moves one across it.
    day = timedelta(days=1)
    past = busy_events * 2 // 5
    for number in range(busy_events):
        if number < past:
            days = -1 - (past - 1 - number) * 365 // past
        else:
            days = 1 + (number - past) * 547 // (busy_events - past)
        starts_at = (now + days * day).replace(
            hour=9 + number % 7, minute=30 * (number % 2), second=0, microsecond=0
        )
        event = make(busy, starts_at, number)
        members = members_of[busy]
        people = rng.sample(members, min(len(members), rng.randint(0, 40)))
        if number % 50 == 10 and event.capacity is not None:  # a few full, with a waiting list
            people = rng.sample(members, min(len(members), event.capacity + 12))
        if fan in members and fan not in people and rng.random() < 0.4:
            people.append(fan)
        _reply(event, people, rng, now)
        events.append(event)
    # The crowd: an upcoming workshop in a popular open community, `crowd` places, all taken, and a queue.
    crowd_event = make(
        crowd_community, (now + 10 * day).replace(hour=10, minute=0, second=0, microsecond=0), 1
    )
    crowd_event.title = "Regional workshop: the new homelessness code of guidance"
    crowd_event.cancelled_at, crowd_event.cancel_reason = None, ""
    crowd_event.capacity = crowd
    crowd_event.created_at = now - 20 * day
    members = members_of[crowd_community]
    people = rng.sample(members, min(len(members), crowd + crowd // 20))
    crowd_event.replies.clear()
    when = crowd_event.created_at
    for position, user in enumerate(people):
        when += timedelta(minutes=1)
        crowd_event.replies.append((user, "going" if position < crowd else "waiting", when))
    events.append(crowd_event)
    # Every other community: a few events within six months either way.
    for community, members in members_of.items():
        if community == busy:
            continue
        for number in range(per_community):
            days = rng.randint(1, 180) * rng.choice((-1, 1))
            starts_at = (now + days * day).replace(hour=10 + number, minute=0, second=0, microsecond=0)
            event = make(community, starts_at, number + community)
            people = rng.sample(members, min(len(members), rng.randint(0, 8)))
            if fan in members and fan not in people and rng.random() < 0.5:
                people.append(fan)
            _reply(event, people, rng, now)
            events.append(event)
    return events, crowd_event
