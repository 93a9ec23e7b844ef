"""A story's page, and writing one: new, edit (save a draft or preview), publish, archive, audience."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communities import permissions as community_permissions
from core.forms import add_service_errors, markdown_preview_requested
from practice import permissions, selectors
from practice.forms import AUDIENCE_HINTS, AudienceForm, EndorseForm, StoryForm
from practice.models import PracticeStory
from practice.services import stories as services
from practice.views import SignInFirst, error_text, readable_story, sign_in


def story_context(request: HttpRequest, story: PracticeStory) -> dict:
    """What the story's page (and its preview) shows beside the record."""
    user = request.user
    endorsements = selectors.endorsements_for(story=story) if story.endorsement_count else []
    adoptions = selectors.adoptions_for(viewer=user, story=story) if story.adoption_count else []
    endorsed = (
        user.is_authenticated
        and story.endorsement_count
        and (
            story.viewer_endorsed  # selectors.story_for_page asked, with the story
            if hasattr(story, "viewer_endorsed")
            else story.endorsements.filter(user=user).exists()
        )
    )
    own_adoption = next(
        (
            adoption
            for adoption in adoptions
            if user.is_authenticated
            and user.has_verified_affiliation
            and adoption.council_id == user.council_id
        ),
        None,
    )
    return {
        "story": story,
        "authors": [story.author, *story.co_authors.all()],
        "measures": list(story.measures.all()),
        "endorsements": endorsements,
        "endorsed": endorsed,
        "adoptions": adoptions,
        "withdrawable_adoptions": {
            adoption.pk
            for adoption in adoptions
            if permissions.can_withdraw_adoption(user=user, adoption=adoption)
        },
        "is_author": permissions.is_author(user=user, story=story),
        "can_endorse": permissions.can_endorse(user=user, story=story) and not endorsed,
        "can_promote": permissions.can_promote(user=user, story=story),
        "can_withdraw_promotion": story.is_promoted
        and permissions.can_withdraw_promotion(user=user, story=story),
        "can_adopt": permissions.can_adopt(user=user, story=story) and own_adoption is None,
        "community_named": community_permissions.can_see(user=user, community=story.community)
        or (not user.is_authenticated and not story.community.is_private),
        "audience_hint": AUDIENCE_HINTS[story.audience],
    }


@login_not_required
@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        story = readable_story(request, slug)
    except SignInFirst:
        return sign_in(request)
    context = story_context(request, story)
    context["discussion"] = selectors.discussion_for(viewer=request.user, story=story)
    context["endorse_form"] = EndorseForm(auto_id="endorse-%s")
    return render(request, "practice/story/detail.html", context)


# --- Writing -----------------------------------------------------------------------------------------------
def _homes(request: HttpRequest, story: PracticeStory | None) -> list:
    """The communities a draft may live in: the member's own, and the one it lives in now (its author may
    have left it since; keeping it needs no membership, moving it to another does)."""
    homes = list(selectors.home_communities(user=request.user))
    if story is not None and all(community.pk != story.community_id for community in homes):
        homes.insert(0, story.community)
    return homes


def _chosen_home(form: StoryForm):
    """The community the valid form chose: one it offered (the services check a move again)."""
    return next(community for community in form.communities if community.pk == form.cleaned_data["community"])


def _story_form(request: HttpRequest, story: PracticeStory | None = None) -> StoryForm:
    draft = story is None or story.is_draft
    data = request.POST if request.method == "POST" else None
    initial = StoryForm.initial_for(story) if story is not None and data is None else None
    return StoryForm(
        data,
        initial=initial,
        communities=_homes(request, story) if draft else (),
        draft=draft,
        may_name_co_authors=story is None or story.author_id == request.user.pk,
        measures=story.measures.count() if story is not None else 0,
    )


def _after_save(request: HttpRequest, story: PracticeStory) -> HttpResponse:
    if request.POST.get("action") == "preview" and not story.is_published:
        return redirect("practice:preview", slug=story.slug)
    messages.success(
        request,
        "Your draft is saved. Only you and your co-authors can see it."
        if story.is_draft
        else "Your changes are saved.",
    )
    return redirect(
        reverse("practice:edit", kwargs={"slug": story.slug}) if story.is_draft else story.get_absolute_url()
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = _story_form(request)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        community = _chosen_home(form)
        try:
            story = services.story_create(author=request.user, community=community, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_save(request, story)
    return render(
        request,
        "practice/story/form.html",
        {"form": form, "story": None, "has_communities": bool(form.communities)},
    )


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    story = readable_story(request, slug)
    permissions.check_edit(user=request.user, story=story)
    form = _story_form(request, story)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        kwargs = form.service_kwargs()
        if "community" in form.fields:
            kwargs["community"] = _chosen_home(form)
        try:
            story = services.story_update(actor=request.user, story=story, **kwargs)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _after_save(request, story)
    return render(
        request, "practice/story/form.html", {"form": form, "story": story, "has_communities": True}
    )


@require_GET
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The story as its readers will see it, with what is missing before it can be published."""
    story = readable_story(request, slug)
    permissions.check_edit(user=request.user, story=story)
    context = story_context(request, story)
    context.update(
        missing=services.missing_to_publish(story),
        can_publish=permissions.can_publish(user=request.user, story=story),
        preview=True,
    )
    return render(request, "practice/story/preview.html", context)


@require_POST
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    story = readable_story(request, slug)
    permissions.check_edit(user=request.user, story=story)
    try:
        story = services.story_publish(actor=request.user, story=story)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return redirect("practice:preview", slug=story.slug)
    messages.success(
        request, "Your story is published. Its home community has been told, and its discussion has started."
    )
    return redirect(story.get_absolute_url())


@require_POST
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    story = readable_story(request, slug)
    try:
        services.story_archive(actor=request.user, story=story)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "The story is archived: it has left the library. You can publish it again.")
    return redirect(story.get_absolute_url())


@require_http_methods(["GET", "POST"])
def audience(request: HttpRequest, slug: str) -> HttpResponse:
    """Change who can read a published story: widening asks for confirmation; both are logged."""
    story = readable_story(request, slug)
    permissions.check_edit(user=request.user, story=story)
    form = AudienceForm(
        request.POST if request.method == "POST" else None, initial={"audience": story.audience}
    )
    if request.method == "POST" and form.is_valid():
        try:
            story = services.story_audience_set(
                actor=request.user,
                story=story,
                audience=form.cleaned_data["audience"],
                confirmed=form.cleaned_data["confirm"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Who can read it has changed: {story.get_audience_display().lower()}.")
            return redirect(story.get_absolute_url())
    return render(request, "practice/story/audience.html", {"story": story, "form": form})
