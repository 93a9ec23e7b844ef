"""Announcing, changing and cancelling an event, and its notes afterwards.

A new event starts its questions thread in the community (communities' conversations) and tells the
community's members, in the same transaction. A change of time or place, or a cancellation, raises the
event's SEQUENCE (calendars take the new version in) and writes an email to everyone going.
"""

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from communities.models import Community, Membership
from communities.services.communities import clean_labels, clean_title
from communities.services.conversations import thread_create
from core.markdown import markdown_render
from events import permissions
from events.models import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH, TITLE_MAX_LENGTH, Event, EventEmail, Rsvp
from events.services import locked_event
from events.services.emails import event_emails_queue
from events.services.rsvps import waiting_list_move_up
from profiles.models import Council, User
from profiles.services import notifications_send_many, tags_resolve

F = Event.Format
RS = Rsvp.State
MAX_TAGS = 10
# A UK postcode: outward code (area, district) and inward code (sector, unit), the space optional as typed.
# The British Forces and overseas territories' codes follow the same shape; GIR 0AA is the one exception.
_POSTCODE = re.compile(r"^(?:([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})|(GIR) ?(0AA))$")
_https = URLValidator(schemes=["https"])
# What a calendar must take in: a change to any of these raises SEQUENCE and tells the people going.
CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "format", "joining_url", "venue", "address", "postcode")
TOLD_OF_CHANGE = ("starts_at", "ends_at", "format", "joining_url", "venue", "address", "postcode")


# --- Validation -------------------------------------------------------------------------------------------
def clean_postcode(postcode: str) -> str:
    """ "ls11ur" -> "LS1 1UR"; ValidationError for anything that is not a UK postcode."""
    compact = "".join((postcode or "").split()).upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise ValidationError({"postcode": "Enter a UK postcode, like LS1 1UR."})
    outward, inward = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    return f"{outward} {inward}"


def _clean_joining_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError({"joining_url": "Enter the joining link for an online event."})
    try:
        _https(url)
    except ValidationError:
        raise ValidationError(
            {
                "joining_url": "Enter a joining link that starts with https://, like https://meet.example.org/abc."
            }
        ) from None
    return url


def _clean_markdown(text: str, *, field: str, most: int, noun: str) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise ValidationError({field: f"The {noun} cannot contain null characters."})
    if len(text) > most:
        raise ValidationError({field: f"The {noun} must be {most:,} characters or fewer."})
    return text


