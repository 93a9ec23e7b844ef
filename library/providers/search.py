"""The library in search (core.providers.search): one "Library" tab over the documents and the guides the
viewer may read (library.permissions.readable_documents / readable_guides).

A document is found by its title (weighted A), its description (B) and its newest version's extracted text
(C), so one whose text could not be read is still found by its title; a guide by its title (A) and its
text (B). Both kinds come from one statement (a UNION ALL of the two matches, each the newest first), so the
tab costs the page one query, as every other kind does. A guide's id is negated in that list, the ids of the
two tables never meeting. The facets are the other kinds': the community, the council (and its region) of
the person the hit names (a document's uploader, a guide's last editor), the tags (documents only: a guide
has none, so choosing a tag leaves guides out) and the date it last changed.
"""

from dataclasses import dataclass

from django.db.models import F, IntegerField, TextField, Value
from django.db.models.functions import Concat, Left

from core.providers.search import (
    Candidate,
    Epoch,
    Filters,
    SearchKind,
    highlighted,
    in_range,
    joined,
    matching,
    newest_matching,
    pair,
    postgres,
    tagged,
)
from core.queries import pk_among
from core.search_query import Terms
from library.models import Document, DocumentTag, Guide
from library.permissions import readable_documents, readable_guides
from library.providers import newest_of
from profiles.models import Council

# Of a document's extracted text (up to 200,000 characters), the part a snippet is cut from: ts_headline
# reads all it is given, for each of the page's twenty hits. A match further in still finds the document;
# its snippet then shows the description and the text's start.
SNIPPET_SOURCE = 20_000
NEWEST = ("-updated_at", "-pk")
GUIDES_NEWEST = ("-last_edited_at", "-pk")
# Positional (key, rank, when, community slug and name, council slug and name, region, tag key).
_COLUMNS = ("key", "rank", "when", "c_slug", "c_name", "p_slug", "p_name", "p_region", "tag_key")


def _documents(viewer, terms: Terms, filters: Filters, limit: int):
    documents = readable_documents(viewer)
    if filters.community:
        documents = documents.filter(community__slug=filters.community)
    if filters.council:
        documents = documents.filter(uploaded_by__council__slug=filters.council)
    if filters.region:
        documents = documents.filter(uploaded_by__council__region=filters.region)
    if filters.tag:
        documents = documents.filter(tagged(DocumentTag, filters))
    documents = in_range(documents, "updated_at", filters)
    if postgres() and terms.words_first is None:
        # The newest `limit` matches' ids first, with neither rank nor joins, then only those ranked and
        # joined: ranking every match read each one's large search document (its extracted text), 95 ms for
        # the 5,520 readable matches of "waste collection" among 50,000 documents (benchmarks/national.py).
        window = matching(documents, terms).order_by(*NEWEST).values("pk")[:limit]
        documents = documents.filter(pk_among(window))
    return newest_matching(documents, terms, NEWEST, limit).annotate(
        key=F("pk"),
        when=Epoch("updated_at"),
        c_slug=F("community__slug"),
        c_name=F("community__name"),
        p_slug=F("uploaded_by__council__slug"),
        p_name=F("uploaded_by__council__name"),
        p_region=F("uploaded_by__council__region"),
        tag_key=F("pk"),
    )


def _guides(viewer, terms: Terms, filters: Filters, limit: int):
    """None when a tag is chosen: guides carry none."""
    if filters.tag:
        return None
    guides = readable_guides(viewer)
    if filters.community:
        guides = guides.filter(community__slug=filters.community)
    if filters.council:
        guides = guides.filter(last_edited_by__council__slug=filters.council)
    if filters.region:
        guides = guides.filter(last_edited_by__council__region=filters.region)
    guides = in_range(guides, "last_edited_at", filters)
    return newest_matching(guides, terms, GUIDES_NEWEST, limit).annotate(
        key=-F("pk"),
        when=Epoch("last_edited_at"),
        c_slug=F("community__slug"),
        c_name=F("community__name"),
        p_slug=F("last_edited_by__council__slug"),
        p_name=F("last_edited_by__council__name"),
        p_region=F("last_edited_by__council__region"),
        tag_key=Value(None, output_field=IntegerField()),
    )


