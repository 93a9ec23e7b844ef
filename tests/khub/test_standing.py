"""The member's standing (the communities they belong to or are invited to, the people and tags they follow)
read with their user row on every request (khub.auth): the permission filters of the feed, the library and
a story's page name those ids instead of asking in subqueries. Nothing is kept between requests, so every
change of membership, role or visibility is in force on the next request; without the standing (SQLite, a
user object that did not come from a request) the filters ask in subqueries and answer the same."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import HubSettings, Membership
from communities.permissions import readable_communities, visible_communities
from communities.services.communities import community_update
from communities.services.conversations import thread_create
from communities.services.membership import (
    invitation_accept,
    membership_approve,
    membership_ban,
    membership_join,
    membership_leave,
    membership_set_role,
)
from khub.auth import ModelBackend
from khub.feed import activity_feed
from profiles.services import follow_create
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory
from tests.practice.helpers import author_in, published_story

pytestmark = pytest.mark.django_db

S = Membership.State


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _home(client, viewer):
    client.force_login(viewer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def _titles(response) -> set[str]:
    return {item.title for item in response.context["feed"]}


def _as_a_task_sees(viewer) -> set[str]:
    """The same feed for a user object read without the standing: the subqueries answer."""
    fresh = type(viewer).objects.get(pk=viewer.pk)
    return {item.title for item in activity_feed(viewer=fresh)[0]}


def _activity_in(place, title: str):
    author = author_in(place)
    thread_create(author=author, community=place, title=f"{title} thread", body="How?")
    published_story(community=place, author=author, audience="community", title=f"{title} story")
    return author


def test_the_request_reads_the_standing_with_the_user_row_on_postgresql(client, postgres_only):
    mine, invited, requested = community("private"), community("private"), community("restricted")
    viewer = person_as("member", mine)
    Membership.objects.create(community=invited, user=viewer, state=S.INVITED)
    Membership.objects.create(community=requested, user=viewer, state=S.REQUESTED)
    followed = UserFactory()
    follow_create(follower=viewer, followed=followed)

    user = _home(client, viewer).wsgi_request.user

    assert user.standing_member_of == [mine.pk]
    assert user.standing_invited_to == [invited.pk]
    assert user.standing_follows == [followed.pk]
    assert user.standing_interests == []


def test_with_the_standing_the_feeds_sources_ask_no_membership_subquery(client, postgres_only):
    place = community("private")
    viewer = person_as("member", place)
    follow_create(follower=viewer, followed=_activity_in(place, "Ours"))
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as queries:
        assert _titles(client.get(reverse("home"))) == {"Ours thread", "Ours story"}
    sources = [q["sql"] for q in queries if q["sql"].endswith("LIMIT 21") and "ORDER BY" in q["sql"]]
    assert len(sources) == 7  # conversations (2), practice (3), events (1), library (1: documents and guides)
    for sql in sources:
        assert "communities_membership" not in sql
        assert "profiles_follow" not in sql


def _joins(place, viewer):
    membership_join(user=viewer, community=place)


def _is_approved(place, viewer):
    membership_join(user=viewer, community=place, message="Please")
    membership_approve(actor=place.created_by, community=place, user=viewer)


def _accepts_an_invitation(place, viewer):
    Membership.objects.create(community=place, user=viewer, state=S.INVITED)
    invitation_accept(user=viewer, community=place)


@pytest.mark.parametrize(
    ("visibility", "change"),
    [("open", _joins), ("restricted", _is_approved), ("private", _accepts_an_invitation)],
    ids=["joins", "is approved", "accepts an invitation"],
)
def test_a_new_member_sees_the_communitys_activity_on_the_next_request(client, visibility, change):
    place = community(visibility)
    viewer = UserFactory()
    _activity_in(place, "Theirs")
    assert _titles(_home(client, viewer)) == set()

    change(place, viewer)

    assert _titles(_home(client, viewer)) == {"Theirs thread", "Theirs story"} == _as_a_task_sees(viewer)


def _leaves(place, viewer):
    membership_leave(user=viewer, community=place)


def _is_banned(place, viewer):
    membership_ban(actor=place.created_by, community=place, user=viewer, reason="Spam")


@pytest.mark.parametrize("change", [_leaves, _is_banned], ids=["leaves", "is banned"])
def test_a_member_who_goes_stops_seeing_a_private_communitys_activity_on_the_next_request(client, change):
    place = community("private", name="Closed data group")
    viewer = person_as("member", place)
    author = _activity_in(place, "Closed")
    follow_create(follower=viewer, followed=author)  # relevance never grants reading
    assert _titles(_home(client, viewer)) == {"Closed thread", "Closed story"}

    change(place, viewer)

    html = _home(client, viewer).text
    assert "Closed thread" not in html
    assert "Closed story" not in html
    assert "Closed data group" not in html
    assert _as_a_task_sees(viewer) == set()


def test_a_role_change_keeps_the_member_reading(client):
    place = community("private")
    viewer = person_as("member", place)
    _activity_in(place, "Ours")
    membership_set_role(actor=place.created_by, community=place, user=viewer, role="facilitator")
    assert _titles(_home(client, viewer)) == {"Ours thread", "Ours story"}

    membership_set_role(actor=place.created_by, community=place, user=viewer, role="member")

    assert _titles(_home(client, viewer)) == {"Ours thread", "Ours story"} == _as_a_task_sees(viewer)


@pytest.mark.parametrize("visibility", ["private", "restricted"])
def test_a_community_closed_to_outsiders_leaves_their_feed_on_the_next_request(client, visibility):
    """The visibility is read in the query itself, with the community: a closed community's content leaves an
    outsider's feed at once, though they still follow its author."""
    place = community("open", name="Once open group")
    author = _activity_in(place, "Once open")
    viewer = UserFactory()
    follow_create(follower=viewer, followed=author)
    assert _titles(_home(client, viewer)) == {"Once open thread", "Once open story"}

    community_update(
        actor=place.created_by, community=place, name=place.name, description="Ours", visibility=visibility
    )

    html = _home(client, viewer).text
    assert "Once open thread" not in html
    assert "Once open story" not in html
    assert _as_a_task_sees(viewer) == set()


