"""pytest: PostgreSQL when DATABASE_URL is set, else SQLite. Tasks run eagerly; mail goes to the outbox."""

import os
import re

# pytest-xdist (`make test` runs the suite on every core): each worker gets its own Redis database, counting
# down from the one REDIS_URL names, so a test's cache.clear() (FLUSHDB) never empties another worker's
# cache. Set before the base settings read REDIS_URL, and in the environment for the tests that read it.
if (worker := os.environ.get("PYTEST_XDIST_WORKER", "")).startswith("gw") and os.environ.get("REDIS_URL"):
    base_url, _, number = os.environ["REDIS_URL"].rpartition("/")
    if re.fullmatch(r"\d+", number):
        os.environ["REDIS_URL"] = f"{base_url}/{(int(number) - int(worker[2:])) % 16}"

from .base import *  # noqa: F403
from .base import LOGGING as BASE_LOGGING
from .base import STORAGES as BASE_STORAGES

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
# Files under MEDIA_ROOT (a temporary folder: tests/conftest.py) even where the environment names an S3
# bucket; the S3 tests switch to a local S3 server themselves (tests/library/test_s3.py).
STORAGES = {**BASE_STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Nothing printed; django.request filtered as everywhere else (refusals in one line, without a traceback).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": BASE_LOGGING["filters"],
    "loggers": {"django.request": BASE_LOGGING["loggers"]["django.request"]},
}
# Tests build digests straight after writing their content (committed: no transaction is still open).
DIGEST_SETTLE_SECONDS = 0
# Every page counts the inbox afresh, so each request's queries are the same whatever came before it.
INBOX_UNREAD_KEPT_SECONDS = 0
EXPERTISE_CHOICES_KEPT_SECONDS = 0
SUGGESTIONS_KEPT_SECONDS = 0
CALENDAR_EVENT_KEPT_SECONDS = 0
LIBRARY_TAGS_KEPT_SECONDS = 0
ASK_PANEL_KEPT_SECONDS = 0
