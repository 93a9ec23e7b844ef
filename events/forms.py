"""The forms of the event pages. Plain Forms: the services (events.services.events) validate again and save,
so a form only parses what was typed; a ValidationError from a service is shown beside the field it names
(core.forms.add_service_errors), and the form's fields carry the services' names (starts_at, joining_url...).

Dates and times are typed as GOV.UK date inputs (day, month, year) and a time, in Europe/London: the form
makes them aware there (zoneinfo), so 10:00 on the day the clocks go back is 10:00 London time.
"""

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from core.forms import CHARACTER_COUNT, MARKDOWN, LongSelect, MarkdownForm, max_length_error
from events.models import DESCRIPTION_MAX_LENGTH, NOTES_MAX_LENGTH, TITLE_MAX_LENGTH, Event
from profiles.forms import TagListField
from profiles.models import Council

LONDON = ZoneInfo("Europe/London")
F = Event.Format
DATE_TIME = "events/forms/_date_time.html"  # a LondonDateTimeField's template: GOV.UK date input and a time
FORMAT = "events/forms/_format.html"  # the format radios, the place's fields revealed under them
PARTS = ("day", "month", "year", "time")
# "10:00", "10.00", "9:30am", "2pm", "14:30", "1430".
_TIME = re.compile(r"^(\d{1,2})(?:[:.]?(\d{2}))?\s*(am|pm)?$")


class DateTimeParts(forms.Widget):
    """Four inputs named <name>_day, _month, _year and _time; their values as a list. The markup is the
    field's template's (DATE_TIME), so this widget only reads the data and splits an initial value."""

    def value_from_datadict(self, data, files, name) -> list[str]:
        return [str(data.get(f"{name}_{part}", "")).strip() for part in PARTS]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return not any(f"{name}_{part}" in data for part in PARTS)

    def format_value(self, value) -> list[str]:
        if isinstance(value, datetime):
            moment = value.astimezone(LONDON)
            return [str(moment.day), str(moment.month), str(moment.year), f"{moment:%H:%M}"]
        if isinstance(value, list | tuple):
            return [str(part or "") for part in value]
        return ["", "", "", ""]


def parse_time(text: str) -> time | None:
    """A time as people type it, or None if it is not one."""
    match = _TIME.match(text.strip().lower().replace(" ", ""))
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match.group(2) is None:
        return None  # "10" alone: ask for the minutes too
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class LondonDateTimeField(forms.Field):
    """A date (day, month, year) and a time typed in Europe/London, cleaned to an aware datetime."""

    widget = DateTimeParts

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun  # "the event starts": used in the messages
        kwargs.setdefault("template_name", DATE_TIME)
        super().__init__(**kwargs)

    def to_python(self, value) -> datetime | None:
        if isinstance(value, datetime):
            return value
        day, month, year, typed_time = [*(value or []), "", "", "", ""][:4]
        if not any((day, month, year, typed_time)):
            return None
        if not (day and month and year):
            missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
            raise ValidationError(f"The date {self.noun} must include a {' and '.join(missing)}")
        try:
            day_of = date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"The date {self.noun} must be a real date") from None
        if day_of.year < 2000:
            raise ValidationError(f"Enter the year {self.noun} as 4 digits, like {date.today().year}")
        if not typed_time:
            raise ValidationError(f"Enter the time {self.noun}, like 10:00 or 2:30pm")
        at = parse_time(typed_time)
        if at is None:
            raise ValidationError(f"Enter the time {self.noun} as a real time, like 10:00 or 2:30pm")
        moment = datetime.combine(day_of, at, tzinfo=LONDON)
        # The hour skipped when the clocks go forward (01:00 to 02:00 on the last Sunday in March).
        if moment.astimezone(ZoneInfo("UTC")).astimezone(LONDON).replace(tzinfo=None) != moment.replace(
            tzinfo=None
        ):
            raise ValidationError(
                f"The time {self.noun} does not exist in the UK that day: the clocks go forward. "
                "Choose a time after 2am"
            )
        return moment

    def validate(self, value) -> None:
        if value is None and self.required:
            raise ValidationError(f"Enter the date and time {self.noun}", code="required")

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True


