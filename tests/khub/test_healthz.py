import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import override_settings
from kombu import Connection

from khub import views

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused at once


def test_healthz_reports_ok_when_every_configured_service_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "ok"


def test_healthz_does_not_count_a_broker_that_is_not_configured(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        assert client.get("/healthz").json()["checks"]["broker"] == "not configured"


def test_healthz_is_503_when_the_cache_is_down(client):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"


def test_healthz_is_503_when_the_broker_is_down(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=UNREACHABLE_REDIS):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL to run it")
def test_healthz_checks_the_real_broker_when_one_is_configured(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=os.environ["REDIS_URL"]):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_healthz_needs_no_sign_in_and_is_never_cached(client):
    response = client.get("/healthz")
    assert "no-cache" in response.headers["Cache-Control"] or "max-age=0" in response.headers["Cache-Control"]


# --- A probe costs next to nothing: the broker and cache answers are kept for a few seconds ---------------
BROKER = os.environ.get("REDIS_URL") or "memory://"


@pytest.fixture
def broker_connections(monkeypatch):
    """Every broker connection opened in this process (the transport's own connect, whatever opens it)."""
    opened = []
    establish = Connection._establish_connection

    def counted(self):
        opened.append(self.as_uri())
        return establish(self)

    monkeypatch.setattr(Connection, "_establish_connection", counted)
    return opened


@pytest.fixture
def clock(monkeypatch):
    """healthz's clock, moved on by hand."""
    now = [1_000.0]
    monkeypatch.setattr(views, "monotonic", lambda: now[0])
    return now


def test_two_probes_within_a_few_seconds_open_one_broker_connection(client, broker_connections, clock):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=BROKER):
        first = client.get("/healthz")
        clock[0] += views.HEALTHZ_REMEMBER_SECONDS - 1
        second = client.get("/healthz")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["checks"]["broker"] == "ok"
    assert len(broker_connections) == 1


def test_a_broker_outage_is_reported_once_the_remembered_answer_is_a_few_seconds_old(client, clock):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=BROKER):
        assert client.get("/healthz").status_code == 200
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=UNREACHABLE_REDIS):
        clock[0] += views.HEALTHZ_REMEMBER_SECONDS
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"


def test_concurrent_probes_share_one_broker_connection(broker_connections, clock):
    """Probes on several threads of one process (gunicorn threads) while nothing is remembered yet."""
    with (
        override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=BROKER),
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        answers = list(pool.map(lambda _: views.broker_and_cache_checks(), range(16)))
    assert all(answer == {"cache": "ok", "broker": "ok"} for answer in answers)
    assert len(broker_connections) == 1


def test_the_database_is_checked_on_every_probe(client, django_assert_num_queries, clock):
    for _ in range(2):
        with django_assert_num_queries(1):
            assert client.get("/healthz").status_code == 200


# --- Whatever cookies a probe sends, nothing reads the database before the check ---------------------------
@pytest.fixture
def take_the_database_down(monkeypatch):
    """From then on every query fails as while PostgreSQL restarts (the test's own transaction stays open)."""

    def refused(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    return lambda: monkeypatch.setattr(connection, "ensure_connection", refused)


def test_healthz_is_503_with_its_json_when_the_database_is_down_and_the_probe_sends_a_session_cookie(
    client, member, take_the_database_down
):
    client.force_login(member)  # a session cookie, and the session row it names
    client.cookies["messages"] = "a stale flash message"
    take_the_database_down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "error", "cache": "ok", "broker": "not configured"},
    }


def test_healthz_reads_no_session_and_no_user_for_a_signed_in_probe(
    client, member, django_assert_num_queries
):
    client.force_login(member)
    with django_assert_num_queries(1):  # its own SELECT 1
        response = client.get("/healthz")
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")


def test_healthz_is_answered_before_any_middleware_that_can_read_the_database():
    first = settings.MIDDLEWARE.index("khub.middleware.HealthzMiddleware")
    for reader in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "allauth.account.middleware.AccountMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ):
        assert first < settings.MIDDLEWARE.index(reader)
    assert first == 0
