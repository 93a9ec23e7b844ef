import pytest
from django.urls import reverse
from django.utils.html import escape

from profiles.models import User
from tests.factories import UserFactory
from tests.profiles.people_helpers import give_profile

pytestmark = pytest.mark.django_db

URL = reverse("profiles:settings-profile")


def _data(**changes):
    data = {
        "display_name": "Priya Shah",
        "job_title": "Head of Housing",
        "bio": "I lead **housing options**.\n\n<script>alert('x')</script>\n\n[Plan](javascript:alert(1))",
        "expertise": "Housing allocations, social care ,  , homelessness prevention, Social Care",
        "interests": "Net zero, family hubs",
        "show_email": "on",
    }
    data.update(changes)
    return data


def test_the_settings_page_shows_the_current_profile(client, member):
    give_profile(member, bio="Hello", expertise=["Zoning", "adult social care"], show_email=True)
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.text
    assert "<title>Edit your profile – Knowledge Hub</title>" in html
    assert html.count("<h1") == 1
    assert 'enctype="multipart/form-data"' in html
    assert 'value="adult social care, Zoning"' in html
    assert "Separate tags with commas" in html
    assert 'name="show_email"' in html
    assert "checked" in html
    assert 'class="govuk-file-upload"' in html
    assert "remove_avatar" not in html  # nothing to remove yet


def test_saving_the_form_updates_every_field_and_shows_the_profile(client, member):
    client.force_login(member)
    response = client.post(URL, _data(), follow=True)
    assert response.redirect_chain == [(reverse("profiles:profile", kwargs={"handle": member.handle}), 302)]
    assert "Your profile has been updated" in response.text
    member = User.objects.get(pk=member.pk)
    assert member.display_name == "Priya Shah"
    assert member.job_title == "Head of Housing"
    assert member.show_email is True
    assert sorted(member.expertise.names()) == [
        "Housing allocations",
        "homelessness prevention",
        "social care",
    ]
    assert sorted(member.interests.names()) == ["Net zero", "family hubs"]
    assert "<strong>housing options</strong>" in member.bio_html
    assert "<script" not in member.bio_html
    assert 'href="javascript' not in member.bio_html
    assert "<strong>housing options</strong>" in response.text
    assert "Housing allocations" in response.text


def test_clearing_optional_fields_empties_them(client, member):
    give_profile(member, bio="Old", expertise=["One"], interests=["Two"], show_email=True)
    client.force_login(member)
    client.post(URL, _data(job_title="", bio="", expertise="", interests="", show_email=""))
    member = User.objects.get(pk=member.pk)
    assert (member.job_title, member.bio, member.bio_html, member.show_email) == ("", "", "", False)
    assert list(member.expertise.names()) == []
    assert list(member.interests.names()) == []


def test_tags_reuse_existing_tags_whatever_their_case(client, member):
    other = UserFactory()
    give_profile(other, expertise=["Procurement"])
    client.force_login(member)
    client.post(URL, _data(expertise="procurement, PROCUREMENT"))
    assert list(User.objects.get(pk=member.pk).expertise.names()) == ["Procurement"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"display_name": "  "}, "display_name", "Enter your full name"),
        ({"display_name": "x" * 151}, "display_name", "Full name must be 150 characters or fewer"),
        (
            {"expertise": ", ".join(f"tag {n}" for n in range(11))},
            "expertise",
            "Enter 10 expertise tags or fewer",
        ),
        ({"interests": "fine, " + "y" * 51}, "interests", "Each interest tag must be 50 characters or fewer"),
        ({"bio": "b" * 5001}, "bio", "About you must be 5000 characters or fewer"),
    ],
)
def test_invalid_values_are_explained_and_nothing_is_saved(client, member, changes, field, message):
    before = member.display_name
    client.force_login(member)
    response = client.post(URL, _data(**changes))
    assert response.status_code == 200
    assert "<title>Error: Edit your profile – Knowledge Hub</title>" in response.text
    assert f'<a href="#id_{field}">{message}' in response.text
    assert f'id="id_{field}-error"' in response.text
    member = User.objects.get(pk=member.pk)
    assert member.display_name == before
    assert list(member.expertise.names()) == []
    # the header still shows the saved name, not the rejected one
    assert f"Signed in as {escape(before)}" in response.text


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.post(URL, _data())
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
