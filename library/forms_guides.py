"""The forms of the living guides' pages. Plain Forms: the services (library.services.guides) validate again
and save, so a form only parses what was typed; a service's ValidationError is shown beside the field it
names (core.forms.add_service_errors)."""

from django import forms

from core.forms import CHARACTER_COUNT, MARKDOWN, MarkdownForm, max_length_error
from library.models import GUIDE_BODY_MAX_LENGTH, NOTE_MAX_LENGTH, TITLE_MAX_LENGTH
from library.services.guides import REASON_MAX_LENGTH


def _note(label: str, hint: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=hint,
        error_messages=max_length_error("The note"),
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )


class GuideForm(MarkdownForm):
    """A new guide, or a change to one (GuideEditForm adds the revision the change starts from)."""

    markdown_heading_level = 2

    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX_LENGTH,
        help_text="For example: How we run a joint procurement.",
        error_messages={"required": "Enter a title", **max_length_error("The title")},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    body = forms.CharField(
        label="Text",
        strip=False,
        max_length=GUIDE_BODY_MAX_LENGTH,
        help_text="Use headings to divide it into sections. Every member of the community can improve it.",
        error_messages={"required": "Enter the guide's text", **max_length_error("The text")},
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "true"}),
        template_name=MARKDOWN,
    )
    note = _note("What did you change? (optional)", "A few words for the guide's history.")


class GuideEditForm(GuideForm):
    """The revision the editor started from travels with the form: a save from an older one is refused
    (library.services.guides.EditConflict). The page writes the hidden input itself, so that after a
    conflict it carries the newest revision's number while the form keeps what was typed."""

    base_revision = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": "This page was out of date. Open the guide's edit page again.",
            "invalid": "This page was out of date. Open the guide's edit page again.",
            "min_value": "This page was out of date. Open the guide's edit page again.",
        },
    )

    def clean(self):
        cleaned = super().clean()
        # A hidden field's error has nowhere to be shown beside it: it goes to the top of the form.
        for message in self.errors.pop("base_revision", []):
            self.add_error(None, message)
        return cleaned


class RestoreForm(forms.Form):
    note = _note("Note (optional)", "Why you are restoring it, for the guide's history.")


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label="Why are you removing this guide?",
        max_length=REASON_MAX_LENGTH,
        help_text="Kept in the community's moderation log.",
        error_messages={
            "required": "Enter why you are removing this guide",
            **max_length_error("The reason"),
        },
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
        template_name=CHARACTER_COUNT,
    )


class CompareForm(forms.Form):
    """?from=N&to=M&view=side|inline on the diff page: any two revisions, previous → newest by default. A
    number that is not one of the guide's revisions is left out (`ignored` says which, for the page to
    tell), so a mistyped address still shows a diff."""

    VIEWS = ("side", "inline")

    def __init__(self, data, *, newest: int):
        super().__init__(data)
        self.newest = newest
        self.ignored: list[str] = []

    def _asked(self, name: str) -> int | None:
        value = self.data.get(name)
        if value in (None, ""):
            return None
        number = _number(value, self.newest)
        if number is None:
            self.ignored.append(str(value)[:20])
        return number

    def revisions(self) -> tuple[int, int]:
        """The two revision numbers to compare, as asked (either order)."""
        to = self._asked("to") or self.newest
        start = self._asked("from") or max(to - 1, 1)
        return start, to

    def view(self) -> str:
        view = self.data.get("view")
        return view if view in self.VIEWS else "side"


def _number(value, most: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= most else None
