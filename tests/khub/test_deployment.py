"""The production shape: Dockerfile, docker-compose.yml and .env.example agree with each other and with
the settings. No Docker engine is needed: the files are parsed, and Django's deployment checks run
under the production settings in a subprocess."""

import importlib.util
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.http.request import validate_host

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
APP_SERVICES = ("web", "worker", "beat")

# env("NAME", ...), env.bool("NAME", ...), env.db("NAME", ...): every way django-environ reads a variable.
SETTINGS_ENV_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Za-z_]\w*)["']""")
# "NAME=value" (set) or "# NAME=value" (documented, optional) at the start of a line.
ENV_EXAMPLE_LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# ${NAME}, ${NAME:-default}, $NAME; "$$" is compose's escaped dollar sign.
COMPOSE_VARIABLE = re.compile(r"\$(\$|\{([A-Za-z_]\w*)|([A-Za-z_]\w*))")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services(compose: dict) -> dict:
    return compose["services"]


def environment(service: dict) -> dict[str, str]:
    """A service's `environment`, whether written as a mapping or as a list of NAME=value."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def env_example_names(*, including_commented: bool) -> set[str]:
    return {
        name
        for commented, name in ENV_EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text())
        if including_commented or not commented
    }


def settings_env_names() -> set[str]:
    return {
        name
        for path in sorted((ROOT / "khub" / "settings").glob("*.py"))
        for name in SETTINGS_ENV_READ.findall(path.read_text())
    }


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) for each instruction, continuation lines joined and comments dropped."""
    instructions, parts = [], []
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts.append(stripped.removesuffix("\\").strip())
        if not stripped.endswith("\\"):
            keyword, _, arguments = " ".join(parts).partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            parts = []
    return instructions


def arguments_of(keyword: str) -> list[str]:
    return [arguments for instruction, arguments in dockerfile_instructions() if instruction == keyword]


# --- docker-compose.yml --------------------------------------------------------------------------------


def test_compose_runs_the_database_redis_web_app_worker_and_beat(compose):
    assert set(services(compose)) == {"db", "redis", "web", "worker", "beat"}


