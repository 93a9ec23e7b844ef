"""What profiles offers the features khub composes, built on profiles.permissions: people in search
(registered from apps.ready())."""

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, FloatField, OuterRef, Q, Value
from django.db.models.functions import Upper

from core.providers.search import (
    Candidate,
    Epoch,
    Filters,
    SearchKind,
    name_contains,
    pair,
    postgres,
    tagged,
)
from core.queries import InArray
from core.search_query import Terms
from profiles.models import Council, ExpertiseTag
from profiles.permissions import visible_people
from profiles.selectors import name_matches


# --- Search -------------------------------------------------------------------------------------------------
def _people(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    """By name (trigram similarity on PostgreSQL, so "Priay" finds Priya) or by an expertise tag; a `-word`
    leaves out those whose name or expertise holds it."""
    people = visible_people(viewer)
    if filters.council:
        people = people.filter(council__slug=filters.council)
    if filters.region:
        people = people.filter(council__region=filters.region)
    if filters.tag:
        people = people.filter(tagged(ExpertiseTag, filters))
    text = terms.plain
    tag_words = name_contains("tag__name", text, terms)
    for word in terms.wanted:
        if len(word) >= 4:
            tag_words |= name_contains("tag__name", word, terms)
    experts = ExpertiseTag.objects.filter(tag_words)
    if postgres():
        # Each alternative an index condition, so PostgreSQL combines small bitmaps rather than scoring every
        # member: the name's trigram index (profiles 0004) answers the directory's own name matching
        # (profiles.selectors.name_matches: `%>` and the substring test, for every word); the experts are a
        # few ids.
        people = people.annotate(
            similarity=TrigramWordSimilarity(Upper(Value(text)), Upper("display_name")),
            expert=InArray(F("pk"), experts.values("content_object_id")),
        ).filter(name_matches(text) | Q(expert=True))
    else:
        expert = Exists(experts.filter(content_object=OuterRef("pk")))
        people = people.annotate(
            expert=ExpressionWrapper(expert, output_field=BooleanField()),
            similarity=Value(0.0, output_field=FloatField()),
        ).filter(name_contains("display_name", text, terms) | Q(expert=True))
    for word in terms.unwanted:
        unwanted_tag = ExpertiseTag.objects.filter(
            name_contains("tag__name", word, terms), content_object=OuterRef("pk")
        )
        people = people.exclude(name_contains("display_name", word, terms)).exclude(Exists(unwanted_tag))
    fields = ("council__slug", "council__name", "council__region")
    rows = people.order_by("-date_joined", "-pk").values_list(
        "pk", "similarity", "expert", Epoch("date_joined"), *fields
    )[:limit]
    return [
        Candidate(
            pk=pk,
            rank=similarity + (0.5 if expert else 0),
            when=when,
            council=pair(council_slug, council_name),
            region=region or "",
            tag_key=pk,
        )
        for pk, similarity, expert, when, council_slug, council_name, region in rows
    ]


def _people_rows(viewer, ids, terms):
    # Cards show the council and expertise tags: one query each for the page, not one per person.
    people = visible_people(viewer).filter(pk__in=ids).order_by()
    return people.select_related("council").prefetch_related("expertise")


PEOPLE_IN_SEARCH = SearchKind(
    name="people",
    label="People",
    position=40,
    filters=frozenset({"council", "region", "tag"}),
    candidates=_people,
    tag_model=ExpertiseTag,
    rows=_people_rows,
    title=lambda person: person.public_name,
    template="profiles/search/_people.html",
    choices={"region": Council.Region.choices},
)
