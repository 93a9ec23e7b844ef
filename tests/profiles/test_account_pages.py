"""allauth's pages render in our GOV.UK layout: headings, buttons, error summaries, side navigation."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, TOTP, generate_totp_secret
from django.urls import reverse

from khub.templatetags.allauth_govuk import sentence_case
from profiles.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


class _PageAudit(HTMLParser):
    """Collects what the checks below need from a page: ids, headings, labels, scripts and styles."""

    def __init__(self):
        super().__init__()
        self.ids = Counter()
        self.h1_count = 0
        self.label_targets = set()
        self.fields = []  # (id, type) of inputs a person fills in or ticks
        self.inline_scripts = 0
        self.style_attributes = 0
        self.images_without_alt = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if "style" in attrs:
            self.style_attributes += 1
        if tag == "h1":
            self.h1_count += 1
        elif tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        elif tag == "script" and not attrs.get("src"):
            self.inline_scripts += 1
        elif tag == "img" and "alt" not in attrs:
            self.images_without_alt += 1
        elif tag in {"input", "textarea", "select"}:
            kind = attrs.get("type", "text")
            if kind not in {"hidden", "submit", "button"}:
                self.fields.append((attrs.get("id"), kind))


def assert_govuk_page(response, *, title: str, buttons: bool = True) -> _PageAudit:
    assert response.status_code == 200
    html = response.content.decode()
    audit = _PageAudit()
    audit.feed(html)
    assert 'class="govuk-template__body"' in html  # our base layout, not allauth's bare one
    assert f"<title>{title} – Knowledge Hub</title>" in html
    assert audit.h1_count == 1
    assert '<h1 class="govuk-heading-l">' in html
    if buttons:
        assert 'class="govuk-button' in html
    assert not [i for i, n in audit.ids.items() if n > 1], "duplicate ids"
    unlabelled = [field_id for field_id, _ in audit.fields if field_id not in audit.label_targets]
    assert not unlabelled, f"fields without a label: {unlabelled}"
    assert audit.inline_scripts == 0  # blocked by the Content-Security-Policy
    assert audit.style_attributes == 0
    assert audit.images_without_alt == 0
    return audit


def _reauthenticate(client):
    """allauth asks for the password again before security settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def _reset_url(user, key: str) -> str:
    return reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})


def _member_with_two_factor():
    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    return user


@pytest.mark.parametrize(
    ("url_name", "title", "buttons"),
    [
        ("account_login", "Sign in", True),
        ("account_signup", "Create an account", True),
        ("account_reset_password", "Password reset", True),
        ("account_reset_password_done", "Password reset", False),
        ("account_email_verification_sent", "Verify your email address", False),
        ("account_reset_password_from_key_done", "Change password", False),
        ("account_inactive", "Account inactive", False),
    ],
)
def test_entrance_pages_render_in_the_govuk_layout_for_visitors(client, url_name, title, buttons):
    response = client.get(reverse(url_name))
    assert_govuk_page(response, title=title, buttons=buttons)
    assert "govuk-grid-column-two-thirds" in response.text
    assert "khub-side-nav" not in response.text


@pytest.mark.parametrize(
    ("url_name", "title", "current"),
    [
        ("account_email", "Email addresses", "Email addresses"),
        ("account_change_password", "Change password", "Password"),
        ("mfa_index", "Two-factor authentication", "Two-factor authentication"),
    ],
)
def test_account_settings_pages_share_a_side_navigation_marking_the_current_page(
    client, member, url_name, title, current
):
    client.force_login(member)
    response = client.get(reverse(url_name))
    assert_govuk_page(response, title=title)
    nav = re.search(r'<nav class="khub-side-nav".*?</nav>', response.text, re.S).group(0)
    assert re.search(rf'aria-current="page">{current}</a>', nav)
    assert nav.count('aria-current="page"') == 1
    assert '<span class="govuk-caption-l">Your account</span>' in response.text


@pytest.mark.parametrize(
    ("url_name", "title"),
    [("account_logout", "Sign out"), ("account_reauthenticate", "Confirm access")],
)
def test_sign_out_and_password_check_pages_render_for_a_signed_in_member(client, member, url_name, title):
    client.force_login(member)
    assert_govuk_page(client.get(reverse(url_name)), title=title)


