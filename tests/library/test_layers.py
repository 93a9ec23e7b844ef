"""Imports point one way: core ← profiles ← communities ← practice ← library ← khub. The library may use
communities' conversations and permissions and practice's stories (documents are attached to them); nothing
below it knows the library, and it knows neither events nor khub."""

import pytest

from tests.imports import ROOT, imports_of

BELOW = sorted(
    path
    for app in ("core", "profiles", "communities", "practice", "events")
    for path in (ROOT / app).rglob("*.py")
)
LIBRARY = sorted((ROOT / "library").rglob("*.py"))


@pytest.mark.parametrize("path", BELOW, ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_below_the_library_imports_it(path):
    assert not imports_of(path, {"library"}), f"{path.relative_to(ROOT)} imports library"


@pytest.mark.parametrize("path", LIBRARY, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_library_imports_neither_events_ask_nor_khub(path):
    assert not imports_of(path, {"events", "ask", "khub"}), (
        f"{path.relative_to(ROOT)} imports {imports_of(path, {'events', 'ask', 'khub'})}"
    )
