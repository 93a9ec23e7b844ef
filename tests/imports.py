"""What a module imports, read from its source: for the tests that keep the layers apart (core imports no
app; khub's feed, search and digests import none of the apps whose kinds they compose)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Every absolute module the file imports, with import_module("...") calls; relative imports stay out."""
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


def imports_of(path: Path, packages: set[str]) -> list[str]:
    """The modules of these top-level packages that the file imports, sorted."""
    return sorted(module for module in imported_modules(path) if module.split(".")[0] in packages)
