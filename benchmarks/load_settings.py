"""The production settings benchmarks/load.py serves with: the same in every respect, plus the one-query
yardstick view (benchmarks/baseline.py) at its own path, measured by the same server in the same run."""

from khub.settings.production import *  # noqa: F403

ROOT_URLCONF = "benchmarks.baseline"
