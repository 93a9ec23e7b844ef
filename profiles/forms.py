from collections.abc import Iterable

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import ratelimit
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from core.forms import MARKDOWN, LongSelect, MarkdownForm
from profiles.avatars import ERROR_EMPTY, ERROR_TYPE, avatar_prepare
from profiles.models import Council, User
from profiles.services import MAX_TAG_LENGTH, MAX_TAGS


class SignupForm(AllauthSignupForm):
    display_name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="How other members will see you, for example Priya Shah.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["display_name", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "email"
        ].help_text = (
            "Use your work address: a council address links you to your council once you confirm it."
        )


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for the password again and an explicit tick, on top of being signed in."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
    confirm = forms.BooleanField(
        label="I understand that my account will be deleted and that this cannot be undone",
        error_messages={"required": "Confirm that you want to delete your account"},
    )

    def __init__(self, *args, user, request: HttpRequest | None = None, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # The same budget as allauth's reauthentication: this form must not be a way to guess passwords.
        if self.request is not None and not ratelimit.consume(
            self.request, action="reauthenticate", user=self.user
        ):
            raise forms.ValidationError("You have tried too many times. Wait a minute, then try again")
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not correct")
        return password


class TagListField(forms.CharField):
    """Tags typed as one line separated by commas, cleaned to a list of names.

    Only commas separate: taggit's own parser also splits on spaces when there is no comma, which would
    turn "social care" into two tags.
    """

    def __init__(self, *, noun: str, **kwargs):
        self.noun = noun  # "expertise", "interest": used in the error messages
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value is not None and not isinstance(value, str) and isinstance(value, Iterable):
            return ", ".join(getattr(tag, "name", tag) for tag in value)
        return value

    def to_python(self, value) -> list[str]:
        names: list[str] = []
        seen: set[str] = set()
        text = super().to_python(value) or ""
        if "\x00" in text:  # Django's own check sees the list, not the text: refuse it here
            raise ValidationError("Null characters are not allowed.", code="null_characters_not_allowed")
        for part in text.split(","):
            name = " ".join(part.split())
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return names

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_TAGS:
            raise ValidationError(f"Enter {MAX_TAGS} {self.noun} tags or fewer", code="max_tags")
        too_long = [name for name in value if len(name) > MAX_TAG_LENGTH]
        if too_long:
            raise ValidationError(
                f"Each {self.noun} tag must be {MAX_TAG_LENGTH} characters or fewer: "
                f'shorten "{too_long[0][:30]}..."',
                code="tag_too_long",
            )


class ProfileForm(MarkdownForm):
    """/settings/profile/. A plain Form, not a ModelForm: a ModelForm would write the new values onto
    request.user while validating, and a page re-shown with errors would show them in the header."""

    display_name = forms.CharField(
        label="Full name",
        max_length=User._meta.get_field("display_name").max_length,
        help_text="How other members see you, for example Priya Shah.",
        error_messages={
            "required": "Enter your full name",
            "max_length": "Full name must be %(limit_value)d characters or fewer",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    job_title = forms.CharField(
        label="Job title",
        required=False,
        max_length=User._meta.get_field("job_title").max_length,
        error_messages={"max_length": "Job title must be %(limit_value)d characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    bio = forms.CharField(
        label="About you",
        required=False,
        max_length=User._meta.get_field("bio").max_length,
        help_text="What you work on and what you could help other councils with.",
        error_messages={"max_length": "About you must be %(limit_value)d characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 8}),
        template_name=MARKDOWN,
    )
    expertise = TagListField(
        noun="expertise",
        label="Expertise",
        help_text="What you know about, for example: housing allocations, procurement. "
        "Separate tags with commas.",
    )
    interests = TagListField(
        noun="interest",
        label="Interests",
        help_text="What you want to hear about, for example: net zero, family hubs. "
        "Separate tags with commas.",
    )
    show_email = forms.BooleanField(
        label="Show my email address to other members",
        required=False,
        help_text="Site admins can always see your email address.",
    )
    avatar = forms.FileField(
        label="Upload a photo",
        required=False,
        help_text="A JPG, PNG, GIF or WebP image, smaller than 5MB. We resize it to fit 400 by 400 pixels.",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
        error_messages={"empty": ERROR_EMPTY, "invalid": ERROR_TYPE, "missing": ERROR_TYPE},
    )
    remove_avatar = forms.BooleanField(label="Remove your current photo", required=False)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        kwargs.setdefault(
            "initial",
            {
                "display_name": user.display_name,
                "job_title": user.job_title,
                "bio": user.bio,
                "expertise": sorted(user.expertise.names(), key=str.lower),
                "interests": sorted(user.interests.names(), key=str.lower),
                "show_email": user.show_email,
            },
        )
        super().__init__(*args, **kwargs)
        if user.avatar:
            self.fields["avatar"].label = "Upload a new photo"
        else:
            del self.fields["remove_avatar"]

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        return avatar_prepare(upload=upload) if upload else None


class PeopleFilterForm(forms.Form):
    """The directory's GET form. Choices come from the view (one query each) so rendering adds none."""

    SORTS = [("relevance", "Best match"), ("name", "Name"), ("recent", "Recently joined")]

    q = forms.CharField(
        label="Name",
        required=False,
        max_length=100,
        error_messages={"max_length": "Name must be %(limit_value)d characters or fewer"},
    )
    council = forms.ChoiceField(
        label="Council",
        required=False,
        widget=LongSelect,  # every council on the hub
        error_messages={"invalid_choice": "Select a council from the list"},
    )
    region = forms.ChoiceField(
        label="Region",
        required=False,
        choices=[("", "Any region"), *Council.Region.choices],
        error_messages={"invalid_choice": "Select a region from the list"},
    )
    expertise = forms.ChoiceField(
        label="Expertise",
        required=False,
        widget=LongSelect,  # every expertise tag held
        error_messages={"invalid_choice": "Select an expertise from the list"},
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=SORTS,
        error_messages={"invalid_choice": "Select how to sort from the list"},
    )

    def __init__(self, data, *, councils: list[tuple[str, str]], expertise: list[tuple[str, str]]):
        data = data.copy()
        if not data.get("sort"):
            # Best match while searching, else by name; set in the data so the select shows what is applied.
            data["sort"] = "relevance" if data.get("q", "").strip() else "name"
        super().__init__(data)
        self.fields["council"].choices = [("", "Any council"), *councils]
        self.fields["expertise"].choices = [("", "Any expertise"), *expertise]

    def filters(self) -> dict[str, str]:
        """Valid filters for selectors.people_directory; a bad value is left out and shown as an error."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "query": data.get("q", ""),
            "council": data.get("council", ""),
            "region": data.get("region", ""),
            "expertise": data.get("expertise", ""),
            "sort": data.get("sort") or "name",
        }
