"""profiles' {% avatar %} tag: the person's photo or initials, and nobody's name once they erased their
account."""

import pytest
from django.template import Context, Template

from profiles.services import user_erase
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _avatar(person, size="s"):
    return Template("{% load people %}{% avatar person size %}").render(
        Context({"person": person, "size": size})
    )


def test_initials_without_a_photo():
    person = UserFactory(display_name="Fatima Rahman")

    html = _avatar(person, "m")

    assert ">FR</span>" in html
    assert "khub-avatar--m" in html


def test_a_photo_when_they_have_one():
    person = UserFactory(display_name="Fatima Rahman", avatar="avatars/fatima.webp")

    html = _avatar(person)

    assert html.startswith("<img ")
    assert f"/avatars/{person.handle}/fatima.webp" in html
    assert "FR" not in html


def test_a_former_member_is_not_named_by_their_initials():
    person = user_erase(user=UserFactory(display_name="Fatima Rahman"))

    html = _avatar(person)

    assert ">FM</span>" in html
    assert "FR" not in html
