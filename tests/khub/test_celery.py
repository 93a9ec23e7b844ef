import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from kombu.exceptions import OperationalError

from khub.celery import app
from khub.tasks import clear_expired_sessions


def test_celery_is_configured_for_json_timeouts_and_a_beat_schedule():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_connection_timeout <= 5
    assert "clear-expired-sessions" in conf.beat_schedule
    assert conf.timezone == "Europe/London"


@pytest.fixture
def real_publishing():
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


@pytest.mark.usefixtures("real_publishing")
def test_publishing_to_an_unreachable_broker_fails_fast_instead_of_hanging():
    """The reason for the timeouts: a web request that enqueues work must not hang when Redis is down."""
    with app.connection_for_write("redis://127.0.0.1:1/0") as connection:
        started = time.monotonic()
        with pytest.raises(OperationalError):
            clear_expired_sessions.apply_async(connection=connection, retry=True)
        assert time.monotonic() - started < 10


@pytest.mark.django_db
def test_the_session_clean_up_task_removes_only_expired_sessions():
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
