"""Site admins see every digest delivery: who was sent what and when, and which sends failed and why.
Read only: the rows are the record that nobody is sent a second copy, so they are never edited by hand."""

from django.contrib import admin
from django.http import HttpRequest

from khub.models import DigestDelivery


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "period", "state", "attempts", "sent_at", "error"]
    list_filter = ["state", "frequency", "period"]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user"]  # the user column: one query for the page
    date_hierarchy = "period"
    readonly_fields = [field.name for field in DigestDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
