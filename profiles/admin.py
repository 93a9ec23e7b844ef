from allauth.account.models import EmailAddress
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from profiles.models import Council, CouncilDomain, User
from profiles.services import council_sync_members, user_erase, user_personal_data, user_set_council
from profiles.views.account import personal_data_response


class CouncilDomainInline(admin.TabularInline):
    model = CouncilDomain
    extra = 1


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "member_count"]
    readonly_fields = ["member_count"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CouncilDomainInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Domains added or removed change who is a verified member of this council.
        if any(formset.has_changed() for formset in formsets):
            council_sync_members(council=form.instance)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name"]


class UserChangingForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 0
    fields = ["email", "verified", "primary"]


class ErasedFilter(admin.SimpleListFilter):
    title = "account erased"
    parameter_name = "erased"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(erased_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(erased_at__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangingForm
    add_form = UserCreationForm
    list_display = [
        "display_name",
        "email",
        "handle",
        "council",
        "is_staff",
        "is_active",
        "date_joined",
        "erased_at",
    ]
    list_filter = ["council", "is_staff", "is_active", ErasedFilter, "council__region"]
    list_select_related = ["council"]
    search_fields = ["display_name", "email", "handle", "council__name"]
    ordering = ["display_name"]
    autocomplete_fields = ["council"]
    readonly_fields = ["date_joined", "last_login", "council_linked_via", "erased_at"]
    actions = ["export_personal_data", "erase_accounts"]
    inlines = [EmailAddressInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "handle", "job_title"]}),
        ("Council", {"fields": ["council", "council_linked_via"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "council" in form.changed_data:
            # An admin's choice is an asserted affiliation; clearing it lets verified addresses decide.
            user_set_council(user=obj, council=obj.council)

    # --- UK GDPR: subject access and erasure, on behalf of a member who asks a site admin -----------------

    @admin.action(description="Download personal data (JSON)", permissions=["view"])
    def export_personal_data(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse:
        data = {user.email: user_personal_data(user=user) for user in queryset.select_related("council")}
        return personal_data_response(data, filename=f"khub-data-{timezone.localdate():%Y-%m-%d}.json")

    @admin.action(description="Erase selected accounts", permissions=["delete"])
    def erase_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        """Like delete_selected: a confirmation page first, the erasure when it is confirmed."""
        if queryset.filter(pk=request.user.pk).exists():
            # The admin would lock themselves out mid-session; their own page (/settings/account/) asks for
            # their password instead.
            self.message_user(
                request,
                "You cannot erase your own account here. Untick it, or use Your account while signed in.",
                messages.ERROR,
            )
            return None
        if request.POST.get("post") == "yes":
            erased = 0
            for user in queryset:
                erased_user = user_erase(user=user, by=request.user)
                self.log_change(request, erased_user, "Erased the account's personal data")
                erased += 1
            self.message_user(
                request, f"Erased {erased} account{'s' if erased != 1 else ''}.", messages.SUCCESS
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase these accounts?",
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/profiles/user/erase_confirmation.html", context)
