"""Imports point one way: core ← profiles ← communities ← practice ← ask ← khub. Ask the hub reads
communities' conversations and permissions and practice's stories; nothing below it knows it, and it knows
neither the events, the library nor khub."""

import pytest

from tests.imports import ROOT, imports_of

BELOW = sorted(
    path
    for app in ("core", "profiles", "communities", "practice", "events", "library")
    for path in (ROOT / app).rglob("*.py")
)
ASK = sorted((ROOT / "ask").rglob("*.py"))
NOT_KNOWN = {"events", "library", "khub"}


@pytest.mark.parametrize("path", BELOW, ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_below_ask_imports_it(path):
    assert not imports_of(path, {"ask"}), f"{path.relative_to(ROOT)} imports ask"


@pytest.mark.parametrize("path", ASK, ids=lambda path: str(path.relative_to(ROOT)))
def test_ask_imports_neither_events_library_nor_khub(path):
    assert not imports_of(path, NOT_KNOWN), f"{path.relative_to(ROOT)} imports {imports_of(path, NOT_KNOWN)}"
