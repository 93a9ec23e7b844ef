"""The practice admin: site admins read stories, endorsements and adoptions; nobody adds, changes or deletes
them there (the services keep counts, notify and log), and each list runs a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from practice.models import Adoption, Endorsement, PracticeStory
from practice.services.recognition import adoption_record, endorsement_create, story_promote
from tests.factories import AdminFactory, CommunityFactory, UserFactory, VerifiedMemberFactory
from tests.practice.helpers import author_in, draft_story, published_story

pytestmark = pytest.mark.django_db

MODELS = ["practicestory", "endorsement", "adoption"]
# session, user, two COUNTs (filtered and in all), the sidebar's hub settings check, then the page with its
# related rows (list_select_related)
LIST_QUERIES = 6


def _url(model: str, page: str, *args) -> str:
    return reverse(f"admin:practice_{model}_{page}", args=args)


def _add_rows(count: int, place=None) -> list[PracticeStory]:
    """`count` published stories in an open community, each endorsed once and repeated by one council, and
    every other one promoted."""
    place = place or CommunityFactory()
    site_admin = AdminFactory()
    stories = []
    for number in range(count):
        story = published_story(title=f"Story {number}", author=author_in(place), community=place)
        endorsement_create(user=UserFactory(), story=story, comment=f"Worth it {number}")
        adoption_record(
            user=VerifiedMemberFactory(),
            story=story,
            outcome=Adoption.Outcome.ADOPTED,
            started_on=datetime.date(2024, 1, 1 + number % 28),
        )
        if number % 2:
            story_promote(actor=site_admin, story=story)
        stories.append(story)
    return stories


def _list_queries(client, model: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


def test_every_list_runs_the_same_few_queries_for_1_and_20_rows(
    client, site_admin, django_assert_max_num_queries
):
    client.force_login(site_admin)
    place = CommunityFactory()
    _add_rows(1, place)
    with_1 = {model: _list_queries(client, model) for model in MODELS}
    _add_rows(19, place)
    with_20 = {model: _list_queries(client, model) for model in MODELS}
    assert with_20 == with_1
    for model in MODELS:
        with django_assert_max_num_queries(LIST_QUERIES, info=model):
            response = client.get(_url(model, "changelist"))
        assert response.context["cl"].result_count == 20


def test_the_story_list_shows_council_community_status_audience_promotion_and_counts(client, site_admin):
    story = _add_rows(2)[1]
    draft_story(title="A draft")
    client.force_login(site_admin)
    response = client.get(_url("practicestory", "changelist"))
    assert response.context["cl"].result_count == 3  # drafts included: a site admin sees every story
    html = response.text
    for text in (story.title, story.council.name, story.community.name, "Published", "A draft"):
        assert text in html
    assert 'alt="True"' in html  # promoted


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"status__exact": "draft"}, ["A draft"]),
        ({"audience__exact": "members"}, ["For members"]),
        ({"service_area__exact": "housing"}, ["For members"]),
        ({"promoted": "yes"}, ["Story 1"]),
        ({"promoted": "no"}, ["For members", "A draft", "Story 0"]),
        ({"q": "two clicks"}, ["A draft", "Story 1", "Story 0"]),  # the summary
        ({"q": "members"}, ["For members"]),  # the title
    ],
)
def test_the_story_list_filters_and_searches(client, site_admin, query, titles):
    _add_rows(2)
    draft_story(title="A draft")
    published_story(title="For members", audience="members", service_area="housing", summary="Homes.")
    client.force_login(site_admin)
    response = client.get(_url("practicestory", "changelist"), query)
    assert [story.title for story in response.context["cl"].result_list] == titles


def test_a_story_opens_read_only_with_its_record(client, site_admin):
    story = _add_rows(1)[0]
    client.force_login(site_admin)
    response = client.get(_url("practicestory", "change", story.pk))
    assert response.status_code == 200
    html = response.text
    assert escape(story.what_we_did) in html
    assert "waste" in html  # its tags
    assert 'name="title"' not in html  # no form fields
    assert "Save" not in html
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False


@pytest.mark.parametrize("model", MODELS)
def test_nothing_is_added_changed_or_deleted_in_the_admin(client, site_admin, model):
    story = _add_rows(1)[0]
    row = {
        "practicestory": story,
        "endorsement": Endorsement.objects.get(story=story),
        "adoption": Adoption.objects.get(story=story),
    }[model]
    client.force_login(site_admin)
    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "add"), {"title": "Sneaked in"}).status_code == 403
    assert client.get(_url(model, "delete", row.pk)).status_code == 403
    assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    changelist = client.get(_url(model, "changelist"))
    assert _url(model, "add") not in changelist.text
    assert "delete_selected" not in changelist.text
    response = client.post(
        _url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert type(row).objects.filter(pk=row.pk).exists()
    assert client.get(_url(model, "change", row.pk)).status_code == 200  # read
    assert client.post(_url(model, "change", row.pk), {"comment": "Changed"}).status_code == 403
    story.refresh_from_db()
    assert (story.endorsement_count, story.adoption_count) == (1, 1)


def test_members_cannot_open_the_practice_admin(client, member):
    client.force_login(member)
    for model in MODELS:
        response = client.get(_url(model, "changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response.url
