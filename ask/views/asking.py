"""Asking the hub: the question's form with the "Has this been answered already?" list (htmx as the title
is typed; without JavaScript its "Check for answers" button shows the same list, the form kept as typed),
then the people suggested, all ticked, for the asker to confirm."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ask import permissions, routing, selectors
from ask.forms import AskForm, PeopleForm
from ask.services.asks import people_to_ask, question_confirm_people
from ask.services.questions import question_create
from core.forms import add_service_errors, markdown_preview_requested

SIMILAR_MOST = 5
CHECK = "check"  # the value of the no-JavaScript "Check for answers" button (name="action")


def _similar(request: HttpRequest, title: str) -> list[routing.SimilarItem]:
    title = " ".join((title or "").split())[:200]
    return routing.similar_content(viewer=request.user, title=title, limit=SIMILAR_MOST) if title else []


def _denied(request: HttpRequest) -> HttpResponse:
    return render(request, "ask/denied.html", status=403)


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    if not permissions.can_ask(user=request.user):
        return _denied(request)
    checked = request.method == "POST" and request.POST.get("action") == CHECK
    similar = _similar(request, request.POST.get("title", "")) if checked else None
    if checked:  # checking for answers is not sending: the form as typed, without errors
        data = {name: request.POST.get(name, "") for name in AskForm.base_fields}
        form = AskForm(initial=data, similar_url=reverse("ask:similar"))
    else:
        form = AskForm(request.POST if request.method == "POST" else None, similar_url=reverse("ask:similar"))
    if (
        request.method == "POST"
        and not checked
        and not markdown_preview_requested(request, form)
        and form.is_valid()
    ):
        try:
            question = question_create(asker=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("ask:people", question_id=question.pk)
    context = {"form": form, "similar": similar, "checked": checked, "title": request.POST.get("title", "")}
    return render(request, "ask/ask.html", context)


@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """The list for the title typed so far: the fragment for htmx, else a page of its own."""
    title = request.GET.get("title", "")
    context = {"similar": _similar(request, title), "checked": bool(title.strip()), "title": title}
    template = "ask/_similar.html" if request.htmx else "ask/similar.html"
    return render(request, template, context)


def _confirmed_message(asked: list, skipped: int) -> str:
    if not asked:
        text = "Your question is posted. You did not ask anyone by name: every member can see it and answer."
    else:
        names = ", ".join(person.public_name for person in asked)
        many = "person" if len(asked) == 1 else "people"
        text = f"Your question is posted. We asked {len(asked)} {many}: {names}."
    if skipped:
        text += (
            f" {skipped} of those you chose could not be asked now: they stopped taking questions,"
            " or were asked enough this week."
        )
    return text


@require_http_methods(["GET", "POST"])
def people(request: HttpRequest, question_id: int) -> HttpResponse:
    question = selectors.question_for_asker(viewer=request.user, question_id=question_id)
    thread_url = question.thread.get_absolute_url()
    if question.people_confirmed_at is not None:
        messages.info(request, "You have already chosen who to ask about this question.")
        return redirect(thread_url)
    suggestions = people_to_ask(question=question)
    form = PeopleForm(request.POST if request.method == "POST" else None, suggestions=suggestions)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = question_confirm_people(
                asker=request.user, question=question, person_ids=form.cleaned_data["people"]
            )
        except ValidationError as error:
            messages.info(request, " ".join(error.messages))
            return redirect(thread_url)
        messages.success(request, _confirmed_message(confirmed.asked, confirmed.skipped))
        return redirect(thread_url)
    context = {
        "question": question,
        "thread": question.thread,
        "suggestions": suggestions,
        "form": form,
        "most": settings.ASK_PEOPLE_MOST,
    }
    return render(request, "ask/people.html", context)
