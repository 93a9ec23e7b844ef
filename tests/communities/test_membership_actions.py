"""Joining, asking to join, withdrawing, leaving, and answering an invitation: with and without htmx."""

import pytest
from django.urls import reverse

from communities.models import Community, Membership
from communities.services.membership import membership_invite
from profiles.models import Notification
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

S = Membership.State
HTMX = {"HX-Request": "true"}
ACTIONS = ["join", "withdraw", "leave", "invitation-accept", "invitation-decline"]


def _url(name, community):
    return reverse(f"communities:{name}", args=[community.slug])


def _state(person, community):
    membership = Membership.objects.filter(user=person, community=community).first()
    return membership.state if membership else None


def _banner(response) -> str:
    """The last banner on the page: what the last action did."""
    return [str(m) for m in response.context["messages"]][-1]


@pytest.mark.parametrize("name", ACTIONS)
def test_membership_actions_are_post_only(client, member, name):
    community = CommunityFactory()
    client.force_login(member)
    assert client.get(_url(name, community)).status_code == 405


@pytest.mark.parametrize("name", ACTIONS)
def test_anonymous_visitors_are_sent_to_sign_in(client, name):
    community = CommunityFactory()
    response = client.post(_url(name, community))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_joining_an_open_community_is_immediate(client, member):
    community = CommunityFactory(visibility="open", name="Procurement")
    client.force_login(member)
    response = client.post(_url("join", community), {"message": "ignored"}, follow=True)
    assert response.redirect_chain == [(_url("detail", community), 302)]
    assert _banner(response) == "You joined Procurement."
    assert "You are a member of this community." in response.text
    membership = Membership.objects.get(user=member, community=community)
    assert (membership.state, membership.message) == (S.ACTIVE, "")
    assert Community.objects.get(pk=community.pk).member_count == 2


def test_asking_to_join_a_restricted_community_sends_the_message_to_its_facilitators(client, member):
    community = CommunityFactory(visibility="restricted", name="Digital Transformation")
    client.force_login(member)
    response = client.post(_url("join", community), {"message": "I run our data team."}, follow=True)
    assert _banner(response).startswith("You asked to join Digital Transformation.")
    assert "Your request is waiting for a facilitator" in response.text
    assert Membership.objects.get(user=member).message == "I run our data team."
    note = Notification.objects.get(recipient=community.created_by)
    assert note.kind == "community.join_requested"
    assert note.url == reverse("communities:manage", args=[community.slug])


def test_an_over_long_message_is_shown_again_with_the_error_and_nothing_changes(client, member):
    community = CommunityFactory(visibility="restricted")
    client.force_login(member)
    response = client.post(_url("join", community), {"message": "x" * 1001})
    assert response.status_code == 200
    assert "Your message must be 1000 characters or fewer" in response.text
    assert "govuk-error-summary" in response.text
    assert "x" * 1001 in response.text  # what they typed is kept
    assert _state(member, community) is None
    assert not Notification.objects.exists()


def test_joining_twice_says_so_and_changes_nothing(client, member):
    community = CommunityFactory(visibility="open")
    client.force_login(member)
    client.post(_url("join", community))
    response = client.post(_url("join", community), follow=True)
    assert _banner(response) == "You are already a member of this community."
    assert "There is a problem" in response.text
    assert Membership.objects.filter(user=member).count() == 1
    assert Community.objects.get(pk=community.pk).member_count == 2


def test_asking_twice_says_so(client, member):
    community = CommunityFactory(visibility="restricted")
    client.force_login(member)
    client.post(_url("join", community), {"message": "first"})
    response = client.post(_url("join", community), {"message": "second"}, follow=True)
    assert _banner(response) == "You have already asked to join. A facilitator will decide."
    assert Membership.objects.get(user=member).message == "first"


def test_a_banned_person_cannot_join_and_is_told(client):
    community = CommunityFactory(visibility="open")
    banned = person_as("banned", community)
    client.force_login(banned)
    response = client.post(_url("join", community), follow=True)
    assert _banner(response) == "You cannot join this community."
    assert _state(banned, community) == S.BANNED


def test_withdrawing_a_request_removes_it(client):
    community = CommunityFactory(visibility="restricted", name="Planning")
    requester = person_as("requester", community)
    client.force_login(requester)
    response = client.post(_url("withdraw", community), follow=True)
    assert _banner(response) == "You withdrew your request to join Planning."
    assert "Request to join" in response.text
    assert _state(requester, community) is None


def test_withdrawing_without_a_request_says_so(client, member):
    community = CommunityFactory(visibility="restricted")
    client.force_login(member)
    response = client.post(_url("withdraw", community), follow=True)
    assert _banner(response) == "You have no request to join this community."


def test_leaving_a_community(client):
    community = CommunityFactory(visibility="open", name="Libraries")
    member = person_as("member", community)
    client.force_login(member)
    response = client.post(_url("leave", community), follow=True)
    assert _banner(response) == "You left Libraries."
    assert _state(member, community) == S.LEFT
    assert Community.objects.get(pk=community.pk).member_count == 1


