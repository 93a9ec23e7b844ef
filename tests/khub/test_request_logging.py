"""Refusals (403, 400, 404) are logged in one line without a traceback; server errors keep theirs."""

import logging

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.test import Client, override_settings
from django.urls import path, reverse

from khub.urls import urlpatterns as site_urlpatterns
from tests.communities.helpers import community, person_as

pytestmark = pytest.mark.django_db


@login_not_required
def refuse(request):
    raise PermissionDenied("Only the community's facilitators can do this.")


@login_not_required
def bad_request(request):
    raise BadRequest("That date is not a date.")


@login_not_required
def fail(request):
    raise RuntimeError("a real bug")


# The site's own pages, plus three that fail on purpose.
urlpatterns = [
    path("test/refuse/", refuse),
    path("test/bad-request/", bad_request),
    path("test/fail/", fail),
    *site_urlpatterns,
]
handler500 = "khub.views.server_error"


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="django.request")

    def records():
        return [r for r in caplog.records if r.name == "django.request"]

    return records


def _printed(record: logging.LogRecord) -> str:
    return logging.Formatter("%(levelname)s %(message)s").format(record)


def test_a_permission_denied_from_a_real_page_is_one_warning_line_without_a_traceback(client, request_log):
    place = community("open")
    client.force_login(person_as("member", place))
    response = client.get(reverse("communities:manage", args=[place.slug]))
    assert response.status_code == 403
    [record] = request_log()
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert _printed(record) == f"WARNING Forbidden (Permission denied): /communities/{place.slug}/manage/"


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "status", "line"),
    [
        ("/test/refuse/", 403, "WARNING Forbidden (Permission denied): /test/refuse/"),
        ("/test/bad-request/", 400, "WARNING That date is not a date.: /test/bad-request/"),
        ("/no-such-page/", 404, "WARNING Not Found: /no-such-page/"),
    ],
)
def test_refusals_are_logged_in_one_line(client, request_log, url, status, line):
    assert client.get(url).status_code == status
    [record] = request_log()
    assert record.exc_info is None
    assert _printed(record) == line


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_keeps_its_traceback(request_log):
    response = Client(raise_request_exception=False).get("/test/fail/")
    assert response.status_code == 500
    [record] = request_log()
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    printed = _printed(record)
    assert printed.startswith("ERROR Internal Server Error: /test/fail/\nTraceback (most recent call last):")
    assert "RuntimeError: a real bug" in printed
