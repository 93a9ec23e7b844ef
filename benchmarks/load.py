"""Throughput under load: gunicorn as in production, driven by wrk on 127.0.0.1.

    .venv/bin/python benchmarks/load.py [--database postgres://postgres@127.0.0.1:5432/khub_bench]
        [--redis redis://127.0.0.1:6379/0] [--workers 3] [--threads 2] [--connections 32] [--duration 30]
        [--pages thread,library,home,yardstick]

It serves the data benchmarks/pages.py generated (run that first; the same --database) with gunicorn and
gunicorn.conf.py, as the Dockerfile does, under the production settings (benchmarks/load_settings.py adds
the one-query yardstick of benchmarks/baseline.py), with Redis as the cache. Then for each page it runs
wrk (Debian's /usr/bin/wrk) with --connections open connections for --duration seconds, after a short
warm-up, and reports requests per second, p50/p95/p99 latency, errors (socket errors, and any response
that is not a 200: a signed-in page answered with a redirect to sign in counts), each page's rate as a
share of the yardstick's in the same run, the CPU time gunicorn's workers spent per request (which a
busy machine does not inflate as it does latency), and the load average before and after.

Pages: the long conversation's first page and the home feed as the benchmark's member (a session cookie),
the practice library signed out, and the one-query view signed in.
"""

import argparse
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pages  # noqa: E402 -- after the path is set
from benchmarks import scratch_database as scratch  # noqa: E402

WRK = "/usr/bin/wrk"
PAGES = ("yardstick", "thread", "library", "home")
GOAL = 0.15  # the thread page and the library: at least this share of the yardstick's rate
SERVER_SECRET = "khub-load-benchmark-only-not-a-secret-0123456789abcdef"  # noqa: S105
# Per wrk thread: responses that were not a 200; at the end, one line load.py reads.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + thread:get("not_ok") end
  local e = summary.errors
  io.write(string.format(
    "KHUB-LOAD {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p95_us\\": %d, "
    .. "\\"p99_us\\": %d, \\"socket_errors\\": %d, \\"not_ok\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, not_ok))
end
"""
RESULT = re.compile(r"^KHUB-LOAD (\{.*\})$", re.M)


@dataclass
class Result:
    page: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # socket errors (connect, read, write, timeout) and responses other than 200
    cpu_ms: float = 0.0  # CPU time of gunicorn's workers per request (what contention does not inflate)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def parse_wrk(page: str, output: str) -> Result:
    """The figures of one wrk run, from the line WRK_SCRIPT's done() writes."""
    match = RESULT.search(output)
    if match is None:
        raise ValueError(f"no KHUB-LOAD line in wrk's output:\n{output}")
    raw = json.loads(match.group(1))
    return Result(
        page=page,
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        errors=raw["socket_errors"] + raw["not_ok"],
    )


def process_cpu_seconds(master: int) -> float:
    """User and system CPU time of the processes whose parent is `master` (gunicorn's workers), so far."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == master:  # fields after the command: state, ppid, ..., utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=pages.DEFAULT_DATABASE, help="data made by benchmarks/pages.py")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="the cache, as in production")
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--threads", type=int, default=None, help="default: gunicorn.conf.py's")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=30, help="seconds per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds per page before measuring")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pages", type=page_list, default=PAGES, help=f"any of {','.join(PAGES)}")
    return parser


def page_list(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in PAGES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown page {', '.join(unknown)}: choose from {', '.join(PAGES)}")
    if "yardstick" not in names:
        names = ("yardstick", *names)  # every rate is reported as a share of it, measured in the same run
    return names


def server_environment(*, database: str, redis: str, static_root: Path, workers, threads) -> dict:
    """The production settings' variables (benchmarks/load_settings.py), for plain HTTP on 127.0.0.1."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "SECRET_KEY": SERVER_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
    }
    if workers is not None:
        env["WEB_CONCURRENCY"] = str(workers)
    if threads is not None:
        env["GUNICORN_THREADS"] = str(threads)
    return env


def gunicorn_command(*, port: int, access_log: Path) -> list[str]:
    """The Dockerfile's CMD, on a local port (gunicorn.conf.py read from ROOT, as from /app)."""
    return [
        str(Path(sys.executable).with_name("gunicorn")),
        "khub.wsgi:application",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        str(access_log),
        "--worker-tmp-dir",
        "/dev/shm",  # noqa: S108 -- gunicorn's heartbeat files, as in the Dockerfile
    ]


