"""The living guides' pages: writing a new guide, a guide's page, editing it (with the edit conflict shown
as what changed meanwhile), its history, the diff between any two revisions, one revision's text, and the
facilitators' restore, lock and remove.

Sign-in comes from LoginRequiredMiddleware. A guide is content of its community's library: whoever may not
read the community gets 404 on every page (library.permissions). A refusal the reader should understand (a
locked guide) is a 403 page that says why.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communities.models import Community
from communities.selectors import community_for_page
from core.forms import add_service_errors, markdown_preview_requested
from core.markdown import markdown_render
from core.pagination import paginate
from library import permissions, selectors_guides
from library.diffs import diff_texts, diff_titles
from library.forms_guides import CompareForm, GuideEditForm, GuideForm, RemoveForm, RestoreForm
from library.models import Guide
from library.services import guides as services

HISTORY_PAGE_SIZE = 25


# --- Finding what the URL names ------------------------------------------------------------------------
def _readable_community(request: HttpRequest, slug: str) -> Community:
    community = community_for_page(slug=slug)
    if community is None:
        raise Http404("No such community")
    permissions.check_read_library(user=request.user, community=community)
    return community


def _readable_guide(request: HttpRequest, slug: str, guide_slug: str, *, text: bool = False) -> Guide:
    """The guide behind the URL if the viewer may read it, else 404; with its text only if `text`."""
    guide = selectors_guides.guide_for_page(slug=slug, guide_slug=guide_slug, text=text)
    if guide is None:
        raise Http404("No such guide")
    permissions.check_read_guide(user=request.user, guide=guide)
    return guide


def _refused(request: HttpRequest, error: PermissionDenied, guide: Guide | None = None) -> HttpResponse:
    """A 403 that says why (a locked guide, a page for facilitators), with the way back."""
    return render(request, "library/guides/refused.html", {"reason": str(error), "guide": guide}, status=403)


def _guide_context(request: HttpRequest, guide: Guide, **extra) -> dict:
    user = request.user
    return {
        "guide": guide,
        "community": guide.community,
        "can_edit": permissions.can_edit_guide(user=user, guide=guide),
        "can_manage": permissions.can_manage_guide(user=user, guide=guide),
        **extra,
    }


# --- Writing and reading -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, slug: str) -> HttpResponse:
    community = _readable_community(request, slug)
    try:
        permissions.check_create_guide(user=request.user, community=community)
    except PermissionDenied as error:
        return _refused(request, error)
    form = GuideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            guide = services.guide_create(user=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, "Your guide is published. Every member of the community can improve it."
            )
            return redirect(guide.get_absolute_url())
    return render(request, "library/guides/form.html", {"community": community, "form": form, "guide": None})


@require_GET
def guide(request: HttpRequest, slug: str, guide_slug: str) -> HttpResponse:
    found = _readable_guide(request, slug, guide_slug, text=True)
    return render(request, "library/guides/detail.html", _guide_context(request, found))


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str, guide_slug: str) -> HttpResponse:
    """The guide's form, started from its newest revision (a hidden field). A save from an older one is
    refused: the page then shows what changed meanwhile and keeps what was typed, with the newest revision
    as the new base, so saving again (after reading the changes) goes through."""
    found = _readable_guide(request, slug, guide_slug, text=True)
    try:
        permissions.check_edit_guide(user=request.user, guide=found)
    except PermissionDenied as error:
        return _refused(request, error, found)
    posted = request.method == "POST"
    form = GuideEditForm(
        request.POST if posted else None,
        initial={"title": found.title, "body": found.body, "base_revision": found.revision_count},
    )
    base = _posted_base(request) if posted else found.revision_count
    conflict = None
    if posted and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            services.guide_save(user=request.user, guide=found, **form.cleaned_data)
        except services.EditConflict as error:
            conflict = _conflict(found, error)
            form.add_error(None, error)
            base = error.newest.number
        except PermissionDenied as error:  # locked while they were editing
            return _refused(request, error, found)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect(found.get_absolute_url())
    return render(
        request,
        "library/guides/form.html",
        {"community": found.community, "form": form, "guide": found, "base": base, "conflict": conflict},
    )


def _posted_base(request: HttpRequest) -> int | str:
    """The revision the form was opened at, as posted, to send back with the form."""
    value = request.POST.get("base_revision", "")
    return int(value) if value.isdigit() else ""


def _conflict(guide: Guide, error: services.EditConflict) -> dict:
    """What the edit page shows of a conflict: who saved meanwhile, and the diff from the editor's base to
    the newest revision."""
    base = selectors_guides.guide_revisions(guide=guide, numbers={error.base})[error.base]
    newest = error.newest
    return {
        "base": base,
        "newest": newest,
        "since": error.since,
        "title": diff_titles(base.title, newest.title),
        "diff": diff_texts(base.body, newest.body),
        "old_label": f"Revision {base.number}",
        "new_label": f"Revision {newest.number}",
    }


# --- History, diffs and revisions ----------------------------------------------------------------------
@require_GET
def history(request: HttpRequest, slug: str, guide_slug: str) -> HttpResponse:
    found = _readable_guide(request, slug, guide_slug)
    page = paginate(
        selectors_guides.guide_history(guide=found),
        request.GET.get("page"),
        HISTORY_PAGE_SIZE,
        count=found.revision_count,  # kept under the guide's lock by every save
    )
    rows = page.object_list
    return render(
        request,
        "library/guides/history.html",
        _guide_context(
            request,
            found,
            page_obj=page,
            # Each row's links, built once: "<revisions_url><number>/" and "<diff_url>?from=..&to=..".
            revisions_url=reverse(
                "library:guide-revision", kwargs={"slug": slug, "guide_slug": guide_slug, "number": 0}
            ).removesuffix("0/"),
            diff_url=reverse("library:guide-diff", kwargs={"slug": slug, "guide_slug": guide_slug}),
            # The compare form starts at the page's two newest: the last change on it.
            compare_to=rows[0].number if rows else None,
            compare_from=rows[1].number if len(rows) > 1 else None,
        ),
    )


@require_GET
def diff(request: HttpRequest, slug: str, guide_slug: str) -> HttpResponse:
    found = _readable_guide(request, slug, guide_slug)
    form = CompareForm(request.GET, newest=found.revision_count)
    start, end = form.revisions()
    revisions = selectors_guides.guide_revisions(guide=found, numbers={start, end})
    if start not in revisions or end not in revisions:
        raise Http404("No such revision")
    old, new = revisions[start], revisions[end]
    view = form.view()
    return render(
        request,
        "library/guides/diff.html",
        _guide_context(
            request,
            found,
            old=old,
            new=new,
            revision_pair=[old, new] if old.number != new.number else [old],
            old_label=f"Revision {old.number}",
            new_label=f"Revision {new.number}",
            view=view,
            other_view="inline" if view == "side" else "side",
            ignored=form.ignored,
            title_diff=diff_titles(old.title, new.title),
            diff=diff_texts(old.body, new.body),
        ),
    )


def _revision_or_404(guide: Guide, number: int):
    revision = selectors_guides.guide_revisions(guide=guide, numbers={number}).get(number)
    if revision is None:
        raise Http404("No such revision")
    return revision


@require_GET
def revision(request: HttpRequest, slug: str, guide_slug: str, number: int) -> HttpResponse:
    found = _readable_guide(request, slug, guide_slug)
    shown = _revision_or_404(found, number)
    return render(
        request,
        "library/guides/revision.html",
        # A revision's text is rendered when it is asked for: only the guide keeps its newest as HTML.
        _guide_context(request, found, revision=shown, body_html=markdown_render(shown.body)),
    )


@require_http_methods(["GET", "POST"])
def restore(request: HttpRequest, slug: str, guide_slug: str, number: int) -> HttpResponse:
    """The confirmation page (GET) and the restore (POST): a new revision with that revision's text."""
    found = _readable_guide(request, slug, guide_slug)
    try:
        permissions.check_manage_guide(user=request.user, guide=found)
    except PermissionDenied as error:
        return _refused(request, error, found)
    shown = _revision_or_404(found, number)
    form = RestoreForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.guide_restore(
                user=request.user, guide=found, number=number, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # it already reads so: back to the guide, saying so
                messages.info(request, " ".join(error.messages))
                return redirect(found.get_absolute_url())
            add_service_errors(form, error)
        else:
            messages.success(request, f"Revision {number} is restored, as revision {made.number}.")
            return redirect(found.get_absolute_url())
    return render(
        request, "library/guides/restore.html", _guide_context(request, found, revision=shown, form=form)
    )


# --- Facilitators: lock and remove ---------------------------------------------------------------------
@require_POST
def lock(request: HttpRequest, slug: str, guide_slug: str) -> HttpResponse:
    """Lock (locked=1) or unlock (locked=0): a button on the guide's page."""
    found = _readable_guide(request, slug, guide_slug)
    try:
        if request.POST.get("locked") == "0":
            services.guide_unlock(user=request.user, guide=found)
            messages.success(request, "The guide is unlocked: every member of the community can edit it.")
        else:
            services.guide_lock(user=request.user, guide=found)
            messages.success(request, "The guide is locked: only the community's facilitators can edit it.")
    except PermissionDenied as error:
        return _refused(request, error, found)
    return redirect(found.get_absolute_url())


@require_http_methods(["GET", "POST"])
def remove(request: HttpRequest, slug: str, guide_slug: str) -> HttpResponse:
    found = _readable_guide(request, slug, guide_slug)
    try:
        permissions.check_manage_guide(user=request.user, guide=found)
    except PermissionDenied as error:
        return _refused(request, error, found)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guide_remove(user=request.user, guide=found, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{found.title}” is removed. The moderation log keeps your reason.")
            return redirect(reverse("library:index", kwargs={"slug": found.community.slug}))
    return render(request, "library/guides/remove.html", _guide_context(request, found, form=form))
