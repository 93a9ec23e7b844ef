"""The question's home: a question thread in the hub-wide space every verified member takes part in."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ask.models import SPACE_SLUG
from ask.services.questions import questions_space
from communities.permissions import can_participate, can_read
from tests.ask.helpers import question
from tests.factories import UserFactory, VerifiedMemberFactory

pytestmark = pytest.mark.django_db


def test_a_question_is_a_question_thread_in_the_space_with_its_tags_and_service_area():
    asked = question(tags=("waste collection", "garden waste"))
    thread = asked.thread
    assert thread.community.slug == SPACE_SLUG
    assert thread.is_question
    assert thread.author == asked.asker
    assert sorted(tag.name for tag in thread.tags.all()) == ["garden waste", "waste collection"]
    assert asked.service_area == "environment"
    assert questions_space() == thread.community  # made once


def test_every_verified_member_takes_part_in_the_space_without_joining_others_only_read():
    space = questions_space()
    assert can_participate(user=VerifiedMemberFactory(), community=space)
    unverified = UserFactory()
    assert can_read(user=unverified, community=space)
    assert not can_participate(user=unverified, community=space)


def test_asking_needs_a_verified_council_and_a_title_that_is_not_only_spaces():
    with pytest.raises(PermissionDenied):
        question(asker=UserFactory())
    with pytest.raises(ValidationError) as raised:
        question(title="   ")
    assert raised.value.message_dict["title"] == ["Enter a title."]
    with pytest.raises(ValidationError) as raised:
        question(service_area="nonsense")
    assert "service_area" in raised.value.message_dict
