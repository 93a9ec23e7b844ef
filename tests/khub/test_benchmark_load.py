"""benchmarks/load.py: what it reads from wrk, the pages and flags it takes, and the server it starts (the
Dockerfile's gunicorn, with gunicorn.conf.py, under the production settings). Nothing here is timed."""

import argparse
import os
import re
import runpy
from pathlib import Path

import pytest

from benchmarks import load

ROOT = Path(__file__).resolve().parents[2]

WRK_OUTPUT = """Running 30s test @ http://127.0.0.1:8765/communities/x/conversations/5/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   180.11ms   40.52ms 612.80ms   80.00%
  5400 requests in 30.02s, 830.12MB read
Requests/sec:    179.88
KHUB-LOAD {"requests": 5400, "duration_us": 30020000, "p50_us": 175500, "p95_us": 240250, "p99_us": 401000, "socket_errors": 2, "not_ok": 3}
"""  # noqa: E501 -- as wrk prints it


def test_the_figures_are_read_from_the_line_the_lua_script_writes():
    result = load.parse_wrk("thread", WRK_OUTPUT)
    assert result.page == "thread"
    assert result.requests == 5400
    assert result.rate == pytest.approx(5400 / 30.02)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (175.5, 240.25, 401.0)
    assert result.errors == 5  # socket errors and responses that were not a 200


def test_wrk_output_without_the_line_is_an_error_not_zeroes():
    with pytest.raises(ValueError, match="no KHUB-LOAD line"):
        load.parse_wrk("thread", "unable to connect to 127.0.0.1:8765 Connection refused\n")


def test_the_lua_script_writes_the_fields_parse_wrk_reads():
    fields = set(re.findall(r'\\"([a-z0-9_]+)\\"', load.WRK_SCRIPT))
    assert fields == {"requests", "duration_us", "p50_us", "p95_us", "p99_us", "socket_errors", "not_ok"}
    assert "status ~= 200" in load.WRK_SCRIPT  # a redirect to sign in is an error, not a fast page


def test_the_defaults_are_the_issue_s_load_32_connections_for_30_seconds_on_every_page():
    args = load.arguments().parse_args([])
    assert (args.connections, args.duration) == (32, 30)
    assert args.pages == ("yardstick", "thread", "library", "home")
    assert args.workers is None  # gunicorn.conf.py's, as in production
    assert args.threads is None


def test_the_yardstick_is_always_measured_first_and_unknown_pages_are_refused():
    assert load.page_list("thread,library") == ("yardstick", "thread", "library")
    assert load.page_list("yardstick, home") == ("yardstick", "home")
    with pytest.raises(argparse.ArgumentTypeError, match="unknown page feed"):
        load.page_list("thread,feed")
    with pytest.raises(SystemExit):
        load.arguments().parse_args(["--pages", ""])


def test_the_docstring_names_only_flags_the_script_has():
    flags = {option for action in load.arguments()._actions for option in action.option_strings}
    assert set(re.findall(r"--[a-z][a-z-]*", load.__doc__)) <= flags


def test_wrk_runs_with_the_cookie_only_for_signed_in_pages():
    script = Path("/tmp/khub.lua")  # noqa: S108 -- a name only: nothing is written
    signed_in = load.wrk_command(
        url="http://127.0.0.1:1/", connections=32, seconds=30, script=script, cookie="sessionid=abc"
    )
    assert signed_in[:4] == ["/usr/bin/wrk", "-t2", "-c32", "-d30s"]
    assert signed_in[-3:] == ["-H", "Cookie: sessionid=abc", "http://127.0.0.1:1/"]
    signed_out = load.wrk_command(url="http://127.0.0.1:1/", connections=32, seconds=30, script=script)
    assert "-H" not in signed_out


def test_the_server_is_the_dockerfile_s_gunicorn_with_its_config_under_the_production_settings():
    command = load.gunicorn_command(port=8765, access_log=Path("access.log"))
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*?\])$", dockerfile, re.M | re.S).group(1)
    assert '"gunicorn", "khub.wsgi:application"' in cmd
    assert command[1] == "khub.wsgi:application"
    assert command[command.index("--config") + 1] == str(ROOT / "gunicorn.conf.py")
    assert command[command.index("--bind") + 1] == "127.0.0.1:8765"
    env = load.server_environment(
        database="postgres://x@127.0.0.1/khub_bench", redis="redis://r/3", static_root=Path("s"), workers=2,
        threads=None,
    )  # fmt: skip
    assert env["DJANGO_SETTINGS_MODULE"] == "benchmarks.load_settings"
    assert (env["WEB_CONCURRENCY"], env["REDIS_URL"]) == ("2", "redis://r/3")
    assert env.get("GUNICORN_THREADS") == os.environ.get("GUNICORN_THREADS")  # gunicorn.conf.py decides
    settings = (ROOT / "benchmarks" / "load_settings.py").read_text()
    assert "from khub.settings.production import *" in settings


def test_gunicorn_conf_takes_workers_and_threads_from_the_environment_and_the_readme_gives_its_defaults(
    monkeypatch,
):
    def read() -> tuple[int, int]:
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        return conf["workers"], conf["threads"]

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    workers, threads = read()
    readme = (ROOT / "README.md").read_text()
    assert f"{workers} workers of {threads} threads" in readme
    assert load.gunicorn_settings({}) == (workers, threads)
    assert load.gunicorn_settings({"WEB_CONCURRENCY": "5"}) == (5, threads)
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "1")
    assert read() == (5, 1)


def test_the_benchmark_refuses_databases_it_must_not_use(monkeypatch):
    monkeypatch.setattr("sys.argv", ["load.py", "--database", "postgres://postgres@127.0.0.1:5432/khub"])
    with pytest.raises(SystemExit, match="must start with khub_bench"):
        load.main()