class EventForm(MarkdownForm):
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX_LENGTH,
        help_text="What it is, in a few words. For example: Monthly call on temporary accommodation.",
        error_messages={"required": "Enter a title", **max_length_error("The title")},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        strip=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text="Who it is for, the agenda and anything to prepare.",
        error_messages=max_length_error("The description"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        template_name=MARKDOWN,
    )
    starts_at = LondonDateTimeField(
        label="Start", noun="the event starts", help_text="For example, 27 3 2027 and 10:00."
    )
    ends_at = LondonDateTimeField(
        label="End", noun="the event ends", help_text="For example, 27 3 2027 and 11:30."
    )
    format = forms.ChoiceField(
        label="Where does it happen?",
        choices=F.choices,
        initial=F.ONLINE,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the event is online, in person or both",
            "invalid_choice": "Choose whether the event is online, in person or both",
        },
        template_name=FORMAT,
    )
    joining_url = forms.CharField(
        label="Joining link",
        required=False,
        max_length=Event._meta.get_field("joining_url").max_length,
        help_text="The https:// link to the call. Only the people going and the facilitators see it.",
        error_messages=max_length_error("The joining link"),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    venue = forms.CharField(
        label="Venue",
        required=False,
        max_length=Event._meta.get_field("venue").max_length,
        help_text="For example, Leeds Civic Hall, Committee Room 2.",
        error_messages=max_length_error("The venue"),
    )
    address = forms.CharField(
        label="Address (optional)",
        required=False,
        max_length=Event._meta.get_field("address").max_length,
        error_messages=max_length_error("The address"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        error_messages=max_length_error("The postcode"),
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "postal-code"}),
    )
    region = forms.ChoiceField(
        label="Region (optional)",
        required=False,
        choices=[("", "The organiser's council's region"), *Council.Region.choices],
        help_text="Where it happens, so people can find events near them.",
        error_messages={"invalid_choice": "Choose a region from the list"},
        widget=LongSelect,
    )
    capacity = forms.IntegerField(
        label="Places (optional)",
        required=False,
        help_text="How many people can come. Leave it empty for no limit. When it is full, people join a "
        "waiting list.",
        error_messages={"invalid": "Enter the number of places as a whole number, like 30"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-5", "inputmode": "numeric"}),
    )
    rsvp_deadline = LondonDateTimeField(
        label="Replies close (optional)",
        required=False,
        noun="replies close",
        help_text="Leave it empty to take replies until the event starts.",
    )
    tags = TagListField(
        noun="tag",
        label="Tags (optional)",
        help_text="Help people find it, for example: housing, net zero. Separate tags with commas.",
    )

    def values(self) -> dict:
        """The cleaned fields as events.services.events takes them."""
        data = dict(self.cleaned_data)
        data["tags"] = data.get("tags") or []
        return data

    @staticmethod
    def initial_for(event: Event) -> dict:
        return {
            "title": event.title,
            "description": event.description,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "format": event.format,
            "joining_url": event.joining_url,
            "venue": event.venue,
            "address": event.address,
            "postcode": event.postcode,
            "region": event.region,
            "capacity": event.capacity,
            "rsvp_deadline": event.rsvp_deadline,
            "tags": sorted(event.tags.names(), key=str.lower),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is it cancelled?",
        max_length=Event._meta.get_field("cancel_reason").max_length,
        help_text="Everyone going is told, and the event's page shows it.",
        error_messages={
            "required": "Say why the event is cancelled: the people going are told",
            **max_length_error("The reason"),
        },
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
        template_name=CHARACTER_COUNT,
    )


class NotesForm(MarkdownForm):
    notes = forms.CharField(
        label="Notes",
        required=False,
        strip=False,
        max_length=NOTES_MAX_LENGTH,
        help_text="What happened, and links to the slides or the recording.",
        error_messages=max_length_error("The notes"),
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "true"}),
        template_name=MARKDOWN,
    )


class RsvpForm(forms.Form):
    going = forms.TypedChoiceField(
        choices=[("yes", "Going"), ("no", "Not going")],
        coerce=lambda value: value == "yes",
        error_messages={
            "required": "Say whether you are going",
            "invalid_choice": "Say whether you are going",
        },
    )


class EventFilterForm(forms.Form):
    """/events/'s filters, from the query string: none is required, a bad value is ignored."""

    community = forms.CharField(label="Community", required=False, widget=LongSelect)
    region = forms.ChoiceField(
        label="Region",
        required=False,
        choices=[("", "Any region"), *Council.Region.choices],
        widget=LongSelect,
    )
    where = forms.ChoiceField(
        label="Online or in person",
        required=False,
        choices=[("", "Either"), ("online", "Online"), ("in_person", "In person")],
        widget=forms.RadioSelect,
    )
    starts_from = forms.DateField(
        label="From",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the first date as a real date"},
    )
    starts_until = forms.DateField(
        label="To",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the last date as a real date"},
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].widget.choices = [("", "All your communities"), *communities]
        self.community_slugs = {slug for slug, _ in communities}

    def clean(self):
        data = super().clean()
        if data.get("community") and data["community"] not in self.community_slugs:
            self.add_error("community", "Choose a community from the list")
        first, last = data.get("starts_from"), data.get("starts_until")
        if first and last and last < first:
            self.add_error("starts_until", "The last date must be the same as or after the first date")
        return data

    def filters(self) -> dict:
        """The valid filters only: a bad one is left out (and shown beside its field)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name]
            for name in ("community", "region", "where", "starts_from", "starts_until")
            if data.get(name) and name not in self.errors
        }
