"""Site admins' view of communities: every community with its owners and facilitators inline (every
membership in the Membership list, filtered by community), the moderation log (read only) and the hub's
settings (one row); conversations, posts and reports.

Edits here are a site admin's direct corrections: they go to the database as typed, without the services'
notifications or log lines. What the services keep derived (about_html, member_count) is kept here too.

Conversations are the exception: a thread and its posts form a tree whose paths, counters and answer the
services keep under the thread's row lock. So threads and posts are written on the site, never added or
deleted here; the tree's columns are read only; pinning, locking, hiding and restoring go through the
moderation services (logged, the author told), and the few direct corrections (a title, a kind, tags)
save only their own columns, never a stale copy of the counters a reply bumped meanwhile.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from communities.models import (
    RESERVED_SLUGS,
    Community,
    HubSettings,
    Membership,
    ModerationLogEntry,
    Post,
    PostReport,
    Thread,
)
from communities.permissions import FACILITATOR_ROLES
from communities.services import moderation
from communities.services.communities import clean_labels
from communities.services.conversations import MAX_TAGS
from communities.services.membership import community_refresh_member_count
from core.markdown import markdown_render
from profiles.services import tags_resolve

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
            community_refresh_member_count(community=form.instance)


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
        community_refresh_member_count(community=obj.community)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        community = obj.community
        super().delete_model(request, obj)
        community_refresh_member_count(community=community)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        communities = list(Community.objects.filter(pk__in=queryset.values("community_id")))
        super().delete_queryset(request, queryset)
        for community in communities:
            community_refresh_member_count(community=community)


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

    fields = ["community_creation", "posts_per_minute"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not HubSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        settings_row = HubSettings.load()
        return HttpResponseRedirect(reverse("admin:communities_hubsettings_change", args=[settings_row.pk]))


# --- Conversations ---------------------------------------------------------------------------------------
THREAD_CORRECTIONS = ["title", "kind"]  # the columns a site admin may correct directly


class ThreadAdminForm(forms.ModelForm):
    class Meta:
        model = Thread
        fields = ["title", "kind", "tags", "pinned", "locked"]

    def clean_tags(self) -> list:
        """The site's rule: one tag per name whatever its case, and an existing tag's spelling reused."""
        try:
            names = clean_labels(self.cleaned_data["tags"], field="tags", noun="tag", most=MAX_TAGS)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["tags"]) from error
        return tags_resolve(names)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    form = ThreadAdminForm
    list_display = [
        "title",
        "community",
        "kind",
        "author",
        "reply_count",
        "pinned",
        "locked",
        "last_activity_at",
    ]
    list_filter = ["kind", "pinned", "locked", "community__visibility"]
    list_select_related = ["community", "author"]
    search_fields = ["title"]
    ordering = ["-last_activity_at", "-pk"]
    fields = [
        "title",
        "kind",
        "tags",
        "pinned",
        "locked",
        "community",
        "author",
        "opening_post",
        "answer",
        "reply_count",
        "post_sequence",
        "created_at",
        "last_activity_at",
    ]
    # The related rows are shown, never chosen from a list of every community, person or post: the page
    # stays one query per relation however big the hub. A thread moves on the site (thread_move, logged).
    readonly_fields = [
        "community",
        "author",
        "opening_post",
        "answer",
        "reply_count",
        "post_sequence",
        "created_at",
        "last_activity_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a thread is started with its opening post, on the site

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Its posts and reports are never deleted here (hide a post instead), so neither is their thread:
        # say so rather than offer a button that ends on "permission denied".
        return False

    def save_model(self, request: HttpRequest, obj: Thread, form, change: bool) -> None:
        fields = [name for name in THREAD_CORRECTIONS if name in form.changed_data]
        if "kind" in fields and not obj.is_question and obj.answer_id is not None:
            obj.answer = None  # only a question has an answer
            fields.append("answer")
        if fields:
            obj.save(update_fields=fields)  # never the counters: a reply may have bumped them meanwhile
        if "pinned" in form.changed_data:
            moderation.thread_set_pinned(actor=request.user, thread=obj, pinned=obj.pinned)
        if "locked" in form.changed_data:
            moderation.thread_set_locked(actor=request.user, thread=obj, locked=obj.locked)


class PostAdminForm(forms.ModelForm):
    """A post's state is the one thing changed here, and only as a facilitator would: hidden with a reason
    (post_hide tells the author and logs it) or restored (post_unhide). Deleting is its author's."""

    reason = forms.CharField(
        required=False,
        max_length=ModerationLogEntry._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Hiding: required; the author is told it and it goes in the community's log. "
        "Restoring: optional, for the log.",
    )

    class Meta:
        model = Post
        fields = ["state"]

    def clean(self) -> dict:
        cleaned = super().clean()
        before, after = self.instance.state, cleaned.get("state")
        if after is None or after == before:
            return cleaned
        if after == Post.State.DELETED:
            self.add_error("state", "Only its author deletes a post. Hide it instead.")
        elif before == Post.State.DELETED:
            self.add_error("state", "Its author deleted this post: it stays as they left it.")
        elif after == Post.State.HIDDEN and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Give a reason: the author is told it, and it goes in the log.")
        return cleaned


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["id", "thread", "author", "state", "created_at", "excerpt"]
    list_filter = ["state"]
    list_select_related = ["thread", "author"]
    search_fields = ["body"]
    ordering = ["-pk"]  # newest first, on the primary key's index (no date drill-down: a scan of every post)
    fields = [
        "thread",
        "author",
        "parent",
        "path",
        "depth",
        "body",
        "body_html",
        "created_at",
        "edited_at",
        "helpful_count",
        "state",
        "reason",
        "moderation_reason",
        "moderated_by",
    ]
    readonly_fields = [field for field in fields if field not in ("state", "reason")]  # only these change

    @admin.display(description="Text")
    def excerpt(self, obj: Post) -> str:
        return Truncator(obj.body).chars(80)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # posts are written on the site: their path, depth and the thread's counters follow

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # replies hang below it and the counters count it: hide it instead

    def save_model(self, request: HttpRequest, obj: Post, form, change: bool) -> None:
        if "state" not in form.changed_data:
            return
        reason = form.cleaned_data.get("reason", "")
        if obj.state == Post.State.HIDDEN:
            moderation.post_hide(actor=request.user, post=obj, reason=reason)
        else:
            moderation.post_unhide(actor=request.user, post=obj, reason=reason)


@admin.register(PostReport)
class PostReportAdmin(admin.ModelAdmin):
    """Members' reports, read only: facilitators decide them on the site, where hiding the post or
    dismissing the report is logged."""

    list_display = ["created_at", "post", "thread", "reporter", "state", "reason", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["post__thread", "reporter"]
    search_fields = ["reason", "post__thread__title"]
    date_hierarchy = "created_at"

    @admin.display(description="Conversation", ordering="post__thread__title")
    def thread(self, obj: PostReport) -> str:
        return obj.post.thread.title

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
