from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from khub.search import engine
from khub.search.forms import SearchForm
from khub.search.kinds import FILTERS_BY_KIND, kinds_for
from khub.search.query import Terms


@login_not_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=…: open to visitors (the public practice library only) as to members."""
    form = SearchForm(request.GET if request.GET else None)
    kinds = kinds_for(request.user)
    context = {"form": form, "kinds": kinds, "results": None, "query": "", "cap": engine.CAP}
    if form.is_bound:
        # cleaned_data keeps the valid fields: a date that cannot be read is reported beside its field
        # and left out, and the search still runs.
        form.is_valid()
    data = getattr(form, "cleaned_data", {})
    if data.get("q"):
        kind = data["type"] if data["type"] in kinds else "all"
        if len(kinds) == 1:
            kind = kinds[0]
        filters = form.filters()
        results = engine.search(
            viewer=request.user,
            terms=Terms(data["q"]),
            filters=filters,
            kind=kind,
            sort=data["sort"] or "relevance",
            page=request.GET.get("page"),
        )
        context.update(
            results=results,
            query=data["q"],
            kind=kind,
            filters=filters,
            chosen=[
                (name, getattr(filters, name), results.label(name, getattr(filters, name)))
                for name in engine.FACETS
                if getattr(filters, name)
            ],
            facet_fields=[
                (form[name], results.facets[name], getattr(filters, name))
                for name in engine.FACETS
                if _offered(name, kind, kinds) and (results.facets[name] or getattr(filters, name))
            ],
        )
    return render(request, "khub/search/index.html", context)


def _offered(name: str, kind: str, kinds) -> bool:
    """A filter is offered when a kind on the tab has it."""
    shown = kinds if kind == "all" else (kind,)
    return any(name in FILTERS_BY_KIND[shown_kind] for shown_kind in shown)
