"""The library's attached documents on a conversation's and a practice story's page
(core.providers.attachments): each attachment as a link with the document's type and size to a viewer who
may read the document (library.permissions.readable_library_q), and as "Document not available to you",
without its title, to one who may not (a private library, a removed document); the way to attach another
for those who may change the page (library.permissions). One query, whatever the number of attachments."""

from django.db.models import BooleanField, Case, Value, When
from django.urls import reverse

from core.providers.attachments import AttachmentsBlock
from library.permissions import readable_library_q
from library.services.attachments import can_attach, target_attachments

# What a line shows of a document: its link (its community's slug), title, type and size.
DOCUMENT_FIELDS = ("document__title", "document__kind", "document__size", "document__removed_at",
                   "document__community__slug", "document__community_id")  # fmt: skip


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def attachments_block(viewer, target: str, obj) -> AttachmentsBlock | None:
    readable = (
        Case(
            When(readable_library_q(viewer, path="document__"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
        if _signed_in(viewer)
        else Value(False, output_field=BooleanField())
    )
    attachments = list(
        target_attachments(target=target, obj=obj)
        .select_related("document__community")  # each line's link
        .only("document_id", "created_at", *DOCUMENT_FIELDS)
        .annotate(readable=readable)
        .order_by("created_at", "pk")
    )
    may_attach = _signed_in(viewer) and can_attach(user=viewer, target=target, obj=obj)
    if not attachments and not may_attach:
        return None
    return AttachmentsBlock(
        template="library/attachments/_block.html",
        context={
            "attachments": attachments,
            "can_attach": may_attach,
            "attach_url": reverse("library:attach", kwargs={"target": target, "target_id": obj.pk}),
        },
    )
