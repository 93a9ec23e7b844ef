"""Announcing an event, changing it, cancelling it, and its notes afterwards. Each form's mistakes, the
services' included, are shown beside their fields and nothing is saved."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors, markdown_preview_requested
from events import permissions
from events.forms import CancelForm, EventForm, NotesForm
from events.services import events as services
from events.views import error_text, readable_community, readable_event


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, slug: str) -> HttpResponse:
    community = readable_community(request, slug)
    permissions.check_create(user=request.user, community=community)
    form = EventForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            event = services.event_create(organiser=request.user, community=community, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"Your event is announced. {community.name}'s members have been told about it."
            )
            return redirect(event.get_absolute_url())
    return render(request, "events/event/form.html", {"community": community, "form": form, "event": None})


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = readable_event(request, slug, event_id)
    permissions.check_edit(user=request.user, event=event)
    if event.is_cancelled:
        messages.error(request, "This event was cancelled: it cannot be changed.")
        return redirect(event.get_absolute_url())
    form = EventForm(request.POST if request.method == "POST" else None, initial=EventForm.initial_for(event))
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, **form.values())
        except ValidationError as error:
            add_service_errors(form, error)
            event.refresh_from_db()  # as it is, not as the refused change left it
        else:
            messages.success(
                request,
                "Your changes are saved. If the time or place changed, the people going have been told.",
            )
            return redirect(event.get_absolute_url())
    return render(
        request, "events/event/form.html", {"community": event.community, "form": form, "event": event}
    )


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = readable_event(request, slug, event_id)
    permissions.check_edit(user=request.user, event=event)
    if event.is_cancelled:
        messages.info(request, "This event is already cancelled.")
        return redirect(event.get_absolute_url())
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_cancel(actor=request.user, event=event, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                add_service_errors(form, error)
            else:  # it has taken place: nothing to cancel
                messages.error(request, error_text(error))
                return redirect(event.get_absolute_url())
        else:
            messages.success(request, "The event is cancelled. The people going have been told.")
            return redirect(event.get_absolute_url())
    return render(request, "events/event/cancel.html", {"event": event, "form": form})


@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest, slug: str, event_id: int) -> HttpResponse:
    event = readable_event(request, slug, event_id)
    permissions.check_edit(user=request.user, event=event)
    if not event.has_started():
        messages.info(request, "You can add notes once the event has started.")
        return redirect(event.get_absolute_url())
    form = NotesForm(request.POST if request.method == "POST" else None, initial={"notes": event.notes})
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            services.event_notes_save(actor=request.user, event=event, notes=form.cleaned_data["notes"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The notes are saved. Everyone who can see the event can read them.")
            return redirect(event.get_absolute_url())
    return render(request, "events/event/notes.html", {"event": event, "form": form})
