"""The forms of the practice pages. Plain Forms: the services validate again and save, so a form only
parses what was typed and gives the browser-side messages; a ValidationError from a service is shown on the
field it names (core.forms.add_service_errors)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError

from core.forms import CHARACTER_COUNT, MARKDOWN, LongSelect, MarkdownForm, max_length_error
from practice.models import (
    RECORD_SECTIONS,
    SECTION_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    Adoption,
    PracticeStory,
    ServiceArea,
)
from profiles.forms import TagListField
from profiles.models import Council

A = PracticeStory.Audience
SECTION_HINTS = {
    "challenge": "What was the problem, for whom, and why did it matter?",
    "what_we_did": "The steps you took, in order, and who was involved.",
    "outcomes": "What changed for residents, staff or the council.",
    "evidence": "How you know: data, feedback, evaluations. Add links below.",
    "cost_and_resources": "Money, people and time it took.",
    "lessons_learned": "What another council should know before starting.",
    "do_differently": "With hindsight, what you would change.",
}
AUDIENCE_HINTS = {
    A.PUBLIC: "Anyone can read it, including people who are not signed in. It appears in the public library.",
    A.MEMBERS: "Anyone signed in to the hub can read it.",
    A.COMMUNITY: "Only people who can read the home community's conversations can read it.",
}
MEASURE_ROWS_SPARE = 2
MEASURE_ROWS_MAX = 10


def audience_choices() -> list[tuple[str, str]]:
    return [(value, f"{label}. {AUDIENCE_HINTS[value]}") for value, label in A.choices]


class EvidenceLinksField(forms.CharField):
    """One link a line: a web address, then optionally a space and its title."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(f"{link['url']} {link.get('title', '')}".strip() for link in value)
        return value

    def to_python(self, value) -> list[dict]:
        links = []
        text = super().to_python(value) or ""
        if "\x00" in text:  # Django's own check sees the list, not the text: refuse it here
            raise ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
        for line in text.splitlines():
            url, _, title = line.strip().partition(" ")
            if url:
                links.append({"url": url, "title": title.strip()})
        return links