def test_a_member_without_a_password_is_offered_the_set_password_page(client):
    user = UserFactory()
    user.set_unusable_password()
    user.save(update_fields=["password"])
    client.force_login(user)
    response = client.get(reverse("account_set_password"))
    assert_govuk_page(response, title="Set password")
    assert 'autocomplete="new-password"' in response.text


def test_the_confirm_email_page_confirms_with_a_posted_button(client):
    user = UserFactory(verified_email=False)
    address = EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    key = EmailConfirmationHMAC(address).key
    url = reverse("account_confirm_email", args=[key])

    page = client.get(url)

    assert_govuk_page(page, title="Confirm email address")
    assert re.search(rf'<form method="post"\s+action="{url}"', page.text)
    assert client.post(url).status_code == 302
    address.refresh_from_db()
    assert address.verified


def test_the_password_reset_link_leads_to_a_govuk_new_password_form(client, member):
    url = _reset_url(member, default_token_generator.make_token(member))

    response = client.get(url, follow=True)

    assert_govuk_page(response, title="Change password")
    assert response.text.count('autocomplete="new-password"') == 2
    # Cancel posts the sign-out form that sits outside the main form, so it needs no JavaScript.
    assert 'form="logout-from-stage"' in response.text
    assert 'id="logout-from-stage"' in response.text


def test_a_spent_password_reset_link_says_so(client, member):
    url = _reset_url(member, "not-a-real-key")
    response = client.get(url)
    assert_govuk_page(response, title="Bad token", buttons=False)
    assert reverse("account_reset_password") in response.text


def test_the_sign_up_form_asks_for_a_display_name_with_autocomplete_hints(client):
    response = client.get(reverse("account_signup"))
    assert_govuk_page(response, title="Create an account")
    html = response.text
    assert '<label class="govuk-label govuk-label--s" for="id_display_name">Full name</label>' in html
    assert re.search(r'<input type="text" name="display_name"[^>]*autocomplete="name"', html)
    assert re.search(r'name="email"[^>]*autocomplete="email"', html)
    assert re.search(r'name="password1"[^>]*autocomplete="new-password"', html)
    # GOV.UK shows labels, never placeholders; allauth's copies of the labels are dropped.
    assert "placeholder=" not in html


def test_the_sign_in_form_keeps_autocomplete_hints_and_links_to_password_reset(client):
    html = client.get(reverse("account_login")).text
    assert re.search(r'name="login"[^>]*autocomplete="email"', html)
    assert re.search(r'name="password"[^>]*autocomplete="current-password"', html)
    assert f'<a class="govuk-link" href="{reverse("account_reset_password")}">' in html


def test_sign_up_with_mismatched_passwords_shows_an_error_summary_and_creates_no_one(client):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Priya Shah",
            "email": "priya@example.test",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-different-passphrase",
        },
    )
    assert_govuk_page(response, title="Error: Create an account")
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', response.text, re.S).group(0)
    assert '<a href="#id_password2">' in summary
    assert 'id="id_password2"' in response.text
    assert 'aria-describedby="id_password2-error"' in response.text
    # The summary comes before the heading, as GOV.UK places it.
    assert response.text.index("govuk-error-summary") < response.text.index("<h1")
    assert not User.objects.filter(email="priya@example.test").exists()


def test_sign_up_with_an_invalid_email_links_the_error_summary_to_the_email_field(client):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Priya Shah",
            "email": "not-an-address",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert_govuk_page(response, title="Error: Create an account")
    assert '<a href="#id_email">' in response.text
    assert "govuk-input--error" in response.text
    assert User.objects.count() == 0


