"""What members do with a published story: endorse it, record that their council repeated it; and what the
home community's facilitators do: promote it to Practice worth repeating, or withdraw that with a reason.

Every action is a POST that redirects back to the story (POST/redirect/GET); a refusal or a mistake is a
message on the story's page and changes nothing. Forms that need a page of their own without JavaScript
(the adoption, a withdrawal's reason) have one.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from practice import permissions, selectors
from practice.forms import AdoptionForm, EndorseForm, ReasonForm
from practice.models import Adoption
from practice.services import recognition as services
from practice.views import error_text, readable_story


def _back(request: HttpRequest, story, anchor: str) -> HttpResponse:
    return redirect(f"{story.get_absolute_url()}#{anchor}")


@require_POST
def endorse(request: HttpRequest, slug: str) -> HttpResponse:
    story = readable_story(request, slug)
    form = EndorseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("comment", ["Check your comment."])))
        return _back(request, story, "endorsements")
    try:
        services.endorsement_create(user=request.user, story=story, comment=form.cleaned_data["comment"])
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Thank you: you endorsed this story. Its authors have been told.")
    return _back(request, story, "endorsements")


@require_POST
def endorse_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    story = readable_story(request, slug)
    try:
        services.endorsement_withdraw(user=request.user, story=story)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "You withdrew your endorsement.")
    return _back(request, story, "endorsements")


@require_POST
def promote(request: HttpRequest, slug: str) -> HttpResponse:
    story = readable_story(request, slug)
    try:
        services.story_promote(actor=request.user, story=story)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, "The story is promoted to Practice worth repeating. Its authors have been told."
        )
    return _back(request, story, "promotion")


@require_http_methods(["GET", "POST"])
def promote_withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    story = readable_story(request, slug)
    if not permissions.can_withdraw_promotion(user=request.user, story=story):
        raise PermissionDenied("Only the home community's facilitators can change a story's promotion.")
    if not story.is_promoted:
        messages.error(request, "This story is not promoted.")
        return _back(request, story, "promotion")
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.story_promotion_withdraw(
                actor=request.user, story=story, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The promotion is withdrawn. The authors have been told why.")
            return _back(request, story, "promotion")
    return render(request, "practice/story/promote_withdraw.html", {"story": story, "form": form})


@require_http_methods(["GET", "POST"])
def adopt(request: HttpRequest, slug: str) -> HttpResponse:
    """ "We've repeated this": for the member's own council, once."""
    story = readable_story(request, slug)
    user = request.user
    if not user.has_verified_affiliation:
        raise PermissionDenied(
            "Only members with a verified council affiliation can record that their council repeated a story."
        )
    if not permissions.can_adopt(user=user, story=story):
        messages.error(
            request,
            "This is your own council's story."
            if user.council_id == story.council_id
            else "Only a published story can be repeated.",
        )
        return _back(request, story, "adoptions")
    follow_ups = list(selectors.follow_up_choices(user=user, story=story))
    form = AdoptionForm(request.POST if request.method == "POST" else None, follow_ups=follow_ups)
    if request.method == "POST" and form.is_valid():
        chosen = next((item for item in follow_ups if item.pk == form.cleaned_data["follow_up"]), None)
        try:
            services.adoption_record(
                user=user,
                story=story,
                outcome=form.cleaned_data["outcome"],
                started_on=form.started_on(),
                notes=form.cleaned_data["notes"],
                follow_up=chosen,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Recorded: {user.council.name} repeated this story. Its authors have been told."
            )
            return _back(request, story, "adoptions")
    return render(request, "practice/story/adopt.html", {"story": story, "form": form})


@require_POST
def adoption_withdraw(request: HttpRequest, slug: str, adoption_id: int) -> HttpResponse:
    story = readable_story(request, slug)
    adoption = Adoption.objects.filter(pk=adoption_id, story=story).first()
    if adoption is None:
        raise Http404("No such record")
    try:
        services.adoption_withdraw(actor=request.user, adoption=adoption)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "The record that your council repeated this story is removed.")
    return _back(request, story, "adoptions")
