"""Writing living guides: a new guide, each save a new revision, a facilitator's restore of an earlier one,
locking and removing.

A save names the revision its editor started from (base_revision). It is checked under the guide's row
lock, so of two people saving from the same revision exactly one wins; the other gets an EditConflict that
carries the revisions saved meanwhile, for the page to show what changed while it keeps their text.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community, ModerationLogEntry
from communities.services.communities import clean_title
from communities.services.log import moderation_log_write
from core.markdown import markdown_render
from library import permissions
from library.models import GUIDE_BODY_MAX_LENGTH, NOTE_MAX_LENGTH, TITLE_MAX_LENGTH, Guide, GuideRevision
from profiles.models import User

A = ModerationLogEntry.Action
SLUG_MAX_LENGTH = Guide._meta.get_field("slug").max_length
# Path segments under pages/ that are not guides (library/urls.py: pages/new/ is the new guide's form).
RESERVED_SLUGS = frozenset({"new"})
REASON_MAX_LENGTH = Guide._meta.get_field("removed_reason").max_length


class EditConflict(ValidationError):
    """Someone saved the guide after the revision the editor started from: nothing was saved. `base` is the
    number they started from and `since` the revisions saved meanwhile, oldest first (the newest last)."""

    def __init__(self, *, base: int, since: list[GuideRevision]):
        super().__init__("Someone else saved this guide while you were editing.", code="edit_conflict")
        self.base = base
        self.since = since

    @property
    def newest(self) -> GuideRevision:
        return self.since[-1]


# --- Validation -------------------------------------------------------------------------------------------
def _clean_title(title: str) -> str:
    if "\x00" in (title or ""):
        raise ValidationError({"title": "The title cannot contain null characters."})
    return clean_title(title, most=TITLE_MAX_LENGTH)


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if "\x00" in body:
        raise ValidationError({"body": "The text cannot contain null characters."})
    if not body:
        raise ValidationError({"body": "Enter the guide's text."})
    if len(body) > GUIDE_BODY_MAX_LENGTH:
        raise ValidationError({"body": f"The text must be {GUIDE_BODY_MAX_LENGTH:,} characters or fewer."})
    return body


def _clean_note(note: str) -> str:
    note = " ".join((note or "").split())
    if "\x00" in note:
        raise ValidationError({"note": "The note cannot contain null characters."})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"The note must be {NOTE_MAX_LENGTH} characters or fewer."})
    return note


def _clean(*, title: str, body: str, note: str) -> tuple[str, str, str]:
    """The three fields checked together: every field's error at once, keyed to its field."""
    errors: dict[str, list[str]] = {}
    cleaned = []
    for field, clean, value in (
        ("title", _clean_title, title),
        ("body", _clean_body, body),
        ("note", _clean_note, note),
    ):
        try:
            cleaned.append(clean(value))
        except ValidationError as error:
            errors.setdefault(field, []).extend(error.message_dict.get(field, error.messages))
    if errors:
        raise ValidationError(errors)
    return cleaned[0], cleaned[1], cleaned[2]


def _slug_for(community: Community, title: str) -> str:
    """The title as a slug, unique in the community (removed guides' too: their URLs stay theirs)."""
    stem = slugify(title)[: SLUG_MAX_LENGTH - 10].strip("-") or "guide"
    taken = set(
        Guide.objects.filter(community=community, slug__startswith=stem).values_list("slug", flat=True)
    )
    taken |= RESERVED_SLUGS
    slug, suffix = stem, 2
    while slug in taken:
        slug, suffix = f"{stem}-{suffix}", suffix + 1
    return slug


def _locked(guide: Guide) -> Guide:
    """The guide read again under its row lock, with its community (the permission checks read it)."""
    return Guide.objects.select_for_update(of=("self",)).select_related("community").get(pk=guide.pk)


def _new_revision(
    guide: Guide, *, user: User, title: str, body: str, note: str, restored_from: int | None = None
) -> GuideRevision:
    """A revision with the guide's next number, and the guide showing it (the caller holds its lock)."""
    now = timezone.now()
    revision = GuideRevision.objects.create(
        guide=guide,
        number=guide.revision_count + 1,
        title=title,
        body=body,
        note=note,
        author=user,
        created_at=now,
        restored_from=restored_from,
    )
    guide.title, guide.body, guide.body_html = title, body, markdown_render(body)
    guide.revision_count = revision.number
    guide.last_edited_by, guide.last_edited_at = user, now
    guide.save(
        update_fields=["title", "body", "body_html", "revision_count", "last_edited_by", "last_edited_at"]
    )
    return revision


def _refresh(guide: Guide, source: Guide) -> None:
    """The caller's object as the transaction left the row."""
    for name in (
        "title",
        "body",
        "body_html",
        "revision_count",
        "last_edited_by",
        "last_edited_at",
        "locked",
    ):
        setattr(guide, name, getattr(source, name))
    for name in ("removed_at", "removed_by", "removed_reason"):
        setattr(guide, name, getattr(source, name))


