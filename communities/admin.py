"""Site admins' view of communities: every community with its owners and facilitators inline (every
membership in the Membership list, filtered by community), the moderation log (read only) and the hub's
settings (one row).

Edits here are a site admin's direct corrections: they go to the database as typed, without the services'
notifications or log lines. What the services keep derived (about_html, member_count) is kept here too.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from communities import services
from communities.models import RESERVED_SLUGS, Community, HubSettings, Membership, ModerationLogEntry
from communities.permissions import FACILITATOR_ROLES
from profiles.markdown import markdown_render

COMMUNITY_FIELDS = ["name", "slug", "description", "about", "topics", "visibility", "created_by"]


class CommunityAdminForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = COMMUNITY_FIELDS

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:  # /communities/new/ and friends are pages, not communities
            raise forms.ValidationError(f"“{slug}” is the address of another page. Choose another slug.")
        return slug


class MembershipInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """One row per person and community, against the rows the inline does not show.

        Django checks the (community, user) constraint only among the inline's own forms: someone who is
        already a member, hidden from the inline, would otherwise reach the database and fail there.
        """
        super().clean()
        if self.instance.pk is None:
            return
        forms_by_user = {
            form.cleaned_data["user"].pk: form
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data.get("user")
        }
        if not forms_by_user:
            return
        taken = Membership.objects.filter(community=self.instance, user__in=forms_by_user).values_list(
            "user_id", "pk", "state"
        )
        for user_id, pk, state in taken:
            form = forms_by_user[user_id]
            if form.instance.pk != pk:
                form.add_error(
                    "user",
                    f"Already has a membership here ({Membership.State(state).label.lower()}): "
                    "change that row, in the list of all memberships.",
                )


class MembershipInline(admin.TabularInline):
    """Owners and facilitators only (in any state): a few rows, where every membership would make the page
    unbounded and its POST pass DATA_UPLOAD_MAX_NUMBER_FIELDS, so that a big community could not be saved.
    A row added here may be any role; everyone else is in the Membership list (the "All memberships" link).
    """

    model = Membership
    formset = MembershipInlineFormSet
    fk_name = "community"
    verbose_name_plural = "owners and facilitators"
    extra = 0
    fields = ["user", "role", "state", "joined_at", "invited_by", "updated_at"]
    readonly_fields = ["invited_by", "updated_at"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return (
            super()
            .get_queryset(request)
            .filter(role__in=FACILITATOR_ROLES)
            .select_related("user", "invited_by")
        )


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    form = CommunityAdminForm
    list_display = ["name", "visibility", "member_count", "created_at", "last_activity_at"]
    list_filter = ["visibility"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [*COMMUNITY_FIELDS, "created_at", "last_activity_at", "member_count", "all_memberships"]
    readonly_fields = ["member_count", "created_at", "last_activity_at", "all_memberships"]
    autocomplete_fields = ["created_by"]
    inlines = [MembershipInline]

    @admin.display(description="Memberships")
    def all_memberships(self, obj: Community) -> str:
        """A link to every membership row, in every state, in the Membership list: one COUNT."""
        if obj.pk is None:
            return self.get_empty_value_display()
        count = obj.memberships.count()
        url = reverse("admin:communities_membership_changelist")
        return format_html(
            '<a href="{}?community__id__exact={}">All {} membership{}</a>',
            url,
            obj.pk,
            count,
            "" if count == 1 else "s",
        )

    def save_model(self, request: HttpRequest, obj: Community, form, change: bool) -> None:
        obj.about_html = markdown_render(obj.about)  # the page shows about_html: never let it go stale
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change or any(formset.has_changed() for formset in formsets):
            services.community_refresh_member_count(community=form.instance)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "state", "updated_at"]
    list_filter = ["state", "role", "community__visibility"]
    list_select_related = ["user", "community"]
    search_fields = ["user__display_name", "user__email", "community__name"]
    autocomplete_fields = ["community", "user", "invited_by"]
    readonly_fields = ["updated_at"]

    def save_model(self, request: HttpRequest, obj: Membership, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.community_refresh_member_count(community=obj.community)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        community = obj.community
        super().delete_model(request, obj)
        services.community_refresh_member_count(community=community)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        communities = list(Community.objects.filter(pk__in=queryset.values("community_id")))
        super().delete_queryset(request, queryset)
        for community in communities:
            services.community_refresh_member_count(community=community)


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(admin.ModelAdmin):
    """The record of facilitators' decisions: nobody adds, changes or deletes a line, site admins included."""

    list_display = ["created_at", "community", "actor", "action", "subject", "reason"]
    list_filter = ["action", "community__visibility"]
    list_select_related = ["community", "actor", "subject"]
    search_fields = ["community__name", "actor__display_name", "subject__display_name", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(HubSettings)
class HubSettingsAdmin(admin.ModelAdmin):
    """One row of switches: the list goes straight to it, and it can be neither added twice nor deleted."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not HubSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        settings_row = HubSettings.load()
        return HttpResponseRedirect(reverse("admin:communities_hubsettings_change", args=[settings_row.pk]))