def _clean(values: dict, *, event: Event | None, now: datetime) -> dict:
    """The event's fields as the form gave them, checked together: every field's error at once."""
    errors: dict[str, str] = {}
    cleaned: dict = {}

    def check(field, clean):
        try:
            cleaned[field] = clean()
        except ValidationError as error:
            errors.update({name: messages[0] for name, messages in error.message_dict.items()})

    check("title", lambda: clean_title(values.get("title", ""), most=TITLE_MAX_LENGTH))
    check(
        "description",
        lambda: _clean_markdown(
            values.get("description", ""),
            field="description",
            most=DESCRIPTION_MAX_LENGTH,
            noun="description",
        ),
    )
    check("tags", lambda: clean_labels(values.get("tags"), field="tags", noun="tag", most=MAX_TAGS))
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts_at, datetime):
        errors["starts_at"] = "Enter the date and time the event starts."
    elif timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")  # the forms make it one in Europe/London
    elif (event is None or starts_at != event.starts_at) and starts_at <= now:
        errors["starts_at"] = "The start must be in the future."
    else:
        cleaned["starts_at"] = starts_at
    if not isinstance(ends_at, datetime):
        errors["ends_at"] = "Enter the date and time the event ends."
    elif isinstance(starts_at, datetime) and ends_at <= starts_at:
        errors["ends_at"] = "The end must be after the start."
    else:
        cleaned["ends_at"] = ends_at
    event_format = values.get("format") or ""
    if event_format not in F.values:
        errors["format"] = "Choose whether the event is online, in person or both."
    else:
        cleaned["format"] = event_format
    online = event_format in (F.ONLINE, F.HYBRID)
    in_person = event_format in (F.IN_PERSON, F.HYBRID)
    if online:
        check("joining_url", lambda: _clean_joining_url(values.get("joining_url", "")))
    else:
        cleaned["joining_url"] = ""
    if in_person:
        venue = " ".join((values.get("venue") or "").split())
        address = " ".join((values.get("address") or "").split())
        if not venue:
            errors["venue"] = "Enter the venue of an event in person."
        elif len(venue) > Event._meta.get_field("venue").max_length:
            errors["venue"] = "The venue must be 200 characters or fewer."
        if len(address) > Event._meta.get_field("address").max_length:
            errors["address"] = "The address must be 300 characters or fewer."
        cleaned.update(venue=venue, address=address)
        check("postcode", lambda: clean_postcode(values.get("postcode", "")))
    else:
        cleaned.update(venue="", address="", postcode="")
    region = values.get("region") or ""
    if region and region not in Council.Region.values:
        errors["region"] = "Choose a region from the list."
    cleaned["region"] = region
    capacity = values.get("capacity")
    if capacity in ("", None):
        cleaned["capacity"] = None
    elif not isinstance(capacity, int) or capacity < 1:
        errors["capacity"] = "Enter a capacity of 1 or more, or leave it empty for no limit."
    elif event is not None and capacity < event.going_count:
        errors["capacity"] = (
            f"{event.going_count:,} people are already going: enter a capacity of {event.going_count:,} "
            "or more."
        )
    else:
        cleaned["capacity"] = capacity
    deadline = values.get("rsvp_deadline")
    if deadline in ("", None):
        cleaned["rsvp_deadline"] = None
    elif not isinstance(deadline, datetime):
        errors["rsvp_deadline"] = "Enter the date and time replies close."
    elif isinstance(starts_at, datetime) and deadline > starts_at:
        errors["rsvp_deadline"] = "Replies must close before the event starts."
    elif (event is None or deadline != event.rsvp_deadline) and deadline <= now:
        errors["rsvp_deadline"] = "The date replies close must be in the future."
    else:
        cleaned["rsvp_deadline"] = deadline
    if errors:
        raise ValidationError(errors)
    return cleaned


def _render(event: Event) -> None:
    event.description_html = markdown_render(event.description) if event.description else ""


def _discussion_body(event: Event) -> str:
    return f"Questions about this event? Ask them here.\n\n[{event.title}]({event.get_absolute_url()})"


def _members(community: Community):
    return User.objects.filter(
        Exists(
            Membership.objects.filter(community=community, user=OuterRef("pk"), state=Membership.State.ACTIVE)
        )
    )


def _going(event: Event, *states: str):
    return User.objects.filter(
        Exists(Rsvp.objects.filter(event=event, user=OuterRef("pk"), state__in=states or (RS.GOING,)))
    )


def _emails_write(event: Event, kind: str, people) -> None:
    """One EventEmail per person for this version of the event (the sequence): written again, nothing."""
    rows = [
        EventEmail(event=event, user_id=pk, kind=kind, sequence=event.sequence)
        for pk in people.values_list("pk", flat=True)
    ]
    EventEmail.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    if rows:
        event_emails_queue()


def _tell_going(event: Event, actor: User, kind: str, text: str) -> None:
    """A change everyone replying must know of: the people going and waiting in their inbox, and an email
    (with the new .ics) to each person going but the one who made it."""
    notifications_send_many(
        recipients=_going(event, RS.GOING, RS.WAITING),
        kind=f"events.{kind}",
        text=text,
        url=event.get_absolute_url(),
        actor=actor,
        target=event,
    )
    _emails_write(event, kind, _going(event).exclude(pk=actor.pk))


