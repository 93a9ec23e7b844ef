"""Search composes the kinds the apps register (core.providers.search): khub/search names no app, and the
kinds arrive in INSTALLED_APPS order while the tabs keep their own."""

import pytest
from django.template.loader import get_template

from core.providers.search import filter_choices, search_kinds, search_tabs
from tests.imports import ROOT, imports_of

SEARCH = ROOT / "khub" / "search"
APPS = {"profiles", "communities", "practice"}


@pytest.mark.parametrize("path", sorted(SEARCH.glob("*.py")), ids=lambda path: path.name)
def test_khub_search_imports_no_app(path):
    apps = imports_of(path, APPS)
    assert not apps, f"khub/search/{path.name} imports {apps}"


def test_the_import_check_sees_the_search_modules():
    assert {path.name for path in SEARCH.glob("*.py")} >= {"engine.py", "forms.py", "views.py"}


def test_kinds_register_in_installed_apps_order_and_tabs_keep_theirs():
    assert [kind.name for kind in search_kinds()] == [
        "people",
        "conversations",
        "communities",
        "practice",
        "events",
        "library",
    ]
    assert [kind.label for kind in search_tabs()] == [
        "Practice",
        "Conversations",
        "Events",
        "Library",
        "Communities",
        "People",
    ]


def test_every_kind_has_its_template_and_only_practice_is_public():
    for kind in search_kinds():
        get_template(kind.template)
    assert [kind.name for kind in search_kinds() if kind.public] == ["practice"]


def test_choice_filters_take_their_values_from_the_kinds():
    from practice.models import ServiceArea
    from profiles.models import Council

    assert filter_choices("region") == list(Council.Region.choices)
    assert filter_choices("service_area") == list(ServiceArea.choices)
