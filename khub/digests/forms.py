"""The notification settings page's form: how often the digest comes, immediate emails, and a field for
each scope the apps register (which of a member's communities their digest covers)."""

from django import forms
from django.conf import settings

from core.providers.digests import DigestScope
from profiles.models import User


class NotificationSettingsForm(forms.Form):
    digest_frequency = forms.ChoiceField(
        label="Activity digest",
        choices=User.Digest.choices,
        widget=forms.RadioSelect,
        help_text="A summary of new conversations and practice in your communities, sent at 7am UK time.",
        error_messages={
            "required": "Choose how often to get the digest",
            "invalid_choice": "Choose how often to get the digest",
        },
    )
    email_immediately = forms.BooleanField(
        label="Email me at once when someone mentions me or replies to me",
        required=False,
        help_text="You always see these in your inbox on the hub.",
    )
    dont_ask = forms.BooleanField(
        label="Don't ask me questions",
        required=False,
        help_text="When someone asks the hub a question, we suggest people who may know the answer and ask "
        f"them by name (at most {settings.ASK_WEEKLY_CAP} times a week). Tick this and we will not suggest "
        "you.",
    )

    def __init__(self, *args, scopes: list[tuple[DigestScope, list[tuple[int, str, bool]]]], **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = [scope for scope, options in scopes if options]  # none offered: no field
        for scope, options in scopes:
            if options:
                self.fields[scope.name] = forms.TypedMultipleChoiceField(
                    label=scope.label,
                    coerce=int,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=scope.help_text,
                    error_messages={"invalid_choice": scope.invalid_choice},
                    choices=[(pk, label) for pk, label, _ in options],
                )

    def included(self) -> dict[str, set[int]]:
        """For each scope offered, the ids the member ticked (cleaned data)."""
        return {scope.name: set(self.cleaned_data[scope.name]) for scope in self.scopes}
