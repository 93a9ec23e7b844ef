"""Practice worth repeating: first-hand stories of what worked, the members who endorse them, the
facilitators who promote them and the councils that repeat them.

A story is written in the hub's Markdown, rendered once on save (core.markdown: markdown-it-py, then nh3).
Who may read one is decided in practice.permissions, from its status, its audience and its home community.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from core.numbers import with_unit
from core.search import SearchDocumentManager, search_document

RESERVED_SLUGS = frozenset({"new", "mine"})
SUMMARY_MAX_LENGTH = 280
SECTION_MAX_LENGTH = 10_000  # characters of Markdown in each part of the record


class ServiceArea(models.TextChoices):
    ADULT_SOCIAL_CARE = "adult_social_care", "Adult social care"
    CHILDRENS_SERVICES = "childrens_services", "Children's services"
    EDUCATION = "education", "Education"
    HOUSING = "housing", "Housing"
    PLANNING = "planning", "Planning"
    ENVIRONMENT = "environment", "Environment and waste"
    TRANSPORT = "transport", "Transport and highways"
    PUBLIC_HEALTH = "public_health", "Public health"
    DIGITAL = "digital", "Digital and IT"
    FINANCE = "finance", "Finance and procurement"
    WORKFORCE = "workforce", "Workforce and HR"
    COMMUNITY_SAFETY = "community_safety", "Community safety"
    CULTURE = "culture", "Culture and leisure"
    DEMOCRACY = "democracy", "Democracy and governance"
    CUSTOMER_SERVICES = "customer_services", "Customer services"
    ECONOMIC_DEVELOPMENT = "economic_development", "Economic development"
    OTHER = "other", "Other"


# The structured record, in reading order: (field, heading). Each has a rendered <field>_html beside it.
RECORD_SECTIONS = (
    ("challenge", "The challenge"),
    ("what_we_did", "What we did"),
    ("outcomes", "Outcomes"),
    ("evidence", "Evidence"),
    ("cost_and_resources", "Cost and resources"),
    ("lessons_learned", "Lessons learned"),
    ("do_differently", "What we would do differently"),
)


@dataclass(frozen=True)
class WritingStep:
    """A section of the story's task list (practice:write), with its own page and form."""

    slug: str
    title: str
    fields: tuple[str, ...]  # the story form's fields on its page
    written: tuple[str, ...] = ()  # the columns that, once filled in, show it was started
    required: tuple[str, ...] = ()  # those publishing needs (services.stories.REQUIRED_TO_PUBLISH)
    optional: bool = False  # the task list says so


# The task list, in order. Measures, tags, co-authors and the home community are rows of their own or
# relations: only the story's columns say whether a section was started, or its stamp in sections_saved.
WRITING_STEPS = (
    WritingStep(
        "summary",
        "Summary and context",
        ("title", "summary", "service_area", "community", "tags"),
        written=("title", "summary", "service_area"),  # the title: given with the draft
        required=("summary", "service_area"),
    ),
    WritingStep("challenge", "Challenge", ("challenge",), written=("challenge",), required=("challenge",)),
    WritingStep(
        "what-we-did", "What we did", ("what_we_did",), written=("what_we_did",), required=("what_we_did",)
    ),
    WritingStep(
        "outcomes",
        "Outcomes and measures",
        ("outcomes", "measures"),
        written=("outcomes",),
        required=("outcomes",),
    ),
    WritingStep(
        "evidence",
        "Evidence",
        ("evidence", "evidence_links"),
        written=("evidence", "evidence_links"),
        optional=True,
    ),
    WritingStep("cost", "Cost", ("cost_and_resources",), written=("cost_and_resources",), optional=True),
    WritingStep(
        "lessons",
        "Lessons",
        ("lessons_learned", "do_differently"),
        written=("lessons_learned", "do_differently"),
        optional=True,
    ),
    WritingStep("audience", "Audience and publish", ("audience", "co_authors")),
)
WRITING_STEP = {step.slug: step for step in WRITING_STEPS}


class StoryTag(TaggedItemBase):
    content_object = models.ForeignKey("PracticeStory", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            # The newest stories holding a tag, from the index alone (ask.routing's related practice).
            models.Index(fields=["tag", "-content_object"], name="practice_storytag_newest"),
        ]


def _section(label: str) -> models.TextField:
    return models.TextField(label, blank=True, max_length=SECTION_MAX_LENGTH, help_text="Markdown.")


def _rendered() -> models.TextField:
    return models.TextField(blank=True, editable=False)


