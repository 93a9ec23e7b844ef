"""The scratch PostgreSQL database a benchmark generates its data in: checked, dropped and recreated, and
marked (a JSON comment on the database) with what was generated, so that --reuse can measure it again."""

import json
import os
import warnings
from urllib.parse import urlparse

import psycopg

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def database_url(given: str | None, *, default: str, script: str, why: str) -> str:
    """The benchmark database: PostgreSQL only, and one the script may drop (named khub_bench...)."""
    url = given or os.environ.get("DATABASE_URL") or default
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        raise SystemExit(
            f"{script} measures {why}: SQLite is not supported. Set DATABASE_URL, e.g. DATABASE_URL={default}"
        )
    if parsed.scheme not in POSTGRES_SCHEMES:
        raise SystemExit(f"{script} needs a PostgreSQL DATABASE_URL, not {parsed.scheme}://")
    name = parsed.path.lstrip("/")
    if not name.startswith("khub_bench"):
        raise SystemExit(
            f"refusing to use {name!r}: the benchmark drops and recreates its database, whose name must "
            f"start with khub_bench (e.g. {default})"
        )
    return url


def _admin(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    return parsed._replace(path="/postgres").geturl(), parsed.path.lstrip("/")


def read_marker(url: str, prefix: str) -> dict | None:
    """What was generated in this database, or None if it does not exist or holds nothing of ours."""
    admin_url, name = _admin(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if not row or not row[0] or not row[0].startswith(prefix):
        return None
    return json.loads(row[0].removeprefix(prefix))


def write_marker(url: str, prefix: str, marker: dict) -> None:
    admin_url, name = _admin(url)
    text = (prefix + json.dumps(marker)).replace("'", "''")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")


def recreate_database(url: str) -> None:
    admin_url, name = _admin(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, *, conn_max_age: int | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "khub.settings.test"
    if conn_max_age is not None:
        os.environ["CONN_MAX_AGE"] = str(conn_max_age)
    os.environ.pop("REDIS_URL", None)
    import django

    # whitenoise warns when collectstatic has not run (as pytest's configuration also says): no matter here.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    django.setup()


def prewarm() -> str:
    """Reads the database's tables and indexes into PostgreSQL's shared buffers (pg_prewarm), as on a server
    that has been serving them for a while, when they fit in three quarters of shared_buffers; says what it
    did. Needs the pg_prewarm extension (PostgreSQL's contrib) and the right to create it; else it says why
    not and the first requests of each kind read from the operating system's cache or the disk."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_database_size(current_database()), pg_size_bytes(current_setting('shared_buffers'))"
        )
        size, buffers = cursor.fetchone()
        if size > buffers * 3 // 4:
            return (
                f"not prewarmed: the database ({size / 1024**3:.1f} GB) does not fit in three quarters of "
                f"shared_buffers ({buffers / 1024**3:.1f} GB)"
            )
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except Exception as error:  # any refusal (no contrib, no right) is reported, not fatal
            return f"not prewarmed: {str(error).strip().splitlines()[0]}"
        cursor.execute(
            """
            SELECT count(*), sum(pg_prewarm(c.oid::regclass))
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't', 'm')
            """
        )
        relations, blocks = cursor.fetchone()
    gigabytes = blocks * 8 / 1024**2
    return f"prewarmed: {relations} tables and indexes, {gigabytes:.2f} GB read into shared_buffers"
