"""/settings/account/: a member downloads their data (UK GDPR access) and deletes their account (erasure)."""

import json
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from profiles import extensions
from profiles.models import Follow, Notification, User
from profiles.services import follow_create, notification_send, user_erase, user_personal_data
from tests.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def person():
    """A member with something in every section: council, tags, bio, a second address, 2FA, follows, inbox."""
    user = UserFactory(
        display_name="Priya Shah",
        email="priya@example.test",
        job_title="Head of Housing",
        council=CouncilFactory(name="Testshire Council"),
        bio="I run **housing**.",
        bio_html="<p>I run <strong>housing</strong>.</p>",
        show_email=True,
    )
    user.expertise.add("housing", "homelessness")
    user.interests.add("digital")
    EmailAddress.objects.create(user=user, email="priya.shah@testshire.gov.uk", verified=True, primary=False)
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    return user


def _delete(client, **data):
    return client.post(reverse("profiles:settings-account-delete"), data)


# --- The page -----------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for method, name in [
        ("get", "profiles:settings-account"),
        ("post", "profiles:settings-account-export"),
        ("post", "profiles:settings-account-delete"),
    ]:
        response = getattr(client, method)(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


def test_the_account_page_offers_the_download_and_the_deletion_in_the_account_settings_layout(client, member):
    client.force_login(member)

    response = client.get(reverse("profiles:settings-account"))

    html = response.text
    assert "<title>Your data and account deletion – Knowledge Hub</title>" in html
    assert '<h2 class="govuk-heading-m">Download your data</h2>' in html
    assert f'action="{reverse("profiles:settings-account-export")}"' in html
    assert '<h2 class="govuk-heading-m" id="delete-account">Delete your account</h2>' in html
    assert 'autocomplete="current-password"' in html
    assert 'class="govuk-button govuk-button--warning"' in html
    nav = re.search(r'<nav class="khub-side-nav".*?</nav>', html, re.S).group(0)
    assert 'aria-current="page">Your data and account deletion</a>' in nav
    assert "govuk-error-summary" not in html


def test_the_home_page_and_the_other_account_pages_link_to_it(client, member):
    client.force_login(member)
    url = reverse("profiles:settings-account")
    # The home page's side column no longer repeats the account links (issue 19): the header's account
    # link leads to the account pages, which link to it.
    assert f'href="{reverse("account_email")}"' in client.get(reverse("home")).text
    assert f'href="{url}"' in client.get(reverse("account_email")).text


def test_the_export_and_delete_urls_only_accept_post(client, member):
    client.force_login(member)
    assert client.get(reverse("profiles:settings-account-export")).status_code == 405
    assert client.get(reverse("profiles:settings-account-delete")).status_code == 405
    assert client.post(reverse("profiles:settings-account")).status_code == 405


# --- Download -----------------------------------------------------------------------------------------


def test_downloading_gives_a_json_attachment_of_everything_about_the_member(client, person):
    fan, idol = UserFactory(display_name="Fan Person"), UserFactory(display_name="Idol Person")
    follow_create(follower=fan, followed=person)  # also notifies person
    follow_create(follower=person, followed=idol)
    client.force_login(person)

    response = client.post(reverse("profiles:settings-account-export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    date = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="khub-data-priya-shah-{date}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    profile = data["profile"]
    assert profile["display_name"] == "Priya Shah"
    assert profile["email"] == "priya@example.test"
    assert profile["handle"] == "priya-shah"
    assert profile["job_title"] == "Head of Housing"
    assert profile["council"]["name"] == "Testshire Council"
    assert profile["bio"] == "I run **housing**."
    assert profile["expertise"] == ["homelessness", "housing"]
    assert profile["interests"] == ["digital"]
    assert profile["show_email"] is True
    assert profile["date_joined"].startswith(str(person.date_joined.year))
    assert {a["email"] for a in data["email_addresses"]} == {
        "priya@example.test",
        "priya.shah@testshire.gov.uk",
    }
    assert sorted(a["type"] for a in data["two_factor_authentication"]) == ["recovery_codes", "totp"]
    assert [f["handle"] for f in data["following"]] == [idol.handle]
    assert [f["handle"] for f in data["followers"]] == [fan.handle]
    assert data["notifications"][0]["kind"] == "follow"
    assert data["notifications"][0]["actor"] == fan.handle
    assert data["notifications"][0]["text"] == "Fan Person started following you"


def test_the_download_holds_no_password_hash_or_two_factor_secret(client, person):
    client.force_login(person)
    content = client.post(reverse("profiles:settings-account-export")).content.decode()
    person.refresh_from_db()
    assert person.password not in content
    assert "password" not in content
    secrets = [
        value
        for authenticator in Authenticator.objects.filter(user=person)
        for value in authenticator.data.values()
        if isinstance(value, str) and len(value) >= 8
    ]
    secrets += RecoveryCodes(Authenticator.objects.get(user=person, type="recovery_codes")).get_unused_codes()
    assert len(secrets) > 2
    for secret in secrets:
        assert secret not in content


def test_every_registered_exporter_adds_its_records_under_its_name(client, member, monkeypatch):
    seen = []

    def export_stories(user):
        seen.append(user.pk)
        return [{"title": "Our repairs hub", "published": timezone.now()}]

    monkeypatch.setitem(extensions._exporters, "stories", export_stories)
    client.force_login(member)

    data = json.loads(client.post(reverse("profiles:settings-account-export")).content)

    assert seen == [member.pk]
    assert data["stories"][0]["title"] == "Our repairs hub"


def test_an_exporter_cannot_replace_a_section_of_profiles(member, monkeypatch):
    monkeypatch.setitem(extensions._exporters, "profile", lambda user: {})
    with pytest.raises(Exception, match="profile"):
        user_personal_data(user=member)


# --- Deletion -----------------------------------------------------------------------------------------


def _snapshot(user) -> tuple:
    user.refresh_from_db()
    return (
        user.display_name,
        user.email,
        user.is_active,
        user.erased_at,
        user.password,
        EmailAddress.objects.filter(user=user).count(),
    )


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, ["Enter your password", "Confirm that you want to delete your account"]),
        ({"password": "wrong-password", "confirm": "on"}, ["The password is not correct"]),
        ({"password": PASSWORD}, ["Confirm that you want to delete your account"]),
    ],
)
def test_deleting_without_the_password_or_the_confirmation_shows_errors_and_changes_nothing(
    client, person, data, errors
):
    client.force_login(person)
    before = _snapshot(person)

    response = _delete(client, **data)

    assert response.status_code == 200
    html = response.text
    assert "<title>Error: Your data and account deletion – Knowledge Hub</title>" in html
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S).group(0)
    for error in errors:
        assert error in summary
    assert 'class="govuk-form-group govuk-form-group--error"' in html
    assert _snapshot(person) == before
    assert client.get(reverse("home")).context["user"].is_authenticated


