"""What the library shows of a person elsewhere (registered in library/extensions.py): the "Library uploads"
section of their profile page and their records in the data export.

The section lists only documents the VIEWER may read (library.permissions.readable_documents): an upload to
a private community's library says nothing to someone outside it. One query, whatever the number (the
profile page's count is pinned). The export holds what the member put in the libraries: each version they
uploaded (title, file name, size, dates) and each guide revision they saved (its title, text and note); the
document or guide is named with its community only while the member may still read it, as the other apps'
exports do.
"""

from typing import Any

from communities.permissions import readable_communities
from core.dates import iso
from library import permissions
from library.models import Document, DocumentVersion, GuideRevision
from profiles.extensions import ProfileSection

UPLOADS_SHOWN = 10  # the newest uploads a profile lists
# What the section shows of a document: its link (its community's slug), title, type, size, when and where.
UPLOAD_FIELDS = ("title", "kind", "size", "created_at", "community__name", "community__slug")


def uploads(*, viewer, person) -> list[Document]:
    """The documents the person uploaded that the viewer may read, the newest first: one query."""
    if person is None or person.pk is None:
        return []
    return list(
        permissions.readable_documents(viewer)
        .filter(uploaded_by=person)
        .select_related("community")  # each document's link and where
        .only(*UPLOAD_FIELDS)
        .order_by("-created_at", "-pk")[:UPLOADS_SHOWN]
    )


def profile_uploads(viewer, person) -> ProfileSection | None:
    """The profile's "Library uploads" section; none when there is nothing the viewer may see."""
    documents = uploads(viewer=viewer, person=person)
    if not documents:
        return None
    return ProfileSection(
        title="Library uploads",
        template="library/_profile_section.html",
        context={"library_uploads": documents},
    )


def _community(item, readable: set[int]) -> dict[str, str] | None:
    if item.community_id not in readable:
        return None
    return {"name": item.community.name, "slug": item.community.slug}


def _named(item, readable: set[int]) -> dict[str, Any] | None:
    """A document or guide by its title and community, while the member may still read it."""
    if item.community_id not in readable or item.is_removed:
        return None
    return {"title": item.title, "community": _community(item, readable)}


def library_personal_data(user) -> dict[str, Any]:
    """The documents they uploaded (what they called them and when) with every version they uploaded of any
    document (file name, type, size, their note, when), and every guide revision they saved (title, text,
    note, when). A document or guide is named only while they may still read it; its file is not included
    (the document's page downloads it while it is readable)."""
    readable = set(readable_communities(user).values_list("pk", flat=True))
    documents = (
        Document.objects.filter(uploaded_by=user)
        .select_related("community")
        .defer("text")
        .prefetch_related("tags")
        .order_by("created_at", "pk")
    )
    versions = (
        DocumentVersion.objects.filter(uploaded_by=user)
        .select_related("document__community")
        .defer("document__text")
        .order_by("created_at", "pk")
    )
    revisions = GuideRevision.objects.filter(author=user).select_related("guide__community")
    return {
        "documents_uploaded": [
            {
                "title": document.title,
                "description": document.description,
                "tags": sorted(tag.name for tag in document.tags.all()),
                "community": _community(document, readable),
                "created_at": iso(document.created_at),
                "removed": document.is_removed,
            }
            for document in documents
        ],
        "versions_uploaded": [
            {
                "document": _named(version.document, readable),
                "number": version.number,
                "filename": version.filename,
                "type": version.kind,
                "size": version.size,
                "note": version.note,
                "uploaded_at": iso(version.created_at),
            }
            for version in versions
        ],
        "guide_revisions": [
            {
                "guide": _named(revision.guide, readable),
                "number": revision.number,
                "title": revision.title,
                "body": revision.body,
                "note": revision.note,
                "saved_at": iso(revision.created_at),
            }
            for revision in revisions.order_by("created_at", "pk")
        ],
    }
