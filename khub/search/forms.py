from django import forms

from core.providers.search import Filters, filter_choices, search_tabs
from core.search_query import MAX_QUERY_LENGTH, Terms, clean

DATE_ERRORS = {"invalid": "Enter a real date as day/month/year, for example 27/3/2026."}
DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y", "%d %B %Y", "%d %b %Y"]
SORTS = {"relevance": "Relevance", "newest": "Newest"}


class QueryField(forms.CharField):
    """Control characters (NUL among them) are dropped before validation: a pasted query still searches."""

    def to_python(self, value):
        return clean(super().to_python(value))


class Lenient:
    """A value none of the page's links or selects produce (an old or hand-edited address) is ignored, not
    an error: the search still runs without it."""

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError:
            return ""


class LenientChoiceField(Lenient, forms.ChoiceField):
    pass


class LenientSlugField(Lenient, forms.SlugField):
    pass


def _types() -> list[tuple[str, str]]:
    return [("all", "All"), *((kind.name, kind.label) for kind in search_tabs())]


def _choices(name: str):
    """A choice filter's values as the registered kinds declare them, read when the form is used."""
    return lambda: [("", "Any"), *filter_choices(name)]


def _date_field(label: str, example: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        help_text=f"For example, {example}",
        error_messages=DATE_ERRORS,
    )


class SearchForm(forms.Form):
    q = QueryField(label="Search the hub", required=False)
    type = LenientChoiceField(label="Type", required=False, choices=_types)
    community = LenientSlugField(label="Community", required=False, max_length=100)
    council = LenientSlugField(label="Council", required=False, max_length=200)
    region = LenientChoiceField(label="Region", required=False, choices=_choices("region"))
    service_area = LenientChoiceField(label="Service area", required=False, choices=_choices("service_area"))
    tag = LenientSlugField(label="Tag", required=False, max_length=100, allow_unicode=True)
    since = _date_field("From", "1/4/2026")
    until = _date_field("To", "31/3/2027")
    sort = LenientChoiceField(label="Sort by", required=False, choices=list(SORTS.items()))

    def clean_q(self) -> str:
        text = self.cleaned_data.get("q") or ""
        if text and not Terms(text).wanted:
            raise forms.ValidationError(
                "Enter a word to search for. Quotes, the word or, and a minus sign before a word only "
                "change how the words you enter are matched."
            )
        if len(text) > MAX_QUERY_LENGTH:
            raise forms.ValidationError(
                f"Search for {MAX_QUERY_LENGTH} characters or fewer (you entered {len(text):,})."
            )
        return text

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error(
                "until", "The date to search to must be the same as or after the date to search from."
            )
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            community=data.get("community") or "",
            council=data.get("council") or "",
            region=data.get("region") or "",
            service_area=data.get("service_area") or "",
            tag=data.get("tag") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