def test_guessing_the_password_on_the_deletion_form_is_rate_limited(client, member):
    client.force_login(member)
    for _ in range(10):
        _delete(client, password="wrong-password", confirm="on")

    response = _delete(client, password=PASSWORD, confirm="on")

    assert "You have tried too many times" in response.text
    member.refresh_from_db()
    assert member.erased_at is None


def test_deleting_erases_personal_data_and_signs_the_member_out(client, person):
    handle = person.handle
    client.force_login(person)

    response = _delete(client, password=PASSWORD, confirm="on")

    assert response.status_code == 302
    assert response.url == reverse("home")
    landing = client.get(response.url)
    assert "Your account has been deleted" in landing.text
    assert not landing.context["user"].is_authenticated
    person.refresh_from_db()
    assert person.display_name == person.public_name == "Former member"
    assert person.email == f"erased-{person.pk}@invalid.invalid"
    assert person.handle == f"former-member-{person.pk}"
    assert (person.job_title, person.bio, person.bio_html) == ("", "", "")
    assert person.council is None
    assert person.council_linked_via == ""
    assert person.show_email is False
    assert list(person.expertise.names()) == []
    assert list(person.interests.names()) == []
    assert not person.has_usable_password()
    assert not person.is_active
    assert person.erased_at is not None
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Authenticator.objects.filter(user=person).exists()
    client.force_login(UserFactory())
    assert client.get(reverse("profiles:profile", kwargs={"handle": handle})).status_code == 404


