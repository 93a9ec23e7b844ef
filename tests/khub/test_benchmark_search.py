"""benchmarks/search.py end to end on a tiny hub: it makes its own khub_bench_* database on the PostgreSQL
server the tests use, generates the hub, measures every query class as a member and as a visitor through
the view and prints the table; it picks its terms by how many posts hold them; it refuses SQLite and any
database it must not drop."""

import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from benchmarks import search as bench

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _server_url(name: str) -> str:
    """Database `name` on the server the tests use, with the tests' credentials."""
    db = settings.DATABASES["default"]
    user, password = quote(db.get("USER") or "", safe=""), quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(db.get("HOST") or "localhost", safe="")  # a socket directory is percent-encoded
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{name}"


@pytest.fixture
def bench_database():
    """A database of the benchmark's own, never the one it measures by default (khub_bench_search)."""
    name = f"khub_bench_search_test_{os.getpid()}"
    yield _server_url(name)
    with psycopg.connect(_server_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _table(output: str, header: str) -> list[list[str]]:
    """The rows of the Markdown table under `header`, as lists of cells."""
    lines = output[output.index(header) :].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.mark.postgres
@pytest.mark.skipif(
    not ON_POSTGRES,
    reason="benchmarks/search.py measures PostgreSQL's full-text search: set DATABASE_URL to a PostgreSQL "
    "server to run it",
)
def test_the_benchmark_generates_a_tiny_hub_and_prints_every_query_class_for_member_and_visitor(
    bench_database,
):
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    command = [sys.executable, str(ROOT / "benchmarks" / "search.py"), "--posts", "2000", "--stories", "200"]
    command += ["--samples", "2", "--database", bench_database, "--explain"]
    done = subprocess.run(  # noqa: S603  (the benchmark, with its own arguments)
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600, check=False
    )

    output = done.stdout
    assert done.returncode == 0, output[-3000:] + done.stderr[-3000:]
    assert "2,000 posts (COPY" in output  # generated, then measured in a fresh process
    assert "indexes rebuilt as migrated" in output
    assert "Database khub_bench_search_test_" in output
    assert "Load average (1, 5, 15 min) before:" in output
    assert "Load average (1, 5, 15 min) after:" in output
    rows = _table(output, "| Query class | Viewer | p50 ms | p95 ms | max ms |")
    assert {(row[0], row[1]) for row in rows} == {
        (label, viewer) for _, label in bench.CLASSES for viewer in ("member", "visitor")
    }
    assert "The yardstick (one indexed query behind the same middleware" in output
    for label, viewer, p50, p95, worst, sql, queries, _matches, verdict, p50_ratio, p95_ratio in rows:
        assert 0 < float(p50) <= float(p95) <= float(worst), (label, viewer)
        assert 0 < float(p50_ratio) <= float(p95_ratio)
        assert 0 <= float(sql) <= float(worst)
        assert int(queries.split("-")[0]) > 0
        assert verdict in ("yes", "NO")
    assert "Goal p95 <= 100 ms: met by" in output
    cap = _table(output, "| Term | Posts holding it |")
    assert len(cap) == 3
    assert "Conversations" in cap[0][4]  # the member's page counts conversations; the visitor's does not
    assert "Conversations" not in cap[0][5]
    assert "EXPLAIN (ANALYZE, BUFFERS)" in output
    assert "Execution Time:" in output


def _bands(words: dict[str, int], *, posts: int, extras: dict[str, int] | None = None) -> dict:
    vocab = list(words)
    return bench.term_bands(
        Counter({index: words[word] for index, word in enumerate(vocab)}),
        Counter(dict.fromkeys(range(len(vocab)), 1)),
        vocab,
        extras or {},
        ["team data"],
        posts=posts,
        rng=random.Random(1),
    )


def _names(rows: list) -> set[str]:
    return {row[0] for row in rows}


def test_terms_are_banded_by_how_many_posts_hold_them():
    rare = {f"rare{i}": 3 + 5 * i for i in range(20)}  # at most 1 post in 10,000
    mid = {f"mid{i}": 1_000 + 450 * i for i in range(20)}  # 1 in 1,000 to 1 in 100
    often = {f"often{i}": 100_000 + 5_000 * i for i in range(20)}  # 1 in 10 or more
    between = {f"low{i}": 500 for i in range(20)} | {f"high{i}": 50_000 for i in range(20)}
    extras = {"housing": 300_000, "potholes": 0, "adult social care": 120_000}

    bands = _bands(rare | mid | often | between, posts=1_000_000, extras=extras)

    assert _names(bands["rare"]) == set(rare)
    assert _names(bands["mid"]) == set(mid)
    assert _names(bands["frequent"]) == set(often) | {"housing"}
    assert all(row[2] == 1 for row in bands["rare"])  # the stories holding it, beside the posts
    assert bands["phrases"] == [['"adult social care"', 120_000, None]]
    assert bands["pairs"] == [['"team data"', None, None]]


def test_a_band_the_corpus_is_too_small_for_takes_the_nearest_words():
    words = {f"word{i}": 50 + 10 * i for i in range(40)}  # none held by as few as 3 of 2,000 posts

    bands = _bands(words, posts=2_000)

    assert _names(bands["rare"]) == {f"word{i}" for i in range(10)}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///var/khub.sqlite3", "SQLite is not supported"),
        ("mysql://root@127.0.0.1/khub_bench", "needs a PostgreSQL"),
        ("postgres://postgres@127.0.0.1:5432/khub", "must start with khub_bench"),
    ],
)
def test_the_benchmark_refuses_sqlite_and_databases_it_must_not_drop(url, message):
    with pytest.raises(SystemExit, match=message):
        bench.database_url(url)