# --- Writes -----------------------------------------------------------------------------------------------
@transaction.atomic
def event_create(*, organiser: User, community: Community, **values) -> Event:
    """Announce an event: its fields as in _clean (title, description, starts_at, ends_at, format,
    joining_url, venue, address, postcode, region, capacity, rsvp_deadline, tags)."""
    permissions.check_create(user=organiser, community=community)
    now = timezone.now()
    cleaned = _clean(values, event=None, now=now)
    tags = cleaned.pop("tags")
    if not cleaned["region"] and organiser.council_id:
        cleaned["region"] = organiser.council.region
    event = Event(community=community, organiser=organiser, created_at=now, updated_at=now, **cleaned)
    _render(event)
    event.save()
    event.tags.set(tags_resolve(tags))
    try:
        event.discussion = thread_create(
            author=organiser, community=community, title=event.title, body=_discussion_body(event), tags=tags
        )
    except ValidationError as error:  # the post rate limit: nothing is announced
        raise ValidationError(" ".join(error.messages)) from None
    event.save(update_fields=["discussion"])
    notifications_send_many(
        recipients=_members(community),
        kind="events.created",
        text=f"{organiser.public_name} announced an event in {community.name}: “{event.title}”",
        url=event.get_absolute_url(),
        actor=organiser,
        target=event,
    )
    return event


@transaction.atomic
def event_update(*, actor: User, event: Event, **values) -> Event:
    """Change an event (not a cancelled one): the same fields as event_create. A new capacity moves the
    waiting list up; a change of time or place raises SEQUENCE and tells everyone going."""
    event = locked_event(event)
    permissions.check_edit(user=actor, event=event)
    if event.is_cancelled:
        raise ValidationError("This event was cancelled: it cannot be changed.")
    now = timezone.now()
    cleaned = _clean(values, event=event, now=now)
    tags = cleaned.pop("tags")
    before = {field: getattr(event, field) for field in CALENDAR_FIELDS}
    for field, value in cleaned.items():
        setattr(event, field, value)
    _render(event)
    changed = [field for field in CALENDAR_FIELDS if getattr(event, field) != before[field]]
    if changed:
        event.sequence += 1
    event.updated_at = now
    event.save()
    event.tags.set(tags_resolve(tags))
    waiting_list_move_up(event=event)
    if any(field in TOLD_OF_CHANGE for field in changed):
        _tell_going(
            event,
            actor,
            EventEmail.Kind.CHANGED,
            f"{actor.public_name} changed the time or place of “{event.title}”",
        )
    return event


@transaction.atomic
def event_cancel(*, actor: User, event: Event, reason: str) -> Event:
    """Cancel an event with a reason: it stays visible, marked cancelled; everyone going is told."""
    event = locked_event(event)
    permissions.check_edit(user=actor, event=event)
    if event.is_cancelled:
        raise ValidationError("This event is already cancelled.")
    if event.has_ended():
        raise ValidationError("This event has already taken place.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why the event is cancelled: the people going are told."})
    if len(reason) > Event._meta.get_field("cancel_reason").max_length:
        raise ValidationError({"reason": "The reason must be 2,000 characters or fewer."})
    now = timezone.now()
    event.status = Event.Status.CANCELLED
    event.cancelled_at = now
    event.cancel_reason = reason
    event.sequence += 1
    event.updated_at = now
    event.save(update_fields=["status", "cancelled_at", "cancel_reason", "sequence", "updated_at"])
    _tell_going(event, actor, EventEmail.Kind.CANCELLED, f"{actor.public_name} cancelled “{event.title}”")
    return event


@transaction.atomic
def event_notes_save(*, actor: User, event: Event, notes: str) -> Event:
    """What happened, with links to the slides or recording: once the event has started."""
    event = locked_event(event)
    permissions.check_edit(user=actor, event=event)
    if not event.has_started():
        raise ValidationError({"notes": "You can add notes once the event has started."})
    event.notes = _clean_markdown(notes, field="notes", most=NOTES_MAX_LENGTH, noun="notes")
    event.notes_html = markdown_render(event.notes) if event.notes else ""
    event.updated_at = timezone.now()
    event.save(update_fields=["notes", "notes_html", "updated_at"])
    return event
