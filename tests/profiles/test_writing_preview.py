"""Previewing "About you" on /settings/profile/ without JavaScript: the form again, the text kept and
rendered, the profile unchanged."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_previewing_about_you_keeps_the_form_and_changes_nothing(client):
    user = UserFactory(display_name="Priya Shah", bio="As it was", job_title="Officer")
    client.force_login(user)
    text = "I run **housing** allocations.\n\n<img src=x onerror=alert(1)>"
    data = {"display_name": "", "job_title": "Lead", "bio": text, "markdown_preview": "bio"}
    response = client.post(reverse("profiles:settings-profile"), data)
    assert response.status_code == 200
    assert escape(text) in response.text
    assert "<strong>housing</strong>" in response.text
    assert "<img src=x" not in response.text
    assert "govuk-error-summary" not in response.text  # no name yet: not reported while previewing
    assert 'value="Lead"' in response.text
    user.refresh_from_db()
    assert (user.display_name, user.bio, user.job_title) == ("Priya Shah", "As it was", "Officer")
    assert response.text.count("Formatting help") == 1
