"""Defects a review of the practice change found, each pinned by a test that failed before its fix."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from practice.models import Adoption, Endorsement, PracticeStory
from practice.services.recognition import adoption_record, adoption_withdraw, endorsement_create
from practice.services.stories import story_archive, story_publish, story_update
from profiles.models import Notification
from tests.factories import CommunityFactory, UserFactory, VerifiedMemberFactory
from tests.practice.helpers import RECORD, author_in, draft_story, published_story

pytestmark = pytest.mark.django_db


def _form(story: PracticeStory, **changes) -> dict:
    data = {
        "title": story.title,
        "summary": story.summary,
        "service_area": story.service_area,
        "community": story.community_id,
        "audience": story.audience,
        "action": "save",
        **RECORD,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("field", ["evidence_links", "tags"])
def test_a_null_character_in_links_or_tags_is_a_message_not_a_server_error(client, field):
    story = draft_story()
    client.force_login(story.author)
    value = "https://example.com/a\x00b report" if field == "evidence_links" else "wa\x00ste"
    response = client.post(reverse("practice:edit", args=[story.slug]), _form(story, **{field: value}))
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()


def test_the_services_refuse_a_null_character_in_a_link_or_a_tag():
    story = draft_story()
    bad_link = [{"url": "https://example.com/\x00", "title": ""}]
    for changes in ({"evidence_links": bad_link}, {"tags": ["a\x00"]}):
        with pytest.raises(ValidationError):
            story_update(actor=story.author, story=story, title=story.title, sections=RECORD, **changes)


def test_removing_an_adoption_twice_says_so_and_keeps_the_count():
    story = published_story()
    adopter = VerifiedMemberFactory()
    started = story.created_at.date()
    adoption = adoption_record(user=adopter, story=story, outcome="adopted", started_on=started)
    stale = Adoption.objects.get(pk=adoption.pk)
    adoption_withdraw(actor=adopter, adoption=adoption)
    with pytest.raises(ValidationError, match="already removed"):
        adoption_withdraw(actor=adopter, adoption=stale)
    story.refresh_from_db()
    assert story.adoption_count == 0


def test_a_member_who_endorsed_and_then_became_a_co_author_no_longer_endorses_it():
    story = published_story()
    reader = UserFactory()
    endorsement_create(user=reader, story=story, comment="Good")
    story_update(
        actor=story.author,
        story=story,
        title=story.title,
        summary=story.summary,
        service_area=story.service_area,
        sections=RECORD,
        co_authors=[reader.handle],
    )
    story.refresh_from_db()
    assert story.endorsement_count == 0
    assert not Endorsement.objects.filter(user=reader).exists()


def test_a_co_author_outside_a_private_home_community_is_told_of_publication_without_its_name():
    place = CommunityFactory(visibility="private", name="Secret Circle")
    outside = UserFactory()
    story = draft_story(community=place, author=author_in(place), co_authors=[outside.handle])
    story_publish(actor=story.author, story=story)
    notice = Notification.objects.get(recipient=outside, kind="practice.published")
    assert "Secret Circle" not in notice.text


def test_your_stories_lists_drafts_then_published_then_archived(client):
    place = CommunityFactory()
    author = author_in(place)
    archived = published_story(community=place, author=author, title="Archived one")
    story_archive(actor=author, story=archived)
    published_story(community=place, author=author, title="Published one")
    draft_story(community=place, author=author, title="Draft one")
    client.force_login(author)
    html = client.get(reverse("practice:mine")).content.decode()
    assert html.index("Draft one") < html.index("Published one") < html.index("Archived one")


@pytest.mark.parametrize("query", ["?council=nope", "?sort=zzz", "?tag=" + "x" * 500, "?region=atlantis"])
def test_a_stale_library_filter_is_dropped_without_an_error_message(client, query):
    published_story()
    html = client.get(reverse("practice:index") + query).content.decode()
    assert "govuk-error-message" not in html
    assert "1 story" in html


def test_a_co_author_from_another_council_cannot_record_repeating_their_own_story():
    place = CommunityFactory()
    partner = VerifiedMemberFactory()  # a council of their own
    story = published_story(community=place, co_authors=[partner.handle])
    with pytest.raises(ValidationError, match="You wrote this story"):
        adoption_record(user=partner, story=story, outcome="adopted", started_on=story.created_at.date())
    assert not Adoption.objects.exists()
