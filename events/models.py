"""Community events: meetings, webinars and workshops a community announces, the members going to them
and the waiting list when they are full.

Times are stored in UTC and entered and shown in Europe/London (settings.TIME_ZONE), so an event at 10:00 on
the day the clocks change is at 10:00 London time. The description and the notes are the hub's Markdown,
rendered once on save (core.markdown). Who may see an event is decided in events.permissions, from its
community: an event of a private community does not exist for outsiders.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from core.search import SearchDocumentManager, search_document
from profiles.models import Council

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
NOTES_MAX_LENGTH = 10_000


class EventTag(TaggedItemBase):
    content_object = models.ForeignKey("Event", on_delete=models.CASCADE, related_name="+")


class Event(models.Model):
    class Format(models.TextChoices):
        ONLINE = "online", "Online"
        IN_PERSON = "in_person", "In person"
        HYBRID = "hybrid", "Online and in person"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.ONLINE)
    # Online: shown only to people going and to the community's facilitators (events.permissions).
    joining_url = models.URLField("joining link", max_length=500, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)  # normalised: "LS1 1UR"
    # Where it happens, for /events/'s region filter: the organiser's council's region by default.
    region = models.CharField(max_length=20, choices=Council.Region.choices, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Leave empty for no limit.")
    rsvp_deadline = models.DateTimeField("replies close", null=True, blank=True)
    tags = TaggableManager("Tags", through=EventTag, blank=True, related_name="events")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField("reason", blank=True, max_length=2000)
    # After the event: what happened, with links to the slides or recording.
    notes = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH, help_text="Markdown.")
    notes_html = models.TextField(blank=True, editable=False)
    # Its questions thread in the community (communities' conversations), started with the event.
    discussion = models.OneToOneField(
        "communities.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="event"
    )
    # iCalendar's SEQUENCE: one more on every change a calendar must take in (time, place, cancellation).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # Kept by the services under the event's row lock: pages show them without a count.
    going_count = models.PositiveIntegerField(default=0, editable=False)
    waiting_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Search: the title above the description (GIN index: migration 0001).
    search_vector = search_document(("title", "A"), ("description", "B"))

    objects = SearchDocumentManager()

    class Meta:
        base_manager_name = "objects"  # search_vector left out of related lookups too
        ordering = ["starts_at", "pk"]
        indexes = [
            # A community's events: upcoming soonest first, past newest first (one range each way).
            models.Index(fields=["community", "starts_at", "id"], name="events_community_start"),
            # /events/: upcoming events across communities, soonest first; reminders due.
            models.Index(fields=["starts_at", "id"], name="events_start"),
            # The feed and the digests: events announced, newest first.
            models.Index(fields=["-created_at", "-id"], name="events_newest"),
            # The same in the viewer's few communities: read from their own ranges, and sorted, when walking
            # every community's newest until a page of theirs comes would read more.
            models.Index(fields=["community", "-created_at", "-id"], name="events_community_newest"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """Under its community's slug: select_related("community") where many are linked."""
        return reverse("events:detail", kwargs={"slug": self.community.slug, "event_id": self.pk})

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_online(self) -> bool:
        return self.format in (self.Format.ONLINE, self.Format.HYBRID)

    @property
    def is_in_person(self) -> bool:
        return self.format in (self.Format.IN_PERSON, self.Format.HYBRID)

    def has_started(self, now=None) -> bool:
        return self.starts_at <= (now or timezone.now())

    def has_ended(self, now=None) -> bool:
        return self.ends_at <= (now or timezone.now())

    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity

    def replies_closed(self, now=None) -> bool:
        """No more replies: cancelled, started, or past its deadline."""
        now = now or timezone.now()
        return (
            self.is_cancelled
            or self.has_started(now)
            or (self.rsvp_deadline is not None and self.rsvp_deadline <= now)
        )


class Rsvp(models.Model):
    """A member's reply to an event: going, waiting for a place, or not going. One per member and event."""

    class State(models.TextChoices):
        GOING = "going", "Going"
        WAITING = "waiting", "On the waiting list"
        NOT_GOING = "not_going", "Not going"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rsvps")
    state = models.CharField(max_length=10, choices=State.choices)
    created_at = models.DateTimeField(default=timezone.now)
    # When the state last changed: the waiting list moves up in this order.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "updated_at", "pk"]
        verbose_name = "reply"
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="events_rsvp_once")]
        indexes = [
            # Who is going, and the waiting list in order.
            models.Index(fields=["event", "state", "updated_at", "id"], name="events_rsvp_list"),
            # A member's events: profiles, calendar feed, digest, data export.
            models.Index(fields=["user", "state"], name="events_rsvp_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} event {self.event_id}"


class CalendarFeed(models.Model):
    """A member's secret calendar address (/events/feed/<token>.ics): whoever holds it reads their events,
    so it is long, random and can be replaced (the old address then answers 404)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"


class EventEmail(models.Model):
    """An email a member must get about an event, written as a row in the same transaction as what caused
    it (a cancellation, a new time, a place on the waiting list) or by the reminder sweep, then sent by a
    task that claims it first: a rerun, a second beat or a worker that restarts sends nothing twice, and
    Redis or a worker down loses nothing (a periodic sweep sends what no task did).

    One per event, member, kind and the event's SEQUENCE: the 24-hour reminder for a start time is made
    once; moving the event makes a new one due."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        CHANGED = "changed", "Time or place changed"
        CANCELLED = "cancelled", "Cancelled"
        MOVED_UP = "moved_up", "Moved up from the waiting list"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, to be tried again"
        # No longer due when its turn came (not going any more, the event cancelled or moved): see `error`.
        SKIPPED = "skipped", "Not sent: no longer due"
        # Refused MAX_ATTEMPTS times, or interrupted while being sent (not sent again in case it arrived).
        GAVE_UP = "gave_up", "Given up"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="emails")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sequence = models.PositiveIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)  # a failed send is tried again from then on
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "kind", "sequence"], name="events_email_once"),
        ]
        indexes = [
            # What the sender and the sweep look for: the few rows not yet sent, not the many that were.
            models.Index(
                fields=["created_at"],
                condition=models.Q(state__in=["pending", "sending", "failed"]),
                name="events_email_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of event {self.event_id} to {self.user_id}"
