"""Where "Start a conversation" leads in the questions' space (core.providers.conversations): /ask/, so a
question there is routed to people as every question to the hub is."""

from django.urls import reverse

from ask.models import SPACE_SLUG


def start_url(community) -> str | None:
    return reverse("ask:ask") if community.slug == SPACE_SLUG else None
