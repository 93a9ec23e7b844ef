from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

RESERVED_SLUGS = frozenset({"new", "mine", "search"})


class TopicTag(TaggedItemBase):
    content_object = models.ForeignKey("Community", on_delete=models.CASCADE, related_name="+")


class Community(models.Model):
    class Visibility(models.TextChoices):
        OPEN = "open", "Open"
        RESTRICTED = "restricted", "Restricted"
        PRIVATE = "private", "Private"

    # Unique (whatever the case) among listed communities only: a private community does not exist for
    # outsiders, so its name cannot be "taken" for them. The services refuse a name the creator can see.
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField("short description", max_length=200)
    about = models.TextField(blank=True, max_length=10000, help_text="Markdown.")
    about_html = models.TextField(blank=True, editable=False)
    topics = TaggableManager("Topics", through=TopicTag, blank=True, related_name="communities")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Kept by the services: the directory sorts and shows these without a join or a count per card.
    member_count = models.PositiveIntegerField(default=0, editable=False)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(visibility__in=["open", "restricted"]),
                name="communities_listed_name_ci_unique",
                violation_error_message="A listed community already has that name.",
            ),
        ]
        indexes = [
            models.Index(fields=["visibility", "-last_activity_at"]),
            models.Index(fields=["-member_count"]),
            models.Index(fields=["-created_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.visibility == self.Visibility.OPEN

    @property
    def is_restricted(self) -> bool:
        return self.visibility == self.Visibility.RESTRICTED

    @property
    def is_private(self) -> bool:
        return self.visibility == self.Visibility.PRIVATE


class Membership(models.Model):
    """One row per person and community: the state says how far they joined, the role what they may do."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        FACILITATOR = "facilitator", "Facilitator"
        OWNER = "owner", "Owner"

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested to join"
        INVITED = "invited", "Invited"
        ACTIVE = "active", "Member"
        DECLINED = "declined", "Request declined"
        LEFT = "left", "Left"
        REMOVED = "removed", "Removed"
        BANNED = "banned", "Banned"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=12, choices=State.choices)
    message = models.TextField("message to the facilitators", blank=True, max_length=1000)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["community", "user"]
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="communities_membership_once"),
        ]
        indexes = [
            # The permission filters: "communities where this user is active (or invited)".
            models.Index(fields=["user", "state"], name="communities_member_user_state"),
            # Members page, facilitator lists and pending requests.
            models.Index(fields=["community", "state", "role"], name="communities_member_comm_state"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.community}: {self.state} {self.role}"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_facilitator(self) -> bool:
        return self.is_active and self.role in (self.Role.FACILITATOR, self.Role.OWNER)

    @property
    def is_owner(self) -> bool:
        return self.is_active and self.role == self.Role.OWNER


class ModerationLogEntry(models.Model):
    """Who did what, to whom, when and why. Written by the services, never edited."""

    class Action(models.TextChoices):
        CREATED = "created", "Created the community"
        SETTINGS_CHANGED = "settings_changed", "Changed the settings"
        REQUEST_APPROVED = "request_approved", "Approved a request to join"
        REQUEST_DECLINED = "request_declined", "Declined a request to join"
        INVITED = "invited", "Invited a member"
        INVITATION_CANCELLED = "invitation_cancelled", "Cancelled an invitation"
        PROMOTED = "promoted", "Made a facilitator"
        MADE_OWNER = "made_owner", "Made an owner"
        DEMOTED = "demoted", "Changed a facilitator to member"
        REMOVED = "removed", "Removed a member"
        BANNED = "banned", "Banned a member"
        UNBANNED = "unbanned", "Lifted a ban"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="moderation_log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "moderation log entry"
        verbose_name_plural = "moderation log"
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.community}: {self.get_action_display()}"


class HubSettings(models.Model):
    """Site-wide switches a site admin sets in the admin. A single row (pk=1)."""

    class CommunityCreation(models.TextChoices):
        VERIFIED = "verified", "Any member with a verified council affiliation"
        ADMINS = "admins", "Site admins only"

    community_creation = models.CharField(
        "who may create communities",
        max_length=10,
        choices=CommunityCreation.choices,
        default=CommunityCreation.VERIFIED,
    )

    class Meta:
        verbose_name = "hub settings"
        verbose_name_plural = "hub settings"

    def __str__(self) -> str:
        return "Hub settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "HubSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row
