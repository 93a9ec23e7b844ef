"""communities.services.communities and .membership: bad input changes nothing and says why; every decision
tells the person concerned."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404

from communities.models import Community, HubSettings, Membership, ModerationLogEntry
from communities.services.communities import community_create, community_update
from communities.services.membership import (
    community_refresh_member_count,
    invitation_accept,
    invitation_cancel,
    invitation_decline,
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


def test_topics_reuse_an_existing_tag_whatever_its_case():
    first = CommunityFactory(visibility="open", topics=["Digital transformation"])
    second = CommunityFactory(visibility="open", topics=["digital transformation"])
    assert list(first.topics.values_list("pk", flat=True)) == list(second.topics.values_list("pk", flat=True))


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


def test_banning_someone_who_never_belonged_to_a_private_community_is_refused_and_tells_them_nothing():
    private = CommunityFactory(visibility="private")
    outsider = UserFactory()
    with pytest.raises(ValidationError):
        membership_ban(actor=private.created_by, community=private, user=outsider, reason="spam")
    assert not Membership.objects.filter(community=private, user=outsider).exists()
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert not ModerationLogEntry.objects.filter(community=private, action="banned").exists()


def test_banning_an_outsider_from_a_restricted_community_still_works():
    restricted = CommunityFactory(visibility="restricted")
    outsider = UserFactory()
    membership_ban(actor=restricted.created_by, community=restricted, user=outsider, reason="spam")
    assert Membership.objects.get(community=restricted, user=outsider).state == S.BANNED


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


def test_a_facilitator_cannot_demote_another_facilitator_but_an_owner_can():
    open_community = CommunityFactory(visibility="open")
    first = person_as("facilitator", open_community)
    second = person_as("facilitator", open_community)
    with pytest.raises(PermissionDenied):
        membership_set_role(actor=first, community=open_community, user=second, role=R.MEMBER)
    assert Membership.objects.get(community=open_community, user=second).role == R.FACILITATOR
    membership_set_role(actor=open_community.created_by, community=open_community, user=second, role=R.MEMBER)
    assert Membership.objects.get(community=open_community, user=second).role == R.MEMBER


def test_a_facilitator_may_step_down_themselves():
    open_community = CommunityFactory(visibility="open")
    facilitator = person_as("facilitator", open_community)
    membership_set_role(actor=facilitator, community=open_community, user=facilitator, role=R.MEMBER)
    assert Membership.objects.get(community=open_community, user=facilitator).role == R.MEMBER


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


@pytest.mark.parametrize("how", ["cancel", "decline"])
def test_an_invitation_that_is_gone_leaves_no_line_in_the_inbox(how):
    private = CommunityFactory(visibility="private")
    owner, invitee = private.created_by, UserFactory()
    membership_invite(actor=owner, community=private, user=invitee)
    assert Notification.objects.filter(recipient=invitee, kind="community.invited").count() == 1
    if how == "cancel":
        invitation_cancel(actor=owner, community=private, user=invitee)
    else:
        invitation_decline(user=invitee, community=private)
    assert not Notification.objects.filter(recipient=invitee, text__contains=private.name).exists()


def test_asking_withdrawing_and_asking_again_tells_the_facilitators_once_while_unread():
    restricted = CommunityFactory(visibility="restricted")
    owner, asker = restricted.created_by, UserFactory()
    for _ in range(3):
        membership_join(user=asker, community=restricted, message="Please")
        membership_withdraw_request(user=asker, community=restricted)
    assert Notification.objects.filter(recipient=owner, kind="community.join_requested").count() == 1


def test_a_long_reason_is_cut_at_a_word_with_an_ellipsis_in_the_inbox_and_kept_whole_in_the_log():
    open_community = CommunityFactory(visibility="open")
    member = person_as("member", open_community)
    reason = "word " * 300
    membership_remove(actor=open_community.created_by, community=open_community, user=member, reason=reason)
    text = Notification.objects.get(recipient=member, kind="community.removed").text
    assert len(text) <= 300
    assert text.endswith("…")
    assert ModerationLogEntry.objects.get(community=open_community, action="removed").reason == reason


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


def test_member_count_leaves_out_people_no_longer_on_the_hub():
    open_community = CommunityFactory(visibility="open")
    person_as("member", open_community)
    person_as("member", open_community, is_active=False)
    assert community_refresh_member_count(community=open_community) == 2  # owner + active member


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


def test_opening_a_restricted_community_lets_in_everyone_who_was_waiting():
    restricted = CommunityFactory(visibility="restricted")
    owner, asker = restricted.created_by, UserFactory()
    membership_join(user=asker, community=restricted, message="Please")
    community_update(
        actor=owner,
        community=restricted,
        name=restricted.name,
        description=restricted.description,
        visibility="open",
    )
    assert Membership.objects.get(community=restricted, user=asker).state == S.ACTIVE
    restricted.refresh_from_db()
    assert restricted.member_count == 2
    assert Notification.objects.filter(recipient=asker, kind="community.request_approved").exists()


def test_the_database_keeps_listed_names_unique_whatever_the_case():
    CommunityFactory(name="Procurement", visibility="open")
    Community.objects.create(name="PROCUREMENT", slug="procurement-b", description="x", visibility="private")
    with pytest.raises(IntegrityError), transaction.atomic():
        Community.objects.create(name="procurement", slug="procurement-c", description="x", visibility="open")


# --- Concurrency (PostgreSQL) -------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_joins_at_once_make_one_membership_and_the_right_count(postgres_only):
    open_community = CommunityFactory(visibility="open")
    joiner = UserFactory()
    errors = []

    def join():
        try:
            membership_join(user=joiner, community=Community.objects.get(pk=open_community.pk))
        except ValidationError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=join) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Membership.objects.filter(community=open_community, user=joiner).count() == 1
    assert len(errors) == 1
    assert "already a member" in errors[0].messages[0]
    open_community.refresh_from_db()
    assert open_community.member_count == 2
