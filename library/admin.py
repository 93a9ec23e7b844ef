"""Site admins' view of the community libraries: every document with its versions and every guide with its
revisions, read only, removed ones included and marked; and each community's library storage, the bytes
its files take against its quota, where the quota is the one thing set here.

Documents and guides are written on the site, through the services: they check the file's type and the
quota under the library's row lock, keep the storage count, write the moderation log when a facilitator
removes one and keep each save as a revision. A direct edit here would skip all of that, so nothing is
added, changed or deleted. Each list names its related rows through list_select_related: a fixed number of
queries, however many rows the page shows.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from library.models import Document, DocumentVersion, Guide, GuideRevision, LibrarySpace


class ReadOnly:
    """Viewable by site admins; never added, changed or deleted here (see the module's docstring)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RemovedFilter(admin.SimpleListFilter):
    title = "removed"
    parameter_name = "removed"

    def lookups(self, request, model_admin):
        return [("yes", "Removed"), ("no", "Not removed")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(removed_at__isnull=self.value() == "no")
        return queryset


@admin.display(description="Removed", boolean=True)
def _removed(obj) -> bool:
    return obj.removed_at is not None


class VersionInline(ReadOnly, admin.TabularInline):
    model = DocumentVersion
    fields = ["number", "filename", "kind", "file_size", "uploaded_by", "created_at", "note", "text_state"]
    readonly_fields = fields
    ordering = ["-number"]
    extra = 0
    show_change_link = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("uploaded_by")  # each row names its uploader

    @admin.display(description="Size")
    def file_size(self, obj: DocumentVersion) -> str:
        return filesizeformat(obj.size)


@admin.register(Document)
class DocumentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "title", "community", "kind", "file_size", "version_count", "download_count", "uploaded_by",
        "updated_at", "text_state", _removed,
    ]  # fmt: skip
    list_filter = [RemovedFilter, "kind", "text_state", "community"]
    list_select_related = ["community", "uploaded_by"]
    date_hierarchy = "updated_at"
    search_fields = ["title", "description"]
    ordering = ["-updated_at", "-pk"]
    fields = [
        "title", "community", "folder", "description", "tag_names", "uploaded_by", "kind", "file_size",
        "version_count", "download_count", "text_state", "created_at", "updated_at", "removed_at",
        "removed_by", "removed_reason",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [VersionInline]

    def get_queryset(self, request: HttpRequest):
        # Neither list nor page shows the extracted text: left unread (up to 200,000 characters each).
        return super().get_queryset(request).defer("text")

    @admin.display(description="Size", ordering="size")
    def file_size(self, obj: Document) -> str:
        return filesizeformat(obj.size)

    @admin.display(description="Tags")
    def tag_names(self, obj: Document) -> str:
        return ", ".join(sorted(tag.name for tag in obj.tags.all())) or self.get_empty_value_display()


class RevisionInline(ReadOnly, admin.TabularInline):
    """The revisions by number, who saved them, when and why (their text: on the site's history page)."""

    model = GuideRevision
    fields = ["number", "title", "author", "created_at", "note", "restored_from"]
    readonly_fields = fields
    ordering = ["-number"]
    extra = 0
    show_change_link = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("author").defer("body")


@admin.register(Guide)
class GuideAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "title",
        "community",
        "revision_count",
        "last_edited_by",
        "last_edited_at",
        "locked",
        _removed,
    ]
    list_filter = [RemovedFilter, "locked", "community"]
    list_select_related = ["community", "last_edited_by"]
    date_hierarchy = "last_edited_at"
    search_fields = ["title"]
    ordering = ["-last_edited_at", "-pk"]
    fields = [
        "title", "slug", "community", "locked", "revision_count", "created_by", "created_at",
        "last_edited_by", "last_edited_at", "body", "removed_at", "removed_by", "removed_reason",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [RevisionInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("body_html")


class LibrarySpaceForm(forms.ModelForm):
    quota_bytes = forms.IntegerField(
        label="Quota in bytes",
        required=False,
        min_value=1,
        help_text=f"Leave empty for the hub's default ({filesizeformat(settings.LIBRARY_QUOTA_BYTES)}). "
        "1 GB is 1073741824 bytes.",
    )

    class Meta:
        model = LibrarySpace
        fields = ["quota_bytes"]


@admin.register(LibrarySpace)
class LibrarySpaceAdmin(admin.ModelAdmin):
    """Each community's library storage: what it uses of its quota; the quota is set here by site admins
    (a lower quota than what is used refuses uploads until facilitators remove documents; nothing is
    deleted). A space is made by the community's first upload, so none is added or deleted here."""

    form = LibrarySpaceForm
    list_display = ["community", "used", "quota_shown", "used_share"]
    list_select_related = ["community"]
    search_fields = ["community__name"]
    ordering = ["-used_bytes", "community"]
    fields = ["community", "used", "quota_shown", "used_share", "quota_bytes"]
    readonly_fields = ["community", "used", "quota_shown", "used_share"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Used", ordering="used_bytes")
    def used(self, obj: LibrarySpace) -> str:
        return filesizeformat(obj.used_bytes)

    @admin.display(description="Quota")
    def quota_shown(self, obj: LibrarySpace) -> str:
        default = "" if obj.quota_bytes is not None else " (the hub's default)"
        return f"{filesizeformat(obj.quota)}{default}"

    @admin.display(description="Used of quota")
    def used_share(self, obj: LibrarySpace) -> str:
        return f"{obj.used_bytes / obj.quota:.0%}" if obj.quota else "-"
