"""Writing a story section by section: the task list (practice.models.WRITING_STEPS), each section saved on
its own, and how far the story has got.

A section's save writes only that section's columns (update_fields) and relations, under the story's row
lock: a co-author saving another section at the same moment, from a page opened earlier, keeps theirs.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from communities.models import Community
from communities.services.communities import clean_labels, clean_title
from core.markdown import markdown_render
from practice import permissions
from practice.models import (
    RECORD_SECTIONS,
    WRITING_STEP,
    WRITING_STEPS,
    PracticeStory,
    ServiceArea,
    WritingStep,
)
from practice.services import locked_story
from practice.services.stories import (
    MAX_TAGS,
    REQUIRED_TO_PUBLISH,
    TITLE_MAX_LENGTH,
    _check_home,
    _clean_audience,
    _clean_co_authors,
    _clean_links,
    _clean_measures,
    _clean_sections,
    _clean_summary,
    _co_authors_set,
    _measures_set,
    _tags_set,
    missing_to_publish,
)
from profiles.models import User

COMPLETED, INCOMPLETE, NOT_STARTED = "Completed", "Incomplete", "Not yet started"
SECTION_HEADINGS = dict(RECORD_SECTIONS)


@dataclass(frozen=True)
class StepProgress:
    step: WritingStep
    status: str  # COMPLETED, INCOMPLETE or NOT_STARTED (GOV.UK's task list statuses)
    saved_at: datetime | None  # when the section was last saved, if it ever was on its own page
    missing: tuple[str, ...]  # what publishing still needs from it, as REQUIRED_TO_PUBLISH says it


def writing_progress(story: PracticeStory) -> list[StepProgress]:
    """Each section's status: completed once what publishing needs from it is written (a section publishing
    does not need: once something is written in it or it was saved); incomplete when started but not that
    far; else not yet started. From the story's row alone (no query)."""
    needs = dict(REQUIRED_TO_PUBLISH)
    progress = []
    for step in WRITING_STEPS:
        stamp = story.sections_saved.get(step.slug)
        started = bool(stamp) or any(getattr(story, name) for name in step.written)
        if step.slug == "audience":
            started = started or not story.is_draft  # chosen when it was published
        missing = tuple(needs[name] for name in step.required if not getattr(story, name))
        if step.required:
            status = COMPLETED if not missing else INCOMPLETE if started else NOT_STARTED
        else:
            status = COMPLETED if started else NOT_STARTED
        progress.append(StepProgress(step, status, datetime.fromisoformat(stamp) if stamp else None, missing))
    return progress


@transaction.atomic
def story_step_save(*, actor: User, story: PracticeStory, step: str, values: dict) -> PracticeStory:
    """Save one section of the task list. `values` holds that section's fields only, as its form cleans them
    ("title": str, a record section's name: its Markdown, "tags" and "co_authors": lists of names, "measures"
    and "evidence_links": lists of dicts, "community": a Community); the story's other columns are neither
    read from the caller's copy nor written. Everything is checked before anything is written: an error
    saves nothing. A published story keeps what publishing needed, and its audience and home community
    (they change on its own page)."""
    section = WRITING_STEP[step]
    unknown = set(values) - set(section.fields)
    if unknown:
        raise ValueError(f"Not fields of the {step} section: {sorted(unknown)}")
    story = locked_story(story)
    permissions.check_edit(user=actor, story=story)
    is_author = actor.pk == story.author_id
    columns: list[str] = []

    def put(name: str, value) -> None:
        setattr(story, name, value)
        columns.append(name)

    if "title" in values:
        put("title", clean_title(values["title"], most=TITLE_MAX_LENGTH))
    if "summary" in values:
        put("summary", _clean_summary(values["summary"]))
    if "service_area" in values:
        area = values["service_area"] or ""
        if area and area not in ServiceArea.values:
            raise ValidationError({"service_area": "Choose a service area from the list."})
        put("service_area", area)
    sections = {name: text for name, text in values.items() if name in SECTION_HEADINGS}
    for name, text in _clean_sections(sections).items():
        if name in sections:
            put(name, text)
            put(f"{name}_html", markdown_render(text))
    if "evidence_links" in values:
        put("evidence_links", _clean_links(values["evidence_links"]))
    if "audience" in values and values["audience"] is not None:
        audience = _clean_audience(values["audience"])
        if audience != story.audience:
            if not story.is_draft:
                raise ValidationError({"audience": "Change who can read a published story from its page."})
            put("audience", audience)
    community: Community | None = values.get("community")
    if community is not None and community.pk != story.community_id:
        if not story.is_draft:
            raise ValidationError({"community": "A published story stays in its home community."})
        if not is_author:  # the author publishes there, so only they choose it
            raise ValidationError({"community": "Only the story's author can change its home community."})
        _check_home(actor, community)
        put("community", community)
    tags = clean_labels(values["tags"], field="tags", noun="tag", most=MAX_TAGS) if "tags" in values else None
    people = None
    if "co_authors" in values:
        if not is_author:
            raise ValidationError({"co_authors": "Only the story's author names its co-authors."})
        people = _clean_co_authors(values["co_authors"], author=story.author)
    measures = _clean_measures(values["measures"]) if "measures" in values else None
    if not story.is_draft:  # a published story keeps what publishing required
        missing = missing_to_publish(story)
        if missing:
            raise ValidationError(
                {name: f"{message}: a published story needs it." for name, message in missing}
            )

    now = timezone.now()
    story.updated_at = now
    story.sections_saved = {**story.sections_saved, step: now.isoformat()}
    story.save(update_fields=[*columns, "updated_at", "sections_saved"])
    if tags is not None:
        _tags_set(story, tags)
    if people is not None:
        _co_authors_set(story, people, actor=actor)
    if measures is not None:
        _measures_set(story, measures)
    return story
