"""Documents added or updated and guides written or edited in the viewer's communities, in the activity feed
(core.providers.feed).

One source, one query, as the other apps' sources: on PostgreSQL one statement, written once, with the
viewer as parameters, whose permission condition is library.permissions' readable_library_sql: the newest
documents (by the library_doc_newest index: community, newest version first) and the newest guides (by
library_guide_edited) of the viewer's communities, each cut to a page, then the newest of both. Elsewhere
(SQLite) the same rows through readable_library_q (tests/library/test_feed.py proves both agree). Only the
viewer's communities make the library's news relevant; what the viewer did themselves (the newest version
theirs, the last edit theirs) is not news to them. A removed document or guide is in no one's feed.
"""

from datetime import datetime
from functools import cache

from django.db.models import F, IntegerField, QuerySet, Value
from django.db.models.functions import Left
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy

from communities.models import Community
from communities.permissions import member_community_ids
from communities.providers.feed import community_url, feed_params, person_of, relevant_sql
from core.providers.feed import (
    EXCERPT_SOURCE,
    FeedItem,
    FeedSource,
    Person,
    older,
    plain_excerpt,
    source_rows,
)
from library.models import Document, DocumentVersion, Guide, Kind
from library.permissions import readable_library_q, readable_library_sql
from library.providers import newest_of
from profiles.models import User

RELEVANCE = ("viewer_member_of",)
_RELEVANT = {
    "document": {"viewer_member_of": "d.community_id = ANY(%(viewer_member_of)s::bigint[])"},
    "guide": {"viewer_member_of": "g.community_id = ANY(%(viewer_member_of)s::bigint[])"},
}
_PERSON_FIELDS = ("display_name", "erased_at", "handle", "avatar")
DOCUMENT, GUIDE = "document", "guide"
FORMER_MEMBER = Person(name="Former member", key="former-member")
TEXTS = {
    "document_added": "added a document",
    "document_updated": "updated a document",
    "guide_written": "wrote a guide",
    "guide_edited": "edited a guide",
}
# Each row: (what, id, title, when, versions or revisions, excerpt source, kind, size, guide slug, community
# name and slug, the person's display name, erased_at, handle, avatar).


@cache
def _library_statement(relevant: tuple[str, ...] = RELEVANCE) -> str:
    people = "a.display_name, a.erased_at, a.handle, a.avatar"
    return f"""
        (SELECT '{DOCUMENT}'::text AS what, d.id, d.title, d.updated_at AS at, d.version_count,
                LEFT(d.description, {EXCERPT_SOURCE}), d.kind, d.size, ''::text, c.name, c.slug, {people}
         FROM "{Document._meta.db_table}" d
         JOIN "{Community._meta.db_table}" c ON c.id = d.community_id
         LEFT JOIN "{DocumentVersion._meta.db_table}" v ON v.id = d.current_version_id
         LEFT JOIN "{User._meta.db_table}" a ON a.id = v.uploaded_by_id
         WHERE {relevant_sql(_RELEVANT[DOCUMENT], relevant)} AND {readable_library_sql("d", "c")}
           AND (%(before)s::timestamptz IS NULL OR d.updated_at < %(before)s::timestamptz)
           AND v.uploaded_by_id IS DISTINCT FROM %(viewer)s
         ORDER BY d.updated_at DESC, d.id DESC
         LIMIT %(rows)s)
        UNION ALL
        (SELECT '{GUIDE}'::text, g.id, g.title, g.last_edited_at, g.revision_count,
                LEFT(g.body_html, {EXCERPT_SOURCE}), ''::text, 0::bigint, g.slug, c.name, c.slug, {people}
         FROM "{Guide._meta.db_table}" g
         JOIN "{Community._meta.db_table}" c ON c.id = g.community_id
         LEFT JOIN "{User._meta.db_table}" a ON a.id = g.last_edited_by_id
         WHERE {relevant_sql(_RELEVANT[GUIDE], relevant)} AND {readable_library_sql("g", "c")}
           AND (%(before)s::timestamptz IS NULL OR g.last_edited_at < %(before)s::timestamptz)
           AND g.last_edited_by_id IS DISTINCT FROM %(viewer)s
         ORDER BY g.last_edited_at DESC, g.id DESC
         LIMIT %(rows)s)
        ORDER BY at DESC, id DESC, what
        LIMIT %(rows)s"""  # noqa: S608 (names from the models; values are parameters)


