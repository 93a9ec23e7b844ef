from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.providers.search import SearchKind, kinds_for, search_tabs
from core.search_query import Terms
from khub.search import engine
from khub.search.forms import SearchForm


@login_not_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=…: open to visitors (the public practice library only) as to members."""
    form = SearchForm(request.GET if request.GET else None)
    searched, tabs = kinds_for(request.user), search_tabs()
    kinds = [searched_kind.name for searched_kind in searched]
    members_only = [tab.label.lower() for tab in tabs if tab not in searched]
    context = {
        "form": form,
        "kinds": kinds,
        "results": None,
        "query": "",
        "cap": engine.CAP,
        # What the page tells a visitor they search, and what signing in would add.
        "public_scope": _listed([searched_kind.public for searched_kind in searched if searched_kind.public]),
        "members_only": _listed([*members_only, "the rest of the library"]) if members_only else "",
        "dated": _listed([tab.dated for tab in tabs if tab.dated]),
    }
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
                if _offered(name, kind, searched) and (results.facets[name] or getattr(filters, name))
            ],
        )
    return render(request, "khub/search/index.html", context)


def _offered(name: str, kind: str, searched: list[SearchKind]) -> bool:
    """A filter is offered when a kind on the tab has it."""
    return any(name in shown.filters for shown in searched if kind in ("all", shown.name))


def _listed(phrases: list[str]) -> str:
    """Phrases joined as a sentence reads them: a; a and b; a, b and c."""
    return " and ".join([", ".join(phrases[:-1]), phrases[-1]]) if len(phrases) > 1 else "".join(phrases)
