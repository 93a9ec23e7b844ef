"""The GOV.UK form kit every app's forms use, beside the templates in templates/forms/govuk/ (which
khub.forms.GovukFormRenderer renders every form and field with)."""

from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

CHARACTER_COUNT = "forms/govuk/character_count.html"  # a field's template_name: GOV.UK character count


def max_length_error(label: str) -> dict[str, str]:
    """The error message for a text over its field's max_length, in GOV.UK's words, for error_messages."""
    return {"max_length": f"{label} must be %(limit_value)d characters or fewer"}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when it names one, else at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class LongSelect(forms.Select):
    """A select of hundreds of options (every council, every expertise tag on a national hub), its options
    written in Python: Django renders each option through a template of its own, about a fifth of a
    millisecond each. The same markup; flat choices only (no groups)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(key))}"{" selected" if str(key) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for key, label in self.choices
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        # Every key and label was escaped above.
        return format_html('<select name="{}"{}>{}</select>', name, attributes, mark_safe(options))  # noqa: S308
