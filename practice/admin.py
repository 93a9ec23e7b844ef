"""Site admins' view of practice: stories, endorsements and adoptions, read only.

Stories are written by their authors on the site, and what others do with them goes through the
recognition services, which keep each story's counts under its row lock, tell its authors and log
promotions in the home community. So nothing is added, changed or deleted here: a direct edit would skip all
of that (an endorsement deleted here would leave its story's count wrong). Each list names its related rows
through list_select_related: a fixed number of queries, however many rows the page shows.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from practice.models import RECORD_SECTIONS, Adoption, Endorsement, PracticeStory


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by site admins; never added, changed or deleted here (see the module's docstring)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class PromotedFilter(admin.SimpleListFilter):
    title = "practice worth repeating"
    parameter_name = "promoted"

    def lookups(self, request, model_admin):
        return [("yes", "Promoted"), ("no", "Not promoted")]

    def queryset(self, request, queryset: QuerySet[PracticeStory]) -> QuerySet[PracticeStory]:
        if self.value() == "yes":
            return queryset.filter(promoted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(promoted_at__isnull=True)
        return queryset


class StoryChangeList(ChangeList):
    """The list shows none of the record: up to 14 long texts a story, 100 stories a page, left unread."""

    LONG_FIELDS = (
        *(name for name, _ in RECORD_SECTIONS),
        *(f"{name}_html" for name, _ in RECORD_SECTIONS),
        "evidence_links",
    )

    def get_queryset(self, request: HttpRequest, exclude_parameters=None) -> QuerySet[PracticeStory]:
        return super().get_queryset(request, exclude_parameters).defer(*self.LONG_FIELDS)


@admin.register(PracticeStory)
class PracticeStoryAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "council",
        "community",
        "status",
        "audience",
        "promoted",
        "endorsement_count",
        "adoption_count",
        "published_at",
    ]
    list_filter = ["status", "audience", "service_area", PromotedFilter]
    list_select_related = ["council", "community"]
    search_fields = ["title", "summary"]
    ordering = ["-created_at", "-pk"]  # drafts too, which have no published_at
    fields = [
        "title",
        "slug",
        "status",
        "audience",
        "community",
        "council",
        "author",
        "co_authors",
        "service_area",
        "summary",
        *(name for name, _ in RECORD_SECTIONS),
        "evidence_links",
        "tag_names",
        "discussion",
        "endorsement_count",
        "adoption_count",
        "promoted_at",
        "promoted_by",
        "created_at",
        "updated_at",
        "published_at",
    ]
    readonly_fields = fields

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return StoryChangeList

    @admin.display(description="Practice worth repeating", boolean=True, ordering="promoted_at")
    def promoted(self, obj: PracticeStory) -> bool:
        return obj.is_promoted

    @admin.display(description="Tags")
    def tag_names(self, obj: PracticeStory) -> str:
        return ", ".join(sorted(tag.name for tag in obj.tags.all())) or self.get_empty_value_display()


@admin.register(Endorsement)
class EndorsementAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "story", "user", "excerpt"]
    list_select_related = ["story", "user"]
    search_fields = ["story__title", "comment"]
    fields = ["story", "user", "comment", "created_at"]

    @admin.display(description="Comment")
    def excerpt(self, obj: Endorsement) -> str:
        return Truncator(obj.comment).chars(80)


@admin.register(Adoption)
class AdoptionAdmin(ReadOnlyAdmin):
    list_display = ["started_on", "story", "council", "outcome", "recorded_by", "created_at"]
    list_filter = ["outcome"]
    list_select_related = ["story", "council", "recorded_by"]
    search_fields = ["story__title", "council__name"]
    fields = ["story", "council", "outcome", "started_on", "notes", "follow_up", "recorded_by", "created_at"]
