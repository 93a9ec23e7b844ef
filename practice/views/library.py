"""The library of published stories (public to visitors) and a member's own stories."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.pagination import paginate
from practice import selectors
from practice.forms import LibraryFilterForm

PAGE_SIZE = 20
# The library counts its stories up to here (and pages on past it): "More than 1,000 stories" costs the same
# whether there are 2,000 or 50,000.
COUNT_CAP = 1000


@login_not_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    councils = selectors.library_councils(viewer=request.user)
    filters = LibraryFilterForm(request.GET, councils=councils).filters()
    # Shown unbound with the filters in force: a stale or typed value is dropped, not an error.
    form = LibraryFilterForm(initial=filters, councils=councils)
    page = paginate(
        selectors.library(viewer=request.user, **filters),
        request.GET.get("page"),
        PAGE_SIZE,
        cap=COUNT_CAP,
        counted=selectors.library_ids(viewer=request.user, **filters),
    )
    filtered = any(value for key, value in filters.items() if key != "sort")
    return render(
        request,
        "practice/library/index.html",
        {"form": form, "page_obj": page, "filtered": filtered, "sort": filters["sort"]},
    )


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.stories_of(user=request.user), request.GET.get("page"), PAGE_SIZE)
    return render(request, "practice/library/mine.html", {"page_obj": page})
