"""The demo's content: the YAML files in khub/demo/data/, one per part of the demo (each file's header says
what its fields mean)."""

from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"
# libyaml's safe loader where PyYAML was built with it (its wheels are): eight times faster than Python's.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read(name: str) -> Any:
    """The parsed data/<name>.yaml: plain lists, dicts, strings and numbers (safe loading, no tags)."""
    with (DATA / f"{name}.yaml").open(encoding="utf-8") as file:
        return yaml.load(file, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, in C or in Python
