"""Community libraries: the documents a community keeps (each with every version uploaded), in folders and
with tags, and the living guides its members write together (each save a revision).

A document's type is decided from the file's content (library.files), never its name; its text is
extracted after upload by a Celery task (library.extraction, library.services.extraction) and searched with
its title and description. Files live in Django's default storage (the file system, or S3 in production).
Who may see what is decided in library.permissions, from the community: a private community's documents
and guides do not exist for outsiders.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from core.search import SearchDocumentManager, search_document

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5_000
FILENAME_MAX_LENGTH = 150  # a cleaned name is cut to this, keeping its extension
# Extracted text kept for search: enough for a long report, and well inside PostgreSQL's 1 MB tsvector.
TEXT_MAX_LENGTH = 200_000
GUIDE_BODY_MAX_LENGTH = 100_000
NOTE_MAX_LENGTH = 200


class Kind(models.TextChoices):
    """The file types a library takes, each recognised from the file's content (library.files)."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "Word document"
    XLSX = "xlsx", "Excel spreadsheet"
    PPTX = "pptx", "PowerPoint presentation"
    ODT = "odt", "OpenDocument text"
    ODS = "ods", "OpenDocument spreadsheet"
    ODP = "odp", "OpenDocument presentation"
    CSV = "csv", "CSV"
    TEXT = "txt", "Plain text"
    PNG = "png", "PNG image"
    JPEG = "jpeg", "JPEG image"


IMAGE_KINDS = frozenset({Kind.PNG, Kind.JPEG})


class TextState(models.TextChoices):
    """Where a version's text extraction is: pending until the task has run; images have no text."""

    PENDING = "pending", "Waiting to be read"
    EXTRACTED = "extracted", "Text extracted"
    FAILED = "failed", "Text not extracted"
    NONE = "none", "No text (an image)"


class LibrarySpace(models.Model):
    """A community's library account: its quota and the bytes its files take (every version of every
    document not removed), kept by the services under this row's lock so two uploads cannot both pass the
    quota. Made with the community's first upload; the quota is set by a site admin in the admin."""

    community = models.OneToOneField(
        "communities.Community", on_delete=models.CASCADE, primary_key=True, related_name="library_space"
    )
    quota_bytes = models.BigIntegerField(
        "quota in bytes", null=True, blank=True, help_text="Leave empty for the hub's default (2 GB)."
    )
    used_bytes = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "library storage"
        verbose_name_plural = "library storage"

    def __str__(self) -> str:
        return f"Library of community {self.community_id}"

    @property
    def quota(self) -> int:
        return self.quota_bytes if self.quota_bytes is not None else settings.LIBRARY_QUOTA_BYTES


