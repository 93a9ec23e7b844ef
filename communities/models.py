from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from core.search import SearchDocumentManager, search_document

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
    # Who may announce events (the events app): facilitators always; members too when this is on.
    members_create_events = models.BooleanField("members can create events", default=False, db_default=False)
    # Who may upload to the library (the library app): facilitators always; members too when this is on.
    members_upload_documents = models.BooleanField(
        "members can upload to the library", default=True, db_default=True
    )
    # A hub-wide space (the ask app's "Questions to the hub"): any member with a verified council may post,
    # reply and react in it without joining (communities.permissions.can_participate). Open spaces only.
    everyone_takes_part = models.BooleanField(default=False, db_default=False, editable=False)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Search: the name above the short description above the about text (GIN index: migration 0006).
    search_vector = search_document(("name", "A"), ("description", "B"), ("about", "C"))

    objects = SearchDocumentManager()

    class Meta:
        base_manager_name = "objects"  # search_vector left out of related lookups too
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
            models.Index(fields=["-created_at"]),
            # What keeps a list to readable communities joins (readable_community_q: the visibility of
            # each row's community): every community's id and visibility read from a few index pages, not
            # from the wide rows (their About, search document).
            models.Index(fields=["id", "visibility"], name="communities_visibility_of"),
            # The directory (communities.selectors.communities_directory): its sorts walk these to the page
            # rather than sorting every community, and it counts the communities a member may see from the
            # narrow (visibility, id) one (an index-only scan) rather than the wide rows. A trigram index
            # on UPPER(name) answers its name search (migration 0010).
            models.Index(fields=["-last_activity_at", "name"], name="communities_dir_activity"),
            models.Index(fields=["-member_count", "name"], name="communities_dir_members"),
            models.Index(fields=["visibility", "id"], name="communities_dir_visible"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", kwargs={"slug": self.slug})

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
    # The member's choice on /settings/notifications/: False mutes the community in their digest.
    in_digest = models.BooleanField("include in my digest", default=True)

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
            # The members page (communities.selectors.community_member_list): a community's active members
            # and what the page shows of the membership, read from the index alone, not from rows spread
            # all over the table (PostgreSQL; elsewhere the index is not made).
            models.Index(
                fields=["community", "state"], include=["id", "role", "user"], name="communities_member_list"
            ),
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
        PINNED = "pinned", "Pinned a conversation"
        UNPINNED = "unpinned", "Unpinned a conversation"
        LOCKED = "locked", "Locked a conversation"
        UNLOCKED = "unlocked", "Unlocked a conversation"
        POST_HIDDEN = "post_hidden", "Hid a post"
        POST_UNHIDDEN = "post_unhidden", "Restored a hidden post"
        MOVED_OUT = "moved_out", "Moved a conversation to another community"
        MOVED_IN = "moved_in", "Moved a conversation here"
        REPORT_DISMISSED = "report_dismissed", "Dismissed a report"
        STORY_PROMOTED = "story_promoted", "Promoted a story to Practice worth repeating"
        STORY_UNPROMOTED = "story_unpromoted", "Withdrew a story's promotion"
        STORY_AUDIENCE = "story_audience", "Changed who can read a story"
        DOCUMENT_REMOVED = "document_removed", "Removed a library document"
        GUIDE_REMOVED = "guide_removed", "Removed a guide"
        GUIDE_LOCKED = "guide_locked", "Locked a guide"
        GUIDE_UNLOCKED = "guide_unlocked", "Unlocked a guide"
        GUIDE_RESTORED = "guide_restored", "Restored an earlier revision of a guide"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="moderation_log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True, max_length=2000)
    # What a conversation action was about (the post's text stays on the post, hidden from readers).
    thread = models.ForeignKey("Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    post = models.ForeignKey("Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What another app's action was about (a practice story), named as it was then: apps above communities
    # log here without communities knowing their models.
    about_title = models.CharField(max_length=200, blank=True)
    about_url = models.CharField(max_length=500, blank=True)
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
    posts_per_minute = models.PositiveSmallIntegerField(
        "posts a member may write per minute",
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Conversations and replies together. Site admins are not limited.",
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


# --- Conversations ---------------------------------------------------------------------------------------
PATH_STEP = 6  # digits per level of Post.path: 999,999 posts per thread
POST_BODY_MAX_LENGTH = 20_000  # characters of Markdown in one post
PATH_MAX_DEPTH = 60  # deeper replies are filed beside their parent (they still say whom they reply to)


class ThreadTag(TaggedItemBase):
    content_object = models.ForeignKey("Thread", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            # The newest conversations holding a tag, from the index alone (ask.routing's related
            # conversations): thread ids grow with time.
            models.Index(fields=["tag", "-content_object"], name="communities_threadtag_newest"),
        ]


class Thread(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", "Discussion"
        QUESTION = "question", "Question"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DISCUSSION)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads")
    tags = TaggableManager("Tags", through=ThreadTag, blank=True, related_name="threads")
    pinned = models.BooleanField(default=False)
    locked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Kept by the services (F() updates under the thread's row lock): lists show them without a count.
    reply_count = models.PositiveIntegerField(default=0, editable=False)
    # The next Post.path segment; only ever read and bumped under the thread's row lock.
    post_sequence = models.PositiveIntegerField(default=0, editable=False)
    opening_post = models.OneToOneField(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    answer = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # Search: the title; its opening post's words are in that post's own document (GIN: migration 0006).
    search_vector = search_document(("title", "A"))

    objects = SearchDocumentManager()

    class Meta:
        base_manager_name = "objects"  # search_vector left out of related lookups too
        ordering = ["-pinned", "-last_activity_at", "-pk"]
        indexes = [
            # The community's conversation list: pinned first, then latest activity.
            models.Index(
                fields=["community", "-pinned", "-last_activity_at"], name="communities_thread_list"
            ),
            models.Index(fields=["author", "-created_at"], name="communities_thread_author"),
            # Search takes the newest matching titles first.
            models.Index(fields=["-created_at"], name="communities_thread_newest"),
            # The home feed walks the latest activity back until it has a page of the member's threads.
            models.Index(fields=["-last_activity_at", "-id"], name="communities_thread_activity"),
            # What a post's permission check needs of its thread (its community, its opening post), read
            # from the index alone for each of the thousands of posts a search examines.
            models.Index(
                fields=["id"], include=["community", "opening_post"], name="communities_thread_access"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """Under its community's slug: select_related("community") where many are linked."""
        return reverse("communities:thread", kwargs={"slug": self.community.slug, "thread_id": self.pk})

    @property
    def is_question(self) -> bool:
        return self.kind == self.Kind.QUESTION

    @property
    def is_answered(self) -> bool:
        return self.answer_id is not None


class Post(models.Model):
    """A thread's opening post or a reply. `path` orders the tree depth-first: the parent's path plus a
    fixed-width, zero-padded sequence number, so ORDER BY path is the reading order and a page of a long
    thread is a range scan on (thread, path) — no OFFSET, no recursive query."""

    class State(models.TextChoices):
        VISIBLE = "visible", "Visible"
        DELETED = "deleted", "Deleted by its author"
        HIDDEN = "hidden", "Hidden by a facilitator"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    parent = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="replies"
    )
    path = models.CharField(max_length=PATH_STEP * PATH_MAX_DEPTH, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)  # 0: the opening post
    body = models.TextField()
    body_html = models.TextField(editable=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.VISIBLE)
    # Kept for the moderation log and the facilitators; readers see a notice instead of the text.
    moderation_reason = models.TextField(blank=True, max_length=2000)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    # Set once the watchers and mentioned members were told; a periodic sweep retries the rest (a worker or
    # Redis down when the post was saved loses no notice).
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Search: the text as written (GIN index: migration 0006).
    search_vector = search_document(("body", "C"))

    objects = SearchDocumentManager()

    class Meta:
        base_manager_name = "objects"  # search_vector left out of related lookups too
        ordering = ["thread", "path"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "path"], name="communities_post_path_unique"),
        ]
        indexes = [
            # The rate limit and a member's contributions: their newest posts.
            models.Index(fields=["author", "-created_at"], name="communities_post_author"),
            # Search walks the newest posts first for a common word and stops at its cap.
            models.Index(fields=["-created_at"], name="communities_post_newest"),
            # A thread's latest replies (a practice story's page shows its discussion's): without it the
            # planner walks every post newest first until it meets five of a long, old thread.
            models.Index(fields=["thread", "-created_at", "-id"], name="communities_post_thread_newest"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(notified_at__isnull=True),
                name="communities_post_unsent",
            ),
            # A thread's opening post still visible (communities.permissions.listable_threads_q), and when it
            # was written (a matching title's date in search), read from the index alone rather than from the
            # wide post row, for each of the thousands of threads a search examines.
            models.Index(fields=["id"], include=["state", "created_at"], name="communities_post_state"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        """The permalink: it opens the thread at the page holding the post."""
        thread = self.thread
        kwargs = {"slug": thread.community.slug, "thread_id": thread.pk, "post_id": self.pk}
        return reverse("communities:post", kwargs=kwargs)

    @property
    def is_visible(self) -> bool:
        return self.state == self.State.VISIBLE

    @property
    def is_opening(self) -> bool:
        return self.depth == 0


class PostRevision(models.Model):
    """The text a post had before an edit: the history facilitators (and the author) can read."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)  # when this text was replaced

    class Meta:
        ordering = ["post", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Post {self.post_id} before {self.created_at:%Y-%m-%d %H:%M}"


class PostReaction(models.Model):
    """A member found a post helpful. One per member and post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_reactions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="communities_reaction_once")]
        indexes = [models.Index(fields=["user", "post"], name="communities_reaction_user")]

    def __str__(self) -> str:
        return f"{self.user_id} found post {self.post_id} helpful"


class ThreadWatch(models.Model):
    """Whether a member hears about new replies: watching (set when they start or reply) or muted."""

    class State(models.TextChoices):
        WATCHING = "watching", "Watching"
        MUTED = "muted", "Muted"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_watches"
    )
    state = models.CharField(max_length=8, choices=State.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="communities_watch_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} thread {self.thread_id}"


class ThreadRead(models.Model):
    """When a member last opened a thread's page (or wrote in it): replies after it are ones they have not
    seen. One row a member and thread, upserted by communities.services.conversations.thread_mark_read; the
    home page asks for the rows of the threads it shows (by the unique (user, thread) index)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="communities_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read thread {self.thread_id} at {self.last_read_at}"


class PostReport(models.Model):
    """A member asks the facilitators to look at a post. Open until a facilitator hides it or dismisses it."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Post hidden"
        DISMISSED = "dismissed", "Dismissed"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    # The post's community, kept with the report (set from the post when saved, moved with its thread by
    # communities.services.moderation.thread_move): a community's open reports are read from their own
    # index rather than by joining every open report of the hub to its post and thread.
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+", editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_reports"
    )
    reason = models.TextField(max_length=1000)
    state = models.CharField(max_length=9, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open report per member and post: reporting twice says nothing new.
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(state="open"),
                name="communities_report_open_once",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "post"], name="communities_report_state"),
            models.Index(
                fields=["community", "-created_at", "-id"],
                condition=models.Q(state="open"),
                name="communities_report_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Report of post {self.post_id} ({self.get_state_display()})"

    def save(self, *args, **kwargs):
        if self.community_id is None:  # the post's, as communities.services.conversations.post_report sets it
            posts = Post.objects.filter(pk=self.post_id)
            self.community_id = posts.values_list("thread__community", flat=True)[0]
        super().save(*args, **kwargs)
