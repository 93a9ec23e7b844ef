"""What someone asked does, from the block on the question's page: "Not me" (pass) and "Suggest someone
else". Answering is the thread's own reply form; a reply marks their ask answered (ask/receivers.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ask import selectors
from ask.forms import SuggestForm
from ask.services.asks import ask_pass, ask_suggest
from core.forms import add_service_errors


def _asked_question(request: HttpRequest, question_id: int):
    """The question, for someone asked about it: a 403 for anyone else (the question is public, asking
    about it is not theirs to act on)."""
    question = selectors.question_or_404(question_id=question_id)
    ask = selectors.own_ask(viewer=request.user, question=question)
    if ask is None:
        raise PermissionDenied("You were not asked about this question.")
    return question, ask


@require_POST
def pass_question(request: HttpRequest, question_id: int) -> HttpResponse:
    question, _ = _asked_question(request, question_id)
    try:
        ask_pass(person=request.user, question=question)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            "Thank you for saying. We will not remind you about this question. You can still answer it.",
        )
    return redirect(question.thread.get_absolute_url())


@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, question_id: int) -> HttpResponse:
    question, ask = _asked_question(request, question_id)
    form = SuggestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            suggested = ask_suggest(
                suggester=request.user, question=question, person_text=form.cleaned_data["person"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Thank you. We asked {suggested.person.public_name} about this question."
            )
            return redirect(question.thread.get_absolute_url())
    context = {"question": question, "thread": question.thread, "ask": ask, "form": form}
    return render(request, "ask/suggest.html", context)
