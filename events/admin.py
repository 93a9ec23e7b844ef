"""Site admins' view of events: every event with its replies inline, filterable by community and by start
date, searchable by title; the replies on their own list. Read only.

Events are written on the site, through the services: they check the times and places, keep the going and
waiting counts under the event's row lock, move the waiting list up, raise the calendar SEQUENCE and tell
the people going. A direct edit here would skip all of that (a reply deleted here would leave the count
wrong and the waiting list where it was), so nothing is added, changed or deleted. Each list names its
related rows through list_select_related: a fixed number of queries, however many rows the page shows.
"""

from django.contrib import admin
from django.http import HttpRequest

from events.models import Event, Rsvp


class ReadOnly:
    """Viewable by site admins; never added, changed or deleted here (see the module's docstring)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RsvpInline(ReadOnly, admin.TabularInline):
    model = Rsvp
    fields = ["user", "state", "created_at", "updated_at"]
    readonly_fields = fields
    ordering = ["state", "updated_at", "pk"]  # going, not going, then the waiting list in its order
    extra = 0
    show_change_link = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("user")  # each row names its member


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["title", "community", "starts_at", "format", "status", "going_count", "waiting_count"]
    list_filter = ["community", "status", "format"]
    list_select_related = ["community"]
    date_hierarchy = "starts_at"
    search_fields = ["title"]
    ordering = ["-starts_at", "-pk"]
    fields = [
        "title",
        "community",
        "organiser",
        "status",
        "cancelled_at",
        "cancel_reason",
        "starts_at",
        "ends_at",
        "format",
        "joining_url",
        "venue",
        "address",
        "postcode",
        "region",
        "capacity",
        "rsvp_deadline",
        "tag_names",
        "description",
        "notes",
        "discussion",
        "going_count",
        "waiting_count",
        "sequence",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [RsvpInline]

    def get_queryset(self, request: HttpRequest):
        # The list shows none of the long texts: left unread for a page of 100 events.
        return super().get_queryset(request).defer("description_html", "notes_html")

    @admin.display(description="Tags")
    def tag_names(self, obj: Event) -> str:
        return ", ".join(sorted(tag.name for tag in obj.tags.all())) or self.get_empty_value_display()


@admin.register(Rsvp)
class RsvpAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["event", "user", "state", "updated_at"]
    list_filter = ["state"]
    list_select_related = ["event", "user"]
    search_fields = ["event__title"]
    ordering = ["-updated_at", "-pk"]
    fields = ["event", "user", "state", "created_at", "updated_at"]
    readonly_fields = fields
