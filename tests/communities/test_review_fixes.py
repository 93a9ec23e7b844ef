"""Rules found missing in review: each test names the hole it closes."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from communities.models import Community, Membership, ModerationLogEntry
from communities.services.communities import community_update
from communities.services.membership import (
    community_refresh_member_count,
    invitation_cancel,
    invitation_decline,
    membership_ban,
    membership_invite,
    membership_join,
    membership_remove,
    membership_set_role,
    membership_withdraw_request,
)
from profiles.models import Notification
from profiles.services import follow_create, follow_delete, notification_send, user_erase
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

S = Membership.State
R = Membership.Role


def _owner(of: Community):
    return Membership.objects.get(community=of, role=R.OWNER).user


def test_banning_someone_who_never_belonged_to_a_private_community_is_refused_and_tells_them_nothing():
    private = community("private")
    outsider = UserFactory()
    with pytest.raises(ValidationError):
        membership_ban(actor=_owner(private), community=private, user=outsider, reason="spam")
    assert not Membership.objects.filter(community=private, user=outsider).exists()
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert not ModerationLogEntry.objects.filter(community=private, action="banned").exists()


def test_banning_an_outsider_from_a_restricted_community_still_works():
    restricted = community("restricted")
    outsider = UserFactory()
    membership_ban(actor=_owner(restricted), community=restricted, user=outsider, reason="spam")
    assert Membership.objects.get(community=restricted, user=outsider).state == S.BANNED


def test_a_facilitator_cannot_demote_another_facilitator_but_an_owner_can():
    open_community = community("open")
    first = person_as("facilitator", open_community)
    second = person_as("facilitator", open_community)
    with pytest.raises(PermissionDenied):
        membership_set_role(actor=first, community=open_community, user=second, role=R.MEMBER)
    assert Membership.objects.get(community=open_community, user=second).role == R.FACILITATOR
    membership_set_role(actor=_owner(open_community), community=open_community, user=second, role=R.MEMBER)
    assert Membership.objects.get(community=open_community, user=second).role == R.MEMBER


def test_a_facilitator_may_step_down_themselves():
    open_community = community("open")
    facilitator = person_as("facilitator", open_community)
    membership_set_role(actor=facilitator, community=open_community, user=facilitator, role=R.MEMBER)
    assert Membership.objects.get(community=open_community, user=facilitator).role == R.MEMBER


def test_member_count_leaves_out_people_no_longer_on_the_hub():
    open_community = community("open")
    person_as("member", open_community)
    person_as("member", open_community, is_active=False)
    assert community_refresh_member_count(community=open_community) == 2  # owner + active member


@pytest.mark.parametrize("how", ["cancel", "decline"])
def test_an_invitation_that_is_gone_leaves_no_line_in_the_inbox(how):
    private = community("private")
    owner, invitee = _owner(private), UserFactory()
    membership_invite(actor=owner, community=private, user=invitee)
    assert Notification.objects.filter(recipient=invitee, kind="community.invited").count() == 1
    if how == "cancel":
        invitation_cancel(actor=owner, community=private, user=invitee)
    else:
        invitation_decline(user=invitee, community=private)
    assert not Notification.objects.filter(recipient=invitee, text__contains=private.name).exists()


def test_asking_withdrawing_and_asking_again_tells_the_facilitators_once_while_unread():
    restricted = community("restricted")
    owner, asker = _owner(restricted), UserFactory()
    for _ in range(3):
        membership_join(user=asker, community=restricted, message="Please")
        membership_withdraw_request(user=asker, community=restricted)
    assert Notification.objects.filter(recipient=owner, kind="community.join_requested").count() == 1


def test_follow_unfollow_follow_tells_them_once_while_unread():
    follower, followed = UserFactory(), UserFactory()
    for _ in range(3):
        follow_create(follower=follower, followed=followed)
        follow_delete(follower=follower, followed=followed)
    assert Notification.objects.filter(recipient=followed, kind="follow").count() == 1


def test_a_long_reason_is_cut_at_a_word_with_an_ellipsis_in_the_inbox_and_kept_whole_in_the_log():
    open_community = community("open")
    member = person_as("member", open_community)
    reason = "word " * 300
    membership_remove(actor=_owner(open_community), community=open_community, user=member, reason=reason)
    text = Notification.objects.get(recipient=member, kind="community.removed").text
    assert len(text) <= 300
    assert text.endswith("…")
    assert ModerationLogEntry.objects.get(community=open_community, action="removed").reason == reason


def test_topics_reuse_an_existing_tag_whatever_its_case():
    first = community("open", topics=["Digital transformation"])
    second = community("open", topics=["digital transformation"])
    assert list(first.topics.values_list("pk", flat=True)) == list(second.topics.values_list("pk", flat=True))


def test_opening_a_restricted_community_lets_in_everyone_who_was_waiting():
    restricted = community("restricted")
    owner, asker = _owner(restricted), UserFactory()
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


def test_erasing_someone_replaces_only_their_name_at_the_start_of_lines_they_caused():
    sam, recipient = UserFactory(display_name="Sam"), UserFactory()
    notification_send(
        recipient=recipient, kind="test", actor=sam, text="Sam asked to join Samaritans Liaison"
    )
    user_erase(user=sam)
    assert (
        Notification.objects.get(recipient=recipient).text == "Former member asked to join Samaritans Liaison"
    )


@pytest.mark.django_db(transaction=True)
def test_two_joins_at_once_make_one_membership_and_the_right_count(postgres_only):
    open_community = community("open")
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
