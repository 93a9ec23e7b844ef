from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from profiles.models import Council, CouncilDomain, User
from profiles.selectors import councils_with_member_counts
from profiles.services import council_sync_members, user_set_council


class CouncilDomainInline(admin.TabularInline):
    model = CouncilDomain
    extra = 1


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "member_count"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CouncilDomainInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Council]:
        return councils_with_member_counts()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Domains added or removed change who is a verified member of this council.
        if any(formset.has_changed() for formset in formsets):
            council_sync_members(council=form.instance)

    @admin.display(description="Members", ordering="member_count")
    def member_count(self, council: Council) -> int:
        return council.member_count


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


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangingForm
    add_form = UserCreationForm
    list_display = ["display_name", "email", "handle", "council", "is_staff", "is_active", "date_joined"]
    list_filter = ["council", "is_staff", "is_active", "council__region"]
    list_select_related = ["council"]
    search_fields = ["display_name", "email", "handle", "council__name"]
    ordering = ["display_name"]
    autocomplete_fields = ["council"]
    readonly_fields = ["date_joined", "last_login", "council_linked_via"]
    inlines = [EmailAddressInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "handle", "job_title"]}),
        ("Council", {"fields": ["council", "council_linked_via"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "council" in form.changed_data:
            # An admin's choice is an asserted affiliation; clearing it lets verified addresses decide.
            user_set_council(user=obj, council=obj.council)