def test_the_last_owner_cannot_leave_and_is_told_why(client):
    community = CommunityFactory()
    client.force_login(community.created_by)
    response = client.post(_url("leave", community), follow=True)
    assert _banner(response) == "You are the only owner. Make another member an owner before you leave."
    assert _state(community.created_by, community) == S.ACTIVE


def test_leaving_a_private_community_goes_back_to_the_directory(client):
    community = CommunityFactory(visibility="private", name="Chief Executives")
    member = person_as("member", community)
    client.force_login(member)
    response = client.post(_url("leave", community), follow=True)
    assert response.redirect_chain == [(reverse("communities:index"), 302)]
    assert _banner(response) == "You left Chief Executives."
    assert client.get(_url("detail", community)).status_code == 404


def test_accepting_an_invitation_makes_a_member_and_tells_the_inviter(client):
    community = CommunityFactory(visibility="private", name="Finance Directors")
    person = UserFactory()
    membership_invite(actor=community.created_by, community=community, user=person)
    client.force_login(person)
    response = client.post(_url("invitation-accept", community), follow=True)
    assert _banner(response) == "You joined Finance Directors."
    assert "See who belongs" in response.text
    assert _state(person, community) == S.ACTIVE
    assert Notification.objects.filter(
        recipient=community.created_by, kind="community.invitation_accepted"
    ).exists()


def test_declining_an_invitation_to_a_private_community_goes_back_to_the_directory(client):
    community = CommunityFactory(visibility="private", name="Finance Directors")
    person = person_as("invited", community)
    client.force_login(person)
    response = client.post(_url("invitation-decline", community), follow=True)
    assert response.redirect_chain == [(reverse("communities:index"), 302)]
    assert _banner(response) == "You declined the invitation to join Finance Directors."
    assert _state(person, community) is None


def test_answering_an_invitation_nobody_sent_says_so(client, member):
    community = CommunityFactory(visibility="open")
    client.force_login(member)
    for name in ("invitation-accept", "invitation-decline"):
        response = client.post(_url(name, community), follow=True)
        assert _banner(response) == "You have no invitation to this community."
    assert _state(member, community) is None


def test_joining_an_invited_open_community_accepts_the_invitation(client):
    community = CommunityFactory(visibility="open")
    person = person_as("invited", community)
    client.force_login(person)
    client.post(_url("join", community))
    assert _state(person, community) == S.ACTIVE


# --- htmx ------------------------------------------------------------------------------------------


def test_with_htmx_joining_returns_the_actions_partial_with_the_outcome(client, member):
    community = CommunityFactory(visibility="open", name="Waste")
    client.force_login(member)
    response = client.post(_url("join", community), headers=HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "communities/browse/_membership_actions.html"
    html = response.text
    assert html.strip().startswith('<div id="membership-actions"')
    assert "Leave this community" in html
    assert '<div id="membership-status" hx-swap-oob="innerHTML">You joined Waste.</div>' in html
    assert '<span id="member-count" hx-swap-oob="innerHTML">2 members</span>' in html
    assert "<html" not in html
    # No banner waits for the next page: the outcome was read out already.
    assert not list(client.get(_url("detail", community)).context["messages"])


def test_with_htmx_asking_to_join_shows_the_waiting_request(client, member):
    community = CommunityFactory(visibility="restricted")
    client.force_login(member)
    html = client.post(_url("join", community), {"message": "hi"}, headers=HTMX).text
    assert "Your request is waiting for a facilitator" in html
    assert "Withdraw your request" in html


def test_with_htmx_a_refusal_shows_the_error_in_the_partial(client):
    community = CommunityFactory()
    client.force_login(community.created_by)
    response = client.post(_url("leave", community), headers=HTMX)
    assert response.status_code == 200
    assert '<span class="govuk-visually-hidden">Error:</span> You are the only owner' in response.text
    assert "Leave this community" in response.text


def test_with_htmx_an_over_long_message_shows_the_form_again(client, member):
    community = CommunityFactory(visibility="restricted")
    client.force_login(member)
    response = client.post(_url("join", community), {"message": "y" * 1001}, headers=HTMX)
    assert response.status_code == 200
    assert "govuk-textarea--error" in response.text
    assert "<html" not in response.text
    assert _state(member, community) is None


def test_with_htmx_an_action_that_changes_the_whole_page_reloads_it(client):
    community = CommunityFactory(visibility="restricted", name="Housing")
    person = person_as("invited", community)
    client.force_login(person)
    response = client.post(_url("invitation-accept", community), headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("detail", community)
    page = client.get(_url("detail", community))
    assert [str(m) for m in page.context["messages"]] == ["You joined Housing."]
    assert "See who belongs" in page.text


def test_with_htmx_leaving_a_private_community_goes_to_the_directory(client):
    community = CommunityFactory(visibility="private")
    member = person_as("member", community)
    client.force_login(member)
    response = client.post(_url("leave", community), headers=HTMX)
    assert response["HX-Redirect"] == reverse("communities:index")