# --- Writes -----------------------------------------------------------------------------------------------
def guide_create(*, user: User, community: Community, title: str, body: str, note: str = "") -> Guide:
    """A new guide in the community's library, its text as revision 1."""
    permissions.check_create_guide(user=user, community=community)
    title, body, note = _clean(title=title, body=body, note=note)
    for attempt in range(5):  # two guides of the same title saved at once: the second takes the next slug
        try:
            with transaction.atomic():
                now = timezone.now()
                guide = Guide.objects.create(
                    community=community,
                    slug=_slug_for(community, title),
                    title=title,
                    created_by=user,
                    created_at=now,
                    last_edited_by=user,
                    last_edited_at=now,
                )
                _new_revision(guide, user=user, title=title, body=body, note=note)
            return guide
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def guide_save(
    *, user: User, guide: Guide, title: str, body: str, note: str = "", base_revision: int
) -> GuideRevision:
    """A new revision of the guide, made from revision `base_revision`: refused with EditConflict if someone
    saved another since, and with a ValidationError if nothing changed."""
    locked = _locked(guide)
    permissions.check_edit_guide(user=user, guide=locked)
    title, body, note = _clean(title=title, body=body, note=note)
    if base_revision != locked.revision_count:
        since = list(
            GuideRevision.objects.filter(guide=locked, number__gt=base_revision)
            .select_related("author")
            .order_by("number")
        )
        if not since or base_revision < 1:
            raise ValidationError("This page was out of date. Open the guide's edit page again.")
        raise EditConflict(base=base_revision, since=since)
    if title == locked.title and body == locked.body:
        raise ValidationError("You have not changed anything: change the title or the text, then save.")
    revision = _new_revision(locked, user=user, title=title, body=body, note=note)
    _refresh(guide, locked)
    return revision


@transaction.atomic
def guide_restore(*, user: User, guide: Guide, number: int, note: str = "") -> GuideRevision:
    """A facilitator brings back an earlier revision's title and text, as a new revision (the history keeps
    everything in between)."""
    locked = _locked(guide)
    permissions.check_manage_guide(user=user, guide=locked)
    earlier = GuideRevision.objects.filter(guide=locked, number=number).first()
    if earlier is None:
        raise ValidationError(f"This guide has no revision {number}.")
    if earlier.title == locked.title and earlier.body == locked.body:
        raise ValidationError(f"The guide already reads as revision {number}: there is nothing to restore.")
    note = _clean_note(note) or f"Restored revision {number}"
    revision = _new_revision(
        locked, user=user, title=earlier.title, body=earlier.body, note=note, restored_from=number
    )
    moderation_log_write(
        community=locked.community,
        actor=user,
        action=A.GUIDE_RESTORED,
        subject=earlier.author,
        reason=f"Revision {number} restored as revision {revision.number}.",
        about_title=locked.title,
        about_url=locked.get_absolute_url(),
    )
    _refresh(guide, locked)
    return revision


def _set_locked(*, user: User, guide: Guide, locked_now: bool) -> None:
    with transaction.atomic():
        locked = _locked(guide)
        permissions.check_manage_guide(user=user, guide=locked)
        if locked.locked != locked_now:
            Guide.objects.filter(pk=locked.pk).update(locked=locked_now)
            moderation_log_write(
                community=locked.community,
                actor=user,
                action=A.GUIDE_LOCKED if locked_now else A.GUIDE_UNLOCKED,
                about_title=locked.title,
                about_url=locked.get_absolute_url(),
            )
    guide.locked = locked_now


def guide_lock(*, user: User, guide: Guide) -> None:
    """Only the facilitators may edit it from now on (a guide the group has agreed, or an edit war)."""
    _set_locked(user=user, guide=guide, locked_now=True)


def guide_unlock(*, user: User, guide: Guide) -> None:
    _set_locked(user=user, guide=guide, locked_now=False)


@transaction.atomic
def guide_remove(*, user: User, guide: Guide, reason: str) -> None:
    """A facilitator removes a guide, with a reason in the moderation log: it is gone from every surface."""
    locked = _locked(guide)
    permissions.check_manage_guide(user=user, guide=locked)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are removing this guide."})
    if "\x00" in reason:
        raise ValidationError({"reason": "The reason cannot contain null characters."})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"The reason must be {REASON_MAX_LENGTH:,} characters or fewer."})
    moderation_log_write(
        community=locked.community,
        actor=user,
        action=A.GUIDE_REMOVED,
        subject=locked.created_by,
        reason=reason,
        about_title=locked.title,
        about_url=locked.get_absolute_url(),
    )
    now = timezone.now()
    Guide.objects.filter(pk=locked.pk).update(removed_at=now, removed_by=user, removed_reason=reason)
    locked.removed_at, locked.removed_by, locked.removed_reason = now, user, reason
    _refresh(guide, locked)