def test_redis_evicts_only_expiring_cache_keys_when_full_never_queued_tasks(compose):
    command = services(compose)["redis"]["command"]
    assert command[command.index("--maxmemory-policy") + 1] == "volatile-lru"
    assert "--maxmemory" in command


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_the_dockerfile_and_run_the_production_settings(compose, name):
    service = services(compose)[name]
    build = service["build"]
    if isinstance(build, str):
        build = {"context": build}
    assert (ROOT / build["context"] / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE
    assert environment(service)["DJANGO_SETTINGS_MODULE"] == "khub.settings.production"
    env_files = service["env_file"]
    assert ".env" in ([env_files] if isinstance(env_files, str) else env_files)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_use_the_compose_database_broker_and_media_volume(compose, name):
    service = services(compose)[name]
    env = environment(service)
    assert env["DATABASE_URL"] == "postgres://khub:khub@db:5432/khub"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert f"media:{env['MEDIA_ROOT']}" in service["volumes"]
    assert "media" in compose["volumes"]


def test_the_database_credentials_match_the_database_url(compose):
    db = environment(services(compose)["db"])
    url = f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
    assert environment(services(compose)["web"])["DATABASE_URL"] == url


def test_database_and_redis_have_healthchecks_and_the_database_a_named_volume(compose):
    db, redis = services(compose)["db"], services(compose)["redis"]
    assert db["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(volume.split(":")[0] in compose["volumes"] for volume in db["volumes"])
    assert redis["image"].startswith("redis:7")
    assert "redis-cli ping" in " ".join(redis["healthcheck"]["test"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_start_only_once_database_and_redis_are_healthy(compose, name):
    depends_on = services(compose)[name]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"


def test_web_migrates_on_start_and_publishes_port_8000(compose):
    web = services(compose)["web"]
    assert "command" not in web  # the image's CMD: gunicorn
    assert environment(web)["MIGRATE_ON_START"] == "1"
    assert "8000:8000" in [str(port) for port in web["ports"]]
    entrypoint = (ROOT / "bin" / "docker-entrypoint").read_text()
    assert 'if [ "${MIGRATE_ON_START:-0}" = "1" ]' in entrypoint
    assert "python manage.py migrate --noinput" in entrypoint
    assert entrypoint.rstrip().endswith('exec "$@"')


def test_only_web_migrates_on_start(compose):
    """Worker and beat starting together with web must not race it through the same migrations."""
    assert [name for name in APP_SERVICES if "MIGRATE_ON_START" in environment(services(compose)[name])] == [
        "web"
    ]


def test_the_entrypoint_is_an_executable_posix_shell_script():
    entrypoint = ROOT / "bin" / "docker-entrypoint"
    assert os.access(entrypoint, os.X_OK)
    subprocess.run(["sh", "-n", str(entrypoint)], check=True)  # noqa: S603, S607


def test_worker_and_beat_run_celery_and_beat_keeps_its_schedule_in_tmp(compose):
    worker, beat = services(compose)["worker"], services(compose)["beat"]
    assert worker["command"][:4] == ["celery", "-A", "khub", "worker"]
    assert beat["command"][:4] == ["celery", "-A", "khub", "beat"]
    assert "--schedule=/tmp/celerybeat-schedule" in beat["command"]
    # The image's HEALTHCHECK probes gunicorn, which only the web container runs.
    assert worker["healthcheck"] == {"disable": True}
    assert beat["healthcheck"] == {"disable": True}


def test_every_variable_compose_interpolates_is_set_in_env_example():
    referenced = {
        braced or bare
        for dollar, braced, bare in COMPOSE_VARIABLE.findall(COMPOSE_FILE.read_text())
        if dollar != "$"
    }
    assert referenced <= env_example_names(including_commented=False)


# --- .env.example ----------------------------------------------------------------------------------------


def test_the_settings_read_the_variables_this_test_expects_to_find():
    """Guards the regex below: if it stopped matching, the next test would pass on an empty set."""
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "SECURE_HSTS_SECONDS", "MEDIA_ROOT"} <= (
        settings_env_names()
    )


def test_every_variable_the_settings_read_is_in_env_example():
    assert settings_env_names() - env_example_names(including_commented=True) == set()


def test_every_variable_in_env_example_has_a_comment_above_it():
    def is_comment(line: str) -> bool:
        return line.startswith("#") and not ENV_EXAMPLE_LINE.match(line)

    lines = ENV_EXAMPLE.read_text().splitlines()
    uncommented = [
        line
        for previous, line in itertools.pairwise(lines)
        if ENV_EXAMPLE_LINE.match(line) and not is_comment(previous)
    ]
    assert uncommented == []


def test_env_example_names_each_variable_once():
    names = [name for _, name in ENV_EXAMPLE_LINE.findall(ENV_EXAMPLE.read_text())]
    assert len(names) == len(set(names))


def test_env_example_secret_key_is_a_placeholder_that_check_deploy_rejects():
    """Shorter than the 50 characters Django's security.W009 asks for, so a copy left unedited is caught."""
    (secret_key,) = re.findall(r"^SECRET_KEY=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE)
    assert "replace-me" in secret_key
    assert len(secret_key) < 50


def test_env_example_leaves_the_services_to_compose():
    """`make run` reads .env: an active DATABASE_URL at host "db" would send it to an unreachable database."""
    active = env_example_names(including_commented=False)
    assert {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT"}.isdisjoint(active)


# --- Dockerfile ----------------------------------------------------------------------------------------


def test_dockerfile_builds_assets_with_node_then_the_app_on_python_311_slim():
    stages = arguments_of("FROM")
    assert len(stages) == 2
    assert re.match(r"node:(20|22)-slim AS assets$", stages[0])
    assert stages[1].startswith("python:3.11-slim")
    assert any(arguments.startswith("--from=assets ") for arguments in arguments_of("COPY"))
    runs = " ".join(arguments_of("RUN"))
    assert "npm ci" in runs
    assert "npm run build" in runs


def test_dockerfile_installs_the_makefiles_uv_and_the_locked_dependencies_without_dev():
    (uv_version,) = re.findall(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    runs = " ".join(arguments_of("RUN"))
    assert f'pip install --no-cache-dir "uv=={uv_version}"' in runs
    assert "uv sync --frozen --no-dev" in runs
    env = " ".join(arguments_of("ENV"))
    assert "UV_PYTHON_DOWNLOADS=never" in env
    assert "UV_COMPILE_BYTECODE=1" in env


def test_dockerfile_collects_static_files_without_keeping_a_secret_key():
    assert any("manage.py collectstatic --noinput" in arguments for arguments in arguments_of("RUN"))
    assert "DJANGO_SETTINGS_MODULE=khub.settings.production" in " ".join(arguments_of("ENV"))
    kept = " ".join(arguments_of("ENV") + arguments_of("ARG"))
    assert "SECRET_KEY" not in kept
    assert "ALLOWED_HOSTS" not in kept


def test_dockerfile_runs_as_a_user_that_is_not_root():
    instructions = dockerfile_instructions()
    last_stage = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    users = [arguments for keyword, arguments in instructions[last_stage:] if keyword == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_serves_gunicorn_on_port_8000_with_a_healthcheck_on_healthz():
    assert arguments_of("EXPOSE") == ["8000"]
    (cmd,) = arguments_of("CMD")
    assert cmd.startswith('["gunicorn", "khub.wsgi:application",')
    assert '"--bind", "0.0.0.0:8000"' in cmd
    assert '"--access-logfile", "-"' in cmd
    (healthcheck,) = arguments_of("HEALTHCHECK")
    assert '["python", "/app/bin/healthcheck.py"]' in healthcheck
    assert '"http://127.0.0.1:8000/healthz"' in (ROOT / "bin" / "healthcheck.py").read_text()


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    expected = {".venv", "node_modules", "var", "static/dist", ".git", "staticfiles", ".tools", ".env"}
    assert expected <= ignored
    assert "**/__pycache__" in ignored


@pytest.mark.parametrize(
    "allowed_hosts",
    ["hub.example.gov.uk", ".example.gov.uk", "*", "hub.example.gov.uk,hub.example.org", "*,localhost"],
)
def test_the_healthcheck_sends_a_host_that_allowed_hosts_accepts(allowed_hosts):
    spec = importlib.util.spec_from_file_location("healthcheck", ROOT / "bin" / "healthcheck.py")
    healthcheck = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(healthcheck)
    assert validate_host(healthcheck.host_header(allowed_hosts), allowed_hosts.split(","))


# --- Production settings ---------------------------------------------------------------------------------


def test_production_settings_pass_the_deployment_checks():
    """`check --deploy` with only the required variables set: the production defaults must be clean.

    A .env beside manage.py is still read (the settings load it): keep it free of weaker values.
    """
    inherited = {name: value for name, value in os.environ.items() if name not in settings_env_names()}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "khub.settings.production",
            "SECRET_KEY": "k3Xq9-vT2mLr8_wZ4pN7sJ1cF6hB0dYgUe5aR2tKiO8xM3nV-qW7zLb4",
            "ALLOWED_HOSTS": "hub.example.gov.uk",
            "DATABASE_URL": "postgres://khub:khub@db:5432/khub",  # no connection is made
            "REDIS_URL": "redis://redis:6379/0",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
