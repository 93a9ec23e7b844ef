import logging
import threading
from collections.abc import Callable
from time import monotonic

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from kombu import Connection

from communities.permissions import visible_communities
from communities.selectors.home import suggestions_forget
from core.forms import MarkdownPreview
from profiles.models import Dismissal
from profiles.selectors import people_to_know_forget
from profiles.services import dismissal_create

logger = logging.getLogger(__name__)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico whatever the page says; resolved per request for the hashed name.
    return redirect(static("images/favicon.svg"), permanent=True)


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "khub/accessibility.html")


@require_POST
def markdown_preview(request: HttpRequest) -> HttpResponse:
    """The Preview tab of a Markdown field (static/js/editor.mjs): the same fragment the no-JavaScript
    Preview button shows in the form, rendered as on save. Signed-in members only (LoginRequiredMiddleware)
    and CSRF-checked; no query, and nothing longer than the field's limit (at most the longest Markdown
    field's) is rendered."""
    limit = request.POST.get("max_length", "")
    limit = int(limit) if limit.isdigit() else None
    preview = MarkdownPreview(request.POST.get("text", ""), limit)
    return render(request, "forms/govuk/_markdown_preview.html", {"preview": preview})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    if hasattr(cache, "ping"):
        cache.ping()  # Redis itself, not the in-memory fallback that hides an outage from users
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return the value it was given")


def _check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)


def _outcome(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception:  # any failure of a dependency is reported, never raised
        logger.exception("healthz: %s check failed", name)
        return "error"
    return "ok"


# Load balancers probe every few seconds from several places: the cache and broker answers (a Redis
# round trip, a new broker connection) are kept this long by each process, so an outage or a recovery
# shows within this many seconds. The database is asked on every probe: one SELECT 1 on a kept connection.
HEALTHZ_REMEMBER_SECONDS = 5
_remembered: dict[str, tuple[float, str]] = {}  # check name -> (until, "ok" or "error")
_remembered_lock = threading.Lock()  # held while a check runs: concurrent probes wait for its answer


def _remembered_outcome(name: str, check: Callable[[], None]) -> str:
    with _remembered_lock:
        until, outcome = _remembered.get(name, (0.0, ""))
        if monotonic() < until:
            return outcome
        outcome = _outcome(name, check)
        _remembered[name] = (monotonic() + HEALTHZ_REMEMBER_SECONDS, outcome)
        return outcome


def broker_and_cache_checks() -> dict[str, str]:
    """The cache's and (unless Celery is eager) the broker's outcome, at most HEALTHZ_REMEMBER_SECONDS old."""
    results = {"cache": _remembered_outcome("cache", _check_cache)}
    if settings.CELERY_TASK_ALWAYS_EAGER:
        results["broker"] = "not configured"
    else:
        results["broker"] = _remembered_outcome("broker", _check_broker)
    return results


def forget_health_checks() -> None:
    """The next probe asks the cache and broker again (tests change them between probes)."""
    with _remembered_lock:
        _remembered.clear()


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, cache and (when Celery is not eager) broker: 200 when every configured one answers.

    Served by khub.middleware.HealthzMiddleware before any middleware that could read the database."""
    results = {"database": _outcome("database", _check_database), **broker_and_cache_checks()}
    healthy = "error" not in results.values()
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503
    )


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the failure may come from a context processor or the database.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


# --- Dismissing a suggestion on the home page ------------------------------------------------------------
DISMISSED = {
    Dismissal.Kind.PERSON: "We won't suggest them to you again.",
    Dismissal.Kind.COMMUNITY: "We won't suggest that community to you again.",
}
NOT_DISMISSED = "That suggestion could not be dismissed: it is no longer there."


@require_POST
def suggestion_dismiss(request: HttpRequest) -> HttpResponse:
    """ "People you may want to know" and "Communities you may like" (the home page's side column): the
    member waves one away (profiles.services.dismissal_create), for good. Without JavaScript the form posts
    and comes back to the home page with a banner; with htmx the card is replaced in place by a line saying
    so. A bad kind, an id that names nothing the member may see (a private community is nothing to an
    outsider): a message, and nothing changes."""
    kind = request.POST.get("kind", "")
    raw_id = request.POST.get("object_id", "")
    object_id = int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19 else None
    error = ""
    if (
        kind not in DISMISSED
        or object_id is None
        or (
            kind == Dismissal.Kind.COMMUNITY
            and not visible_communities(request.user).filter(pk=object_id).exists()
        )
    ):
        error = NOT_DISMISSED
    else:
        try:
            dismissal_create(user=request.user, kind=kind, object_id=object_id)
        except ValidationError:
            error = NOT_DISMISSED
        else:  # taken off at once, not when the kept suggestions expire
            people_to_know_forget(user_id=request.user.pk)
            suggestions_forget(user_id=request.user.pk)
    if request.htmx:
        return render(
            request, "khub/home/_dismissed.html", {"outcome": error or DISMISSED[kind], "error": error}
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, DISMISSED[kind])
    return redirect("home")