def gunicorn_settings(env: dict) -> tuple[int, int]:
    """The workers and threads gunicorn.conf.py gives gunicorn started with `env`."""
    saved = {name: os.environ.get(name) for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS")}
    try:
        for name in saved:
            if name in env:
                os.environ[name] = env[name]
            else:
                os.environ.pop(name, None)
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return conf["workers"], conf["threads"]


def wrk_command(*, url: str, connections: int, seconds: int, script: Path, cookie: str = "") -> list[str]:
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    return [*command, url]


def collect_static(env: dict, static_root: Path) -> None:
    """The hashed files the production settings expect (the Dockerfile collects them at build time)."""
    if (static_root / "staticfiles.json").exists():
        return
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def fixtures_and_cookie(database: str) -> tuple[dict, str, str]:
    """The pages benchmark's viewer and thread, and a session cookie for the viewer the server accepts."""
    marker = scratch.read_marker(database, pages.MARKER)
    if marker is None:
        raise SystemExit(f"No benchmark data in {database}: run benchmarks/pages.py --database {database}")
    scratch.setup_django(database)
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    fixtures = pages.recall(marker["fixtures"])
    with override_settings(SECRET_KEY=SERVER_SECRET):  # the session's hash is checked with the server's key
        client = Client()
        client.force_login(fixtures["viewer"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return fixtures, cookie, f"{marker['people']} people, {marker['communities']} communities"


def targets(fixtures: dict, cookie: str) -> dict[str, tuple[str, str]]:
    """Each page: (path, cookie)."""
    from django.urls import reverse

    from benchmarks.baseline import BASELINE_PATH

    thread = fixtures["thread"]
    thread_path = reverse("communities:thread", args=[thread.community.slug, thread.pk])
    return {
        "yardstick": (BASELINE_PATH, cookie),
        "thread": (thread_path, cookie),
        "library": (reverse("practice:index"), ""),
        "home": (reverse("home"), cookie),
    }


def wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 -- our own server on 127.0.0.1
            return
        except urllib.error.HTTPError:
            return  # it answers (healthz may say 503 while the broker is unreachable)
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_page(url: str, cookie: str) -> None:
    """A page must answer 200 as the viewer it is measured as (a lost session would be a redirect)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        status = urllib.request.build_opener(NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200")


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def table(results: list[Result], load_before: str, load_after: str) -> str:
    yardstick = next(r for r in results if r.page == "yardstick").rate
    lines = [
        "| Page | Requests/s | p50 | p95 | p99 | Errors | Rate / one query | Worker CPU a request |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        share = r.rate / yardstick if yardstick else 0.0
        lines.append(
            f"| {r.page} | {r.rate:.0f} | {r.p50_ms:.1f} ms | {r.p95_ms:.1f} ms | {r.p99_ms:.1f} ms | "
            f"{r.errors} | {share:.0%} | {r.cpu_ms:.1f} ms |"
        )
    lines.append(f"\nload average before {load_before}, after {load_after}")
    return "\n".join(lines)


def main() -> None:
    args = arguments().parse_args()
    if not Path(WRK).exists():
        raise SystemExit(f"{WRK} is missing: apt-get install wrk")
    database = scratch.database_url(
        args.database, default=pages.DEFAULT_DATABASE, script="benchmarks/load.py", why="load on PostgreSQL"
    )
    fixtures, cookie, dataset = fixtures_and_cookie(database)
    paths = targets(fixtures, cookie)
    work = Path(tempfile.mkdtemp(prefix="khub-load-"))
    static_root = ROOT / "var" / "load-static"
    env = server_environment(
        database=database,
        redis=args.redis,
        static_root=static_root,
        workers=args.workers,
        threads=args.threads,
    )
    collect_static(env, static_root)
    script = work / "khub.lua"
    script.write_text(WRK_SCRIPT)
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(  # noqa: S603 -- our own command line
        gunicorn_command(port=args.port, access_log=work / "access.log"), cwd=ROOT, env=env
    )
    results = []
    try:
        wait_for(f"{base}/healthz", server)
        for page in args.pages:
            check_page(base + paths[page][0], paths[page][1])
        load_before = load_average()
        for page in args.pages:
            path, page_cookie = paths[page]
            common = {"url": base + path, "connections": args.connections, "script": script}
            common["cookie"] = page_cookie
            if args.warmup:
                warmup = wrk_command(seconds=args.warmup, **common)
                subprocess.run(warmup, capture_output=True, check=True)  # noqa: S603
            cpu = process_cpu_seconds(server.pid)
            run = subprocess.run(  # noqa: S603
                wrk_command(seconds=args.duration, **common), capture_output=True, text=True, check=True
            )
            results.append(parse_wrk(page, run.stdout))
            cpu = process_cpu_seconds(server.pid) - cpu
            results[-1].cpu_ms = 1000 * cpu / results[-1].requests if results[-1].requests else 0.0
            print(f"{page}: {results[-1].rate:.0f} requests/s", flush=True)
        load_after = load_average()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    workers, threads = gunicorn_settings(env)
    print(
        f"\n{dataset}; gunicorn {workers} workers x {threads} threads; wrk {args.connections} connections, "
        f"{args.duration} s a page\n"
    )
    print(table(results, load_before, load_after))
    yardstick = next(r for r in results if r.page == "yardstick").rate
    for r in results:
        if r.page in ("thread", "library") and r.rate < GOAL * yardstick:
            print(f"goal missed: {r.page} below {GOAL:.0%} of the one-query view's rate")
        if r.errors:
            print(f"goal missed: {r.page} had {r.errors} errors")


if __name__ == "__main__":
    main()
