"""benchmarks/pages.py: its flags and defaults are the ones its docstring and README.md state, and on a tiny
dataset every page it measures answers, with fixtures that --reuse reads back from the marker."""

import re
from pathlib import Path

import pytest

from benchmarks import pages as bench

ROOT = Path(__file__).resolve().parents[2]


def test_the_docstring_names_only_flags_the_script_has():
    flags = {option for action in bench.arguments()._actions for option in action.option_strings}
    assert set(re.findall(r"--[a-z][a-z-]*", bench.__doc__)) <= flags
    assert "--reuse" in flags


def test_the_defaults_are_the_dataset_the_readme_measured():
    defaults = bench.arguments().parse_args([])
    readme = (ROOT / "README.md").read_text()
    performance = readme[readme.index("`benchmarks/pages.py`") :][:600]
    assert f"{defaults.people:,} people, {defaults.communities:,} communities" in performance
    assert f"[--people {defaults.people}] [--communities {defaults.communities}]" in bench.__doc__


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///var/khub.sqlite3", "SQLite is not supported"),
        ("postgres://postgres@127.0.0.1:5432/khub", "must start with khub_bench"),
    ],
)
def test_the_benchmark_refuses_sqlite_and_databases_it_must_not_drop(monkeypatch, url, message):
    monkeypatch.setattr("sys.argv", ["pages.py", "--database", url])
    with pytest.raises(SystemExit, match=message):
        bench.main()


def test_every_page_answers_on_a_tiny_dataset_and_the_fixtures_survive_the_marker(postgres_only):
    # 300 people: the busy story's 300 endorsers. The 5,000 stories and the 1,000-post thread stay.
    fixtures = bench.generate(people=300, communities=9)
    recalled = bench.recall(bench.remember(fixtures))
    assert recalled == fixtures

    rows = bench.measure(fixtures=recalled, samples=1)

    assert len(rows) >= 25
    # (The visitor's landing page runs none.)
    assert all(queries > 0 for who, path, *_, queries in rows if (who, path) != ("visitor", "/"))
    # The yardstick first: session, member and its one query on a primary key.
    assert rows[0][1].startswith("one indexed query")
    assert rows[0][-1] == 3
    # The facilitator on every page but the visitor's probe; the visitor on the pages visitors see.
    assert {who for who, *_ in rows} == {"facilitator", "visitor"}
    assert {path for who, path, *_ in rows if who == "visitor"} >= {"/", "/practice/", "/healthz"}