def test_a_wrong_password_on_sign_in_is_summarised_at_the_top(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": "wrong-password"})
    assert_govuk_page(response, title="Error: Sign in")
    assert '<div class="govuk-error-summary"' in response.text


def test_the_email_page_lists_addresses_in_a_table_with_an_action_form_per_address(client, member):
    EmailAddress.objects.create(user=member, email="second@example.test", verified=False)
    client.force_login(member)

    response = client.get(reverse("account_email"))

    assert_govuk_page(response, title="Email addresses")
    html = response.text
    assert '<table class="govuk-table">' in html
    assert "Not confirmed" in html
    assert '<input type="hidden" name="email" value="second@example.test">' in html
    assert 'name="action_send"' in html
    # Each row's buttons say which address they act on.
    assert 'Remove<span class="govuk-visually-hidden">: second@example.test</span>' in html
    # The primary address cannot be removed, so it offers no remove button.
    assert f'Remove<span class="govuk-visually-hidden">: {member.email}</span>' not in html


def test_resending_a_confirmation_from_the_email_table_works_without_javascript(client, member, mailoutbox):
    EmailAddress.objects.create(user=member, email="second@example.test", verified=False)
    client.force_login(member)
    response = client.post(reverse("account_email"), {"email": "second@example.test", "action_send": ""})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["second@example.test"]]


def test_adding_an_invalid_email_address_shows_an_error_summary(client, member):
    client.force_login(member)
    response = client.post(reverse("account_email"), {"email": "nope", "action_add": ""})
    assert_govuk_page(response, title="Error: Email addresses")
    assert '<a href="#id_email">' in response.text


def test_the_totp_activation_page_shows_the_qr_code_as_an_image_with_alt_text(client, member):
    client.force_login(member)
    _reauthenticate(client)

    response = client.get(reverse("mfa_activate_totp"))

    assert_govuk_page(response, title="Set up an authenticator app")
    img = re.search(r"<img[^>]*>", response.text, re.S).group(0)
    assert 'src="data:image/svg+xml;base64,' in img
    assert re.search(r'alt="QR code[^"]+"', img)
    # The secret is there for people who cannot scan, and is not (as in allauth) the image's alt text.
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in response.text
    assert secret not in img
    assert re.search(r'name="code"[^>]*autocomplete="one-time-code"', response.text)


def test_two_factor_pages_render_for_a_member_who_has_turned_it_on(client):
    user = _member_with_two_factor()
    client.force_login(user)
    _reauthenticate(client)

    index = client.get(reverse("mfa_index"))
    assert_govuk_page(index, title="Two-factor authentication", buttons=False)
    assert '<dl class="govuk-summary-list">' in index.text
    assert "Turn off" in index.text

    assert_govuk_page(client.get(reverse("mfa_deactivate_totp")), title="Deactivate authenticator app")
    assert_govuk_page(client.get(reverse("mfa_generate_recovery_codes")), title="Recovery codes")
    assert_govuk_page(client.get(reverse("mfa_reauthenticate")), title="Confirm access")

    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert_govuk_page(codes, title="Recovery codes")
    unused = RecoveryCodes(user.authenticator_set.get(type="recovery_codes")).get_unused_codes()
    assert f"<code>{unused[0]}</code>" in codes.text

    download = client.get(reverse("mfa_download_recovery_codes"))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/plain")
    assert unused[0] in download.content.decode()


def test_signing_in_with_two_factor_on_asks_for_a_code_in_the_govuk_layout(client):
    user = _member_with_two_factor()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")

    page = client.get(response.url)

    assert_govuk_page(page, title="Two-factor authentication")
    assert re.search(r'name="code"[^>]*autocomplete="one-time-code"', page.text)
    assert 'form="logout-from-stage"' in page.text

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert_govuk_page(wrong, title="Error: Two-factor authentication")
    assert '<a href="#id_code">' in wrong.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Verify Your Email Address", "Verify your email address"),
        ("Two-Factor Authentication", "Two-factor authentication"),
        ("New Password (again)", "New password (again)"),
        ("Scan The QR Code", "Scan the QR code"),
        ("Welcome to Knowledge Hub", "Welcome to Knowledge Hub"),
        ("Signup", "Signup"),
        (
            'Remove<span class="govuk-visually-hidden"> A</span>',
            'Remove<span class="govuk-visually-hidden"> A</span>',
        ),
    ],
)
def test_allauth_title_case_is_turned_into_govuk_sentence_case_and_nothing_else_is(text, expected):
    assert sentence_case(text) == expected