class Folder(models.Model):
    """One level of folders in a community's library."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="library_folders"
    )
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "community",
                Lower("name"),
                name="library_folder_name_unique",
                violation_error_message="This library already has a folder with that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentTag(TaggedItemBase):
    content_object = models.ForeignKey("Document", on_delete=models.CASCADE, related_name="+")


class Document(models.Model):
    """A document in a community's library: what its uploader called it, and its versions. The type, size
    and text shown and searched are the newest version's (kept here by the services)."""

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="documents")
    folder = models.ForeignKey(
        Folder, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    tags = TaggableManager("Tags", through=DocumentTag, blank=True, related_name="documents")
    # Kept when the uploader's account is erased: shown as by "Former member".
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The newest version's, copied here by the services so lists show and filter them without a join.
    current_version = models.ForeignKey(
        "DocumentVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    size = models.BigIntegerField(default=0)
    version_count = models.PositiveIntegerField(default=0, editable=False)
    download_count = models.PositiveIntegerField(default=0, editable=False)
    text = models.TextField(blank=True, editable=False)  # the newest version's extracted text
    text_state = models.CharField(max_length=10, choices=TextState.choices, default=TextState.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)  # the newest version's upload
    # Removed by a facilitator (moderation log): gone from every surface, the files deleted.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_reason = models.TextField(blank=True, max_length=2000)
    # Search: title above description above the extracted text (GIN index: migration 0001).
    search_vector = search_document(("title", "A"), ("description", "B"), ("text", "C"))

    objects = SearchDocumentManager()

    class Meta:
        base_manager_name = "objects"  # search_vector left out of related lookups too
        ordering = ["title", "pk"]
        indexes = [
            # The library page's three sorts, each a walk of its own index to the page.
            models.Index(
                "community",
                Lower("title"),
                "id",
                condition=models.Q(removed_at__isnull=True),
                name="library_doc_name",
            ),
            models.Index(
                fields=["community", "-updated_at", "-id"],
                condition=models.Q(removed_at__isnull=True),
                name="library_doc_newest",
            ),
            models.Index(
                fields=["community", "-download_count", "-id"],
                condition=models.Q(removed_at__isnull=True),
                name="library_doc_downloads",
            ),
            # The feed and the digests: documents added or updated across communities, newest first.
            models.Index(
                fields=["-updated_at", "-id"],
                condition=models.Q(removed_at__isnull=True),
                name="library_doc_recent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """Under its community's slug: select_related("community") where many are linked."""
        return reverse("library:document", kwargs={"slug": self.community.slug, "document_id": self.pk})

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGE_KINDS


def version_upload_to(version: "DocumentVersion", filename: str) -> str:
    """library/<community>/<document>/<random>/<cleaned name>: the random part keeps a guessed path from
    reaching a file (storage URLs are never shown; downloads go through library.views.files)."""
    from secrets import token_hex

    return f"library/{version.document.community_id}/{version.document_id}/{token_hex(8)}/{filename}"


class DocumentVersion(models.Model):
    """One file uploaded as a document (its first version) or as a new version of it. Every version stays
    downloadable; the document's own link gives the newest."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=version_upload_to, max_length=400)
    filename = models.CharField(max_length=FILENAME_MAX_LENGTH)  # cleaned (library.files.clean_filename)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField("what changed", max_length=NOTE_MAX_LENGTH, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Text extraction, claimed before it runs (library.services.extraction): a periodic sweep takes up what
    # no task did, so Redis or a worker down loses nothing.
    text_state = models.CharField(max_length=10, choices=TextState.choices, default=TextState.PENDING)
    text_error = models.CharField(max_length=300, blank=True)  # why the text could not be read, in words
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="library_version_once"),
        ]
        indexes = [
            # What the extraction sweep looks for: the few versions still to be read.
            models.Index(
                fields=["created_at"],
                condition=models.Q(text_state="pending"),
                name="library_version_pending",
            ),
            # A member's uploads: data export, erasure.
            models.Index(fields=["uploaded_by"], name="library_version_uploader"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} (version {self.number})"


class Guide(models.Model):
    """A living guide: a Markdown page a community's members edit together. Every save is a revision
    (GuideRevision); the page shows the newest. Facilitators may lock it (only they can then edit)."""

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="guides")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    body = models.TextField(blank=True, max_length=GUIDE_BODY_MAX_LENGTH, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    locked = models.BooleanField(default=False)
    # The newest revision's number: an edit made from an older one is refused (edit conflict).
    revision_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_edited_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_reason = models.TextField(blank=True, max_length=2000)
    search_vector = search_document(("title", "A"), ("body", "B"))

    objects = SearchDocumentManager()

    class Meta:
        base_manager_name = "objects"
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="library_guide_slug_unique"),
        ]
        indexes = [
            models.Index(
                fields=["community", "-last_edited_at", "-id"],
                condition=models.Q(removed_at__isnull=True),
                name="library_guide_edited",
            ),
            models.Index(
                fields=["-last_edited_at", "-id"],
                condition=models.Q(removed_at__isnull=True),
                name="library_guide_recent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:guide", kwargs={"slug": self.community.slug, "guide_slug": self.slug})

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class GuideRevision(models.Model):
    """A guide as one save left it: its title and text, who saved it, when and their note."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    body = models.TextField(blank=True, max_length=GUIDE_BODY_MAX_LENGTH)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A facilitator's restore: the revision whose text this one brings back.
    restored_from = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["guide", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="library_revision_once"),
        ]
        indexes = [models.Index(fields=["author"], name="library_revision_author")]

    def __str__(self) -> str:
        return f"{self.guide_id} revision {self.number}"


class Attachment(models.Model):
    """A library document attached to a conversation or a practice story. Shown as a link with its type
    and size to readers who may read the document; as "not available to you" to those who may not."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    thread = models.ForeignKey(
        "communities.Thread", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    story = models.ForeignKey(
        "practice.PracticeStory", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(thread__isnull=False, story__isnull=True)
                | models.Q(thread__isnull=True, story__isnull=False),
                name="library_attachment_one_target",
            ),
            models.UniqueConstraint(
                fields=["thread", "document"],
                condition=models.Q(thread__isnull=False),
                name="library_attachment_thread_once",
            ),
            models.UniqueConstraint(
                fields=["story", "document"],
                condition=models.Q(story__isnull=False),
                name="library_attachment_story_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Document {self.document_id} attached"
