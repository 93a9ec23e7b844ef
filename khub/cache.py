"""A Redis cache that keeps the site usable while Redis is unreachable.

allauth keeps its rate-limit counters and used TOTP codes in the cache. With Django's plain RedisCache,
a Redis outage turns every sign-in into a 500. Here a failed call is answered from this process's
memory instead (limits still hold per process), and Redis is left alone for a few seconds before it is
tried again, so an outage costs no request more than one connect timeout. /healthz still reports it.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 10
# decr is not listed: Django's BaseCache.decr calls incr, which is.
FALLBACK_METHODS = (
    "add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "set_many", "delete_many", "clear",
)  # fmt: skip


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"khub-fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def ping(self) -> None:
        """Raises when Redis itself does not answer (the fallback does not count): used by /healthz."""
        self._cache.get_client(write=True).ping()

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN:
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
                logger.exception("Redis cache unreachable; using process memory for %ss", RETRY_AFTER_SECONDS)
        return getattr(self._fallback, name)(*args, **kwargs)


def _delegate(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


for _name in FALLBACK_METHODS:
    setattr(ResilientRedisCache, _name, _delegate(_name))
