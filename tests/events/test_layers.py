"""Imports point one way: core ← profiles ← communities ← events ← khub. Events may use communities'
conversations and permissions; nothing below it knows events, and events know neither practice nor khub."""

import pytest

from tests.imports import ROOT, imports_of

BELOW = sorted(path for app in ("core", "profiles", "communities") for path in (ROOT / app).rglob("*.py"))
EVENTS = sorted((ROOT / "events").rglob("*.py"))


@pytest.mark.parametrize("path", BELOW, ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_below_events_imports_it(path):
    assert not imports_of(path, {"events"}), f"{path.relative_to(ROOT)} imports events"


@pytest.mark.parametrize("path", EVENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_events_import_neither_practice_nor_khub(path):
    assert not imports_of(path, {"practice", "ask", "khub"}), (
        f"{path.relative_to(ROOT)} imports {imports_of(path, {'practice', 'ask', 'khub'})}"
    )
