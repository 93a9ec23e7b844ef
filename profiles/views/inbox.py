"""A member's inbox: /notifications/, newest first, and marking lines read (plain forms and htmx)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from profiles.selectors import (
    notifications_checked,
    notifications_for_user,
    notifications_page_checked,
    notifications_unread_count,
)
from profiles.services import notifications_mark_read

PAGE_SIZE = 25


def _list_context(request: HttpRequest, number) -> dict:
    """The page of the inbox and the header's count afresh, so it agrees with the lines below it: one query
    for both (notifications_page_checked). Not core.pagination.paginate, which reads the rows: the page's
    slice stays a subquery of that query."""
    page = Paginator(notifications_for_user(user=request.user), PAGE_SIZE).get_page(number)
    page.object_list, unread = notifications_page_checked(user=request.user, page=page.object_list)
    return {"page_obj": page, "notifications_unread": unread}


def _fresh_count(request: HttpRequest) -> dict:
    return {"notifications_unread": notifications_unread_count(user=request.user, fresh=True)}


def _posted_page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.POST.get("page", 1)))
    except (TypeError, ValueError):
        return 1


def _back(request: HttpRequest) -> HttpResponse:
    """POST/redirect/GET: to a safe `next`, else to the inbox page the form was on."""
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    url = reverse("profiles:notifications")
    number = _posted_page_number(request)
    return redirect(f"{url}?page={number}" if number > 1 else url)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/inbox/index.html", _list_context(request, request.GET.get("page")))


@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    # Through the member's own inbox: someone else's notification is a 404, as if it did not exist.
    mine = notifications_for_user(user=request.user).filter(pk=notification_id)
    notification = get_object_or_404(notifications_checked(user=request.user, notifications=mine))
    notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    status = "Notification marked as read."
    if request.htmx:
        notification.read_at = notification.read_at or timezone.now()
        context = {"notification": notification, "status": status, "focus": True, **_fresh_count(request)}
        return render(request, "profiles/inbox/updated.html", context)
    messages.success(request, status)
    return _back(request)


@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_read(user=request.user)
    status = "All notifications marked as read." if count else "You have no unread notifications."
    if request.htmx:
        context = _list_context(request, _posted_page_number(request))
        return render(request, "profiles/inbox/updated.html", {**context, "status": status})
    messages.success(request, status)
    return _back(request)
