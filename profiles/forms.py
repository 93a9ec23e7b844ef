from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms


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
