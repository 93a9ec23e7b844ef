"""Uploading documents and their new versions, changing what they are called and where they are filed,
removing them, and counting downloads.

A file is checked (library.files: its type from its content, its size, its name cleaned) before anything
is written. The community's LibrarySpace row is locked for the upload, so two uploads cannot both pass the
quota; the file is written to storage inside the transaction, and deleted again if the transaction fails,
so a failure leaves neither a record without its file nor a file without its record. Once committed, the
version's text extraction is queued (library.services.extraction).
"""

import logging
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from communities.models import Community, ModerationLogEntry
from communities.services.communities import clean_labels, clean_title
from communities.services.log import moderation_log_write
from library import permissions
from library.files import Inspected, inspect_upload
from library.models import (
    DESCRIPTION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Document,
    DocumentVersion,
    Folder,
    LibrarySpace,
    TextState,
)
from library.selectors import library_tags_forget
from library.services.extraction import extraction_queue
from profiles.models import User
from profiles.services import tags_resolve

logger = logging.getLogger(__name__)
MAX_TAGS = 10
# What a document copies from its newest version (_make_current).
CURRENT_FIELDS = ["current_version", "kind", "size", "version_count", "updated_at", "text", "text_state"]
FOLDER_NAME_MAX_LENGTH = Folder._meta.get_field("name").max_length


# --- Validation -------------------------------------------------------------------------------------------
def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if "\x00" in description:
        raise ValidationError({"description": "The description cannot contain null characters."})
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {"description": f"The description must be {DESCRIPTION_MAX_LENGTH:,} characters or fewer."}
        )
    return description


def _clean_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": f"The note must be {NOTE_MAX_LENGTH} characters or fewer."})
    return note


def _check_folder(folder: Folder | None, community: Community) -> None:
    if folder is not None and folder.community_id != community.pk:
        raise ValidationError({"folder": "Select a folder of this library."})


def _clean_document(*, community: Community, title: str, description: str, folder, tags) -> dict:
    """Every field checked, and every error reported at once, keyed to its field."""
    errors: dict[str, list] = {}
    cleaned: dict = {}
    checks = {
        "title": lambda: clean_title(title, most=TITLE_MAX_LENGTH),
        "description": lambda: _clean_description(description),
        "folder": lambda: _check_folder(folder, community) or folder,
        "tags": lambda: clean_labels(tags, field="tags", noun="tag", most=MAX_TAGS),
    }
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Storage and quota ------------------------------------------------------------------------------------
def space_for(community: Community, *, lock: bool = False) -> LibrarySpace:
    """The community's LibrarySpace, made if it has none yet; locked until the transaction ends if asked."""
    LibrarySpace.objects.get_or_create(community=community)
    spaces = LibrarySpace.objects.select_for_update() if lock else LibrarySpace.objects
    return spaces.get(community=community)


def _check_quota(space: LibrarySpace, size: int) -> None:
    if space.used_bytes + size > space.quota:
        free = max(space.quota - space.used_bytes, 0)
        raise ValidationError(
            {
                "file": (
                    f"This library is full: it has {filesizeformat(free)} free of its "
                    f"{filesizeformat(space.quota)}. Ask a facilitator to remove old documents or versions."
                )
            }
        )


def _tags_changed(community: Community) -> None:
    """The library's tag filter (selectors.library_tags) read afresh once this change commits."""
    community_id = community.pk
    transaction.on_commit(lambda: library_tags_forget(community_id=community_id))


@contextmanager
def _files_kept_only_on_success():
    """Yields a list the block appends (storage, name) to for each file it writes; if the block fails the
    files are deleted again, so a rolled-back upload leaves no file nothing refers to."""
    written: list[tuple] = []
    try:
        yield written
    except BaseException:
        for storage, name in written:
            try:
                storage.delete(name)
            except Exception:  # the storage is down too: an orphan file, logged, is the lesser harm
                logger.exception("Could not delete %s after a failed upload", name)
        raise


def _store(version: DocumentVersion, upload, inspected: Inspected, written: list) -> None:
    """Write the file to storage under its cleaned name, then save the version's row."""
    upload.seek(0)
    version.file.save(inspected.filename, upload, save=False)
    written.append((version.file.storage, version.file.name))
    version.save()


def _version_values(inspected: Inspected, *, user: User, now, note: str = "") -> dict:
    return {
        "filename": inspected.filename,
        "kind": inspected.kind,
        "content_type": inspected.content_type,
        "size": inspected.size,
        "sha256": inspected.sha256,
        "uploaded_by": user,
        "created_at": now,
        "note": note,
        "text_state": TextState.NONE if inspected.kind in ("png", "jpeg") else TextState.PENDING,
    }


def _make_current(document: Document, version: DocumentVersion) -> None:
    """The document shows, lists and is searched as its newest version (text: once it is extracted)."""
    document.current_version = version
    document.kind = version.kind
    document.size = version.size
    document.version_count = version.number
    document.updated_at = version.created_at
    document.text = ""
    document.text_state = version.text_state


