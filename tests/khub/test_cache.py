import os

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.factories import UserFactory

UNREACHABLE = {
    "default": {
        "BACKEND": "khub.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: refused at once
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@override_settings(CACHES=UNREACHABLE)
def test_with_redis_down_the_cache_answers_from_process_memory():
    cache.set("k", "v", 30)
    assert cache.get("k") == "v"
    assert cache.add("k", "other") is False
    with pytest.raises(RedisConnectionError):
        cache.ping()


@pytest.mark.django_db
@override_settings(CACHES=UNREACHABLE)
def test_with_redis_down_members_can_still_sign_in_and_failed_attempts_are_still_limited(client):
    member = UserFactory(email="jo@example.test")
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    client.post(reverse("account_logout"))
    for i in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": f"wrong-{i}"})
    blocked = client.post(reverse("account_login"), {"login": member.email, "password": "wrong-again"})
    assert "Too many failed login attempts" in blocked.text


@pytest.mark.django_db
@override_settings(CACHES=UNREACHABLE)
def test_healthz_sees_a_redis_outage_that_the_fallback_hides_from_users(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL to run it")
def test_with_redis_up_values_are_shared_between_processes():
    from django.core.cache.backends.redis import RedisCache

    settings = {"default": {"BACKEND": "khub.cache.ResilientRedisCache", "LOCATION": os.environ["REDIS_URL"]}}
    with override_settings(CACHES=settings):
        cache.set("shared-key", "from-khub", 30)
        cache.ping()
    # A plain Redis client (another process, as far as Redis knows) sees the value.
    plain = RedisCache(os.environ["REDIS_URL"], {})
    assert plain.get("shared-key") == "from-khub"
    plain.delete("shared-key")
