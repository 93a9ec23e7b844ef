"""Who may see a library's documents and guides and what they may do with them: the one place every surface
asks (the library pages, downloads, search, the feed, digests, profiles, attachments, the data export).

A library is part of its community: whoever may read the community (communities.permissions.can_read)
reads its documents, downloads them and reads its guides with their history; nobody else, so a private
community's documents do not exist for outsiders and their pages and downloads answer 404 (a visitor who is
not signed in is sent to sign in). A removed document or guide exists for nobody but the site admins' admin.

Members who take part upload documents and their new versions, unless the community keeps uploading to its
facilitators (Community.members_upload_documents); the uploader and the facilitators change a document's
title, description, folder and tags. Members who take part write and edit guides; a locked guide only the
facilitators edit. Facilitators (and site admins) remove documents and guides, lock guides and restore an
earlier revision.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from communities import permissions as community_permissions
from communities.models import Community
from library.models import Attachment, Document, DocumentVersion, Guide, GuideRevision
from practice import permissions as practice_permissions


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- The library as a whole --------------------------------------------------------------------------------
def can_read_library(*, user, community: Community) -> bool:
    return community_permissions.can_read(user=user, community=community)


def can_upload(*, user, community: Community) -> bool:
    """Facilitators (and site admins); members who take part unless the community keeps uploads to its
    facilitators."""
    if community_permissions.can_manage(user=user, community=community):
        return True
    return community.members_upload_documents and community_permissions.can_participate(
        user=user, community=community
    )


def can_manage_library(*, user, community: Community) -> bool:
    """Facilitators and site admins: remove, lock, restore, see the quota."""
    return community_permissions.can_manage(user=user, community=community)


def check_read_library(*, user, community: Community) -> None:
    community_permissions.check_read(user=user, community=community)


def check_upload(*, user, community: Community) -> None:
    check_read_library(user=user, community=community)
    if not can_upload(user=user, community=community):
        raise PermissionDenied("Only the community's facilitators can upload to this library.")


# --- Documents -------------------------------------------------------------------------------------------
def can_read_document(*, user, document: Document) -> bool:
    return not document.is_removed and can_read_library(user=user, community=document.community)


def can_add_version(*, user, document: Document) -> bool:
    """Whoever may upload to the library may upload a new version of any of its documents."""
    return not document.is_removed and can_upload(user=user, community=document.community)


def can_edit_document(*, user, document: Document) -> bool:
    """Its uploader while they still take part, the facilitators and site admins."""
    if document.is_removed:
        return False
    if can_manage_library(user=user, community=document.community):
        return True
    return (
        _signed_in(user)
        and document.uploaded_by_id == user.pk
        and community_permissions.can_participate(user=user, community=document.community)
    )


def can_remove_document(*, user, document: Document) -> bool:
    return not document.is_removed and can_manage_library(user=user, community=document.community)


def check_read_document(*, user, document: Document) -> None:
    if not can_read_document(user=user, document=document):
        raise Http404("No such document")


def check_add_version(*, user, document: Document) -> None:
    check_read_document(user=user, document=document)
    if not can_add_version(user=user, document=document):
        raise PermissionDenied("Only the community's facilitators can upload to this library.")


def check_edit_document(*, user, document: Document) -> None:
    check_read_document(user=user, document=document)
    if not can_edit_document(user=user, document=document):
        raise PermissionDenied("Only the document's uploader and the community's facilitators can change it.")


def check_remove_document(*, user, document: Document) -> None:
    check_read_document(user=user, document=document)
    if not can_remove_document(user=user, document=document):
        raise PermissionDenied("Only the community's facilitators can remove a document.")


# --- Guides ----------------------------------------------------------------------------------------------
def can_read_guide(*, user, guide: Guide) -> bool:
    return not guide.is_removed and can_read_library(user=user, community=guide.community)


def can_create_guide(*, user, community: Community) -> bool:
    return community_permissions.can_participate(user=user, community=community)


def can_edit_guide(*, user, guide: Guide) -> bool:
    """Members who take part; only the facilitators once it is locked."""
    if guide.is_removed:
        return False
    if can_manage_library(user=user, community=guide.community):
        return True
    return not guide.locked and community_permissions.can_participate(user=user, community=guide.community)


def can_manage_guide(*, user, guide: Guide) -> bool:
    """Lock, unlock, restore a revision, remove: facilitators and site admins."""
    return not guide.is_removed and can_manage_library(user=user, community=guide.community)


def check_read_guide(*, user, guide: Guide) -> None:
    if not can_read_guide(user=user, guide=guide):
        raise Http404("No such guide")


def check_create_guide(*, user, community: Community) -> None:
    check_read_library(user=user, community=community)
    if not can_create_guide(user=user, community=community):
        raise PermissionDenied("Only members of this community can write its guides.")


def check_edit_guide(*, user, guide: Guide) -> None:
    check_read_guide(user=user, guide=guide)
    if not can_edit_guide(user=user, guide=guide):
        if guide.locked:
            raise PermissionDenied("This guide is locked: only the community's facilitators can edit it.")
        raise PermissionDenied("Only members of this community can edit its guides.")


def check_manage_guide(*, user, guide: Guide) -> None:
    check_read_guide(user=user, guide=guide)
    if not can_manage_guide(user=user, guide=guide):
        raise PermissionDenied("Only the community's facilitators can do this.")


# --- Attachments -----------------------------------------------------------------------------------------
# A document is attached to a conversation or a practice story by whoever may change that: the thread's
# author while they take part and the community's facilitators; the story's authors (practice.permissions).
def can_attach_to_thread(*, user, thread) -> bool:
    community = thread.community
    if community_permissions.can_manage(user=user, community=community):
        return True
    return (
        _signed_in(user)
        and thread.author_id == user.pk
        and community_permissions.can_participate(user=user, community=community)
    )


def can_attach_to_story(*, user, story) -> bool:
    return practice_permissions.can_edit(user=user, story=story)


def check_attach_to_thread(*, user, thread) -> None:
    community_permissions.check_thread_read(user=user, thread=thread)
    if not can_attach_to_thread(user=user, thread=thread):
        raise PermissionDenied(
            "Only the conversation's author and the community's facilitators can attach documents."
        )


def check_attach_to_story(*, user, story) -> None:
    practice_permissions.check_read(user=user, story=story)
    if not can_attach_to_story(user=user, story=story):
        raise PermissionDenied("Only the story's authors can attach documents to it.")


# --- Queryset filters ------------------------------------------------------------------------------------
def readable_library_q(viewer, path: str = "") -> Q:
    """Documents or guides (at `path`, "" for the model itself) not removed, in communities the viewer may
    read, as a condition."""
    return Q(**{f"{path}removed_at__isnull": True}) & community_permissions.readable_community_q(
        viewer, path=f"{path}community"
    )


def readable_documents(viewer) -> QuerySet[Document]:
    """Every document the viewer may read (can_read_document): none for a visitor who is not signed in."""
    if not _signed_in(viewer):
        return Document.objects.none()
    return Document.objects.filter(readable_library_q(viewer))


def readable_versions(viewer) -> QuerySet[DocumentVersion]:
    if not _signed_in(viewer):
        return DocumentVersion.objects.none()
    return DocumentVersion.objects.filter(readable_library_q(viewer, path="document__"))


def readable_guides(viewer) -> QuerySet[Guide]:
    if not _signed_in(viewer):
        return Guide.objects.none()
    return Guide.objects.filter(readable_library_q(viewer))


def readable_revisions(viewer) -> QuerySet[GuideRevision]:
    if not _signed_in(viewer):
        return GuideRevision.objects.none()
    return GuideRevision.objects.filter(readable_library_q(viewer, path="guide__"))


def readable_attachments(viewer) -> QuerySet[Attachment]:
    """Attachments whose document the viewer may read (the others show as "not available to you")."""
    if not _signed_in(viewer):
        return Attachment.objects.none()
    return Attachment.objects.filter(readable_library_q(viewer, path="document__"))


# --- The same filter as SQL text, for statements written once (communities.permissions.sql_params) -------
def readable_library_sql(item: str, community: str) -> str:
    """readable_documents / readable_guides as a condition on the row aliased `item` and its community
    aliased `community`."""
    return f"({item}.removed_at IS NULL AND {community_permissions.readable_community_sql(community)})"
