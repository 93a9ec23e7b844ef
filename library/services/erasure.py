"""What erasing a member's account does to the library (registered in library/extensions.py, run inside
profiles.services.user_erase's transaction): the documents, versions, guides and revisions they wrote stay,
for the community keeps them, and lose their link to the person: shown as by "Former member". Who removed a
document or guide stays on it, as the moderation log keeps its actor (the anonymised account)."""

from library.models import Attachment, Document, DocumentVersion, Guide, GuideRevision
from profiles.models import User


def library_erase(user: User) -> None:
    Document.objects.filter(uploaded_by=user).update(uploaded_by=None)
    DocumentVersion.objects.filter(uploaded_by=user).update(uploaded_by=None)
    Guide.objects.filter(created_by=user).update(created_by=None)
    Guide.objects.filter(last_edited_by=user).update(last_edited_by=None)
    GuideRevision.objects.filter(author=user).update(author=None)
    Attachment.objects.filter(attached_by=user).update(attached_by=None)
