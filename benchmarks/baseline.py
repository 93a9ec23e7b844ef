"""The yardstick each benchmarked page is reported against: a view that runs one query on a primary key
behind the same middleware as every page (session, authentication, CSRF, security headers). Timings on a
shared 2-core machine drift from run to run; a page's time as a multiple of this one, measured in the
same run, holds."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from profiles.models import User

BASELINE_PATH = "/bench/one-query/"


def one_query(request: HttpRequest) -> HttpResponse:
    handle = User.objects.filter(pk=request.user.pk).values_list("handle", flat=True).first()
    return HttpResponse(handle or "", content_type="text/plain")


urlpatterns = [path(BASELINE_PATH.strip("/") + "/", one_query), path("", include("khub.urls"))]
