"""The library of published stories (public to visitors) and a member's own stories."""

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from practice import selectors
from practice.forms import LibraryFilterForm

PAGE_SIZE = 20


def _page(request: HttpRequest, items):
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))  # bad or too large: 1 or the last
    page.object_list = list(page.object_list)
    return page


@login_not_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    councils = selectors.library_councils(viewer=request.user)
    filters = LibraryFilterForm(request.GET, councils=councils).filters()
    # Shown unbound with the filters in force: a stale or typed value is dropped, not an error.
    form = LibraryFilterForm(initial=filters, councils=councils)
    page = _page(request, selectors.library(viewer=request.user, **filters))
    filtered = any(value for key, value in filters.items() if key != "sort")
    return render(
        request,
        "practice/library/index.html",
        {"form": form, "page_obj": page, "filtered": filtered, "sort": filters["sort"]},
    )


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.stories_of(user=request.user))
    return render(request, "practice/library/mine.html", {"page_obj": page})
