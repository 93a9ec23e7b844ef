import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from profiles.models import User
from profiles.selectors import council_for_email
from profiles.services import user_set_council, user_sync_council_link
from tests.factories import CouncilDomainFactory, CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def leeds():
    council = CouncilFactory(name="Leeds City Council", slug="leeds-city-council")
    CouncilDomainFactory(council=council, domain="leeds.gov.uk")
    return council


def test_an_address_at_the_council_domain_matches(leeds):
    assert council_for_email(email="priya@leeds.gov.uk") == leeds


def test_an_address_at_a_subdomain_matches_the_parent_domain(leeds):
    assert council_for_email(email="priya@hr.leeds.gov.uk") == leeds


def test_the_most_specific_domain_wins(leeds):
    trust = CouncilFactory(name="Leeds Schools Trust")
    CouncilDomainFactory(council=trust, domain="schools.leeds.gov.uk")
    assert council_for_email(email="head@a.schools.leeds.gov.uk") == trust
    assert council_for_email(email="officer@leeds.gov.uk") == leeds


@pytest.mark.parametrize("email", ["priya@notleeds.gov.uk", "priya@leeds.gov.uk.evil.test", "priya@gov.uk"])
def test_lookalike_domains_do_not_match(leeds, email):
    assert council_for_email(email=email) is None


def test_an_unverified_council_address_does_not_link(leeds):
    user = UserFactory(email="priya@leeds.gov.uk", verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    assert user_sync_council_link(user=user) is None
    user.refresh_from_db()
    assert user.council is None


def test_removing_the_council_address_unlinks_the_member(leeds, client):
    user = UserFactory(email="priya@personal.test")
    EmailAddress.objects.create(user=user, email="priya@leeds.gov.uk", verified=True, primary=False)
    user_sync_council_link(user=user)
    user.refresh_from_db()
    assert (user.council, user.council_linked_via) == (leeds, User.CouncilLink.EMAIL)

    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_remove": "", "email": "priya@leeds.gov.uk"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.council is None
    assert user.council_linked_via == ""


def test_a_link_set_by_a_site_admin_survives_address_changes(leeds):
    other = CouncilFactory(name="Kent County Council")
    user = UserFactory(email="priya@leeds.gov.uk")
    user_set_council(user=user, council=other)
    user_sync_council_link(user=user)
    user.refresh_from_db()
    assert (user.council, user.council_linked_via) == (other, User.CouncilLink.ADMIN)


def test_clearing_an_admin_link_falls_back_to_verified_addresses(leeds):
    user = UserFactory(email="priya@leeds.gov.uk")
    user_set_council(user=user, council=CouncilFactory(name="Kent County Council"))
    user_set_council(user=user, council=None)
    user.refresh_from_db()
    assert (user.council, user.council_linked_via) == (leeds, User.CouncilLink.EMAIL)


def _confirmation_link() -> str:
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[-1].body).group(0)


def _sign_up(client, email: str):
    return client.post(
        reverse("account_signup"),
        {
            "display_name": "Jo Bloggs",
            "email": email,
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )


def test_a_newcomer_who_confirms_a_council_address_is_linked_to_that_council(leeds, client):
    response = _sign_up(client, "Jo.Bloggs@HR.Leeds.gov.uk")
    assert response.status_code == 302
    user = User.objects.get(email="jo.bloggs@hr.leeds.gov.uk")
    assert user.display_name == "Jo Bloggs"
    assert user.council is None  # not until the address is confirmed

    confirm_path = _confirmation_link().split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + confirm_path)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.council, user.council_linked_via) == (leeds, User.CouncilLink.EMAIL)
    assert user.has_verified_affiliation


def test_a_newcomer_with_another_address_is_an_independent_member(leeds, client):
    _sign_up(client, "jo@example.test")
    client.post("/" + _confirmation_link().split("://", 1)[1].split("/", 1)[1])
    user = User.objects.get(email="jo@example.test")
    assert EmailAddress.objects.get(user=user).verified
    assert user.council is None


def test_an_unconfirmed_member_cannot_sign_in(client):
    _sign_up(client, "jo@example.test")
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "jo@example.test", "password": "a-long-unusual-passphrase"}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def _council_form(council, domains: list[str]) -> dict:
    data = {
        "name": council.name,
        "slug": council.slug,
        "kind": council.kind,
        "region": council.region,
        "website": council.website,
        "domains-TOTAL_FORMS": str(len(domains) + 1),
        "domains-INITIAL_FORMS": str(council.domains.count()),
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
    }
    existing = list(council.domains.all())
    for i, row in enumerate(existing):
        data[f"domains-{i}-id"] = row.pk
        data[f"domains-{i}-council"] = council.pk
        data[f"domains-{i}-domain"] = row.domain
        if row.domain not in domains:
            data[f"domains-{i}-DELETE"] = "on"
    new = [d for d in domains if d not in {row.domain for row in existing}]
    for j, domain in enumerate(new, start=len(existing)):
        data[f"domains-{j}-council"] = council.pk
        data[f"domains-{j}-domain"] = domain
    data["domains-TOTAL_FORMS"] = str(len(existing) + len(new))
    return data


def test_adding_a_domain_in_the_admin_links_members_already_verified_there(client, site_admin):
    council = CouncilFactory(name="Wakefield Council", slug="wakefield")
    already_here = UserFactory(email="ann@wakefield.gov.uk")
    elsewhere = UserFactory(email="bob@example.test")
    client.force_login(site_admin)
    url = reverse("admin:profiles_council_change", args=[council.pk])

    response = client.post(url, _council_form(council, ["Wakefield.gov.uk"]))
    assert response.status_code == 302
    assert list(council.domains.values_list("domain", flat=True)) == ["wakefield.gov.uk"]
    already_here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (already_here.council, already_here.council_linked_via) == (council, User.CouncilLink.EMAIL)
    assert elsewhere.council is None

    response = client.post(url, _council_form(council, []))
    assert response.status_code == 302
    already_here.refresh_from_db()
    assert already_here.council is None


def test_a_domain_with_a_scheme_or_path_is_refused_with_a_clear_message(client, site_admin):
    council = CouncilFactory()
    client.force_login(site_admin)
    url = reverse("admin:profiles_council_change", args=[council.pk])
    response = client.post(url, _council_form(council, ["https://leeds.gov.uk/"]))
    assert response.status_code == 200
    assert "Enter a domain name such as leeds.gov.uk" in response.text
    assert not council.domains.exists()
