"""events.permissions: an event is content of its community. The rules are written out once here and
compared with every relation and visibility; the queryset filters must agree with the single-object checks."""

import pytest
from django.contrib.auth.models import AnonymousUser

from communities.models import Community, HubSettings
from events import permissions
from events.models import Event, Rsvp
from events.services.rsvps import rsvp_set
from profiles.models import User
from profiles.selectors import standing_annotations as profile_standing
from tests.communities.helpers import RELATIONS, community, person_as
from tests.events.helpers import event

pytestmark = pytest.mark.django_db

V = Community.Visibility
VIEWERS = (*RELATIONS, "site_admin")
TAKE_PART = ("member", "facilitator", "owner", "site_admin")
MANAGE = ("facilitator", "owner", "site_admin")


def expected_read(visibility: str, relation: str) -> bool:
    return relation == "site_admin" or visibility == V.OPEN or relation in TAKE_PART


@pytest.fixture
def world():
    """One event in a community of each visibility, and a person in each relation to each community."""
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 1000
    settings_row.save()
    places = {}
    for visibility in V.values:
        home = community(visibility)
        organiser = person_as("facilitator", home)
        people = {relation: person_as(relation, home) for relation in VIEWERS}
        places[visibility] = (home, event(organiser=organiser, community=home), people)
    return places


@pytest.mark.parametrize("visibility", V.values)
@pytest.mark.parametrize("relation", VIEWERS)
def test_who_reads_an_event_is_who_reads_its_community(world, visibility, relation):
    _home, announced, people = world[visibility]
    viewer = people[relation]

    assert permissions.can_read(user=viewer, event=announced) == expected_read(visibility, relation)
    assert permissions.can_edit(user=viewer, event=announced) == (relation in MANAGE)
    assert permissions.can_reply(user=viewer, event=announced) == (relation in TAKE_PART)


@pytest.mark.parametrize("relation", VIEWERS)
def test_the_lists_agree_with_the_checks_for_every_visibility(world, relation):
    events = [announced for _home, announced, _people in world.values()]
    for visibility, (_home, _event, people) in world.items():
        viewer = people[relation]
        for annotated in (False, True):  # as a task sees the user, and as a request does (standing read)
            if annotated:
                viewer = User.objects.annotate(**profile_standing()).get(pk=viewer.pk)
            listed = set(permissions.readable_events(viewer).values_list("pk", flat=True))
            assert listed == {e.pk for e in events if permissions.can_read(user=viewer, event=e)}, visibility


def test_a_visitor_who_is_not_signed_in_reads_no_event(world):
    visitor = AnonymousUser()
    assert not permissions.readable_events(visitor).exists()
    assert not any(permissions.can_read(user=visitor, event=e) for e in Event.objects.all())


def test_the_joining_link_is_for_the_people_going_and_the_facilitators(world):
    _home, announced, people = world[V.OPEN]
    member = people["member"]
    assert not permissions.can_see_joining_link(user=member, event=announced)

    rsvp_set(user=member, event=announced, going=True)
    permissions.rsvp_forget(event=announced)

    assert permissions.can_see_joining_link(user=member, event=announced)
    assert permissions.can_see_joining_link(user=people["facilitator"], event=announced)
    assert not permissions.can_see_joining_link(user=people["outsider"], event=announced)  # reads, not going


def test_a_member_who_leaves_a_private_community_no_longer_reads_its_events_or_their_replies(world):
    home, announced, people = world[V.PRIVATE]
    member = people["member"]
    rsvp_set(user=member, event=announced, going=True)
    assert permissions.readable_rsvps(member).filter(event=announced).exists()

    home.memberships.filter(user=member).update(state="left")
    from communities.permissions import membership_forget

    membership_forget(community=home)

    assert not permissions.can_read(user=member, event=announced)
    assert not permissions.readable_events(member).filter(pk=announced.pk).exists()
    assert not permissions.readable_rsvps(member).filter(event=announced).exists()
    assert Rsvp.objects.filter(user=member, event=announced).exists()  # kept: their own record
