"""Reads for the library pages, each with what its page shows and no query per row. The callers have checked
(library.permissions) that the viewer may read the community's library: everything here is of one community
and leaves out what has been removed.

The library's list is a walk of one of three partial indexes (library.models.Document.Meta.indexes), one per
sort, each (community, sort key, id) WHERE removed_at IS NULL: a page reads its rows, whatever the library's
size. The filters by type, folder and tag are checked on the rows the walk meets.
"""

from django.conf import settings
from django.core.cache import caches
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from taggit.models import Tag

from communities.models import Community
from library import permissions
from library.models import Document, DocumentTag, DocumentVersion, Folder, Guide, LibrarySpace
from profiles.extensions import ProfileSection

# ?sort= : its label, and the order its index (library_doc_name, _newest, _downloads) is walked in.
SORTS = {
    "name": ("Name", (Lower("title"), "id")),
    "newest": ("Newest", ("-updated_at", "-id")),
    "downloads": ("Most downloaded", ("-download_count", "-id")),
}
DEFAULT_SORT = "name"
GUIDES_SHOWN = 10  # on the library's page: the most recently edited
TAGS_SHOWN = 100  # the tag filter's choices: the first this many of the library's tags, by name
RECENT_SHOWN = 5  # "Recently added" on the community's page
# Who a face shows (profiles' avatar tag: name, erased date, handle, photo).
PERSON_FIELDS = ("handle", "display_name", "avatar", "erased_at")
# What a row of the list shows (library/_row.html): not the description nor the extracted text.
ROW_FIELDS = (
    "community_id",
    "title",
    "kind",
    "size",
    "updated_at",
    "download_count",
    *(f"uploaded_by__{name}" for name in PERSON_FIELDS),
)


def _live(community: Community) -> QuerySet[Document]:
    # removed_at IS NULL: the condition of every partial index the library's reads use.
    return Document.objects.filter(community=community, removed_at__isnull=True)


def community_documents(
    *,
    community: Community,
    sort: str = DEFAULT_SORT,
    kind: str = "",
    folder: Folder | None = None,
    tag: str = "",
) -> QuerySet[Document]:
    """The library's documents in the order asked for, filtered by type, folder and tag (a tag's slug)."""
    documents = _live(community)
    if kind:
        documents = documents.filter(kind=kind)
    if folder is not None:
        documents = documents.filter(folder=folder)
    if tag:
        # EXISTS rather than a join: one row per document, and the sort's index still walked.
        documents = documents.filter(
            Exists(DocumentTag.objects.filter(content_object=OuterRef("pk"), tag__slug=tag))
        )
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])[1]
    return (
        documents.select_related("uploaded_by")  # each row shows its uploader's face and name
        .only(*ROW_FIELDS)
        .order_by(*order)
    )


def urls_decorate(documents, *, community: Community) -> list[Document]:
    """Each document's page address as `url`, from one reverse() rather than one a row."""
    documents = list(documents)
    pattern = reverse("library:document", kwargs={"slug": community.slug, "document_id": 0})
    head = pattern.removesuffix("0/")
    for document in documents:
        document.url = f"{head}{document.pk}/"
    return documents


def folders(*, community: Community) -> list[Folder]:
    return list(Folder.objects.filter(community=community).order_by(Lower("name"), "pk"))


def _tags_key(community_id: int) -> str:
    return f"library:tags:{community_id}"


def library_tags(*, community: Community, limit: int = TAGS_SHOWN) -> list[Tag]:
    """The tags of the library's documents, by name, for the tag filter. Reading them reads every document's
    tags (9 ms of the page for a library of 5,000, benchmarks/national.py), so the list is kept for
    settings.LIBRARY_TAGS_KEPT_SECONDS and forgotten when a document is added, retagged or removed
    (library_tags_forget, from the services)."""
    key, seconds = _tags_key(community.pk), settings.LIBRARY_TAGS_KEPT_SECONDS
    kept = caches["default"].get(key) if seconds else None
    if kept is None:
        kept = list(
            Tag.objects.filter(
                pk__in=DocumentTag.objects.filter(
                    content_object__community=community, content_object__removed_at__isnull=True
                ).values("tag_id")
            ).order_by(Lower("name"))[:TAGS_SHOWN]
        )
        if seconds:
            caches["default"].set(key, kept, seconds)
    return kept[:limit]


