import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.urls import reverse

from profiles.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_repeated_failed_sign_ins_for_one_address_are_rate_limited(client):
    UserFactory(email="target@example.test")
    attempts = [
        client.post(reverse("account_login"), {"login": "target@example.test", "password": f"wrong-{i}"})
        for i in range(6)
    ]
    assert all(r.status_code == 200 for r in attempts[:5])
    assert "Too many failed login attempts" in attempts[5].text
    # Even the right password is refused while the limit holds.
    blocked = client.post(
        reverse("account_login"), {"login": "target@example.test", "password": "correct-horse-battery"}
    )
    assert "_auth_user_id" not in client.session
    assert blocked.status_code in (200, 429)


def test_signing_up_with_a_taken_address_reveals_nothing_and_creates_nothing(client):
    UserFactory(email="taken@example.test")
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Someone Else",
            "email": "Taken@Example.test",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    # The same outcome as a fresh sign-up: off to "check your email".
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="taken@example.test").count() == 1
    # The owner of the address is told someone tried; no confirmation link is sent.
    assert len(mail.outbox) == 1
    assert "confirm-email" not in mail.outbox[0].body


def test_password_reset_for_an_unknown_address_looks_the_same_as_for_a_known_one(client):
    UserFactory(email="known@example.test")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.test"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url


def _sign_in(client, email: str, password: str = "correct-horse-battery"):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _current_code(secret: str) -> str:
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def test_any_member_can_turn_on_two_factor_sign_in_and_is_then_asked_for_a_code(client, member):
    _sign_in(client, member.email)
    # Security-sensitive pages ask for the password again first.
    assert client.get(reverse("mfa_activate_totp")).url.startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": "correct-horse-battery"})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": _current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()
    # Recovery codes come with it.
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.RECOVERY_CODES).exists()

    client.post(reverse("account_logout"))
    response = _sign_in(client, member.email)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