def _library(viewer, terms: Terms, filters: Filters, limit: int) -> list[Candidate]:
    documents = _documents(viewer, terms, filters, limit)
    guides = _guides(viewer, terms, filters, limit)
    parts = [part.values_list(*_COLUMNS) for part in (documents, guides) if part is not None]
    rows = newest_of(parts, ("-when", "-key"), limit)
    return [
        Candidate(
            key, rank, when,
            pair(community_slug, community_name), pair(council_slug, council_name),
            region or "", "", tag_key,
        )
        for key, rank, when, community_slug, community_name, council_slug, council_name, region, tag_key
        in rows
    ]  # fmt: skip


@dataclass
class LibraryHit:
    """A document or a guide on a page of hits: the search engine keys hits by `pk` (a guide's negated)
    and sets `title_html` and `snippet` on each."""

    pk: int
    item: Document | Guide
    title_marked: str = ""
    headline: str = ""

    @property
    def is_guide(self) -> bool:
        return isinstance(self.item, Guide)

    @property
    def snippet_source(self) -> str:
        return self.item.body if self.is_guide else self.item.snippet_source

    def get_absolute_url(self) -> str:
        return self.item.get_absolute_url()


# What a hit shows (library/search/_library.html): its link, title, snippet, type, size, when, community
# and who: never the whole extracted text.
DOCUMENT_HIT_FIELDS = (
    "title", "description", "kind", "size", "updated_at", "version_count", "text_state", "community__name",
    "community__slug", "uploaded_by__display_name", "uploaded_by__erased_at",
)  # fmt: skip
GUIDE_HIT_FIELDS = (
    "slug", "title", "body", "last_edited_at", "revision_count", "community__name", "community__slug",
    "last_edited_by__display_name", "last_edited_by__erased_at",
)  # fmt: skip


def _library_rows(viewer, ids, terms) -> list[LibraryHit]:
    """The page's documents and guides, one query each (none for a kind the page has no hit of)."""
    document_ids = [pk for pk in ids if pk > 0]
    guide_ids = [-pk for pk in ids if pk < 0]
    hits = []
    if document_ids:
        source = ("description", Left("text", SNIPPET_SOURCE))
        documents = (
            readable_documents(viewer)
            .filter(pk__in=document_ids)
            .select_related("community", "uploaded_by")  # the hit's link, where and by whom
            .only(*DOCUMENT_HIT_FIELDS)
            .annotate(snippet_source=Concat(*source[:1], Value(" "), *source[1:], output_field=TextField()))
            .order_by()
        )
        for document in highlighted(documents, terms, title="title", text=joined(source)):
            hits.append(LibraryHit(document.pk, document, *_marks(document)))
    if guide_ids:
        guides = (
            readable_guides(viewer)
            .filter(pk__in=guide_ids)
            .select_related("community", "last_edited_by")
            .only(*GUIDE_HIT_FIELDS)
            .order_by()
        )
        for guide in highlighted(guides, terms, title="title", text="body"):
            hits.append(LibraryHit(-guide.pk, guide, *_marks(guide)))
    return hits


def _marks(row) -> tuple[str, str]:
    return getattr(row, "title_marked", ""), getattr(row, "headline", "")


LIBRARY_IN_SEARCH = SearchKind(
    name="library",
    label="Library",
    position=27,
    filters=frozenset({"community", "council", "region", "tag", "since", "until"}),
    candidates=_library,
    tag_model=DocumentTag,
    rows=_library_rows,
    title=lambda hit: hit.item.title,
    snippet=lambda hit: hit.snippet_source,
    template="library/search/_library.html",
    dated="documents and guides (when last changed)",
    choices={"region": Council.Region.choices},
)
