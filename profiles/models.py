import re

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

HANDLE_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
    "Use 1 to 40 lowercase letters, numbers and hyphens, starting and ending with a letter or number.",
)
DOMAIN_VALIDATOR = RegexValidator(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    "Enter a domain name such as leeds.gov.uk, without https:// or a path.",
    flags=re.IGNORECASE,  # stored lower-cased by save()
)


# Who is on the hub: neither deactivated nor erased (profiles.permissions.on_the_hub, which the indexes on
# User below serve).
ON_THE_HUB = {"is_active": True, "erased_at__isnull": True}


class Council(models.Model):
    class Kind(models.TextChoices):
        COUNTY = "county", "County council"
        DISTRICT = "district", "District council"
        UNITARY = "unitary", "Unitary authority"
        METROPOLITAN = "metropolitan", "Metropolitan borough"
        LONDON_BOROUGH = "london_borough", "London borough"
        COMBINED = "combined", "Combined authority"
        OTHER = "other", "Other public body"

    class Region(models.TextChoices):
        NORTH_EAST = "north_east", "North East"
        NORTH_WEST = "north_west", "North West"
        YORKSHIRE = "yorkshire", "Yorkshire and the Humber"
        EAST_MIDLANDS = "east_midlands", "East Midlands"
        WEST_MIDLANDS = "west_midlands", "West Midlands"
        EAST = "east", "East of England"
        LONDON = "london", "London"
        SOUTH_EAST = "south_east", "South East"
        SOUTH_WEST = "south_west", "South West"
        WALES = "wales", "Wales"
        SCOTLAND = "scotland", "Scotland"
        NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.CharField(max_length=20, choices=Region.choices)
    website = models.URLField(blank=True)
    # Members on the hub (neither deactivated nor erased) linked to it: what /councils/ lists. Recounted in
    # the same transaction as any save or deletion of a user that may change it (profiles.receivers).
    member_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("profiles:council", kwargs={"slug": self.slug})