class StoryForm(MarkdownForm):
    markdown_heading_level = 3  # the sections are under "The story"

    title = forms.CharField(
        label="Title",
        max_length=PracticeStory._meta.get_field("title").max_length,
        help_text="What you did, in a few words. For example: Missed bins reported online in two clicks.",
        error_messages={"required": "Enter a title", **max_length_error("The title")},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=SUMMARY_MAX_LENGTH,
        help_text="The story in one or two sentences: the library and search show it.",
        error_messages=max_length_error("The summary"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
        template_name=CHARACTER_COUNT,
    )
    service_area = forms.ChoiceField(
        label="Service area",
        required=False,
        choices=[("", "Choose a service area"), *ServiceArea.choices],
        error_messages={"invalid_choice": "Choose a service area from the list"},
    )
    community = forms.TypedChoiceField(
        label="Home community",
        coerce=int,
        help_text="Where the story is discussed: you must be a member. Its facilitators can promote it.",
        error_messages={
            "required": "Choose the story's home community",
            "invalid_choice": "Choose a community you are a member of",
        },
    )
    audience = forms.ChoiceField(
        label="Who can read it?",
        choices=audience_choices,
        initial=A.COMMUNITY,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who can read it", "invalid_choice": "Choose who can read it"},
    )

    def __init__(
        self,
        *args,
        communities=(),
        draft: bool = True,
        may_name_co_authors: bool = True,
        measures=0,
        only: tuple[str, ...] | None = None,
        **kwargs,
    ):
        """`only`: the fields of one section of the task list (practice.models.WritingStep.fields; "measures"
        for the rows of measured outcomes), the rest left out; None for them all."""
        super().__init__(*args, **kwargs)
        self.communities = list(communities)  # the homes offered: the view takes the chosen one from here
        self.fields["community"].choices = [
            ("", "Choose a community"),
            *((c.pk, c.name) for c in self.communities),
        ]
        if not draft:  # a published story keeps its home; its audience changes on its own confirmed page
            del self.fields["community"], self.fields["audience"]
        elif not may_name_co_authors:  # a co-author: the author chose the home, where they will publish
            del self.fields["community"]
        for name, heading in RECORD_SECTIONS:
            self.fields[name] = forms.CharField(
                label=heading,
                required=False,
                strip=False,
                max_length=SECTION_MAX_LENGTH,
                help_text=SECTION_HINTS[name],  # how to format it: the form's Formatting help, once
                error_messages=max_length_error(heading),
                widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}),
                template_name=MARKDOWN,
            )
        self.fields["evidence_links"] = EvidenceLinksField(
            label="Evidence links (optional)",
            required=False,
            help_text="One a line: the web address, then a space and what it is. "
            "For example: https://www.example.gov.uk/report Evaluation report",
        )
        rows = min(max(measures + MEASURE_ROWS_SPARE, 3), MEASURE_ROWS_MAX)
        self.measure_rows = []
        for index in range(rows):
            names = []
            for part, label, width in (
                ("metric", "What you measured", "govuk-input--width-20"),
                ("before", "Before", "govuk-input--width-5"),
                ("after", "After", "govuk-input--width-5"),
                ("unit", "Unit (optional)", "govuk-input--width-10"),
            ):
                name = f"measure_{index}_{part}"
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=200,
                    widget=forms.TextInput(attrs={"class": width}),
                )
                names.append(name)
            self.measure_rows.append(names)
        self.fields["tags"] = TagListField(
            noun="story",
            label="Tags (optional)",
            help_text="Help people find it, for example: channel shift, waste. Separate tags with commas.",
        )
        if may_name_co_authors:
            self.fields["co_authors"] = forms.CharField(
                label="Co-authors (optional)",
                required=False,
                max_length=500,
                help_text="Members who wrote it with you, by their handle, separated by commas: for example "
                "@sam-jones. They can edit it too.",
            )
        if only is not None:
            self.markdown_heading_level = 2  # a section's page: its fields are under its heading
            if "measures" not in only:
                self.measure_rows = []
            kept = set(only) | {name for row in self.measure_rows for name in row}
            for name in [name for name in self.fields if name not in kept]:
                del self.fields[name]
        self.only = only

    def layout(self) -> list[dict]:
        """A section's page, in its order: {"field": a bound field} or {"measures": True} for the fieldset of
        measured outcomes (practice/story/step.html)."""
        items = []
        for name in self.only or ():
            if name == "measures" and self.measure_rows:
                items.append({"measures": True})
            elif name in self.fields:
                items.append({"field": self[name]})
        return items

    def step_values(self) -> dict:
        """The section's values as services.writing.story_step_save takes them: only the fields this form
        has, the home community as the Community it offered."""
        data, values = self.cleaned_data, {}
        for name in self.only or ():
            if name == "measures" and self.measure_rows:
                values["measures"] = self._measures()
            elif name not in self.fields:
                continue
            elif name == "community":
                values[name] = next(c for c in self.communities if c.pk == data["community"])
            elif name == "co_authors":
                values[name] = [part for part in (data.get(name) or "").split(",") if part.strip()]
            elif name in ("tags", "evidence_links"):
                values[name] = data.get(name) or []
            else:
                values[name] = data.get(name, "")
        return values

    def _measures(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {part: data.get(f"measure_{index}_{part}", "") for part in ("metric", "before", "after", "unit")}
            for index in range(len(self.measure_rows))
        ]

    def measure_groups(self):
        return [[self[name] for name in row] for row in self.measure_rows]

    @classmethod
    def initial_for(cls, story: PracticeStory) -> dict:
        initial = {
            "title": story.title,
            "summary": story.summary,
            "service_area": story.service_area,
            "community": story.community_id,
            "audience": story.audience,
            "evidence_links": story.evidence_links,
            "tags": list(story.tags.all()),
            "co_authors": ", ".join(f"@{person.handle}" for person in story.co_authors.all()),
        }
        initial.update({name: getattr(story, name) for name, _ in RECORD_SECTIONS})
        for index, measure in enumerate(story.measures.all()):
            for part in ("metric", "before", "after", "unit"):
                value = getattr(measure, part)
                initial[f"measure_{index}_{part}"] = (
                    format(value.normalize(), "f") if part in ("before", "after") else value
                )
        return initial


