"""Filters that fit django-allauth's pages to GOV.UK Frontend; used by templates/allauth/elements/."""

from django import template
from django.forms import BoundField

register = template.Library()

WARNING_BUTTON_TAGS = {"danger", "delete"}
SECONDARY_BUTTON_TAGS = {"secondary", "outline", "cancel", "link"}
TAG_COLOURS = {"success": "green", "warning": "yellow", "danger": "red", "secondary": "grey"}


def _lower_word(word: str) -> str:
    return word if word.isupper() and len(word) > 1 else word.lower()  # keep acronyms: QR, TOTP


@register.filter(is_safe=True)
def sentence_case(text):
    """'Verify Your Email Address' becomes 'Verify your email address'.

    allauth writes headings, buttons and labels in Title Case; GOV.UK writes sentence case. Only text in
    which every word that starts with a letter starts with a capital is changed, so sentence-case text,
    names ('Welcome to Knowledge Hub') and markup pass through untouched.
    """
    words = str(text).split()
    lettered = [word for word in words if word[0].isalpha()]
    if len(lettered) < 2 or not all(word[0].isupper() for word in lettered):
        return text
    first, *rest = words
    return " ".join([first[0] + _lower_word(first[1:]), *(_lower_word(word) for word in rest)])


@register.filter
def govuk_allauth_field(field: BoundField) -> BoundField:
    """Prepares one of allauth's form fields for templates/forms/govuk/field.html.

    GOV.UK always shows the label and never uses placeholders; allauth copies the label into a placeholder.
    Each form instance holds deep copies of its fields and widgets, so no other form is affected.
    """
    attrs = field.field.widget.attrs
    attrs.pop("placeholder", None)
    if attrs.get("autocomplete") == "one-time-code":
        attrs.setdefault("class", "govuk-input--width-10")
        attrs.setdefault("spellcheck", "false")
    elif attrs.get("type") == "email" or attrs.get("autocomplete") == "email":
        attrs.setdefault("spellcheck", "false")
    field.label = sentence_case(field.label)
    return field


@register.filter
def govuk_button_classes(tags) -> str:
    """GOV.UK button classes for the tags allauth gives a button ('danger,delete', 'outline,cancel'...)."""
    tags = set(tags or ())
    if tags & WARNING_BUTTON_TAGS:
        return "govuk-button govuk-button--warning"
    if tags & SECONDARY_BUTTON_TAGS:
        return "govuk-button govuk-button--secondary"
    return "govuk-button"


@register.filter
def govuk_tag_classes(tags) -> str:
    """GOV.UK tag classes for allauth's badges: 'success' is green, 'warning' yellow, 'danger' red."""
    for tag in tags or ():
        if tag in TAG_COLOURS:
            return f"govuk-tag govuk-tag--{TAG_COLOURS[tag]}"
    return "govuk-tag"
