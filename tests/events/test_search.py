"""Events in search (events.providers.search): found by title and description among the events the viewer
may read, the title weighted above the description; an Events tab with snippets, the community, region,
council, tag and date facets, the cancelled marked; a page's queries do not grow with the events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import HubSettings
from events.services.events import event_cancel
from tests.communities.helpers import community, person_as
from tests.events.helpers import event
from tests.factories import CouncilFactory, MembershipFactory

pytestmark = pytest.mark.django_db

# Session, user and the header's unread count (3); every kind's candidates (8: practice, conversations'
# posts, thread titles and the labels of those kept, communities, people, events, and since issue 21 the
# library's documents and guides in one UNION); the tags of the events found, in one query; the page of
# events with their communities (1).
EVENTS_TAB_QUERIES = 13


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # Each event starts its questions thread: the builders post far more than a person may in a minute.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _search(client, viewer=None, **params):
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response


def _events_tab(response):
    return next((found for found in response.context["results"].kinds if found.kind == "events"), None)


def _titles(response) -> list[str]:
    return [hit.title for hit in _events_tab(response).hits]


@pytest.mark.parametrize(
    ("relation", "found"),
    [
        ("outsider", False),
        ("invited", False),
        ("requester", False),
        ("left", False),
        ("member", True),
        ("facilitator", True),
        ("site_admin", True),
    ],
)
@pytest.mark.parametrize("visibility", ["private", "restricted"])
def test_an_event_of_a_closed_community_is_found_only_by_those_who_may_read_it(
    client, visibility, relation, found
):
    place = community(visibility)
    made = event(organiser=person_as("facilitator", place), community=place, title="Winter gritting call")
    response = _search(client, person_as(relation, place), q="gritting", type="events")
    assert _titles(response) == (["Winter gritting call"] if found else [])
    assert _events_tab(response).count == (1 if found else 0)
    assert (made.get_absolute_url() in response.text) is found


def test_an_open_communitys_event_is_found_by_any_member_of_the_hub(client):
    place = community("open")
    event(organiser=person_as("facilitator", place), community=place, title="Winter gritting call")
    assert _titles(_search(client, person_as("outsider", place), q="gritting", type="events")) == [
        "Winter gritting call"
    ]


def test_visitors_who_are_not_signed_in_have_no_events_tab(client):
    place = community("open")
    event(organiser=person_as("facilitator", place), community=place, title="Winter gritting call")
    response = _search(client, q="gritting")
    assert _events_tab(response) is None
    assert "Winter gritting call" not in response.text


def test_the_events_tab_shows_the_title_snippet_community_time_and_cancellation(client):
    place = community("open", name="Highways officers")
    organiser = person_as("facilitator", place)
    found = event(
        organiser=organiser,
        community=place,
        title="Winter gritting call",
        description="How each council plans its **gritting** routes before the first frost.",
    )
    event_cancel(actor=organiser, event=found, reason="Snow")
    response = _search(client, person_as("member", place), q="gritting", type="events")
    html = response.text
    (hit,) = _events_tab(response).hits
    assert "<mark>" in str(hit.title_html)
    assert "routes before the first frost" in str(hit.snippet)
    assert found.get_absolute_url() in html
    assert "Highways officers" in html
    assert "Cancelled" in html
    assert "Online" in html
    tabs = [kind.label for kind in response.context["results"].kinds]
    assert tabs.index("Conversations") < tabs.index("Events") < tabs.index("Communities")


def test_the_title_outranks_the_description(client, postgres_only):
    place = community("open")
    organiser = person_as("facilitator", place)
    event(organiser=organiser, community=place, title="Gritting routes", description="Planning together.")
    later = timezone.now() + timedelta(days=20)
    event(
        organiser=organiser,
        community=place,
        title="Monthly call",
        description="We talk about gritting.",
        starts_at=later,
        ends_at=later + timedelta(hours=1),
    )
    viewer = person_as("member", place)
    assert _titles(_search(client, viewer, q="gritting", type="events")) == [
        "Gritting routes",
        "Monthly call",
    ]
    newest = _search(client, viewer, q="gritting", type="events", sort="newest")
    assert _titles(newest) == ["Monthly call", "Gritting routes"]  # the later start first


def test_the_facets_count_events_by_community_region_council_and_tag_and_filter_them(client):
    council = CouncilFactory(region="north_east")
    roads, waste = community("open", name="Roads"), community("private", name="Waste")
    organiser = person_as("facilitator", roads, council=council)
    MembershipFactory(community=waste, user=organiser, role="facilitator")
    event(organiser=organiser, community=roads, title="Gritting in Roads", tags=["winter"])
    event(organiser=organiser, community=waste, title="Gritting in Waste", tags=["bins"], region="london")
    viewer = person_as("member", roads)
    MembershipFactory(community=waste, user=viewer)

    response = _search(client, viewer, q="gritting", type="events")
    facets = response.context["results"].facets
    assert {(value.label, value.count) for value in facets["community"]} == {("Roads", 1), ("Waste", 1)}
    assert {(value.value, value.count) for value in facets["region"]} == {("north_east", 1), ("london", 1)}
    assert [(value.label, value.count) for value in facets["council"]] == [(council.name, 2)]
    assert {(value.label, value.count) for value in facets["tag"]} == {("winter", 1), ("bins", 1)}

    assert _titles(_search(client, q="gritting", type="events", community="no-such-place")) == []
    assert _titles(_search(client, q="gritting", type="events", community=waste.slug)) == [
        "Gritting in Waste"
    ]
    assert _titles(_search(client, q="gritting", type="events", region="north_east")) == ["Gritting in Roads"]
    assert _titles(_search(client, q="gritting", type="events", tag="bins")) == ["Gritting in Waste"]
    assert len(_titles(_search(client, q="gritting", type="events", council=council.slug))) == 2


def test_an_outsider_sees_no_facet_of_a_private_communitys_events(client):
    place = community("private", name="Secret roads")
    event(organiser=person_as("facilitator", place), community=place, title="Gritting", tags=["hidden-tag"])
    response = _search(client, person_as("outsider", place), q="gritting")
    facets = response.context["results"].facets
    assert facets["community"] == []
    assert facets["tag"] == []
    assert "Secret roads" not in response.text


def test_the_date_filter_is_on_when_the_event_starts(client):
    place = community("open")
    organiser = person_as("facilitator", place)
    soon = timezone.localtime(timezone.now() + timedelta(days=3))
    far = timezone.localtime(timezone.now() + timedelta(days=60))
    for title, starts_at in (("Gritting soon", soon), ("Gritting later", far)):
        event(
            organiser=organiser,
            community=place,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
        )
    viewer = person_as("member", place)
    since = (far - timedelta(days=1)).strftime("%d/%m/%Y")
    until = (soon + timedelta(days=1)).strftime("%d/%m/%Y")
    assert _titles(_search(client, viewer, q="gritting", type="events", since=since)) == ["Gritting later"]
    assert _titles(_search(client, viewer, q="gritting", type="events", until=until)) == ["Gritting soon"]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _events(places, count: int) -> None:
    for place in places:
        organiser = person_as("facilitator", place)
        for number in range(count):
            event(
                organiser=organiser,
                community=place,
                title=f"Gritting {number}",
                tags=[f"topic-{number % 5}"],
                description=f"Routes {number} before the frost.",
            )


def test_the_events_tab_runs_the_same_queries_for_2_or_30_events(client, django_assert_max_num_queries):
    places = [community("open"), community("private"), community("private")]
    viewer = person_as("member", places[1])
    client.force_login(viewer)
    url = reverse("search") + "?q=gritting&type=events"
    _events(places, 2)
    client.get(url)
    small = _queries(client, url)
    _events(places, 28)
    assert _queries(client, url) == small
    with django_assert_max_num_queries(EVENTS_TAB_QUERIES):
        response = client.get(url)
    assert _events_tab(response).count == 60  # the open and their own community's, not the other
    assert len(_events_tab(response).hits) == 20
