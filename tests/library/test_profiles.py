"""A person's "Library uploads" on their profile (library.records.profile_uploads): the documents they
uploaded, only those the VIEWER may read, so an upload to a private community's library says nothing to an
outsider; never a removed one; a fixed number of queries whatever the number of documents."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from library.services.documents import document_remove
from tests.communities.helpers import community, person_as
from tests.factories import MembershipFactory
from tests.library.helpers import document
from tests.profiles.test_people_queries import PROFILE_QUERIES

pytestmark = pytest.mark.django_db


def _profile(client, viewer, person):
    client.force_login(viewer)
    response = client.get(reverse("profiles:profile", kwargs={"handle": person.handle}))
    assert response.status_code == 200
    return response


def _uploads(response) -> list[str]:
    section = next((s for s in response.context["sections"] if s.title == "Library uploads"), None)
    return [] if section is None else [made.title for made in section.context["library_uploads"]]


@pytest.mark.parametrize(
    ("relation", "shown"),
    [
        ("outsider", False),
        ("invited", False),
        ("requester", False),
        ("left", False),
        ("banned", False),
        ("member", True),
        ("facilitator", True),
        ("site_admin", True),
    ],
)
@pytest.mark.parametrize("visibility", ["private", "restricted"])
def test_an_upload_to_a_closed_community_shows_only_to_those_who_may_read_it(
    client, visibility, relation, shown
):
    place = community(visibility)
    person = person_as("member", place)
    made = document(uploader=person, community=place, title="Gritting business case")

    response = _profile(client, person_as(relation, place), person)

    assert _uploads(response) == (["Gritting business case"] if shown else [])
    assert (made.get_absolute_url() in response.text) is shown
    assert ("Library uploads" in response.text) is shown


def test_an_open_communitys_upload_shows_to_anyone_signed_in_with_type_size_and_where(client):
    place = community("open", name="Highways officers")
    person = person_as("member", place)
    made = document(uploader=person, community=place, title="Gritting business case")

    response = _profile(client, person_as("outsider", place), person)

    assert _uploads(response) == ["Gritting business case"]
    assert made.get_absolute_url() in response.text
    assert "Highways officers" in response.text
    assert "PDF" in response.text
    assert _uploads(_profile(client, person, person)) == ["Gritting business case"]


def test_a_removed_document_is_not_listed(client):
    place = community("open")
    person = person_as("member", place)
    made = document(uploader=person, community=place, title="Out of date")
    document_remove(user=person_as("facilitator", place), document=made, reason="Superseded")
    response = _profile(client, person_as("member", place), person)
    assert "Library uploads" not in response.text


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_profile_runs_the_same_queries_for_2_or_30_uploads(client, django_assert_max_num_queries):
    places = [community("open"), community("private"), community("private")]
    person = person_as("member", places[0])
    for place in places[1:]:
        MembershipFactory(community=place, user=person)
    viewer = person_as("member", places[1])
    client.force_login(viewer)
    url = reverse("profiles:profile", kwargs={"handle": person.handle})
    for place in places:
        document(uploader=person, community=place)
    client.get(url)
    small = _queries(client, url)
    for place in places:
        for _ in range(9):
            document(uploader=person, community=place)
    assert _queries(client, url) == small
    with django_assert_max_num_queries(PROFILE_QUERIES):
        response = client.get(url)
    assert len(_uploads(response)) == 10  # the newest ten of the twenty the viewer may read
