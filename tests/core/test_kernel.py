"""core is the kernel under every app: it may import Django and third-party libraries, never an app."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"
APPS = {"profiles", "communities", "practice", "khub", "tests"}


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside core itself
                continue
            modules.add(node.module or "")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            modules.add(str(node.args[0].value))
    return modules


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda path: str(path.relative_to(CORE)))
def test_core_imports_no_app(path):
    apps = {module for module in _imported_modules(path) if module.split(".")[0] in APPS}
    assert not apps, f"core/{path.relative_to(CORE)} imports {sorted(apps)}"


def test_the_kernel_check_sees_every_module_of_core():
    kernel = {"__init__", "dates", "email", "forms", "markdown", "pagination", "search"}
    assert {path.stem for path in CORE.glob("*.py")} >= kernel
