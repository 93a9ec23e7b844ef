"""What the living guides' pages read: a guide with what its page shows, its revisions newest first, and
the revisions a diff compares. The views check library.permissions on the guide before any of these
reach a reader."""

from django.db.models import QuerySet

from library.models import Guide, GuideRevision

# What a person's face and name need (profiles' avatar tag): display name, erased date, handle, photo.
PERSON_FIELDS = ("display_name", "erased_at", "handle", "avatar")


def _person(path: str) -> list[str]:
    return [f"{path}__{name}" for name in PERSON_FIELDS]


def guide_for_page(*, slug: str, guide_slug: str, text: bool = True) -> Guide | None:
    """The guide behind the URL with its community (every check reads it) and who last edited it (the page
    names them): one query. Without its text (up to 100,000 characters, twice) for the pages that show
    only its revisions: `text=False`. A removed guide too: the view's check answers 404 for it."""
    guides = Guide.objects.select_related("community", "last_edited_by").defer("search_vector")
    if not text:
        guides = guides.defer("body", "body_html")
    return guides.filter(community__slug=slug, slug=guide_slug).first()


def guide_history(*, guide: Guide) -> QuerySet[GuideRevision]:
    """Its revisions newest first, with each author's face and name, without their text (a history page of
    a 100,000-character guide reads no bodies). The unique (guide, number) index serves the order."""
    return (
        GuideRevision.objects.filter(guide=guide)
        .select_related("author")
        .only(
            "guide_id", "number", "title", "note", "created_at", "restored_from", "author", *_person("author")
        )
        .order_by("-number")
    )


def guide_revisions(*, guide: Guide, numbers: set[int]) -> dict[int, GuideRevision]:
    """The guide's revisions of these numbers, with their authors, by number: one query."""
    rows = GuideRevision.objects.filter(guide=guide, number__in=numbers).select_related("author")
    return {revision.number: revision for revision in rows}