class CouncilDomain(models.Model):
    """An email domain owned by a council. Addresses at it, or at any subdomain, link to the council."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True, validators=[DOMAIN_VALIDATOR])

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class ExpertiseTag(TaggedItemBase):
    """What a member knows about: found in the directory and by search."""

    content_object = models.ForeignKey("User", on_delete=models.CASCADE, related_name="+")


class InterestTag(TaggedItemBase):
    """What a member wants to hear about: feeds and digests match on it."""

    content_object = models.ForeignKey("User", on_delete=models.CASCADE, related_name="+")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password", "handle"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


# Kept by profiles.services in their own UPDATEs, never written by a save of the whole row (User.save).
KEPT_COUNTS = frozenset({"follower_count", "following_count"})


class User(AbstractBaseUser, PermissionsMixin):
    class CouncilLink(models.TextChoices):
        EMAIL = "email", "Verified email address"
        ADMIN = "admin", "Set by a site admin"

    class Digest(models.TextChoices):
        OFF = "off", "Off: no digest emails"
        DAILY = "daily", "Daily, at 7am"
        WEEKLY = "weekly", "Weekly, on Monday at 7am"

    # Stored lower-cased; a functional unique index makes the address unique whatever its case.
    email = models.EmailField("email address", max_length=254, unique=True)
    display_name = models.CharField(max_length=150)
    handle = models.CharField(max_length=40, unique=True, validators=[HANDLE_VALIDATOR])
    job_title = models.CharField(max_length=150, blank=True)
    council = models.ForeignKey(
        Council, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    council_linked_via = models.CharField(max_length=10, choices=CouncilLink.choices, blank=True)
    bio = models.TextField(
        blank=True, max_length=5000, help_text="Markdown. Rendered to bio_html when the profile is saved."
    )
    bio_html = models.TextField(blank=True, editable=False)
    expertise = TaggableManager("Expertise", through=ExpertiseTag, blank=True, related_name="experts")
    interests = TaggableManager("Interests", through=InterestTag, blank=True, related_name="interested")
    # Re-encoded WebP written by profiles.avatars; the name changes with each upload so caches never go stale.
    avatar = models.ImageField(upload_to="avatars/", blank=True, max_length=200)
    show_email = models.BooleanField(
        "Show my email address to other members",
        default=False,
        help_text="Site admins can always see it.",
    )
    digest_frequency = models.CharField(
        "Activity digest", max_length=6, choices=Digest.choices, default=Digest.WEEKLY
    )
    email_immediately = models.BooleanField(
        "Email me at once when someone mentions me or replies to me", default=True
    )
    # Ask the hub (the ask app): whether the hub may suggest them as someone to ask ("Don't ask me questions"
    # on /settings/notifications/ turns it off). True is the database's default too (COPY-loaded rows).
    accepts_questions = models.BooleanField(
        "Other members may ask me questions", default=True, db_default=True
    )
    # Set when the member erased their account: the row stays so what they wrote keeps an author.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The home page's "New since your last visit": when they last saw its first page (read with the user row).
    home_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_staff = models.BooleanField(
        default=False, help_text="Site admins: may sign in to the admin site and manage the hub."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The follows of this member from, and to, members on the hub: what the profile and the follower lists
    # show. Kept in the same transaction as every follow, unfollow and change of who is on the hub
    # (profiles.receivers, profiles.services.follow_counts_*). 0 is the database's default too, for rows
    # written without Django (the benchmarks' COPY).
    follower_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    following_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="profiles_user_email_ci_unique"),
        ]
        indexes = [
            # The directory by name and a council's members by name (profiles.selectors.people_directory),
            # read in order a page at a time; the second also counts a council's members.
            models.Index(
                fields=["display_name", "id"],
                condition=models.Q(**ON_THE_HUB),
                name="profiles_user_directory",
            ),
            models.Index(
                fields=["council", "display_name", "id"],
                condition=models.Q(**ON_THE_HUB),
                name="profiles_user_council_dir",
            ),
            # A member's name by their id, from the index alone: the members lists sort a community's
            # thousands of members by (role, name), one lookup each (communities.selectors._member_keys).
            models.Index(
                fields=["id"],
                include=["display_name"],
                condition=models.Q(**ON_THE_HUB),
                name="profiles_user_name_by_id",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_absolute_url(self) -> str:
        return reverse("profiles:profile", kwargs={"handle": self.handle})

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        # The council as stored: the one whose member count a save moving the member lowers
        # (profiles.receivers).
        if "council_id" in user.__dict__:
            user._council_id_loaded = user.council_id
        return user

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        if not self.handle:
            from profiles.services import handle_generate

            self.handle = handle_generate(base=self.display_name or self.email.split("@")[0])
        full = kwargs.get("update_fields") is None and not kwargs.get("force_insert")
        if full and not self._state.adding and self.pk is not None:
            # Every field but the kept counts: a copy loaded before a follow would write back its old count.
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in deferred and field.name not in KEPT_COUNTS
            ]
        # One transaction with the receivers that keep the counts (profiles.receivers): the row as stored is
        # locked and read before the save, so two saves at once never both see the member leave the hub.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).strip().lower()

    @property
    def public_name(self) -> str:
        return self.public_name_of(self.display_name, self.erased_at)

    @staticmethod
    def public_name_of(display_name: str, erased_at) -> str:
        """public_name from the two columns it reads (PUBLIC_NAME_FIELDS), for rows read without a model."""
        return "Former member" if erased_at else display_name

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def has_verified_affiliation(self) -> bool:
        """True when the council link was proven by a verified address or asserted by a site admin."""
        return self.council_id is not None and bool(self.council_linked_via)


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_links")
    followed = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_links")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="profiles_follow_once"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followed")), name="profiles_follow_not_self"
            ),
        ]
        indexes = [models.Index(fields=["followed", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.followed}"


class Dismissal(models.Model):
    """A suggestion the member waved away ("People you may want to know", "Communities you may like"): never
    suggested to them again. `kind` names what `object_id` is ("person", "community")."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        COMMUNITY = "community", "Community"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dismissals")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "object_id"], name="profiles_dismissal_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} dismissed {self.kind} {self.object_id}"


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed: will be retried"
    GAVE_UP = "gave_up", "Failed: not retried"
    SKIPPED = "skipped", "Not sent: no longer wanted or no longer visible to them"


class Notification(models.Model):
    """One line in a member's inbox. Other apps write them through profiles.services.notification_send.

    `kind` is a dotted slug owned by the app that sends it ("follow", "community.request_approved", ...);
    preferences and digests group by it.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications_sent"
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Mentions and direct replies are also emailed at once to members who want that. The row is written
    # in the same transaction as the notice; profiles.emails sends it, claiming it first (SENDING), so a
    # rerun or the sweep never sends a second copy; a failure is recorded and retried with backoff.
    email_state = models.CharField(max_length=8, choices=EmailState.choices, blank=True, default="")
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_retry_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["email_state", "email_retry_at"],
                condition=models.Q(email_state__in=["pending", "failed"]),
                name="profiles_notif_email_due",
            ),
            # The inbox page (newest first) and the header's unread count.
            models.Index(fields=["recipient", "-created_at"], name="profiles_notif_inbox"),
            # The newest unread lines in the inbox's order: the header counts the newest hundred, reading
            # a hundred entries, not every unread line sorted.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=models.Q(read_at__isnull=True),
                name="profiles_notif_unread_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.text}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def is_new(self) -> bool:
        """Unread, and about something its reader may still read (the `available` that
        profiles.selectors.notifications_for_user adds): what the header's unread count counts."""
        return not self.is_read and getattr(self, "available", True)
