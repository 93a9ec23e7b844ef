"""Writing a story as a GOV.UK task list: a new draft from its title and home community, the task list,
one page per section (practice.models.WRITING_STEPS), and check your answers before publishing. The old
edit address leads to the task list. Every page is its authors' alone (permissions.check_edit)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from core.forms import add_service_errors, markdown_preview_requested
from practice import permissions, selectors
from practice.forms import StoryForm
from practice.models import RECORD_SECTIONS, WRITING_STEP, WRITING_STEPS, PracticeStory, WritingStep
from practice.services import stories as services
from practice.services import writing
from practice.views import readable_story

NEW_STORY_FIELDS = ("title", "community")  # all a draft needs; the rest is written section by section
HEADINGS = dict(RECORD_SECTIONS)


def _editable(request: HttpRequest, slug: str) -> PracticeStory:
    """The story, for its authors: 404 for who may not read it, 403 for a reader who did not write it."""
    story = readable_story(request, slug)
    permissions.check_edit(user=request.user, story=story)
    return story


def _homes(request: HttpRequest, story: PracticeStory | None) -> list:
    """The communities a draft may live in: the member's own, and the one it lives in now (its author may
    have left it since; keeping it needs no membership, moving it to another does)."""
    homes = list(selectors.home_communities(user=request.user))
    if story is not None and all(community.pk != story.community_id for community in homes):
        homes.insert(0, story.community)
    return homes


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """A new draft: its title and home community only. The rest is written from the task list."""
    form = StoryForm(
        request.POST if request.method == "POST" else None,
        communities=_homes(request, None),
        only=NEW_STORY_FIELDS,
    )
    if request.method == "POST" and form.is_valid():
        values = form.step_values()
        try:
            story = services.story_create(
                author=request.user, community=values["community"], title=values["title"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your draft is saved. Only you and your co-authors can see it.")
            return redirect("practice:write", slug=story.slug)
    return render(
        request, "practice/story/new.html", {"form": form, "has_communities": bool(form.communities)}
    )


@require_GET
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The address the story's page and old bookmarks link to: its task list, for its authors."""
    story = _editable(request, slug)
    return redirect("practice:write", slug=story.slug)


def _progress_context(story: PracticeStory) -> dict:
    progress = writing.writing_progress(story)
    return {
        "story": story,
        "progress": progress,
        "completed": sum(item.status == writing.COMPLETED for item in progress),
        "total": len(progress),
    }


@require_GET
def write(request: HttpRequest, slug: str) -> HttpResponse:
    """The task list: each section with its status and when it was saved."""
    story = _editable(request, slug)
    context = _progress_context(story)
    context["rows"] = [
        (item, reverse("practice:write-step", kwargs={"slug": story.slug, "step": item.step.slug}))
        for item in context["progress"]
    ]
    return render(request, "practice/story/write.html", context)


def _step_form(request: HttpRequest, story: PracticeStory, step: WritingStep) -> StoryForm:
    data = request.POST if request.method == "POST" else None
    return StoryForm(
        data,
        initial=StoryForm.initial_for(story)
        if data is None
        else None,  # co-authors, tags, measures: prefetched
        communities=_homes(request, story) if story.is_draft and "community" in step.fields else (),
        draft=story.is_draft,
        may_name_co_authors=story.author_id == request.user.pk,
        measures=len(story.measures.all()),
        only=step.fields,
    )


def _next_url(request: HttpRequest, story: PracticeStory, step: WritingStep) -> str:
    """Where a saved section leads: back to check your answers when it was changed from there; else the
    next section ("Save and continue"; after the last, check your answers) or the task list."""
    if request.POST.get("from") == "check":
        return reverse("practice:check", kwargs={"slug": story.slug})
    if request.POST.get("action") == "continue":
        after = WRITING_STEPS.index(step) + 1
        if after < len(WRITING_STEPS):
            return reverse(
                "practice:write-step", kwargs={"slug": story.slug, "step": WRITING_STEPS[after].slug}
            )
        return reverse("practice:check", kwargs={"slug": story.slug})
    return reverse("practice:write", kwargs={"slug": story.slug})


@require_http_methods(["GET", "POST"])
def write_step(request: HttpRequest, slug: str, step: str) -> HttpResponse:
    """One section's page. Saving writes that section only; a mistake is shown and saves nothing."""
    section = WRITING_STEP.get(step)
    if section is None:
        raise Http404("No such section")
    story = _editable(request, slug)
    form = _step_form(request, story, section)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            writing.story_step_save(actor=request.user, story=story, step=step, values=form.step_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_next_url(request, story, section))
    from_check = (request.POST if request.method == "POST" else request.GET).get("from") == "check"
    number = WRITING_STEPS.index(section) + 1
    return render(
        request,
        "practice/story/step.html",
        {
            "story": story,
            "form": form,
            "step": section,
            "number": number,
            "total": len(WRITING_STEPS),
            "from_check": from_check,
            "is_last": number == len(WRITING_STEPS),
        },
    )


# --- Check your answers ------------------------------------------------------------------------------------
def _list(items) -> SafeString:
    return format_html('<ul class="govuk-list">{}</ul>', format_html_join("", "<li>{}</li>", items))


def _answer(story: PracticeStory, name: str, *, measures: list, co_authors: list) -> tuple[str, str] | None:
    """A row of the summary list: (question, answer), the answer escaped or already safe HTML; None for a
    row the story does not have."""
    if name in HEADINGS:
        html = mark_safe(getattr(story, f"{name}_html"))  # noqa: S308 rendered and cleaned on save (core.markdown)
        return HEADINGS[name], format_html('<div class="khub-prose">{}</div>', html) if html else ""
    if name == "measures":
        rows = [(f"{m.metric}: {m.before_text} before, {m.after_text} after",) for m in measures]
        return "Measured outcomes", _list(rows) if rows else ""
    if name == "evidence_links":
        links = format_html_join(
            "",
            '<li><a class="govuk-link" href="{}">{}</a></li>',
            ((link["url"], link.get("title") or link["url"]) for link in story.evidence_links),
        )
        return "Evidence links", format_html(
            '<ul class="govuk-list">{}</ul>', links
        ) if story.evidence_links else ""
    if name == "tags":
        return "Tags", ", ".join(tag.name for tag in story.tags.all())
    if name == "co_authors":
        return "Co-authors", ", ".join(person.public_name for person in co_authors)
    if name == "community":
        return "Home community", story.community.name
    if name == "service_area":
        return "Service area", story.get_service_area_display()
    if name == "audience":
        return "Who can read it", story.get_audience_display()
    return {"title": "Title", "summary": "Summary"}[name], getattr(story, name)


@require_GET
def check(request: HttpRequest, slug: str) -> HttpResponse:
    """Check your answers: every section as a summary card with its Change link, what publishing still needs,
    and the Publish button (practice:publish) for a draft or an archived story."""
    story = _editable(request, slug)
    context = _progress_context(story)
    measures, co_authors = list(story.measures.all()), list(story.co_authors.all())
    cards = []
    for item in context["progress"]:
        change = reverse("practice:write-step", kwargs={"slug": story.slug, "step": item.step.slug})
        rows = [_answer(story, name, measures=measures, co_authors=co_authors) for name in item.step.fields]
        cards.append({"item": item, "change": f"{change}?from=check", "rows": rows})
    context.update(
        cards=cards,
        missing=[(message, card["change"]) for card in cards for message in card["item"].missing],
        can_publish=permissions.can_publish(user=request.user, story=story),
    )
    return render(request, "practice/story/check.html", context)
