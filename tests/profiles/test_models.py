import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError

from profiles.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_stored_lower_case():
    user = User.objects.create_user(email="Priya.Shah@Leeds.GOV.uk", password="x", display_name="Priya Shah")
    assert user.email == "priya.shah@leeds.gov.uk"


def test_two_accounts_cannot_share_an_address_in_different_case():
    UserFactory(email="jo@example.test")
    # Bypass save() (which lower-cases) to prove the database itself refuses the duplicate.
    other = UserFactory(email="someone@example.test")
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=other.pk).update(email="JO@example.test")


def test_sign_in_matches_the_address_whatever_its_case():
    UserFactory(email="case@example.test")
    assert authenticate(username="CASE@Example.Test", password="correct-horse-battery") is not None


def test_handle_is_made_from_the_display_name_and_kept_unique():
    first = UserFactory(display_name="Priya Shah")
    second = UserFactory(display_name="Priya Shah")
    third = UserFactory(display_name="Priya  Shah!")
    assert (first.handle, second.handle, third.handle) == ("priya-shah", "priya-shah-2", "priya-shah-3")


def test_reserved_words_are_never_handles():
    assert UserFactory(display_name="Settings").handle == "settings-member"


def test_a_member_without_a_council_has_no_verified_affiliation(member):
    assert member.council is None
    assert not member.has_verified_affiliation
