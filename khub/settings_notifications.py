"""/settings/notifications/: how a member hears from the hub by email, and which communities their digest
covers. A khub page because it joins profiles (the member's choices) and communities (their memberships)."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from communities.models import Membership
from communities.services import memberships_digest_set
from profiles.models import User
from profiles.services import notification_settings_set


class NotificationSettingsForm(forms.Form):
    digest_frequency = forms.ChoiceField(
        label="Activity digest",
        choices=User.Digest.choices,
        widget=forms.RadioSelect,
        help_text="A summary of new conversations and practice in your communities, sent at 7am UK time.",
        error_messages={
            "required": "Choose how often to get the digest",
            "invalid_choice": "Choose how often to get the digest",
        },
    )
    email_immediately = forms.BooleanField(
        label="Email me at once when someone mentions me or replies to me",
        required=False,
        help_text="You always see these in your inbox on the hub.",
    )
    communities = forms.TypedMultipleChoiceField(
        label="Communities in my digest",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick a community to mute it: nothing from it will be in your digest.",
        error_messages={"invalid_choice": "Choose from your communities"},
    )

    def __init__(self, *args, memberships: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communities"].choices = [(m.community_id, m.community.name) for m in memberships]
        if not memberships:
            del self.fields["communities"]


@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = list(
        Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
        .select_related("community")  # the checkbox labels
        .order_by("community__name")
    )
    initial = {
        "digest_frequency": user.digest_frequency,
        "email_immediately": user.email_immediately,
        "communities": [m.community_id for m in memberships if m.in_digest],
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            notification_settings_set(
                user=user,
                digest_frequency=form.cleaned_data["digest_frequency"],
                email_immediately=form.cleaned_data["email_immediately"],
            )
            if "communities" in form.fields:
                memberships_digest_set(user=user, included_ids=set(form.cleaned_data["communities"]))
        messages.success(request, "Your notification settings are saved.")
        return redirect("notification-settings")
    return render(request, "khub/settings/notifications.html", {"form": form, "memberships": memberships})
