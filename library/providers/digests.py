"""The library in activity digests (core.providers.digests): "New in the library", the documents added or
updated (a new version) and the guides written or edited in the member's communities (not muted) since their
last digest, not by the member themselves, each checked with library.permissions for the member from the
rows fetched once for the whole chunk: one query (documents and guides in one UNION ALL) beside the chunk's
memberships, which the other apps' providers share, whatever the number of members or changes."""

from dataclasses import dataclass

from django.db.models import F, IntegerField, Value
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from communities.providers.digests import DigestMemberships, digest_memberships
from core.providers.digests import Candidates, Digest, DigestChunk, DigestProvider, DigestSection, digest_item
from library import permissions
from library.models import Document, Guide, Kind
from library.providers import newest_of

MOST_NEW = 1000  # the rows a chunk reads, whatever the activity: the newest win
DOCUMENT, GUIDE = "document", "guide"
FORMER_MEMBER = "Former member"
# (what, id, title, when, versions or revisions, kind, size, guide slug, community, person id, display name,
# erased_at): an item names the document or guide, its community and who changed it, never its text.
_COLUMNS = ("what", "key", "title", "at", "count", "kind", "size", "guide_slug", "community_id", "person",
            "person_name", "person_erased_at")  # fmt: skip


@dataclass(frozen=True)
class _Change:
    what: str
    pk: int
    title: str
    when: object
    count: int  # the document's version, the guide's revision
    kind: str
    size: int
    guide_slug: str
    community_id: int
    person_id: int | None  # None once their account is erased
    person_name: str

    @property
    def key(self) -> str:
        """Listed again for each new version or revision, once."""
        return f"{self.what}:{self.pk}:{self.count}"


@dataclass
class _Collected:
    memberships: DigestMemberships
    changes: Candidates[_Change]  # filed by community, the newest first


def _person(name: str | None, erased_at) -> str:
    return FORMER_MEMBER if name is None or erased_at is not None else name


def _collect(chunk: DigestChunk) -> _Collected:
    memberships = digest_memberships(chunk)
    included = memberships.all_included()
    documents = (
        Document.objects.filter(
            removed_at__isnull=True, community_id__in=included, **chunk.window("updated_at")
        )
        .order_by("-updated_at", "-pk")
        .annotate(
            what=Value(DOCUMENT),
            key=F("pk"),
            at=F("updated_at"),
            count=F("version_count"),
            guide_slug=Value(""),
            person=F("current_version__uploaded_by"),
            person_name=F("current_version__uploaded_by__display_name"),
            person_erased_at=F("current_version__uploaded_by__erased_at"),
        )
        .values_list(*_COLUMNS)
    )
    guides = (
        Guide.objects.filter(removed_at__isnull=True, community_id__in=included)
        .filter(**chunk.window("last_edited_at"))
        .order_by("-last_edited_at", "-pk")
        .annotate(
            what=Value(GUIDE),
            key=F("pk"),
            at=F("last_edited_at"),
            count=F("revision_count"),
            no_kind=Value(""),
            no_size=Value(0, output_field=IntegerField()),
            guide_slug=F("slug"),
            person=F("last_edited_by"),
            person_name=F("last_edited_by__display_name"),
            person_erased_at=F("last_edited_by__erased_at"),
        )
        .values_list(
            "what", "key", "title", "at", "count", "no_kind", "no_size", "guide_slug", "community_id",
            "person", "person_name", "person_erased_at",
        )
    )  # fmt: skip
    rows = newest_of([documents, guides], ("-at", "-key", "what"), MOST_NEW) if included else []
    changes = [
        _Change(
            what, pk, title, when, count, kind, size, slug, community_id, person, _person(name, erased_at)
        )
        for what, pk, title, when, count, kind, size, slug, community_id, person, name, erased_at in rows
    ]
    return _Collected(memberships, Candidates(changes, lambda change: (change.community_id,)))


def _path(change: _Change, community) -> str:
    if change.what == DOCUMENT:
        return reverse("library:document", kwargs={"slug": community.slug, "document_id": change.pk})
    return reverse("library:guide", kwargs={"slug": community.slug, "guide_slug": change.guide_slug})


def _detail(change: _Change) -> str:
    """What changed and who did it: "PDF, 1.2 MB · Added by Priya Shah", "Guide · Edited by Sam Jones"."""
    if change.what == DOCUMENT:
        about = f"{Kind(change.kind).label}, {filesizeformat(change.size)}"
        if change.count == 1:
            return f"{about} · Added by {change.person_name}"
        return f"{about} · Version {change.count} uploaded by {change.person_name}"
    done = "Written" if change.count == 1 else "Edited"
    return f"Guide · {done} by {change.person_name}"


def _pick(digest: Digest, chunk: DigestChunk, collected: _Collected, fresh) -> dict[str, list[dict]]:
    """The changes in the member's own communities (not muted), not their own, while they may read the
    library (a removed document or guide was never fetched)."""
    user = digest.user
    memberships = collected.memberships
    items = []
    for change in collected.changes.under(memberships.included[user.pk]):
        community = memberships.communities[change.community_id]
        if (
            digest.covers(change.when)
            and change.person_id != user.pk
            and fresh(change.key)
            and permissions.can_read_library(user=user, community=community)
        ):
            items.append(
                chunk.once(
                    change.key, lambda change=change, community=community: _item(change, community, chunk)
                )
            )
    return {"library": items}


def _item(change: _Change, community, chunk: DigestChunk) -> dict:
    return digest_item(
        key=change.key,
        title=change.title,
        path=_path(change, community),
        when=change.when,
        where=community.name,
        where_path=chunk.path(community),
        detail=_detail(change),
        **{change.what: change.pk},
        community=change.community_id,
    )


def _still_readable(user, items: list[dict]) -> set[str]:
    """Documents and guides the member may still read: one query each for the kinds the items hold."""
    documents = {item[DOCUMENT] for item in items if item.get(DOCUMENT)}
    guides = {item[GUIDE] for item in items if item.get(GUIDE)}
    readable_documents = (
        set(permissions.readable_documents(user).filter(pk__in=documents).values_list("pk", flat=True))
        if documents
        else set()
    )
    readable_guides = (
        set(permissions.readable_guides(user).filter(pk__in=guides).values_list("pk", flat=True))
        if guides
        else set()
    )
    return {
        item["key"]
        for item in items
        if item.get(DOCUMENT) in readable_documents or item.get(GUIDE) in readable_guides
    }


LIBRARY_IN_DIGESTS = DigestProvider(
    sections=(
        DigestSection(
            name="library",
            heading="New in the library",
            one="library update",
            many="library updates",
            order=48,
        ),
    ),
    collect=_collect,
    pick=_pick,
    still_readable=_still_readable,
)
