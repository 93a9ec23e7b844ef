"""Template helpers for GOV.UK Frontend: classes and ARIA links on Django form widgets, pagination."""

from django import template
from django.forms import BoundField
from django.utils.html import format_html

from core import dates

register = template.Library()

WIDGET_CLASSES = {
    "text": "govuk-input",
    "email": "govuk-input",
    "password": "govuk-input",
    "url": "govuk-input",
    "number": "govuk-input",
    "date": "govuk-input",
    "datetime": "govuk-input",
    "search": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "longselect": "govuk-select",
    "selectmultiple": "govuk-select",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
    "checkbox": "govuk-checkboxes__input",
}
CHOICE_WIDGETS = {"radioselect": "radios", "checkboxselectmultiple": "checkboxes"}


def _described_by(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.filter
def govuk_kind(field: BoundField) -> str:
    """Which GOV.UK pattern renders this field: input, checkbox, radios, checkboxes or hidden."""
    if field.is_hidden:
        return "hidden"
    if field.widget_type in CHOICE_WIDGETS:
        return CHOICE_WIDGETS[field.widget_type]
    if field.widget_type == "checkbox":
        return "checkbox"
    return "input"


@register.simple_tag
def govuk_widget(field: BoundField) -> str:
    css = WIDGET_CLASSES.get(field.widget_type, "govuk-input")
    if field.errors and css in {"govuk-input", "govuk-textarea", "govuk-select", "govuk-file-upload"}:
        css = f"{css} {css}--error"
    existing = field.field.widget.attrs.get("class")
    attrs = {"class": f"{css} {existing}" if existing else css}
    described_by = _described_by(field)
    if described_by:
        attrs["aria-describedby"] = described_by
    return field.as_widget(attrs=attrs)


@register.filter
def govuk_described_by(field: BoundField) -> str:
    return _described_by(field)


@register.simple_tag
def elided_pages(page_obj) -> list:
    """Page numbers for the GOV.UK pagination component: 1 … 4 5 6 … 20 (Paginator.ELLIPSIS for the gaps)."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1))


@register.filter
def when(moment):
    """`{{ post.created_at|when }}`: a <time> element saying how long ago (core.dates.label: "2 hours ago",
    "Tuesday 14:05", "3 November", "3 November 2025"), with the exact date and time as its datetime and
    title. Nothing for no date."""
    return _time_element(moment, dates.label) if moment else ""


@register.filter
def clock(moment):
    """`Saved at {{ story.updated_at|clock }}`: a <time> element with the time on the clock (core.dates.clock:
    "14:05", "14:05 on 3 November"), the exact date and time as its datetime and title. Nothing for none."""
    return _time_element(moment, dates.clock) if moment else ""


def _time_element(moment, said) -> str:
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', moment.isoformat(), dates.exact(moment), said(moment)
    )
