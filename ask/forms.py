"""Ask the hub's forms: the question (as the thread form, with a service area), who to ask, and the person
someone asked suggests instead."""

from django import forms

from communities.models import POST_BODY_MAX_LENGTH, Thread
from core.forms import MARKDOWN, MarkdownForm
from practice.models import ServiceArea
from profiles.forms import TagListField


class AskForm(MarkdownForm):
    """Title, details and tags as a conversation's (communities' ThreadForm's limits: 10 tags, each of 50
    characters), and the service area the ranking reads."""

    markdown_mentions = True
    title = forms.CharField(
        label="Your question",
        max_length=Thread._meta.get_field("title").max_length,
        help_text="Ask it in a sentence, for example: How do you run a garden waste subscription?",
        error_messages={
            "required": "Enter your question",
            "max_length": "Your question must be %(limit_value)d characters or fewer",
        },
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )
    body = forms.CharField(
        label="Details",
        max_length=POST_BODY_MAX_LENGTH,
        strip=False,
        help_text="What you have tried, what you need to know, and what makes your situation different.",
        error_messages={
            "required": "Enter the details of your question",
            "max_length": "The details must be %(limit_value)d characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "true"}),
        template_name=MARKDOWN,
    )
    service_area = forms.ChoiceField(
        label="Service area (optional)",
        required=False,
        choices=[("", "Choose a service area"), *ServiceArea.choices],
        error_messages={"invalid_choice": "Choose a service area from the list"},
    )
    tags = TagListField(
        noun="topic",
        label="Tags (optional)",
        help_text="They help us find the people who know, for example: garden waste, charging. "
        "Separate tags with commas.",
    )

    def __init__(self, *args, similar_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if similar_url:
            # As they type, htmx fetches "Has this been answered already?" (the form's button does it without
            # JavaScript); the lookup waits for a pause and drops a request a newer one overtakes.
            self.fields["title"].widget.attrs.update(
                {
                    "hx-get": similar_url,
                    "hx-trigger": "keyup changed delay:500ms, change",
                    "hx-target": "#similar",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                    "autocomplete": "off",
                }
            )


class _People(forms.TypedMultipleChoiceField):
    def valid_value(self, value) -> bool:
        # Someone suggested when the page was drawn may have dropped out since (opted out, capped): the
        # service leaves them out and says how many, rather than the whole choice being refused.
        return True


class PeopleForm(forms.Form):
    """Who to ask, among the ranking's suggestions (all ticked at first)."""

    people = _People(
        label="Who to ask",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose people from the list"},
    )

    def __init__(self, *args, suggestions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(s.person.pk, s.person.public_name) for s in suggestions]
        if not self.is_bound:
            self.initial["people"] = [s.person.pk for s in suggestions]

    @property
    def ticked(self) -> set[int]:
        """The boxes shown ticked: every suggestion at first, then what was sent."""
        if not self.is_bound:
            return set(self.initial["people"])
        return {int(value) for value in self.data.getlist("people") if str(value).isdigit()}


class SuggestForm(forms.Form):
    person = forms.CharField(
        label="Who could answer it?",
        max_length=150,
        help_text="Their handle (as on their profile, for example @priya-shah) or their full name.",
        error_messages={
            "required": "Enter the handle or name of the person to suggest",
            "max_length": "Enter a handle or name of %(limit_value)d characters or fewer",
        },
    )
