"""What communities adds to profiles: the profile section, the data export and account erasure."""

import json

import pytest
from django.urls import reverse

from communities import services
from communities.extensions import personal_data, profile_communities
from communities.models import Community, Membership, ModerationLogEntry
from profiles.models import Notification
from profiles.services import user_erase, user_personal_data
from tests.communities.helpers import person_as
from tests.factories import AdminFactory, CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    person = UserFactory(display_name="Priya Shah")
    for name, visibility, role in [
        ("Adult Social Care", "open", "member"),
        ("Digital Transformation", "restricted", "facilitator"),
        ("Chief Executives Network", "private", "member"),
    ]:
        MembershipFactory(
            community=CommunityFactory(name=name, visibility=visibility), user=person, role=role
        )
    MembershipFactory(community=CommunityFactory(name="Procurement"), user=person, state="requested")
    MembershipFactory(community=CommunityFactory(name="Planning"), user=person, state="left")
    return person


def _names(section):
    return [m.community.name for m in section.context["memberships"]]


def test_the_profile_section_lists_active_memberships_whose_members_the_viewer_may_read(person):
    # Open communities show to every signed-in member; restricted and private ones only to their members.
    outsider = UserFactory()
    assert _names(profile_communities(outsider, person)) == ["Adult Social Care"]
    for relation in ("requester", "invited", "left", "banned"):
        for name in ("Digital Transformation", "Chief Executives Network"):
            bystander = person_as(relation, Community.objects.get(name=name))
            assert _names(profile_communities(bystander, person)) == ["Adult Social Care"], (relation, name)
    fellow = person_as("member", Community.objects.get(name="Digital Transformation"))
    assert _names(profile_communities(fellow, person)) == ["Adult Social Care", "Digital Transformation"]
    fellow = person_as("member", Community.objects.get(name="Chief Executives Network"))
    assert _names(profile_communities(fellow, person)) == ["Adult Social Care", "Chief Executives Network"]
    everything = ["Adult Social Care", "Chief Executives Network", "Digital Transformation"]
    assert _names(profile_communities(person, person)) == everything
    assert _names(profile_communities(AdminFactory(), person)) == everything


def test_the_profile_section_runs_one_query_whatever_the_number(person, django_assert_num_queries):
    viewer = UserFactory()
    for _ in range(10):
        MembershipFactory(community=CommunityFactory(), user=person)
    with django_assert_num_queries(1):
        profile_communities(viewer, person)


def test_the_profile_page_shows_outsiders_only_open_communities(client, person):
    client.force_login(UserFactory())
    html = client.get(reverse("profiles:profile", args=[person.handle])).text
    assert ">Communities</h2>" in html
    assert "Adult Social Care" in html
    # A restricted community's members page is members-only: the profile must not rebuild it.
    assert "Digital Transformation" not in html
    assert "Chief Executives Network" not in html
    assert "Procurement" not in html


def test_the_profile_page_shows_a_fellow_member_the_restricted_community(client, person):
    client.force_login(person_as("member", Community.objects.get(name="Digital Transformation")))
    html = client.get(reverse("profiles:profile", args=[person.handle])).text
    assert "Digital Transformation</a>" in html
    assert "(facilitator)" in html
    assert "Chief Executives Network" not in html


def test_the_profile_section_says_when_there_is_nothing_to_show(client):
    lonely = UserFactory()
    client.force_login(lonely)
    assert (
        "You are not in any communities yet"
        in client.get(reverse("profiles:profile", args=[lonely.handle])).text
    )
    client.force_login(UserFactory())
    assert (
        "Not in any communities you can see"
        in client.get(reverse("profiles:profile", args=[lonely.handle])).text
    )


def test_the_data_export_holds_memberships_and_moderation_actions(person):
    community = Community.objects.get(name="Digital Transformation")
    target = person_as("requester", community)
    services.membership_decline(
        actor=person, community=community, user=target, message="Not a council officer"
    )
    services.membership_join(user=UserFactory(), community=community)
    open_one = Community.objects.get(name="Adult Social Care")
    services.membership_ban(actor=open_one.created_by, community=open_one, user=person, reason="Adverts")

    data = user_personal_data(user=person)["communities"]
    json.dumps(data)  # serialisable as it is
    memberships = {m["community"]["name"]: m for m in data["memberships"]}
    assert set(memberships) == {
        "Adult Social Care",
        "Chief Executives Network",
        "Digital Transformation",
        "Planning",
        "Procurement",
    }
    assert memberships["Digital Transformation"]["role"] == "facilitator"
    assert memberships["Procurement"]["state"] == "requested"
    assert memberships["Adult Social Care"]["state"] == "banned"
    assert data["moderation_actions_taken"] == [
        {
            "community": {"name": "Digital Transformation", "slug": community.slug},
            "action": "request_declined",
            "subject": target.display_name,
            "reason": "Not a council officer",
            "created_at": data["moderation_actions_taken"][0]["created_at"],
        }
    ]
    about = data["moderation_actions_about_you"]
    assert [(a["action"], a["reason"]) for a in about] == [("banned", "Adverts")]
    assert "actor" not in about[0]


def test_erasure_deletes_memberships_refreshes_counts_and_keeps_the_log(person):
    community = Community.objects.get(name="Digital Transformation")
    target = person_as("requester", community)
    services.membership_approve(actor=person, community=community, user=target, message="Welcome")
    counts_before = dict(Community.objects.values_list("name", "member_count"))

    user_erase(user=person)

    assert not Membership.objects.filter(user=person).exists()
    counts = dict(Community.objects.values_list("name", "member_count"))
    for name in ("Adult Social Care", "Digital Transformation", "Chief Executives Network"):
        assert counts[name] == counts_before[name] - 1
    entry = ModerationLogEntry.objects.get(action="request_approved")
    assert (entry.actor_id, entry.reason) == (person.pk, "Welcome")
    entry.actor.refresh_from_db()
    assert entry.actor.public_name == "Former member"
    assert personal_data(person)["memberships"] == []


def test_erasing_the_last_owner_makes_the_longest_serving_facilitator_the_owner():
    community = CommunityFactory()
    person_as("member", community)
    facilitator = person_as("facilitator", community)
    user_erase(user=community.created_by)
    community.refresh_from_db()
    assert community.member_count == 2
    assert Membership.objects.get(community=community, role="owner").user == facilitator
    entry = ModerationLogEntry.objects.get(community=community, action="made_owner")
    assert entry.actor is None
    assert entry.subject == facilitator
    assert Notification.objects.filter(recipient=facilitator, kind="community.role_changed").exists()


def test_erasing_the_last_owner_of_a_community_without_facilitators_makes_a_member_the_owner():
    community = CommunityFactory()
    member = person_as("member", community)
    user_erase(user=community.created_by)
    assert Membership.objects.get(community=community, role="owner").user == member


def test_erasing_one_of_two_owners_changes_no_roles():
    community = CommunityFactory()
    person_as("owner", community)
    member = person_as("member", community)
    user_erase(user=community.created_by)
    assert Membership.objects.get(community=community, user=member).role == "member"
    assert not ModerationLogEntry.objects.filter(community=community, action="made_owner").exists()
