"""A digest's "view in browser" page, and /settings/notifications/: how a member hears from the hub by
email and what their digest covers (the apps' scopes: which of their communities)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from khub.digests.content import sections_still_readable
from khub.digests.emails import digest_context
from khub.digests.forms import NotificationSettingsForm
from khub.digests.selectors import digest_scope_options, digests_for_page
from khub.digests.services import notification_settings_save


@require_GET
def digest(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """A digest's "view in browser" page: its recipient only, and only what they may still read now."""
    delivery = get_object_or_404(digests_for_page(viewer=request.user), pk=delivery_id)
    delivery.sections, withheld = sections_still_readable(user=request.user, sections=delivery.sections)
    context = digest_context(delivery=delivery, absolute_links=False)
    context["withheld"] = withheld
    return render(request, "khub/digests/detail.html", context)


@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    scopes = digest_scope_options(user=user)
    initial = {
        "digest_frequency": user.digest_frequency,
        "email_immediately": user.email_immediately,
        "dont_ask": not user.accepts_questions,
        **{scope.name: [pk for pk, _, included in options if included] for scope, options in scopes},
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial, scopes=scopes)
    if request.method == "POST" and form.is_valid():
        notification_settings_save(
            user=user,
            digest_frequency=form.cleaned_data["digest_frequency"],
            email_immediately=form.cleaned_data["email_immediately"],
            included=form.included(),
            accepts_questions=not form.cleaned_data["dont_ask"],
        )
        messages.success(request, "Your notification settings are saved.")
        return redirect("notification-settings")
    return render(request, "khub/settings/notifications.html", {"form": form})
