"""khub's digests name no kind of content: conversations, requests, reports and stories reach them only
through the providers communities and practice register (core.providers.digests)."""

import ast
from pathlib import Path

import pytest

from core.providers.digests import digest_scopes, digest_sections

DIGESTS = Path(__file__).resolve().parents[2] / "khub" / "digests"
CONTENT_APPS = {"communities", "practice"}


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            modules.add(node.module or "")
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            modules.add(str(node.args[0].value))
    return modules


@pytest.mark.parametrize("path", sorted(DIGESTS.glob("*.py")), ids=lambda path: path.name)
def test_khub_digests_imports_no_communities_or_practice_module(path):
    named = {module for module in _imported_modules(path) if module.split(".")[0] in CONTENT_APPS}
    assert not named, f"khub/digests/{path.name} imports {sorted(named)}"


def test_the_apps_register_the_sections_in_the_order_a_digest_shows_them():
    assert [section.name for section, _ in digest_sections()] == ["waiting", "new", "busy", "practice"]
    assert [scope.name for scope in digest_scopes()] == ["communities"]