def library_tags_forget(*, community_id: int) -> None:
    caches["default"].delete(_tags_key(community_id))


def recent_guides(*, community: Community, limit: int = GUIDES_SHOWN) -> list[Guide]:
    """The community's guides, the most recently edited first (the library_guide_edited index), each with
    its address as `url`."""
    guides = list(
        Guide.objects.filter(community=community, removed_at__isnull=True)
        .select_related("last_edited_by")  # "last edited by … on …"
        .only(
            "community_id",
            "slug",
            "title",
            "last_edited_at",
            *(f"last_edited_by__{name}" for name in PERSON_FIELDS),
        )
        .order_by("-last_edited_at", "-id")[:limit]
    )
    head, tail = _guide_url_parts(community)
    for guide in guides:
        guide.url = f"{head}{guide.slug}{tail}"
    return guides


def _guide_url_parts(community: Community) -> tuple[str, str]:
    return tuple(
        reverse("library:guide", kwargs={"slug": community.slug, "guide_slug": "-guide-"}).split("-guide-")
    )


def library_space(*, community: Community) -> LibrarySpace:
    """The community's storage and quota as they stand (an unsaved empty one before its first upload: a page
    view writes nothing)."""
    space = LibrarySpace.objects.filter(community=community).first()
    return space if space is not None else LibrarySpace(community=community)


def document_for_page(*, slug: str, document_id: int) -> Document | None:
    """The document behind the URL with its community, folder and uploader; the view checks
    permissions.check_read_document (removed documents are refused there)."""
    return (
        Document.objects.select_related("community", "folder", "uploaded_by")
        .filter(pk=document_id, community__slug=slug)
        .first()
    )


def document_versions(*, document: Document) -> list[DocumentVersion]:
    """Every version, newest first, with who uploaded each (the library_version_once unique index)."""
    return list(
        DocumentVersion.objects.filter(document=document)
        .select_related("uploaded_by")
        .only(
            "document_id",
            "number",
            "filename",
            "kind",
            "size",
            "note",
            "created_at",
            "text_state",
            "text_error",
            *(f"uploaded_by__{name}" for name in PERSON_FIELDS),
        )
        .order_by("-number")
    )


def version_for_download(*, document: Document, number: int | None = None) -> DocumentVersion | None:
    """The version a download serves: the one numbered, or the newest."""
    versions = DocumentVersion.objects.filter(document=document).only(
        "document_id", "number", "file", "filename", "kind", "content_type", "size"
    )
    if number is None:
        return versions.filter(pk=document.current_version_id).first()
    return versions.filter(number=number).first()


def recently_added(*, community: Community, limit: int = RECENT_SHOWN) -> list[dict]:
    """The community's newest documents and guides together, newest first: each of the two read from its
    own index (library_doc_newest, library_guide_edited), `limit` rows each, then merged."""
    documents = _live(community).only("community_id", "title", "kind", "size", "updated_at")
    documents = documents.order_by("-updated_at", "-id")[:limit]
    guides = Guide.objects.filter(community=community, removed_at__isnull=True).only(
        "community_id", "slug", "title", "last_edited_at"
    )
    guides = guides.order_by("-last_edited_at", "-id")[:limit]
    document_url = reverse("library:document", kwargs={"slug": community.slug, "document_id": 0})
    document_head = document_url.removesuffix("0/")
    guide_head, guide_tail = _guide_url_parts(community)
    items = [
        {
            "title": document.title,
            "url": f"{document_head}{document.pk}/",
            "at": document.updated_at,
            "document": document,
        }
        for document in documents
    ]
    items += [
        {
            "title": guide.title,
            "url": f"{guide_head}{guide.slug}{guide_tail}",
            "at": guide.last_edited_at,
            "guide": guide,
        }
        for guide in guides
    ]
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:limit]


def community_section(viewer, community: Community) -> ProfileSection:
    """ "Recently added" on the community's page (communities.sections), with the way to its library. Called
    only for a viewer who may read the community, and so its library (permissions.can_read_library)."""
    return ProfileSection(
        title="Recently added to the library",
        template="library/_community_section.html",
        context={
            "recently_added": recently_added(community=community),
            "can_upload_document": permissions.can_upload(user=viewer, community=community),
        },
    )
