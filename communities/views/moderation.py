"""What facilitators do to conversations: pin and lock threads, hide and restore posts, move a thread to
another community they facilitate, and decide members' reports (/communities/<slug>/manage/reports/).

Each view first makes sure the viewer may read the thread (404 for a private community's outsiders), then
the moderation service checks they manage it (403 otherwise) and writes the moderation log.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communities import permissions
from communities.forms import ModerationReasonForm, MoveThreadForm
from communities.models import PostReport, Thread
from communities.selectors import conversations as selectors
from communities.services import moderation as services
from communities.views.conversations import _post, readable_thread
from communities.views.manage import _community, _layout
from core.forms import add_service_errors
from core.pagination import paginate

REPORTS_PAGE_SIZE = 20
THREAD_ACTIONS = {
    "pin": (
        services.thread_set_pinned,
        {"pinned": True},
        "The conversation is pinned to the top of the list.",
    ),
    "unpin": (services.thread_set_pinned, {"pinned": False}, "The conversation is no longer pinned."),
    "lock": (
        services.thread_set_locked,
        {"locked": True},
        "The conversation is locked: members cannot reply.",
    ),
    "unlock": (services.thread_set_locked, {"locked": False}, "The conversation is open for replies again."),
}


def _managed_thread(request: HttpRequest, slug: str, thread_id: int) -> Thread:
    thread = readable_thread(request, slug, thread_id)
    permissions.check_manage(user=request.user, community=thread.community)
    return thread


@require_POST
def thread_action(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = _managed_thread(request, slug, thread_id)
    action = THREAD_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "Choose pin, unpin, lock or unlock.")
        return redirect(thread.get_absolute_url())
    service, arguments, outcome = action
    service(actor=request.user, thread=thread, **arguments)
    messages.success(request, outcome)
    return redirect(thread.get_absolute_url())


@require_http_methods(["GET", "POST"])
def hide(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    thread = _managed_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    form = ModerationReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_hide(actor=request.user, post=post, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "The post is hidden. Readers see a notice; its author has been told why."
            )
            return redirect(_back(request, post))
    context = {
        "community": thread.community,
        "thread": thread,
        "post": post,
        "form": form,
        "action": "hide",
        "show_removed_text": True,
    }
    return render(request, "communities/conversations/moderate_post.html", context)


@require_http_methods(["GET", "POST"])
def unhide(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    thread = _managed_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    form = ModerationReasonForm(request.POST if request.method == "POST" else None, required=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_unhide(actor=request.user, post=post, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The post is visible again.")
            return redirect(post.get_absolute_url())
    context = {
        "community": thread.community,
        "thread": thread,
        "post": post,
        "form": form,
        "action": "unhide",
        "show_removed_text": True,
    }
    return render(request, "communities/conversations/moderate_post.html", context)


def _back(request: HttpRequest, post) -> str:
    """Back to the reports page when the facilitator came from it, else to the post."""
    if request.POST.get("next") == "reports":
        return _reports_url(post.thread.community)
    return post.get_absolute_url()


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = _managed_thread(request, slug, thread_id)
    targets = selectors.move_targets(viewer=request.user, thread=thread)
    form = MoveThreadForm(request.POST if request.method == "POST" else None, targets=targets)
    if request.method == "POST" and form.is_valid():
        to = form.cleaned_data["community"]
        try:
            moved = services.thread_move(
                actor=request.user, thread=thread, to=to, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The conversation is now in {to.name}.")
            return redirect(moved.get_absolute_url())  # its new address, not the old one
    context = {"community": thread.community, "thread": thread, "form": form, "has_targets": targets.exists()}
    return render(request, "communities/conversations/move.html", context)


# --- Reports ---------------------------------------------------------------------------------------------
def _reports_url(community) -> str:
    return reverse("communities:manage-reports", kwargs={"slug": community.slug})


@require_GET
def reports(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    page = paginate(selectors.open_reports(community=community), request.GET.get("page"), REPORTS_PAGE_SIZE)
    return render(
        request, "communities/manage/reports.html", _layout(request, community, "reports", page_obj=page)
    )


@require_POST
def report_dismiss(request: HttpRequest, slug: str, report_id: int) -> HttpResponse:
    community = _community(request, slug)
    report = PostReport.objects.filter(pk=report_id, community=community).first()
    if report is None:
        raise Http404("No such report")
    try:
        services.report_dismiss(actor=request.user, report=report)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "You dismissed the reports of this post. It stays as it is.")
    return redirect(_reports_url(community))