class EndorseForm(forms.Form):
    comment = forms.CharField(
        label="Why would you recommend it? (optional)",
        required=False,
        max_length=1000,
        error_messages=max_length_error("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"}),
        template_name=CHARACTER_COUNT,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        help_text="The story's authors are told, and it is kept in the moderation log.",
        error_messages={"required": "Give a reason", **max_length_error("The reason")},
        widget=forms.Textarea(attrs={"rows": 4}),
        template_name=CHARACTER_COUNT,
    )


class AudienceForm(forms.Form):
    audience = forms.ChoiceField(
        label="Who can read it?",
        choices=audience_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who can read it", "invalid_choice": "Choose who can read it"},
    )
    confirm = forms.BooleanField(
        label="I understand that more people will be able to read this story",
        required=False,
        help_text="Needed when you let more people read it.",
    )


class AdoptionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How did it go?",
        choices=[
            (Adoption.Outcome.ADOPTED, "Adopted: we do it as described"),
            (Adoption.Outcome.ADAPTED, "Adapted: we changed it to fit"),
            (Adoption.Outcome.STOPPED, "Tried and stopped"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it went", "invalid_choice": "Choose how it went"},
    )
    month = forms.IntegerField(
        label="Month",
        min_value=1,
        max_value=12,
        error_messages={
            "required": "Enter the month you started",
            "invalid": "Enter the month as a number from 1 to 12",
            "min_value": "Enter the month as a number from 1 to 12",
            "max_value": "Enter the month as a number from 1 to 12",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
    )
    year = forms.IntegerField(
        label="Year",
        min_value=1990,
        max_value=2100,
        error_messages={
            "required": "Enter the year you started",
            "invalid": "Enter the year as four digits, for example 2025",
            "min_value": "Enter a year from 1990 onwards",
            "max_value": "Enter the year as four digits, for example 2025",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=2000,
        help_text="What you changed, what happened, what others should know.",
        error_messages=max_length_error("Your notes"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
        template_name=CHARACTER_COUNT,
    )
    follow_up = forms.TypedChoiceField(
        label="Your own story about it (optional)",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of your council's published stories"},
    )

    def __init__(self, *args, follow_ups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].choices = [("", "None"), *((story.pk, story.title) for story in follow_ups)]

    def started_on(self) -> datetime.date:
        return datetime.date(self.cleaned_data["year"], self.cleaned_data["month"], 1)


class LibraryFilterForm(forms.Form):
    """The library's filters. Its selects write their options in Python (LongSelect: the same markup, a
    template per option costs more than the rest of the form), and the council is checked against the
    councils offered as a set: a ChoiceField would normalise and copy hundreds of choices twice a request
    (the view builds the form bound, to read the filters, and again unbound, to show them)."""

    SORTS = {"newest": "Newest", "endorsed": "Most endorsed", "repeated": "Most repeated"}

    service_area = forms.ChoiceField(
        label="Service area", required=False, choices=[("", "All"), *ServiceArea.choices], widget=LongSelect
    )
    council = forms.CharField(label="Council", required=False, widget=LongSelect)  # hundreds of councils
    region = forms.ChoiceField(
        label="Region", required=False, choices=[("", "All"), *Council.Region.choices], widget=LongSelect
    )
    tag = forms.CharField(label="Tag", required=False, max_length=100)
    promoted = forms.BooleanField(label="Practice worth repeating only", required=False)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=list(SORTS.items()), widget=LongSelect)

    def __init__(self, *args, councils=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.council_slugs = {slug for slug, _name in councils}
        self.fields["council"].widget.choices = [("", "All"), *councils]

    def clean_council(self) -> str:
        council = self.cleaned_data["council"]
        if council and council not in self.council_slugs:
            raise forms.ValidationError("Choose a council from the list")
        return council

    def filters(self) -> dict:
        """The valid filters; an invalid value (an old link, a typed URL) is ignored rather than an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "service_area": data.get("service_area") or "",
            "council": data.get("council") or "",
            "region": data.get("region") or "",
            "tag": (data.get("tag") or "").strip(),
            "promoted": bool(data.get("promoted")),
            "sort": data.get("sort") or "newest",
        }