# --- Uploads ----------------------------------------------------------------------------------------------
def document_upload(
    *,
    user: User,
    community: Community,
    file,
    title: str,
    description: str = "",
    folder: Folder | None = None,
    tags: list[str] | None = None,
) -> Document:
    """A new document in the community's library, its file as version 1. ValidationError, keyed to the
    fields, with every problem at once; PermissionDenied/Http404 for someone who may not upload here."""
    permissions.check_upload(user=user, community=community)
    errors: dict[str, list] = {}
    inspected = None
    try:
        inspected = inspect_upload(file)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        cleaned = _clean_document(
            community=community, title=title, description=description, folder=folder, tags=tags
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with _files_kept_only_on_success() as written, transaction.atomic():
        space = space_for(community, lock=True)
        _check_quota(space, inspected.size)
        document = Document.objects.create(
            community=community,
            folder=cleaned["folder"],
            title=cleaned["title"],
            description=cleaned["description"],
            uploaded_by=user,
            kind=inspected.kind,
            size=inspected.size,
            created_at=now,
            updated_at=now,
        )
        version = DocumentVersion(
            document=document, number=1, **_version_values(inspected, user=user, now=now)
        )
        _store(version, file, inspected, written)
        _make_current(document, version)
        document.save()
        document.tags.set(tags_resolve(cleaned["tags"]))
        LibrarySpace.objects.filter(pk=space.pk).update(used_bytes=F("used_bytes") + inspected.size)
        if version.text_state == TextState.PENDING:
            extraction_queue()
        _tags_changed(community)
    return document


def document_add_version(*, user: User, document: Document, file, note: str = "") -> DocumentVersion:
    """A new version of a document: the document's link now gives it; the earlier ones stay."""
    permissions.check_add_version(user=user, document=document)
    errors: dict[str, list] = {}
    inspected = None
    try:
        inspected = inspect_upload(file)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        note = _clean_note(note)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with _files_kept_only_on_success() as written, transaction.atomic():
        space = space_for(document.community, lock=True)
        _check_quota(space, inspected.size)
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_removed:
            raise ValidationError({"file": "This document has been removed."})
        version = DocumentVersion(
            document=locked,
            number=locked.version_count + 1,
            **_version_values(inspected, user=user, now=now, note=note),
        )
        _store(version, file, inspected, written)
        _make_current(locked, version)
        locked.save(
            update_fields=[
                "current_version",
                "kind",
                "size",
                "version_count",
                "updated_at",
                "text",
                "text_state",
            ]
        )
        LibrarySpace.objects.filter(pk=space.pk).update(used_bytes=F("used_bytes") + inspected.size)
        if version.text_state == TextState.PENDING:
            extraction_queue()
    for field in CURRENT_FIELDS:
        setattr(document, field, getattr(locked, field))
    return version


def document_update(
    *,
    user: User,
    document: Document,
    title: str,
    description: str = "",
    folder: Folder | None = None,
    tags: list[str] | None = None,
) -> Document:
    """Its title, description, folder and tags (its uploader and the facilitators)."""
    permissions.check_edit_document(user=user, document=document)
    cleaned = _clean_document(
        community=document.community, title=title, description=description, folder=folder, tags=tags
    )
    with transaction.atomic():
        document.title = cleaned["title"]
        document.description = cleaned["description"]
        document.folder = cleaned["folder"]
        document.save(update_fields=["title", "description", "folder"])
        document.tags.set(tags_resolve(cleaned["tags"]))
        _tags_changed(document.community)
    return document


def document_remove(*, user: User, document: Document, reason: str) -> None:
    """A facilitator removes a document, with a reason in the moderation log. It is gone from every surface;
    its files are deleted from storage once the removal commits and its bytes leave the quota."""
    permissions.check_remove_document(user=user, document=document)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are removing this document."})
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_removed:
            return
        versions = list(DocumentVersion.objects.filter(document=locked).values_list("file", "size"))
        moderation_log_write(
            community=document.community,
            actor=user,
            action=ModerationLogEntry.Action.DOCUMENT_REMOVED,
            subject=locked.uploaded_by,
            reason=reason,
            about_title=locked.title,
            about_url=locked.get_absolute_url(),
        )
        Document.objects.filter(pk=locked.pk).update(
            removed_at=timezone.now(), removed_by=user, removed_reason=reason, text=""
        )
        LibrarySpace.objects.filter(community=document.community).update(
            used_bytes=F("used_bytes") - sum(size for _name, size in versions)
        )
        storage = DocumentVersion._meta.get_field("file").storage

        def delete_files() -> None:
            for name, _size in versions:
                try:
                    storage.delete(name)
                except Exception:
                    logger.exception("Could not delete %s of a removed document", name)

        transaction.on_commit(delete_files)
        _tags_changed(document.community)
    document.refresh_from_db()


def document_downloaded(*, document: Document) -> None:
    """One more download (a single UPDATE: concurrent downloads each count)."""
    Document.objects.filter(pk=document.pk).update(download_count=F("download_count") + 1)


# --- Folders ----------------------------------------------------------------------------------------------
def folder_create(*, user: User, community: Community, name: str) -> Folder:
    """A folder in the library: whoever may upload to it may make one. Names are unique, whatever the case."""
    permissions.check_upload(user=user, community=community)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter a name for the folder."})
    if len(name) > FOLDER_NAME_MAX_LENGTH:
        raise ValidationError({"name": f"The name must be {FOLDER_NAME_MAX_LENGTH} characters or fewer."})
    if "\x00" in name:
        raise ValidationError({"name": "The name cannot contain null characters."})
    if Folder.objects.filter(community=community, name__iexact=name).exists():
        raise ValidationError({"name": "This library already has a folder with that name."})
    return Folder.objects.create(community=community, name=name)