def test_a_deleted_community_leaves_the_feed_of_its_members(client):
    place = community("private")
    viewer = person_as("member", place)
    _activity_in(place, "Gone")
    assert _titles(_home(client, viewer)) == {"Gone thread", "Gone story"}

    place.delete()  # the admin's delete: memberships, threads and stories go with it

    assert _titles(_home(client, viewer)) == set()


def test_a_change_within_the_request_is_seen_by_the_rest_of_it(postgres_only):
    """The services drop the standing of the user object they change, so a request that joins a community and
    then lists what the member reads sees the new membership."""
    place = community("private")
    viewer = ModelBackend().get_user(UserFactory().pk)
    Membership.objects.create(community=place, user=viewer, state=S.INVITED)
    viewer = ModelBackend().get_user(viewer.pk)
    assert viewer.standing_invited_to == [place.pk]
    assert place not in readable_communities(viewer)

    invitation_accept(user=viewer, community=place)

    assert place in readable_communities(viewer)
    assert place in visible_communities(viewer)


def test_the_standing_and_the_subqueries_agree_for_every_relation(postgres_only):
    places = {visibility: community(visibility) for visibility in ("open", "restricted", "private")}
    relations = ("outsider", "requester", "invited", "member", "facilitator", "left", "banned", "site_admin")
    for relation in relations:
        for place in places.values():
            person = person_as(relation, place)
            standing = ModelBackend().get_user(person.pk)
            plain = type(person).objects.get(pk=person.pk)
            for rule in (readable_communities, visible_communities):
                assert set(rule(standing)) == set(rule(plain)), (relation, place.visibility, rule.__name__)
