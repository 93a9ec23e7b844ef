"""communities.services.communities and .membership: bad input changes nothing and says why; every decision
tells the person concerned."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from communities.models import Community, HubSettings, Membership, ModerationLogEntry
from communities.services.communities import community_create, community_update
from communities.services.membership import (
    invitation_accept,
    membership_approve,
    membership_ban,
    membership_decline,
    membership_invite,
    membership_join,
    membership_leave,
    membership_remove,
    membership_set_role,
    membership_withdraw_request,
)
from profiles.models import Notification
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, VerifiedMemberFactory

pytestmark = pytest.mark.django_db

S = Membership.State
R = Membership.Role


def _create(creator, **fields):
    values = {
        "name": "Housing and Homelessness",
        "description": "For housing officers.",
        "visibility": "open",
    }
    values.update(fields)
    return community_create(creator=creator, **values)


def _notified(person, kind):
    return Notification.objects.filter(recipient=person, kind=f"community.{kind}")


def test_creating_a_community_makes_its_creator_the_owner_and_renders_its_about():
    creator = VerifiedMemberFactory()
    community = _create(
        creator, about="We meet **monthly**.<script>alert(1)</script>", topics=["Housing", " housing ", ""]
    )
    membership = Membership.objects.get(community=community, user=creator)
    assert (membership.state, membership.role) == (S.ACTIVE, R.OWNER)
    assert community.member_count == 1
    assert community.slug == "housing-and-homelessness"
    assert "<strong>monthly</strong>" in community.about_html
    assert "<script" not in community.about_html
    assert ModerationLogEntry.objects.filter(community=community, action="created", actor=creator).exists()


@pytest.mark.parametrize(
    "name", ["Housing and Homelessness", "HOUSING AND HOMELESSNESS", "  housing   and homelessness "]
)
def test_a_duplicate_name_whatever_its_case_is_refused(name):
    creator = VerifiedMemberFactory()
    _create(creator)
    with pytest.raises(ValidationError) as raised:
        _create(creator, name=name)
    assert raised.value.message_dict["name"] == ["That name is already taken. Choose another name."]
    assert Community.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "x" * 101), ("description", "x" * 201), ("about", "x" * 10001), ("visibility", "secret")],
)
def test_over_long_or_invalid_fields_are_refused_and_nothing_is_saved(field, value):
    creator = VerifiedMemberFactory()
    with pytest.raises(ValidationError) as raised:
        _create(creator, **{field: value})
    assert field in raised.value.message_dict
    assert not Community.objects.exists()
    assert not Membership.objects.exists()


def test_too_many_or_too_long_topics_are_refused():
    creator = VerifiedMemberFactory()
    with pytest.raises(ValidationError):
        _create(creator, topics=[f"topic {n}" for n in range(11)])
    with pytest.raises(ValidationError):
        _create(creator, topics=["t" * 51])
    assert not Community.objects.exists()


def test_people_without_a_verified_council_cannot_create_a_community():
    with pytest.raises(PermissionDenied):
        _create(UserFactory())
    HubSettings.objects.update_or_create(pk=1, defaults={"community_creation": "admins"})
    with pytest.raises(PermissionDenied):
        _create(VerifiedMemberFactory())
    assert not Community.objects.exists()


def test_joining_an_open_community_is_immediate_and_joining_twice_is_refused():
    community = CommunityFactory(visibility="open")
    person = UserFactory()
    membership_join(user=person, community=community)
    community.refresh_from_db()
    assert community.member_count == 2
    with pytest.raises(ValidationError, match="already a member"):
        membership_join(user=person, community=community)
    community.refresh_from_db()
    assert community.member_count == 2
    assert Membership.objects.filter(community=community, user=person).count() == 1


def test_asking_to_join_a_restricted_community_tells_its_facilitators_and_asking_twice_is_refused():
    community = CommunityFactory(visibility="restricted")
    facilitator = person_as("facilitator", community)
    person = UserFactory()
    membership = membership_join(user=person, community=community, message="  I lead on this.  ")
    assert (membership.state, membership.message) == (S.REQUESTED, "I lead on this.")
    assert _notified(community.created_by, "join_requested").count() == 1
    assert _notified(facilitator, "join_requested").count() == 1
    with pytest.raises(ValidationError, match="already asked"):
        membership_join(user=person, community=community, message="again")
    assert Membership.objects.get(pk=membership.pk).message == "I lead on this."


def test_a_message_over_1000_characters_is_refused():
    community = CommunityFactory(visibility="restricted")
    person = UserFactory()
    with pytest.raises(ValidationError):
        membership_join(user=person, community=community, message="x" * 1001)
    assert not Membership.objects.filter(user=person).exists()


def test_a_private_community_cannot_be_joined_and_does_not_exist_for_outsiders():
    community = CommunityFactory(visibility="private")
    with pytest.raises(Http404):
        membership_join(user=UserFactory(), community=community)
    assert Membership.objects.filter(community=community).count() == 1


def test_banned_people_cannot_join():
    community = CommunityFactory(visibility="open")
    banned = person_as("banned", community)
    with pytest.raises(ValidationError, match="cannot join"):
        membership_join(user=banned, community=community)
    assert Membership.objects.get(user=banned).state == S.BANNED


def test_approving_a_withdrawn_request_is_refused_and_changes_nothing():
    community = CommunityFactory(visibility="restricted")
    person = UserFactory()
    membership_join(user=person, community=community)
    membership_withdraw_request(user=person, community=community)
    with pytest.raises(ValidationError, match="no longer waiting"):
        membership_approve(actor=community.created_by, community=community, user=person)
    assert not Membership.objects.filter(user=person).exists()
    assert not _notified(person, "request_approved").exists()
    assert not ModerationLogEntry.objects.filter(action="request_approved").exists()


def test_inviting_a_banned_member_is_refused():
    community = CommunityFactory(visibility="private")
    banned = person_as("banned", community)
    with pytest.raises(ValidationError, match="Lift the ban first"):
        membership_invite(actor=community.created_by, community=community, user=banned)
    assert Membership.objects.get(user=banned).state == S.BANNED
    assert not _notified(banned, "invited").exists()


def test_the_last_owner_can_neither_leave_nor_be_demoted():
    community = CommunityFactory()
    owner = community.created_by
    with pytest.raises(ValidationError, match="only owner"):
        membership_leave(user=owner, community=community)
    with pytest.raises(ValidationError, match="only owner"):
        membership_set_role(actor=owner, community=community, user=owner, role=R.MEMBER)
    membership = Membership.objects.get(community=community, user=owner)
    assert (membership.state, membership.role) == (S.ACTIVE, R.OWNER)


def test_an_owner_may_leave_once_there_is_another_owner():
    community = CommunityFactory()
    owner, second = community.created_by, person_as("member", community)
    membership_set_role(actor=owner, community=community, user=second, role=R.OWNER)
    membership_leave(user=owner, community=community)
    membership = Membership.objects.get(community=community, user=owner)
    assert (membership.state, membership.role) == (S.LEFT, R.MEMBER)


def test_non_facilitators_cannot_decide_anything():
    community = CommunityFactory(visibility="restricted")
    member, requester = person_as("member", community), person_as("requester", community)
    with pytest.raises(PermissionDenied):
        membership_approve(actor=member, community=community, user=requester)
    with pytest.raises(PermissionDenied):
        membership_invite(actor=member, community=community, user=UserFactory())
    assert Membership.objects.get(user=requester).state == S.REQUESTED


def test_every_decision_notifies_the_person_concerned():
    community = CommunityFactory(visibility="restricted")
    owner = community.created_by
    approved, declined, invited, removed, banned, promoted = (UserFactory() for _ in range(6))
    for person in (approved, declined):
        membership_join(user=person, community=community)
    membership_approve(actor=owner, community=community, user=approved, message="Welcome")
    membership_decline(actor=owner, community=community, user=declined)
    membership_invite(actor=owner, community=community, user=invited)
    invitation_accept(user=invited, community=community)
    MembershipFactory(community=community, user=removed)
    membership_remove(actor=owner, community=community, user=removed, reason="Spam")
    membership_ban(actor=owner, community=community, user=banned)
    MembershipFactory(community=community, user=promoted)
    membership_set_role(actor=owner, community=community, user=promoted, role=R.FACILITATOR)

    assert (
        _notified(approved, "request_approved").get().text
        == f"Your request to join {community.name} was approved: Welcome"
    )
    assert _notified(declined, "request_declined").exists()
    assert _notified(invited, "invited").exists()
    assert _notified(owner, "invitation_accepted").exists()
    assert _notified(removed, "removed").get().text.endswith(": Spam")
    assert _notified(banned, "banned").exists()
    assert _notified(promoted, "role_changed").get().text == f"You are now a facilitator of {community.name}"


def test_member_counts_follow_every_change():
    community = CommunityFactory(visibility="open")
    people = [UserFactory() for _ in range(3)]
    for person in people:
        membership_join(user=person, community=community)
    membership_leave(user=people[0], community=community)
    membership_ban(actor=community.created_by, community=community, user=people[1])
    community.refresh_from_db()
    assert (
        community.member_count == Membership.objects.filter(community=community, state=S.ACTIVE).count() == 2
    )


def test_an_over_long_invitation_message_or_reason_is_refused_and_changes_nothing():
    community = CommunityFactory(visibility="private")
    owner, person, member = community.created_by, UserFactory(), person_as("member", community)
    with pytest.raises(ValidationError):
        membership_invite(actor=owner, community=community, user=person, message="x" * 1001)
    with pytest.raises(ValidationError):
        membership_remove(actor=owner, community=community, user=member, reason="x" * 2001)
    assert not Membership.objects.filter(user=person).exists()
    assert Membership.objects.get(user=member).state == S.ACTIVE
    assert not Notification.objects.filter(recipient__in=[person, member]).exists()
    assert not ModerationLogEntry.objects.exclude(action="created").exists()


def test_a_private_communitys_name_is_not_taken_for_people_who_cannot_see_it():
    hidden = CommunityFactory(name="Heads of Digital", visibility="private")
    outsider = VerifiedMemberFactory()
    created = _create(outsider, name="heads of digital", visibility="restricted")
    assert created.slug != hidden.slug
    # whoever can see the private one is told the name is taken, as for any name they can see
    with pytest.raises(ValidationError) as raised:
        _create(hidden.created_by, name="Heads of Digital", visibility="private")
    assert raised.value.message_dict["name"] == ["That name is already taken. Choose another name."]
    assert Community.objects.filter(name__iexact="heads of digital").count() == 2


def test_opening_a_private_community_whose_name_a_listed_one_has_is_refused_and_changes_nothing():
    private = CommunityFactory(name="Procurement", visibility="private")
    CommunityFactory(name="Procurement", visibility="open")  # its creator cannot see the private one
    with pytest.raises(ValidationError) as raised:
        community_update(
            actor=private.created_by,
            community=private,
            name="Procurement",
            description=private.description,
            visibility="open",
        )
    assert raised.value.message_dict["name"] == ["That name is already taken. Choose another name."]
    private.refresh_from_db()
    assert private.visibility == "private"


def test_the_database_keeps_listed_names_unique_whatever_the_case():
    CommunityFactory(name="Procurement", visibility="open")
    Community.objects.create(name="PROCUREMENT", slug="procurement-b", description="x", visibility="private")
    with pytest.raises(IntegrityError), transaction.atomic():
        Community.objects.create(name="procurement", slug="procurement-c", description="x", visibility="open")
