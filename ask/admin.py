"""Questions to the hub and who was asked, read-only for site admins: every change goes through
ask.services (the thread itself is managed as a conversation)."""

from django.contrib import admin

from ask.models import Question, QuestionAsk


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class QuestionAskInline(admin.TabularInline):
    model = QuestionAsk
    fk_name = "question"
    fields = ("person", "round", "reasons", "state", "created_at", "responded_at", "suggested_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ("thread", "asker", "service_area", "created_at", "people_confirmed_at", "followed_up_at")
    list_filter = ("service_area",)
    list_select_related = ("thread", "asker")
    search_fields = ("thread__title",)
    raw_id_fields = ("thread", "asker")
    date_hierarchy = "created_at"
    inlines = [QuestionAskInline]


@admin.register(QuestionAsk)
class QuestionAskAdmin(ReadOnlyAdmin):
    list_display = ("question", "person", "round", "state", "created_at", "responded_at")
    list_filter = ("round", "state")
    list_select_related = ("question", "person")
    raw_id_fields = ("question", "person", "suggested_by")
    search_fields = ("person__display_name", "person__handle")
