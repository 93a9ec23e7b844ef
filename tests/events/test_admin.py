"""The events admin: site admins read every event (a private community's too) with its replies, filter them
by community and start date and search them by title; nobody adds, changes or deletes them there (the
services keep the counts and the waiting list); each list runs a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from communities.models import HubSettings
from events.models import Event, Rsvp
from events.services.rsvps import rsvp_set
from tests.communities.helpers import community, person_as
from tests.events.helpers import event

pytestmark = pytest.mark.django_db

# session, user, two COUNTs (filtered and in all), the sidebar's hub settings check, the page with its
# related rows (list_select_related); on the event list also the community filter's choices and the start
# date hierarchy's first and last dates and its years
LIST_QUERIES = 6
EVENT_LIST_QUERIES = LIST_QUERIES + 3


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _url(model: str, page: str, *args) -> str:
    return reverse(f"admin:events_{model}_{page}", args=args)


def _events(place, count: int) -> list[Event]:
    organiser = person_as("facilitator", place)
    made = []
    for number in range(count):
        one = event(organiser=organiser, community=place, title=f"Event {number}")
        rsvp_set(user=person_as("member", place), event=one, going=True)
        made.append(one)
    return made


def test_a_site_admin_sees_every_event_of_a_private_community_with_its_replies(client, site_admin):
    place = community("private", name="Secret roads")
    (made,) = _events(place, 1)
    client.force_login(site_admin)

    listing = client.get(_url("event", "changelist"))
    page = client.get(_url("event", "change", made.pk))

    assert listing.status_code == page.status_code == 200
    assert "Event 0" in listing.text
    assert "Secret roads" in listing.text
    going = Rsvp.objects.get(event=made)
    assert escape(going.user.display_name) in page.text
    assert "Going" in page.text


def test_the_event_list_filters_by_community_and_start_date_and_searches_titles(client, site_admin):
    roads, waste = community("open", name="Roads"), community("open", name="Waste")
    (in_roads,) = _events(roads, 1)
    event(organiser=person_as("facilitator", waste), community=waste, title="Bins call")
    client.force_login(site_admin)

    by_community = client.get(_url("event", "changelist"), {"community__id__exact": roads.pk})
    start = in_roads.starts_at
    by_date = client.get(
        _url("event", "changelist"),
        {"starts_at__year": start.year, "starts_at__month": start.month, "starts_at__day": start.day},
    )
    by_title = client.get(_url("event", "changelist"), {"q": "bins"})

    assert [e.title for e in by_community.context["cl"].result_list] == ["Event 0"]
    assert by_date.context["cl"].result_count == 2
    assert [e.title for e in by_title.context["cl"].result_list] == ["Bins call"]
    assert 'class="toplinks"' in by_date.text  # the start date hierarchy


def test_nothing_is_added_changed_or_deleted_in_the_admin(client, site_admin):
    place = community("open")
    (made,) = _events(place, 1)
    reply = Rsvp.objects.get(event=made)
    client.force_login(site_admin)

    assert client.get(_url("event", "add")).status_code == 403
    assert client.get(_url("rsvp", "add")).status_code == 403
    assert client.get(_url("event", "delete", made.pk)).status_code == 403
    assert client.get(_url("rsvp", "delete", reply.pk)).status_code == 403
    response = client.post(_url("event", "change", made.pk), {"title": "Changed", "capacity": 1})
    assert response.status_code == 403
    made.refresh_from_db()
    assert made.title == "Event 0"
    page = client.get(_url("event", "change", made.pk)).text
    assert 'name="title"' not in page
    assert "rsvps-0-state" not in page  # the replies inline: read only too


@pytest.mark.parametrize("relation", ["member", "facilitator"])
def test_members_and_facilitators_cannot_open_the_events_admin(client, relation):
    place = community("private")
    (made,) = _events(place, 1)
    client.force_login(person_as(relation, place))
    for url in (_url("event", "changelist"), _url("event", "change", made.pk), _url("rsvp", "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def _list_queries(client, model: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(model, "changelist")).status_code == 200
    return len(queries)


def test_each_list_runs_the_same_queries_for_2_or_30_events(
    client, site_admin, django_assert_max_num_queries
):
    place = community("private")
    _events(place, 2)
    client.force_login(site_admin)
    small = {model: _list_queries(client, model) for model in ("event", "rsvp")}
    _events(place, 28)
    assert {model: _list_queries(client, model) for model in ("event", "rsvp")} == small
    for model, most in (("rsvp", LIST_QUERIES), ("event", EVENT_LIST_QUERIES)):
        with django_assert_max_num_queries(most, info=model):
            response = client.get(_url(model, "changelist"))
        assert response.context["cl"].result_count == 30
