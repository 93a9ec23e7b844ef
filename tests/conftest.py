import pytest
from django.core.cache import cache
from django.db import connection

from khub.views import forget_health_checks
from tests.factories import AdminFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate-limit counters live in the cache (Redis in CI): each test starts from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _forget_health_checks():
    # /healthz keeps its cache and broker answers for a few seconds per process: each test asks afresh.
    forget_health_checks()
    yield
    forget_health_checks()


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, _media_root):
    # Stored files (avatars: the demo's photos, uploads) go to a folder of the test run, not to var/media.
    settings.MEDIA_ROOT = _media_root


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def site_admin(db):
    return AdminFactory()


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL to run it")
