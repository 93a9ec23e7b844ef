"""The library in search (library.providers.search): documents and guides found by title, description and
text among those the viewer may read, the title weighted above the description above the body; a Library tab
with snippets and the other tabs' facets; a document whose text was not extracted still found by its title;
a page's queries do not grow with the documents."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from library.models import Document, DocumentVersion, Guide, TextState
from library.services.documents import document_remove
from library.services.extraction import extract_due
from tests.communities.helpers import community, person_as
from tests.factories import CouncilFactory, MembershipFactory
from tests.library.guide_rows import guide
from tests.library.helpers import document

pytestmark = pytest.mark.django_db

# Session, user and the header's unread count (3); every kind's candidates (8: practice, conversations'
# posts, thread titles and the labels of those kept, communities, people, events, the library's documents
# and guides in one UNION); the tags of the documents found, in one query; the page's documents and its
# guides (one query each).
LIBRARY_TAB_QUERIES = 14


def _search(client, viewer=None, **params):
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response


def _tab(response):
    return next((found for found in response.context["results"].kinds if found.kind == "library"), None)


def _titles(response) -> list[str]:
    return [hit.item.title for hit in _tab(response).hits]


def _text(uploader, place, title: str, text: str, **values) -> Document:
    """A plain-text document whose text is extracted (as the task does after upload)."""
    made = document(
        uploader=uploader, community=place, title=title, data=text.encode(), name="notes.txt", **values
    )
    extract_due()
    made.refresh_from_db()
    return made


@pytest.mark.parametrize(
    ("relation", "found"),
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
def test_a_closed_communitys_documents_and_guides_are_found_only_by_those_who_may_read_them(
    client, visibility, relation, found
):
    place = community(visibility)
    facilitator = person_as("facilitator", place)
    made = document(uploader=facilitator, community=place, title="Gritting business case")
    written = guide(author=facilitator, community=place, title="Gritting routes guide")

    response = _search(client, person_as(relation, place), q="gritting", type="library")

    expected = ["Gritting routes guide", "Gritting business case"] if found else []
    assert sorted(_titles(response), reverse=True) == expected
    assert _tab(response).count == (2 if found else 0)
    assert (made.get_absolute_url() in response.text) is found
    assert (written.get_absolute_url() in response.text) is found


def test_an_open_communitys_library_is_found_by_any_member_of_the_hub_not_by_visitors(client):
    place = community("open")
    document(uploader=person_as("member", place), community=place, title="Gritting business case")
    assert _titles(_search(client, person_as("outsider", place), q="gritting", type="library")) == [
        "Gritting business case"
    ]
    client.logout()
    response = _search(client, q="gritting")
    assert _tab(response) is None
    assert "Gritting business case" not in response.text


def test_removed_documents_and_guides_are_found_by_nobody(client):
    place = community("open")
    facilitator = person_as("facilitator", place)
    made = document(uploader=facilitator, community=place, title="Gritting business case")
    document_remove(user=facilitator, document=made, reason="Out of date")
    written = guide(author=facilitator, community=place, title="Gritting guide")
    Guide.objects.filter(pk=written.pk).update(removed_at=timezone.now())
    assert _titles(_search(client, person_as("site_admin", place), q="gritting", type="library")) == []


def test_a_document_is_found_by_its_extracted_text_with_a_snippet(client):
    place = community("open", name="Highways officers")
    uploader = person_as("member", place, display_name="Priya Shah")
    made = _text(uploader, place, "Winter plan", "Each council salts its own roads before the first frost.")
    assert made.text_state == TextState.EXTRACTED

    response = _search(client, person_as("member", place), q="frost", type="library")

    (hit,) = _tab(response).hits
    assert "first <mark>frost</mark>" in str(hit.snippet)
    html = response.text
    assert made.get_absolute_url() in html
    assert "Highways officers" in html
    assert "Plain text" in html
    assert "Priya Shah" in html
    tabs = [kind.label for kind in response.context["results"].kinds]
    assert tabs.index("Events") < tabs.index("Library") < tabs.index("Communities")


def test_a_document_whose_text_was_not_extracted_is_still_found_by_its_title(client):
    place = community("open")
    made = document(uploader=person_as("member", place), community=place, title="Scanned gritting map")
    DocumentVersion.objects.filter(document=made).update(text_state=TextState.FAILED, text_error="Scanned")
    Document.objects.filter(pk=made.pk).update(text_state=TextState.FAILED)

    response = _search(client, person_as("member", place), q="gritting", type="library")

    assert _titles(response) == ["Scanned gritting map"]
    assert "Text not extracted" in response.text


def test_a_guide_is_found_by_its_text_with_a_snippet(client):
    place = community("open")
    guide(
        author=person_as("member", place),
        community=place,
        title="Shared contracts",
        body="Salt **barns** are shared.",
    )
    response = _search(client, person_as("member", place), q="barns", type="library")
    (hit,) = _tab(response).hits
    assert hit.is_guide
    assert "<mark>barns</mark>" in str(hit.snippet)
    assert "Guide in" in response.text


def test_the_title_outranks_the_description_and_the_description_the_text(client, postgres_only):
    place = community("open")
    uploader = person_as("member", place)
    _text(uploader, place, "Gritting plan", "Nothing here about it.")
    _text(uploader, place, "Winter plan", "Nothing here either.", description="Our gritting approach.")
    _text(uploader, place, "Roads plan", "We talk about gritting in the text.")
    viewer = person_as("member", place)
    assert _titles(_search(client, viewer, q="gritting", type="library")) == [
        "Gritting plan",
        "Winter plan",
        "Roads plan",
    ]
    newest = _search(client, viewer, q="gritting", type="library", sort="newest")
    assert _titles(newest) == ["Roads plan", "Winter plan", "Gritting plan"]


def test_the_facets_count_the_library_by_community_council_region_and_tag_and_filter_it(client):
    council = CouncilFactory(region="north_east")
    roads, waste = community("open", name="Roads"), community("private", name="Waste")
    uploader = person_as("facilitator", roads, council=council)
    MembershipFactory(community=waste, user=uploader, role="facilitator")
    document(uploader=uploader, community=roads, title="Gritting in Roads", tags=["winter"])
    document(uploader=uploader, community=waste, title="Gritting in Waste", tags=["bins"])
    guide(author=uploader, community=waste, title="Gritting guide")
    viewer = person_as("member", roads)
    MembershipFactory(community=waste, user=viewer)

    response = _search(client, viewer, q="gritting", type="library")
    facets = response.context["results"].facets
    assert {(value.label, value.count) for value in facets["community"]} == {("Roads", 1), ("Waste", 2)}
    assert [(value.value, value.count) for value in facets["region"]] == [("north_east", 3)]
    assert [(value.label, value.count) for value in facets["council"]] == [(council.name, 3)]
    assert {(value.label, value.count) for value in facets["tag"]} == {("winter", 1), ("bins", 1)}

    def titles(**params):
        return sorted(_titles(_search(client, q="gritting", type="library", **params)))

    assert titles(community="no-such-place") == []
    assert titles(community=waste.slug) == ["Gritting guide", "Gritting in Waste"]
    assert titles(tag="bins") == ["Gritting in Waste"]  # a guide has no tags
    assert titles(region="london") == []
    assert len(titles(council=council.slug)) == 3


def test_an_outsider_sees_no_facet_of_a_private_communitys_library(client):
    place = community("private", name="Secret roads")
    document(uploader=person_as("member", place), community=place, title="Gritting", tags=["hidden-tag"])
    guide(author=person_as("member", place), community=place, title="Gritting guide")
    response = _search(client, person_as("outsider", place), q="gritting")
    facets = response.context["results"].facets
    assert facets["community"] == []
    assert facets["tag"] == []
    assert "Secret roads" not in response.text
    assert "hidden-tag" not in response.text


def test_the_date_filter_is_on_when_it_last_changed(client):
    place = community("open")
    uploader = person_as("member", place)
    old = document(uploader=uploader, community=place, title="Gritting old")
    Document.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=60))
    document(uploader=uploader, community=place, title="Gritting new")
    since = (timezone.localdate() - timedelta(days=30)).strftime("%d/%m/%Y")
    until = (timezone.localdate() - timedelta(days=30)).strftime("%d/%m/%Y")
    viewer = person_as("member", place)
    assert _titles(_search(client, viewer, q="gritting", type="library", since=since)) == ["Gritting new"]
    assert _titles(_search(client, viewer, q="gritting", type="library", until=until)) == ["Gritting old"]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _library(places, count: int) -> None:
    for place in places:
        uploader = person_as("facilitator", place)
        for number in range(count):
            document(
                uploader=uploader, community=place, title=f"Gritting {number}", tags=[f"topic-{number % 5}"]
            )
            guide(author=uploader, community=place, title=f"Gritting guide {number}")


def test_the_library_tab_runs_the_same_queries_for_2_or_30_of_each(client, django_assert_max_num_queries):
    places = [community("open"), community("private"), community("private")]
    viewer = person_as("member", places[1])
    client.force_login(viewer)
    url = reverse("search") + "?q=gritting&type=library"
    _library(places, 2)
    client.get(url)
    small = _queries(client, url)
    _library(places, 13)
    assert _queries(client, url) == small
    with django_assert_max_num_queries(LIBRARY_TAB_QUERIES):
        response = client.get(url)
    assert _tab(response).count == 60  # the open and their own community's, not the other
    assert len(_tab(response).hits) == 20
    assert {hit.is_guide for hit in _tab(response).hits} == {True, False}
