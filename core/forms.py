"""The GOV.UK form kit every app's forms use, beside the templates in templates/forms/govuk/ (which
khub.forms.GovukFormRenderer renders every form and field with)."""

from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, flatatt
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.markdown import markdown_render

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


# --- Markdown fields: Write and Preview --------------------------------------------------------------------
MARKDOWN = "forms/govuk/markdown.html"  # a Markdown field's template_name: Write and Preview, with a count
PREVIEW_BUTTON = "markdown_preview"  # the no-JavaScript Preview buttons' name; the value names the field
# The longest Markdown field (a post's body): the preview endpoint renders nothing longer, and a test checks
# that every Markdown field's max_length stays within it.
PREVIEW_MAX_LENGTH = 20_000


class MarkdownPreview:
    """A text rendered for its preview, or why it is not: too long for its field."""

    def __init__(self, text: str, max_length: int | None):
        self.max_length = min(max_length or PREVIEW_MAX_LENGTH, PREVIEW_MAX_LENGTH)
        self.too_long = len(text) > self.max_length
        self.empty = not text.strip()
        # Rendered as on save (core.markdown: markdown-it-py, then nh3's allowlist); @mentions stay text.
        self.html = "" if self.too_long or self.empty else markdown_render(text)


class MarkdownForm(forms.Form):
    """A form with Markdown fields (template_name=MARKDOWN). Its Formatting help is shown once, with the
    first of them; markdown_mentions says whether it tells of @mentions, and markdown_heading_level which
    heading the Preview takes on the page.

    Without JavaScript each Markdown field has a Preview button: markdown_preview_requested() tells the view
    it was pressed, and the form then shows that field's text rendered, keeps all that was typed and shows
    no errors (it is not being sent yet)."""

    markdown_mentions = False
    markdown_heading_level = 2
    markdown_previewed = ""  # html_name of the field whose Preview button was pressed
    markdown_preview: MarkdownPreview | None = None

    def markdown_help_field(self) -> str:
        """The name of the field the Formatting help goes with: the first Markdown field."""
        return next((name for name, field in self.fields.items() if field.template_name == MARKDOWN), "")

    def full_clean(self):
        if self.markdown_previewed:
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()


def markdown_preview_requested(request: HttpRequest, form: MarkdownForm) -> bool:
    """Whether a no-JavaScript Preview button of the form was pressed: then the view must save nothing and
    render its page again, with the form showing the preview. One line in each view:
    `if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():`"""
    if request.method != "POST" or PREVIEW_BUTTON not in request.POST:
        return False
    name = request.POST[PREVIEW_BUTTON]
    field = next((f for f in form if f.html_name == name and f.field.template_name == MARKDOWN), None)
    # Even a Preview button naming no Markdown field saves nothing: the page is shown again as it was sent.
    form.markdown_previewed = field.html_name if field is not None else "-"
    if field is not None:
        form.markdown_preview = MarkdownPreview(str(field.value() or ""), field.field.max_length)
    return True