class PracticeStory(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Audience(models.TextChoices):
        PUBLIC = "public", "Anyone, including people who are not signed in"
        MEMBERS = "members", "Members of the hub"
        COMMUNITY = "community", "Those who can read the home community"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    summary = models.CharField(max_length=SUMMARY_MAX_LENGTH, blank=True)
    service_area = models.CharField(max_length=24, choices=ServiceArea.choices, blank=True)
    challenge = _section("the challenge")
    challenge_html = _rendered()
    what_we_did = _section("what we did")
    what_we_did_html = _rendered()
    outcomes = _section("outcomes")
    outcomes_html = _rendered()
    evidence = _section("evidence")
    evidence_html = _rendered()
    # [{"url": "https://...", "title": "..."}]: http(s) only, checked by the services.
    evidence_links = models.JSONField(default=list, blank=True)
    cost_and_resources = _section("cost and resources")
    cost_and_resources_html = _rendered()
    lessons_learned = _section("lessons learned")
    lessons_learned_html = _rendered()
    do_differently = _section("what we would do differently")
    do_differently_html = _rendered()

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stories")
    co_authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="co_authored_stories"
    )
    # The author's verified council when the story was first published.
    council = models.ForeignKey(
        "profiles.Council", on_delete=models.PROTECT, null=True, blank=True, related_name="stories"
    )
    community = models.ForeignKey(
        "communities.Community",
        on_delete=models.CASCADE,
        related_name="stories",
        verbose_name="home community",
    )
    tags = TaggableManager("Tags", through=StoryTag, blank=True, related_name="stories")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.COMMUNITY)
    # Its conversation in the home community, started when it is first published.
    discussion = models.OneToOneField(
        "communities.Thread", on_delete=models.SET_NULL, null=True, blank=True, related_name="story"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When each section of the task list was last saved: {"challenge": "2026-11-12T14:05:00+00:00"}. Written
    # under the story's row lock (services.stories.story_step_save), so two sections saved at once both stay.
    sections_saved = models.JSONField(default=dict, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept by the services under the story's row lock: the library sorts and shows them without a count.
    endorsement_count = models.PositiveIntegerField(default=0, editable=False)
    adoption_count = models.PositiveIntegerField(default=0, editable=False)
    # Search: the title above the summary above the record (GIN index: migration 0002).
    search_vector = search_document(
        ("title", "A"), ("summary", "B"), *((name, "C") for name, _heading in RECORD_SECTIONS)
    )

    objects = SearchDocumentManager()

    class Meta:
        base_manager_name = "objects"  # search_vector left out of related lookups too
        ordering = ["-published_at", "-pk"]
        verbose_name = "practice story"
        verbose_name_plural = "practice stories"
        indexes = [
            # The library: published stories, newest first or by their counts.
            models.Index(fields=["status", "-published_at"], name="practice_story_newest"),
            models.Index(fields=["status", "-endorsement_count"], name="practice_story_endorsed"),
            models.Index(fields=["status", "-adoption_count"], name="practice_story_repeated"),
            # A council's stories newest first (its page), and the council filters of the library.
            models.Index(
                fields=["council", "status", "-published_at", "-id"], name="practice_story_council_newest"
            ),
            models.Index(fields=["author", "-created_at"], name="practice_story_author"),
            # The library's count and its councils: every published story's permission columns, read from
            # the index alone (the rows carry the whole record).
            models.Index(
                fields=["council", "audience"],
                include=["id", "status", "community", "author", "service_area", "promoted_at"],
                condition=models.Q(status="published"),
                name="practice_story_listed",
            ),
            # The feed's promotions, newest first: the few stories ever promoted.
            # Search with a service-area filter: the area's published stories, newest first, are few enough
            # to test against the text one by one (the text alone matches most stories for a frequent word).
            models.Index(
                fields=["service_area", "-published_at"],
                condition=models.Q(status="published"),
                name="practice_story_area",
            ),
            models.Index(
                fields=["-promoted_at"],
                condition=models.Q(promoted_at__isnull=False),
                name="practice_story_promoted",
            ),
            # The library's "Practice worth repeating" by council or region: each council's few promoted
            # stories, not every promoted story ANDed with each council's.
            models.Index(
                fields=["council"],
                condition=models.Q(status="published", promoted_at__isnull=False),
                name="practice_story_promoted_in",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice:detail", kwargs={"slug": self.slug})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    @property
    def is_promoted(self) -> bool:
        return self.promoted_at is not None

    def record(self) -> list[tuple[str, str]]:
        """The record's parts that were written, as (heading, safe HTML), in reading order."""
        return [
            (heading, getattr(self, f"{name}_html"))
            for name, heading in RECORD_SECTIONS
            if getattr(self, f"{name}_html")
        ]


class MeasuredOutcome(models.Model):
    """A number that moved: "Days to process a claim: 21 before, 8 after"."""

    story = models.ForeignKey(PracticeStory, on_delete=models.CASCADE, related_name="measures")
    metric = models.CharField(max_length=200)
    before = models.DecimalField(max_digits=14, decimal_places=2)
    after = models.DecimalField(max_digits=14, decimal_places=2)
    unit = models.CharField(max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["story", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.metric}: {self.before} to {self.after} {self.unit}".strip()

    @property
    def before_text(self) -> str:
        """ "21,400 pages", "£1.45m a year", "23%" (core.numbers.with_unit)."""
        return with_unit(self.before, self.unit)

    @property
    def after_text(self) -> str:
        return with_unit(self.after, self.unit)


class Endorsement(models.Model):
    """ "I'd recommend this": one per member and story, never by one of its authors."""

    story = models.ForeignKey(PracticeStory, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="endorsements")
    comment = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["story", "user"], name="practice_endorse_once")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="practice_endorse_user"),
            # A story's page shows its newest endorsements.
            models.Index(fields=["story", "-created_at", "-id"], name="practice_endorse_story"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} endorses {self.story_id}"


class Adoption(models.Model):
    """ "We've repeated this": another council's record of trying the practice. One per council and story."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", "Adopted"
        ADAPTED = "adapted", "Adapted"
        STOPPED = "stopped", "Tried and stopped"

    story = models.ForeignKey(PracticeStory, on_delete=models.CASCADE, related_name="adoptions")
    council = models.ForeignKey("profiles.Council", on_delete=models.PROTECT, related_name="adoptions")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="adoptions"
    )
    outcome = models.CharField("how it went", max_length=8, choices=Outcome.choices)
    started_on = models.DateField("when")
    notes = models.TextField(blank=True, max_length=2000)
    # The adopting council's own story of how it went, if they wrote one.
    follow_up = models.ForeignKey(
        PracticeStory, on_delete=models.SET_NULL, null=True, blank=True, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["story", "council"], name="practice_adopt_once")]
        indexes = [
            models.Index(fields=["council", "-started_on"], name="practice_adopt_council"),
            # The feed's repeats, newest first.
            models.Index(fields=["-created_at"], name="practice_adopt_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.council_id} {self.outcome} {self.story_id}"
