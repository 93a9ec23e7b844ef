"""Attaching library documents to a conversation or a practice story, and taking them off again.

Whoever may change the target (library.permissions: the thread's author and the community's facilitators;
the story's authors) attaches a document they may read, from any library, or uploads a new one into the
target's community library (library.services.documents.document_upload: its checks, its quota) and
attaches that in the same transaction, so a refused attachment leaves no stray upload. Readers who may not
read a document see it as "not available to you" (library.providers.attachments).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from communities.models import Thread
from core.providers.attachments import CONVERSATION, STORY
from library import permissions
from library.models import Attachment, Document
from library.services.documents import document_upload
from practice.models import PracticeStory
from profiles.models import User

MAX_ATTACHMENTS = 20  # on one conversation or story: a page shows them all
TARGET_FIELD = {CONVERSATION: "thread", STORY: "story"}


def check_attach(*, user: User, target: str, obj) -> None:
    """Http404 where the user may not read the target, PermissionDenied where they may not change it."""
    if target == CONVERSATION:
        permissions.check_attach_to_thread(user=user, thread=obj)
    else:
        permissions.check_attach_to_story(user=user, story=obj)


def can_attach(*, user: User, target: str, obj) -> bool:
    if target == CONVERSATION:
        return permissions.can_attach_to_thread(user=user, thread=obj)
    return permissions.can_attach_to_story(user=user, story=obj)


def target_attachments(*, target: str, obj):
    return Attachment.objects.filter(**{TARGET_FIELD[target]: obj})


def _check_room(attached) -> None:
    if attached.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"document": f"You can attach up to {MAX_ATTACHMENTS} documents."})


def _attach(*, user: User, target: str, obj, document: Document) -> Attachment:
    try:
        with transaction.atomic():  # a savepoint: a double submit's second insert fails alone
            return Attachment.objects.create(
                document=document, attached_by=user, **{TARGET_FIELD[target]: obj}
            )
    except IntegrityError:
        raise ValidationError({"document": f"“{document.title}” is already attached."}) from None


@transaction.atomic
def attachment_add(*, user: User, target: str, obj: Thread | PracticeStory, document: Document) -> Attachment:
    check_attach(user=user, target=target, obj=obj)
    if not permissions.can_read_document(user=user, document=document):
        raise ValidationError({"document": "Select a document from a library you can read."})
    attached = target_attachments(target=target, obj=obj)
    if attached.filter(document=document).exists():
        raise ValidationError({"document": f"“{document.title}” is already attached."})
    _check_room(attached)
    return _attach(user=user, target=target, obj=obj, document=document)


@transaction.atomic
def attachment_upload(
    *, user: User, target: str, obj: Thread | PracticeStory, file, title: str, description: str = ""
) -> Attachment:
    """A new document in the target's community library, attached: both or neither (every check is made
    before the file is written)."""
    check_attach(user=user, target=target, obj=obj)
    _check_room(target_attachments(target=target, obj=obj))
    document = document_upload(
        user=user, community=obj.community, file=file, title=title, description=description
    )
    return _attach(user=user, target=target, obj=obj, document=document)


def attachment_remove(*, user: User, attachment: Attachment) -> None:
    """Off the conversation or story; the document stays in its library."""
    target, obj = (CONVERSATION, attachment.thread) if attachment.thread_id else (STORY, attachment.story)
    check_attach(user=user, target=target, obj=obj)
    Attachment.objects.filter(pk=attachment.pk).delete()