def _readable(model, viewer, communities):
    return model.objects.filter(readable_library_q(viewer), community__in=communities)


def _library_portable(viewer, before: datetime | None, rows: int) -> QuerySet:
    """The statement's rows through the ORM."""
    communities = member_community_ids(viewer)
    documents = (
        older(_readable(Document, viewer, communities), "updated_at", before)
        .exclude(current_version__uploaded_by=viewer)
        .order_by("-updated_at", "-pk")
        .annotate(
            what=Value(DOCUMENT),
            at=F("updated_at"),
            count=F("version_count"),
            excerpt=Left("description", EXCERPT_SOURCE),
            guide_slug=Value(""),
            **{f"p_{name}": F(f"current_version__uploaded_by__{name}") for name in _PERSON_FIELDS},
        )
        .values_list(
            "what", "pk", "title", "at", "count", "excerpt", "kind", "size", "guide_slug", "community__name",
            "community__slug", *(f"p_{name}" for name in _PERSON_FIELDS),
        )
    )  # fmt: skip
    guides = (
        older(_readable(Guide, viewer, communities), "last_edited_at", before)
        .exclude(last_edited_by=viewer)
        .order_by("-last_edited_at", "-pk")
        .annotate(
            what=Value(GUIDE),
            at=F("last_edited_at"),
            count=F("revision_count"),
            excerpt=Left("body_html", EXCERPT_SOURCE),
            no_kind=Value(""),
            no_size=Value(0, output_field=IntegerField()),
            **{f"p_{name}": F(f"last_edited_by__{name}") for name in _PERSON_FIELDS},
        )
        .values_list(
            "what", "pk", "title", "at", "count", "excerpt", "no_kind", "no_size", "slug", "community__name",
            "community__slug", *(f"p_{name}" for name in _PERSON_FIELDS),
        )
    )  # fmt: skip
    return newest_of([documents, guides], ("-at", "-pk", "what"), rows)


def library_rows(viewer, before: datetime | None, rows: int) -> list[tuple]:
    return source_rows(
        _library_statement,
        lambda: feed_params(viewer, before, rows),
        lambda: _library_portable(viewer, before, rows),
        relevance=RELEVANCE,
    )


def _person(display_name, erased_at, handle, avatar) -> Person:
    """Who did it; "Former member" for an erased account, whose uploads and edits stay without a name."""
    return FORMER_MEMBER if handle is None else person_of(display_name, erased_at, handle, avatar)


def _item(row: tuple) -> FeedItem:
    what, pk, title, when, count, excerpt, kind, size, guide_slug, where, slug, *person = row
    person = _person(*person)
    if what == DOCUMENT:
        item_kind = "document_added" if count == 1 else "document_updated"
        about = f"{Kind(kind).label}, {filesizeformat(size)}"
        note = about if count == 1 else f"version {count} · {about}"
        url = reverse_lazy("library:document", kwargs={"slug": slug, "document_id": pk})
        text = plain_excerpt(excerpt)
    else:
        item_kind = "guide_written" if count == 1 else "guide_edited"
        note = "" if count == 1 else f"revision {count}"
        url = reverse_lazy("library:guide", kwargs={"slug": slug, "guide_slug": guide_slug})
        text = plain_excerpt(excerpt, html=True)
    return FeedItem(
        kind=item_kind,
        when=when,
        title=title,
        url=url,
        actor=person.name,
        people=(person,),
        text=TEXTS[item_kind],
        note=note,
        excerpt=text,
        where=where,
        where_url=community_url(slug),
        pk=pk,
    )


def _library(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    return [_item(row) for row in library_rows(viewer, before, rows)]


LIBRARY_IN_FEED = FeedSource(
    items=_library,
    labels={
        "document_added": "Document",
        "document_updated": "Document",
        "guide_written": "Guide",
        "guide_edited": "Guide",
    },
)
