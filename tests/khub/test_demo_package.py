"""khub/demo/: its modules use one another's public names only, and its data files reach the image."""

import ast
import fnmatch
from pathlib import Path

from khub.demo.files import DATA

DEMO = DATA.parent
ROOT = DEMO.parent.parent


def test_demo_modules_import_only_public_names_from_one_another():
    for module in DEMO.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("khub.demo"):
                private = [alias.name for alias in node.names if alias.name.startswith("_")]
                assert not private, f"{module.name} imports {private} from {node.module}"


def test_the_demo_data_files_are_not_left_out_of_the_docker_build():
    # The Dockerfile copies the source tree (COPY . .) less what .dockerignore names.
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    files = [str(Path(path).relative_to(ROOT)) for path in sorted(DATA.glob("*.yaml"))]
    assert len(files) == 9
    for name in files:
        parents = [Path(*Path(name).parts[:n]) for n in range(1, len(Path(name).parts) + 1)]
        for pattern in patterns:
            if pattern.startswith("**/"):  # at any depth
                hits = [path for path in parents if fnmatch.fnmatch(path.name, pattern.removeprefix("**/"))]
            else:
                hits = [path for path in parents if fnmatch.fnmatch(str(path), pattern)]
            assert not hits, f"{name} is left out by .dockerignore's {pattern}"
