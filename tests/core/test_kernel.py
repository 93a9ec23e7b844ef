"""core is the kernel under every app: it may import Django and third-party libraries, never an app."""

import pytest

from tests.imports import ROOT, imports_of

CORE = ROOT / "core"
APPS = {"profiles", "communities", "practice", "events", "library", "ask", "khub", "tests"}


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda path: str(path.relative_to(CORE)))
def test_core_imports_no_app(path):
    apps = imports_of(path, APPS)
    assert not apps, f"core/{path.relative_to(CORE)} imports {apps}"


def test_the_kernel_check_sees_every_module_of_core():
    kernel = {"__init__", "dates", "email", "forms", "markdown", "pagination", "search"}
    assert {path.stem for path in CORE.glob("*.py")} >= kernel
