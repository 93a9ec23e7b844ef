"""A story's page, its preview, and publishing, archiving and changing who can read it (writing it, section by
section: writing.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communities import permissions as community_permissions
from core.forms import add_service_errors
from core.providers.attachments import STORY, attachments_for
from core.providers.blocks import SIDE, blocks_for
from practice import permissions, selectors
from practice.forms import AUDIENCE_HINTS, AudienceForm, EndorseForm
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
    # Registered by the apps above (core.providers.attachments): the library's attached documents.
    context["attachments"] = attachments_for(viewer=request.user, target=STORY, obj=story)
    # And for the side column (core.providers.blocks): ask's "People who can help" and "Related practice".
    context["side_blocks"] = blocks_for(slot=SIDE, viewer=request.user, target=STORY, obj=story)
    context["endorse_form"] = EndorseForm(auto_id="endorse-%s")
    return render(request, "practice/story/detail.html", context)


# --- Preview, publish, archive, audience (writing it: writing.py) --------------------------------------
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
        return redirect("practice:check", slug=story.slug)
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