def test_an_erased_member_cannot_sign_in_again_with_any_of_their_addresses(client, person):
    user_erase(user=person)
    for email in ("priya@example.test", "priya.shah@testshire.gov.uk"):
        response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
        assert response.status_code == 200, email
        assert not client.get(reverse("home")).context["user"].is_authenticated


def test_erasing_ends_the_members_sessions_on_other_devices(client, person):
    other_device = Client()
    other_device.force_login(person)
    client.force_login(person)

    _delete(client, password=PASSWORD, confirm="on")

    response = other_device.get(reverse("profiles:notifications"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_erasing_removes_follows_both_ways_and_the_inbox_but_keeps_what_they_sent_others(person):
    fan, idol = UserFactory(), UserFactory()
    follow_create(follower=fan, followed=person)
    follow_create(follower=person, followed=idol)
    sent = Notification.objects.get(recipient=idol, actor=person)

    user_erase(user=person, by=person)

    assert not Follow.objects.filter(follower=person).exists()
    assert not Follow.objects.filter(followed=person).exists()
    assert not Notification.objects.filter(recipient=person).exists()
    sent.refresh_from_db()
    assert sent.actor is None
    assert sent.text == "Former member started following you"  # no longer "Priya Shah ..."
    assert sent.url == ""  # the profile it linked to is gone
    assert Follow.objects.filter(follower=fan).count() == 0
    assert User.objects.filter(pk=fan.pk, is_active=True).exists()


def test_erasing_someone_replaces_only_their_name_at_the_start_of_lines_they_caused():
    sam, recipient = UserFactory(display_name="Sam"), UserFactory()
    notification_send(
        recipient=recipient, kind="test", actor=sam, text="Sam asked to join Samaritans Liaison"
    )
    user_erase(user=sam)
    assert (
        Notification.objects.get(recipient=recipient).text == "Former member asked to join Samaritans Liaison"
    )


def test_erasing_calls_every_registered_erasure_handler_inside_the_transaction(person, monkeypatch):
    calls = []

    def erase_stories(user):
        calls.append((user.pk, user.display_name))

    def erase_memberships(user):
        calls.append(("memberships", user.pk))

    monkeypatch.setattr(extensions, "_erasure_handlers", [erase_stories, erase_memberships])

    user_erase(user=person)

    assert calls == [(person.pk, "Priya Shah"), ("memberships", person.pk)]


def test_a_failing_erasure_handler_leaves_the_account_untouched(person, monkeypatch):
    def broken(user):
        raise RuntimeError("practice is down")

    monkeypatch.setattr(extensions, "_erasure_handlers", [broken])
    with pytest.raises(RuntimeError):
        user_erase(user=person)
    person.refresh_from_db()
    assert (person.display_name, person.erased_at, person.is_active) == ("Priya Shah", None, True)
    assert EmailAddress.objects.filter(user=person).count() == 2


def test_erasing_deletes_the_avatar_file_once_the_transaction_commits(
    person, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    person.avatar.save("face.webp", ContentFile(b"RIFF-not-really-webp"), save=True)
    path = tmp_path / person.avatar.name
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        user_erase(user=person)

    assert not path.exists()
    person.refresh_from_db()
    assert person.avatar.name == ""


def test_erased_members_get_no_new_notifications_and_cannot_be_followed(person):
    user_erase(user=person)
    person.refresh_from_db()
    assert notification_send(recipient=person, kind="test", text="Hello") is None
    with pytest.raises(Exception, match="no longer on the hub"):
        follow_create(follower=UserFactory(), followed=person)


def test_erasing_twice_is_harmless(person):
    first = user_erase(user=person)
    again = user_erase(user=person)
    assert again.erased_at == first.erased_at
    assert again.email == f"erased-{person.pk}@invalid.invalid"
