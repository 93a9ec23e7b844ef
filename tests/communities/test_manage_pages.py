"""The facilitators' pages: who may open and act on them, what each decision does, bad input, and speed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from communities.models import Community, Membership, ModerationLogEntry
from communities.services.membership import membership_ban, membership_join, membership_withdraw_request
from profiles.models import Notification
from profiles.services import user_erase
from tests.communities.helpers import person_as
from tests.factories import AdminFactory, CommunityFactory, CouncilFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

S = Membership.State
R = Membership.Role
HTMX = {"HX-Request": "true"}
VISIBILITIES = ["open", "restricted", "private"]
ROLES = [
    "anonymous",
    "outsider",
    "requester",
    "invited",
    "member",
    "banned",
    "facilitator",
    "owner",
    "site_admin",
]
MANAGERS = {"facilitator", "owner", "site_admin"}
# Those for whom a private community does not exist: 404, never 403, on every page and action.
HIDDEN_FROM = {"outsider", "requester", "banned"}
PAGES = ["manage", "manage-members", "manage-invite", "manage-settings", "manage-log"]


def _url(name, community, **kwargs):
    return reverse(f"communities:{name}", kwargs={"slug": community.slug, **kwargs})


def _viewer(client, role, community):
    if role == "anonymous":
        return None
    person = community.created_by if role == "owner" else person_as(role, community)
    client.force_login(person)
    return person


def _expected(role, visibility, allowed=200):
    if role == "anonymous":
        return 302
    if visibility == "private" and role in HIDDEN_FROM:
        return 404
    return allowed if role in MANAGERS else 403


def _banner(response) -> str:
    return [str(message) for message in response.context["messages"]][-1]


def _state(person, community):
    membership = Membership.objects.filter(user=person, community=community).first()
    return (membership.state, membership.role) if membership else None


def _everything(community):
    """What an action may change: memberships, the log, every inbox, the community's own fields."""
    return (
        list(Membership.objects.order_by("pk").values_list("pk", "user_id", "state", "role")),
        ModerationLogEntry.objects.count(),
        Notification.objects.count(),
        list(Community.objects.filter(pk=community.pk).values()),
    )


def _facilitator_of(community):
    return person_as("facilitator", community)


# --- Who may open the pages and act ---------------------------------------------------------------------


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_who_may_open_each_manage_page(client, page, role, visibility):
    community = CommunityFactory(visibility=visibility, name="Chief Executives Network")
    _viewer(client, role, community)
    response = client.get(_url(page, community))
    assert response.status_code == _expected(role, visibility)
    if response.status_code == 302:
        assert response.url.startswith("/accounts/login/")
    if response.status_code == 404:
        assert "Chief Executives Network" not in response.text


def _action_cases(community):
    """Each POST a facilitator can make, with the person it concerns and how to tell it happened."""
    requester = person_as("requester", community)
    member = person_as("member", community)
    invitee = person_as("invited", community)
    banned = person_as("banned", community)
    newcomer = UserFactory()
    return {
        "approve": (
            _url("manage-request", community, user_id=requester.pk),
            {"action": "approve"},
            lambda: _state(requester, community) == (S.ACTIVE, R.MEMBER),
        ),
        "decline": (
            _url("manage-request", community, user_id=requester.pk),
            {"action": "decline"},
            lambda: _state(requester, community) == (S.DECLINED, R.MEMBER),
        ),
        "invite": (
            _url("manage-invite", community),
            {"user_id": newcomer.pk},
            lambda: _state(newcomer, community) == (S.INVITED, R.MEMBER),
        ),
        "promote": (
            _url("manage-member", community, user_id=member.pk),
            {"action": "promote"},
            lambda: _state(member, community) == (S.ACTIVE, R.FACILITATOR),
        ),
        "remove": (
            _url("manage-member", community, user_id=member.pk),
            {"action": "remove"},
            lambda: _state(member, community) == (S.REMOVED, R.MEMBER),
        ),
        "ban": (
            _url("manage-member", community, user_id=member.pk),
            {"action": "ban", "reason": "Spam"},
            lambda: _state(member, community) == (S.BANNED, R.MEMBER),
        ),
        "unban": (
            _url("manage-member", community, user_id=banned.pk),
            {"action": "unban"},
            lambda: _state(banned, community) is None,
        ),
        "cancel_invitation": (
            _url("manage-member", community, user_id=invitee.pk),
            {"action": "cancel_invitation"},
            lambda: _state(invitee, community) is None,
        ),
        "settings": (
            _url("manage-settings", community),
            {"name": "Renamed", "description": "New words.", "visibility": community.visibility},
            lambda: Community.objects.get(pk=community.pk).name == "Renamed",
        ),
    }


ACTIONS = [
    "approve",
    "decline",
    "invite",
    "promote",
    "remove",
    "ban",
    "unban",
    "cancel_invitation",
    "settings",
]


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_only_facilitators_owners_and_site_admins_can_act_and_others_change_nothing(
    client, action, role, visibility
):
    community = CommunityFactory(visibility=visibility, name="Chief Executives Network")
    url, data, happened = _action_cases(community)[action]
    _viewer(client, role, community)
    before = _everything(community)
    response = client.post(url, data)
    expected = _expected(role, visibility, allowed=302)
    assert response.status_code == expected, response.text[:500]
    if expected == 302 and role != "anonymous":
        assert happened()
        assert not response.url.startswith("/accounts/login/")
    else:
        assert not happened()
        assert _everything(community) == before
    if expected == 404:
        assert "Chief Executives Network" not in response.text


@pytest.mark.parametrize("name", ["manage-request", "manage-member"])
def test_decision_urls_are_post_only(client, name):
    community = CommunityFactory(visibility="restricted")
    requester = person_as("requester", community)
    client.force_login(community.created_by)
    assert client.get(_url(name, community, user_id=requester.pk)).status_code == 405


@pytest.mark.parametrize("name", ["manage", "manage-members", "manage-log"])
def test_read_only_pages_refuse_posts(client, name):
    community = CommunityFactory()
    client.force_login(community.created_by)
    assert client.post(_url(name, community)).status_code == 405


def test_a_member_posting_to_a_manage_url_gets_403_and_nothing_changes(client):
    community = CommunityFactory(visibility="restricted")
    member = person_as("member", community)
    target = person_as("member", community)
    client.force_login(member)
    before = _everything(community)
    response = client.post(
        _url("manage-member", community, user_id=target.pk), {"action": "ban", "reason": "x"}
    )
    assert response.status_code == 403
    assert _everything(community) == before


def test_an_unknown_person_is_a_404(client):
    community = CommunityFactory()
    client.force_login(community.created_by)
    assert (
        client.post(_url("manage-member", community, user_id=999999), {"action": "promote"}).status_code
        == 404
    )
    assert (
        client.post(_url("manage-request", community, user_id=999999), {"action": "approve"}).status_code
        == 404
    )


# --- Each decision tells the person and lands in the log -------------------------------------------------


def _setup_for(decision, community):
    """(person, form data, url name, log action, notification kind) for one decision."""
    if decision in ("approve", "decline"):
        person = UserFactory()
        membership_join(user=person, community=community, message="Please let me in")
        action = "request_approved" if decision == "approve" else "request_declined"
        data = {"action": decision, "message": "Welcome to the group" if decision == "approve" else "Sorry"}
        return person, data, "manage-request", action, action
    if decision == "invite":
        return UserFactory(), {"message": "Join us"}, "manage-invite", "invited", "invited"
    person = person_as(
        {"unban": "banned", "cancel_invitation": "invited", "demote": "facilitator"}.get(decision, "member"),
        community,
    )
    log_action = {
        "promote": "promoted",
        "demote": "demoted",
        "make_owner": "made_owner",
        "remove": "removed",
        "ban": "banned",
        "unban": "unbanned",
        "cancel_invitation": "invitation_cancelled",
    }[decision]
    kind = {
        "promote": "role_changed",
        "demote": "role_changed",
        "make_owner": "role_changed",
        "remove": "removed",
        "ban": "banned",
        "unban": "unbanned",
        "cancel_invitation": "invitation_cancelled",
    }[decision]
    return person, {"action": decision, "reason": "Posting adverts"}, "manage-member", log_action, kind


DECISIONS = ["approve", "decline", "invite", "promote", "demote", "make_owner", "remove", "ban", "unban"]


@pytest.mark.parametrize("decision", [*DECISIONS, "cancel_invitation"])
def test_each_decision_notifies_the_person_and_is_logged_with_who_what_whom_and_why(client, decision):
    community = CommunityFactory(visibility="restricted", name="Digital Transformation")
    owner = community.created_by
    person, data, url_name, log_action, kind = _setup_for(decision, community)
    client.force_login(owner)
    if url_name == "manage-invite":
        url, data = _url(url_name, community), {**data, "user_id": person.pk}
    else:
        url = _url(url_name, community, user_id=person.pk)
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][1] == 302
    assert "Digital Transformation" in _banner(response) or person.display_name in _banner(response)
    entry = ModerationLogEntry.objects.filter(community=community).first()  # newest first
    assert (entry.actor, entry.action, entry.subject) == (owner, log_action, person)
    reason = data.get("message") or data.get("reason") or ""
    if decision not in ("promote", "demote", "make_owner", "cancel_invitation"):
        assert entry.reason == reason
    note = Notification.objects.get(recipient=person, kind=f"community.{kind}")
    assert note.actor == owner
    assert "Digital Transformation" in note.text


def test_a_private_community_tells_nobody_outside_it_about_a_lifted_ban_or_a_withdrawn_invitation(client):
    community = CommunityFactory(visibility="private")
    banned, invitee = person_as("banned", community), person_as("invited", community)
    client.force_login(community.created_by)
    client.post(_url("manage-member", community, user_id=banned.pk), {"action": "unban"})
    client.post(_url("manage-member", community, user_id=invitee.pk), {"action": "cancel_invitation"})
    assert _state(banned, community) is None
    assert _state(invitee, community) is None
    assert not Notification.objects.filter(recipient__in=[banned, invitee]).exists()
    assert ModerationLogEntry.objects.filter(action__in=["unbanned", "invitation_cancelled"]).count() == 2


# --- Bad input: a clear message, and nothing changes -------------------------------------------------


def test_approving_a_withdrawn_request_says_so_and_changes_nothing(client):
    community = CommunityFactory(visibility="restricted")
    person = UserFactory(display_name="Priya Shah")
    membership_join(user=person, community=community)
    membership_withdraw_request(user=person, community=community)
    client.force_login(community.created_by)
    before = _everything(community)
    response = client.post(
        _url("manage-request", community, user_id=person.pk), {"action": "approve"}, follow=True
    )
    assert response.redirect_chain == [(_url("manage", community), 302)]
    assert _banner(response) == (
        "Priya Shah's request is no longer waiting: it was withdrawn or already decided."
    )
    assert "There is a problem" in response.text
    assert _everything(community) == before


def test_approving_a_withdrawn_request_with_htmx_says_so_in_its_place(client):
    community = CommunityFactory(visibility="restricted")
    person = UserFactory(display_name="Priya Shah")
    client.force_login(community.created_by)
    response = client.post(
        _url("manage-request", community, user_id=person.pk), {"action": "decline"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="request-{person.pk}"' in response.text
    assert "no longer waiting" in response.text
    assert 'id="manage-status" hx-swap-oob="innerHTML"' in response.text
    assert _state(person, community) is None


def test_inviting_a_banned_member_is_refused_with_a_clear_message(client):
    community = CommunityFactory(visibility="private")
    person = person_as("banned", community, display_name="Tom Whitaker")
    client.force_login(community.created_by)
    before = _everything(community)
    response = client.post(_url("manage-invite", community), {"user_id": person.pk, "message": "Come back"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert "Tom Whitaker is banned from this community. Lift the ban first." in response.text
    assert _everything(community) == before


@pytest.mark.parametrize(
    ("user_id", "error"),
    [
        ("", "Choose a person to invite"),
        ("abc", "Choose a person to invite"),
        ("999999", "Choose a person to invite"),
    ],
)
def test_inviting_nobody_says_choose_a_person(client, user_id, error):
    community = CommunityFactory()
    client.force_login(community.created_by)
    before = _everything(community)
    response = client.post(_url("manage-invite", community), {"user_id": user_id})
    assert response.status_code == 200
    assert error in response.text
    assert _everything(community) == before


def test_inviting_someone_no_longer_on_the_hub_is_refused(client):
    community = CommunityFactory()
    person = UserFactory()
    user_erase(user=person)
    client.force_login(community.created_by)
    response = client.post(_url("manage-invite", community), {"user_id": person.pk})
    assert "That person is no longer on the hub." in response.text
    assert _state(person, community) is None


def test_an_over_long_decision_message_is_shown_again_with_the_error(client):
    community = CommunityFactory(visibility="restricted")
    person = UserFactory()
    membership_join(user=person, community=community)
    client.force_login(community.created_by)
    before = _everything(community)
    url = _url("manage-request", community, user_id=person.pk)
    response = client.post(url, {"action": "approve", "message": "x" * 1001})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert f'href="#request-{person.pk}-message"' in response.text
    assert "Your message must be 1000 characters or fewer" in response.text
    assert "x" * 1001 in response.text  # what they typed is kept
    assert _everything(community) == before

    response = client.post(url, {"action": "approve", "message": "x" * 1001}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Your message must be 1000 characters or fewer" in response.text
    assert _everything(community) == before


def test_an_over_long_invitation_message_is_refused(client):
    community = CommunityFactory()
    person = UserFactory(display_name="Aisha Okafor")
    client.force_login(community.created_by)
    response = client.post(_url("manage-invite", community), {"user_id": person.pk, "message": "x" * 1001})
    assert response.status_code == 200
    assert "Your message must be 1000 characters or fewer" in response.text
    assert "Invite Aisha Okafor" in response.text  # the panel is still open for them
    assert _state(person, community) is None


@pytest.mark.parametrize(
    ("action", "reason", "error"),
    [
        ("ban", "x" * 2001, "Reason must be 2000 characters or fewer"),
        ("remove", "x" * 2001, "Reason must be 2000 characters or fewer"),
        ("ban", "   ", "Enter the reason for the ban"),
    ],
)
def test_a_bad_reason_shows_the_confirmation_again_with_the_error(client, action, reason, error):
    community = CommunityFactory(visibility="restricted")
    person = person_as("member", community, display_name="Gareth Pritchard")
    client.force_login(community.created_by)
    before = _everything(community)
    response = client.post(
        _url("manage-member", community, user_id=person.pk), {"action": action, "reason": reason}
    )
    assert response.status_code == 200
    assert error in response.text
    assert 'href="#confirm-reason"' in response.text
    assert f"{action.title()} Gareth Pritchard" in response.text
    assert _everything(community) == before

    response = client.post(
        _url("manage-member", community, user_id=person.pk),
        {"action": action, "reason": reason},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert error in response.text
    assert _everything(community) == before


@pytest.mark.parametrize(
    ("relation", "action", "error"),
    [
        ("owner", "remove", "is an owner. Change their role before removing them."),
        ("owner", "ban", "is an owner. Change their role before removing them."),
        ("member", "demote", "is already a member."),
        ("facilitator", "promote", "is already a facilitator."),
        ("outsider", "promote", "is not a member of this community."),
        ("member", "unban", "is not banned."),
        ("member", "cancel_invitation", "has no open invitation."),
        ("member", "explode", "Choose what to do"),
    ],
)
def test_an_action_that_does_not_fit_says_why_and_changes_nothing(client, relation, action, error):
    community = CommunityFactory(visibility="restricted")
    person = person_as(relation, community)
    client.force_login(community.created_by)
    before = _everything(community)
    url = _url("manage-member", community, user_id=person.pk)
    response = client.post(url, {"action": action, "reason": "because"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(_url("manage-members", community))
    assert error in _banner(response)
    assert _everything(community) == before
    response = client.post(url, {"action": action, "reason": "because"}, headers=HTMX)
    assert response.status_code == 200
    assert error in response.text
    assert 'id="manage-members"' in response.text


def test_the_last_owner_cannot_be_demoted(client, site_admin):
    community = CommunityFactory()
    owner = community.created_by
    client.force_login(site_admin)
    before = _everything(community)
    response = client.post(
        _url("manage-member", community, user_id=owner.pk), {"action": "demote"}, follow=True
    )
    assert "is the only owner. Make someone else an owner first." in _banner(response)
    assert _everything(community) == before


def test_facilitators_cannot_make_owners_or_remove_other_facilitators(client):
    community = CommunityFactory(visibility="restricted")
    facilitator = _facilitator_of(community)
    other = _facilitator_of(community)
    member = person_as("member", community)
    client.force_login(facilitator)
    before = _everything(community)
    assert (
        client.post(_url("manage-member", community, user_id=member.pk), {"action": "make_owner"}).status_code
        == 403
    )
    response = client.post(_url("manage-member", community, user_id=other.pk), {"action": "remove"})
    assert response.status_code == 403
    assert _everything(community) == before
    page = client.get(_url("manage-members", community)).text
    assert 'value="make_owner"' not in page


def test_an_over_long_about_on_the_settings_page_is_refused(client):
    community = CommunityFactory(name="Procurement")
    client.force_login(community.created_by)
    before = _everything(community)
    response = client.post(
        _url("manage-settings", community),
        {"name": "Procurement", "description": "Buying.", "about": "x" * 10001, "visibility": "open"},
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert "<title>Error: Settings" in response.text
    assert "About this community must be 10000 characters or fewer" in response.text
    assert _everything(community) == before


def test_a_name_already_taken_is_refused_on_the_settings_page(client):
    CommunityFactory(name="Adult Social Care")
    community = CommunityFactory(name="Procurement")
    client.force_login(community.created_by)
    before = _everything(community)
    response = client.post(
        _url("manage-settings", community),
        {"name": "adult social care", "description": "Buying.", "visibility": "open"},
    )
    assert "That name is already taken. Choose another name." in response.text
    assert "Manage Procurement" in response.text  # the page still names the community as it is
    assert _everything(community) == before


# --- What the pages show and do ---------------------------------------------------------------------


def test_requests_show_who_asked_their_council_message_and_date_oldest_first(client):
    community = CommunityFactory(visibility="restricted", name="Digital Transformation")
    council = CouncilFactory(name="Leeds City Council")
    first = UserFactory(display_name="Priya Shah", council=council, council_linked_via="email")
    second = UserFactory(display_name="Tom Whitaker")
    membership_join(user=first, community=community, message="I run our <b>data</b> team.")
    membership_join(user=second, community=community)
    client.force_login(community.created_by)
    response = client.get(_url("manage", community))
    html = response.text
    assert response.status_code == 200
    assert "2 requests waiting" in html
    assert html.index("Priya Shah") < html.index("Tom Whitaker")
    assert f'href="{reverse("profiles:profile", args=[first.handle])}"' in html
    assert "Leeds City Council" in html
    assert "Independent member" in html
    assert "I run our &lt;b&gt;data&lt;/b&gt; team." in html
    assert "No message" in html
    assert 'aria-current="page">\n        Requests to join' in html
    assert "Message to Priya Shah (optional)" in html
    assert 'data-module="govuk-character-count"' in html
    assert 'data-maxlength="1000"' in html


def test_approving_with_htmx_returns_the_request_decided_and_updates_the_count(client):
    community = CommunityFactory(visibility="restricted", name="Digital Transformation")
    person = UserFactory(display_name="Priya Shah")
    membership_join(user=person, community=community)
    client.force_login(community.created_by)
    response = client.post(
        _url("manage-request", community, user_id=person.pk),
        {"action": "approve", "message": "Welcome!"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.text
    assert "<html" not in html
    assert "You approved Priya Shah&#x27;s request" in html
    assert 'id="manage-request-count" hx-swap-oob="true"' in html
    assert 'id="manage-status" hx-swap-oob="innerHTML"' in html
    assert _state(person, community) == (S.ACTIVE, R.MEMBER)
    assert Community.objects.get(pk=community.pk).member_count == 2
    note = Notification.objects.get(recipient=person)
    assert note.text == "Your request to join Digital Transformation was approved: Welcome!"


def test_the_requests_page_explains_an_empty_list(client):
    for visibility, text in [
        ("open", "nobody needs to ask"),
        ("private", "only when a facilitator invites them"),
    ]:
        community = CommunityFactory(visibility=visibility)
        client.force_login(community.created_by)
        assert text in client.get(_url("manage", community)).text


def test_the_members_page_shows_members_invitations_and_bans_with_the_actions_that_fit(client):
    community = CommunityFactory(visibility="restricted")
    owner = community.created_by
    facilitator = person_as("facilitator", community, display_name="Fran Facilitator")
    person_as("member", community, display_name="Mo Member")
    person_as("invited", community, display_name="Ivy Invited")
    person_as("banned", community, display_name="Ben Banned")
    person_as("requester", community, display_name="Rita Requester")
    client.force_login(owner)
    html = client.get(_url("manage-members", community)).text
    assert "3 members" in html
    assert html.index(escape(owner.display_name)) < html.index("Fran Facilitator") < html.index("Mo Member")
    assert "Ivy Invited" in html
    assert "Cancel invitation" in html
    assert "Ben Banned" in html
    assert "Lift ban" in html
    assert "Rita Requester" not in html
    assert 'Make<span class="govuk-visually-hidden"> Mo Member a</span> facilitator' in html
    assert 'Make<span class="govuk-visually-hidden"> Fran Facilitator a</span> member' in html
    assert 'value="make_owner"' in html  # the owner sees it
    assert f"?confirm=ban&amp;user_id={facilitator.pk}" in html  # owners may remove facilitators

    client.force_login(facilitator)
    html = client.get(_url("manage-members", community)).text
    assert 'value="make_owner"' not in html
    assert f"?confirm=ban&amp;user_id={facilitator.pk}" not in html  # not themselves
    assert f"?confirm=remove&amp;user_id={owner.pk}" not in html


def test_the_members_page_shows_the_newest_invitations_and_bans_up_to_a_limit(client, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from communities.views import manage

    monkeypatch.setattr(manage, "LIST_SHOWN", 2)
    community = CommunityFactory(visibility="restricted")
    now = timezone.now()
    for relation in ("invited", "banned"):
        for age, name in enumerate(("Newest", "Middle", "Oldest")):
            person = person_as(relation, community, display_name=f"{name} {relation}")
            Membership.objects.filter(user=person).update(updated_at=now - timedelta(days=age))
    client.force_login(community.created_by)

    response = client.get(_url("manage-members", community))

    assert [m.user.display_name for m in response.context["invitations"]] == [
        "Newest invited",
        "Middle invited",
    ]
    assert [m.user.display_name for m in response.context["banned"]] == ["Newest banned", "Middle banned"]
    assert "Oldest" not in response.text
    assert "These are the 2 newest invitations" in response.text
    assert "These are the 2 newest bans" in response.text

    Membership.objects.filter(user__display_name__startswith="Oldest").delete()
    html = client.get(_url("manage-members", community)).text
    assert "These are the 2 newest" not in html


def test_removing_is_confirmed_on_a_panel_then_done_with_htmx(client):
    community = CommunityFactory(visibility="restricted", name="Digital Transformation")
    person = person_as("member", community, display_name="Mo Member")
    client.force_login(community.created_by)
    page = client.get(_url("manage-members", community), {"confirm": "remove", "user_id": person.pk})
    html = page.text
    assert "Remove Mo Member from Digital Transformation?" in html
    assert "govuk-button--warning" in html
    assert 'data-maxlength="2000"' in html
    response = client.post(
        _url("manage-member", community, user_id=person.pk),
        {"action": "remove", "reason": "Left the council"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "You removed Mo Member from Digital Transformation." in response.text
    assert 'id="members-heading"\n        tabindex="-1" autofocus' in response.text
    assert _state(person, community) == (S.REMOVED, R.MEMBER)


def test_a_confirmation_link_for_someone_not_a_member_shows_no_panel(client):
    community = CommunityFactory()
    person = person_as("outsider", community)
    client.force_login(community.created_by)
    for params in (
        {"confirm": "ban", "user_id": person.pk},
        {"confirm": "ban", "user_id": "x"},
        {"confirm": "x"},
    ):
        response = client.get(_url("manage-members", community), params)
        assert response.status_code == 200
        assert 'id="confirm"' not in response.text


def test_promoting_with_htmx_returns_the_lists_with_the_focus_on_the_person(client):
    community = CommunityFactory(visibility="restricted")
    person = person_as("member", community, display_name="Mo Member")
    client.force_login(community.created_by)
    response = client.post(
        _url("manage-member", community, user_id=person.pk), {"action": "promote"}, headers=HTMX
    )
    assert response.status_code == 200
    assert f'id="member-{person.pk}" tabindex="-1" autofocus' in response.text
    assert "Mo Member is now a facilitator." in response.text
    assert _state(person, community) == (S.ACTIVE, R.FACILITATOR)


def test_an_owner_steps_down_to_facilitator_when_another_owner_exists(client):
    community = CommunityFactory()
    other_owner = person_as("owner", community)
    client.force_login(other_owner)
    client.post(_url("manage-member", community, user_id=community.created_by.pk), {"action": "demote"})
    assert _state(community.created_by, community) == (S.ACTIVE, R.FACILITATOR)


def test_a_facilitator_who_demotes_themselves_is_sent_to_the_community_page(client, site_admin):
    community = CommunityFactory()
    facilitator = _facilitator_of(community)
    client.force_login(facilitator)
    response = client.post(_url("manage-member", community, user_id=facilitator.pk), {"action": "demote"})
    assert response.status_code == 302
    assert response.url == _url("detail", community)
    response = client.post(
        _url("manage-member", community, user_id=facilitator.pk), {"action": "demote"}, headers=HTMX
    )
    assert response.status_code == 403  # no longer theirs to manage


def test_invite_search_finds_people_by_name_who_are_not_members_yet(client):
    community = CommunityFactory(visibility="private")
    person_as("member", community, display_name="Priya Member")
    person_as("invited", community, display_name="Priya Invited")
    person_as("banned", community, display_name="Priya Banned")
    UserFactory(display_name="Priya Newcomer")
    UserFactory(display_name="Priya Inactive", is_active=False)
    user_erase(user=UserFactory(display_name="Priya Erased"))
    UserFactory(display_name="Tom Whitaker")
    client.force_login(community.created_by)
    response = client.get(_url("manage-invite", community), {"q": "priya"})
    html = response.text
    names = [person.display_name for person in response.context["results"]]
    assert sorted(names) == ["Priya Banned", "Priya Invited", "Priya Newcomer"]
    assert ">Invited<" in html
    assert ">Banned<" in html
    newcomer = next(p for p in response.context["results"] if p.display_name == "Priya Newcomer")
    assert f"user_id={newcomer.pk}#invite-panel" in html


def test_invite_search_is_capped_at_20_with_a_note(client, django_assert_max_num_queries):
    community = CommunityFactory()
    for i in range(25):
        UserFactory(display_name=f"Sam Person {i:02}")
    client.force_login(community.created_by)
    with django_assert_max_num_queries(9):
        response = client.get(_url("manage-invite", community), {"q": "sam person"})
    assert len(response.context["results"]) == 20
    assert "More people match" in response.text


def test_choosing_someone_opens_the_invitation_then_sending_it_tells_them(client):
    community = CommunityFactory(visibility="private", name="Chief Executives Network")
    person = UserFactory(display_name="Aisha Okafor")
    client.force_login(community.created_by)
    html = client.get(_url("manage-invite", community), {"q": "aisha", "user_id": person.pk}).text
    assert "Invite Aisha Okafor" in html
    assert "Message with the invitation (optional)" in html
    response = client.post(
        _url("manage-invite", community),
        {"user_id": person.pk, "message": "We would value you", "q": "aisha"},
    )
    assert response.status_code == 302
    assert response.url == _url("manage-invite", community) + "?q=aisha"
    membership = Membership.objects.get(user=person, community=community)
    assert (membership.state, membership.message, membership.invited_by) == (
        S.INVITED,
        "We would value you",
        community.created_by,
    )


def test_inviting_with_htmx_returns_the_invite_panel_with_the_outcome(client):
    community = CommunityFactory()
    person = UserFactory(display_name="Aisha Okafor")
    client.force_login(community.created_by)
    response = client.post(
        _url("manage-invite", community), {"user_id": person.pk, "q": "aisha"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "You invited Aisha Okafor." in response.text
    assert ">Invited<" in response.text  # the results, refreshed
    assert _state(person, community) == (S.INVITED, R.MEMBER)


def test_the_settings_page_saves_through_the_service_and_logs_it(client):
    community = CommunityFactory(name="Procurement", topics=["Buying"], visibility="open")
    client.force_login(community.created_by)
    html = client.get(_url("manage-settings", community)).text
    assert 'value="Procurement"' in html
    assert 'value="Buying"' in html
    response = client.post(
        _url("manage-settings", community),
        {
            "name": "Procurement and Contracts",
            "description": "Buying well.",
            "about": "We **meet** monthly.",
            "topics": "Buying, Contracts",
            "visibility": "restricted",
        },
        follow=True,
    )
    assert _banner(response) == "The community's settings are saved."
    community.refresh_from_db()
    assert (community.name, community.visibility, community.slug) == (
        "Procurement and Contracts",
        "restricted",
        "procurement",
    )
    assert "<strong>meet</strong>" in community.about_html
    assert sorted(community.topics.names()) == ["Buying", "Contracts"]
    assert ModerationLogEntry.objects.filter(community=community, action="settings_changed").count() == 1


def test_saving_unchanged_settings_logs_nothing(client):
    community = CommunityFactory(name="Procurement", description="Buying.", topics=["Buying"])
    client.force_login(community.created_by)
    data = {
        "name": "Procurement",
        "description": "Buying.",
        "about": "",
        "topics": "Buying",
        "visibility": "open",
        "members_upload_documents": "on",  # ticked by default: a browser posts it as it is shown
    }
    response = client.post(_url("manage-settings", community), data, follow=True)
    assert _banner(response) == "You did not change anything."
    assert not ModerationLogEntry.objects.filter(action="settings_changed").exists()


def test_the_log_shows_who_did_what_to_whom_when_and_why_with_erased_people_as_former_members(client):
    community = CommunityFactory(visibility="restricted", name="Digital Transformation")
    owner = community.created_by
    person = person_as("member", community, display_name="Mo Member")
    membership_ban(actor=owner, community=community, user=person, reason="Posting <i>adverts</i>")
    user_erase(user=person)
    client.force_login(owner)
    html = client.get(_url("manage-log", community)).text
    assert "Banned a member" in html
    assert "Posting &lt;i&gt;adverts&lt;/i&gt;" in html
    assert "Former member" in html
    assert "Mo Member" not in html
    assert escape(owner.display_name) in html
    assert "Created the community" in html


# --- Query counts: the same for 3 rows as for 30 -------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill(community, rows):
    owner = community.created_by
    council = CouncilFactory()
    for i in range(rows):
        person = UserFactory(council=council, council_linked_via="email")
        MembershipFactory(community=community, user=person, state=S.REQUESTED, message=f"Request {i}")
        member = person_as("member", community)
        membership_ban(actor=owner, community=community, user=member, reason=f"Reason {i}")
        person_as("member", community)
        person_as("invited", community)


@pytest.mark.parametrize(("page", "limit"), [("manage", 10), ("manage-members", 11), ("manage-log", 10)])
def test_manage_pages_run_the_same_few_queries_for_3_or_30_rows(
    client, django_assert_max_num_queries, page, limit
):
    small, large = CommunityFactory(visibility="restricted"), CommunityFactory(visibility="restricted")
    _fill(small, 3)
    _fill(large, 30)
    admin = AdminFactory()
    client.force_login(admin)
    url_small, url_large = _url(page, small), _url(page, large)
    _queries(client, url_small)  # warm the session
    counts = (_queries(client, url_small), _queries(client, url_large))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(limit):
        client.get(url_large)


# --- Remove and ban: apart, red, and only from their confirmation -------------------------------------
@pytest.mark.parametrize("action", ["remove", "ban"])
@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "facilitator"])
def test_removing_and_banning_need_their_confirmation_which_only_facilitators_get(client, role, action):
    community = CommunityFactory(visibility="restricted", name="Digital Transformation")
    person = person_as("member", community, display_name="Mo Member")
    _viewer(client, role, community)
    members = _url("manage-members", community)

    page = client.get(members, {"confirm": action, "user_id": person.pk})
    assert page.status_code == _expected(role, "restricted")
    if role == "facilitator":
        html = page.text
        verb = "Ban" if action == "ban" else "Remove"
        assert f"{verb} Mo Member from Digital Transformation?" in html
        assert "govuk-warning-text" in html  # what will happen
        confirmation = html[html.index('id="confirm"') : html.index('id="members-heading"')]
        warning = r'class="govuk-button govuk-button--warning"[^>]*>\s*'
        assert re.search(warning + verb + " Mo Member", confirmation)
        assert f'<input type="hidden" name="action" value="{action}">' in confirmation
        # The list itself has no button that removes or bans: only links to the confirmation, set apart.
        listed = client.get(members).text
        assert f'value="{action}"' not in listed
        assert 'id="confirm"' not in listed
        row = re.search(rf'<tr class="govuk-table__row" id="member-{person.pk}".*?</tr>', listed, re.S)[0]
        destructive = re.search(r'<span class="khub-row-actions__destructive">.*?</a></span>', row)[0]
        assert f"?confirm={action}&amp;user_id={person.pk}#confirm" in destructive
        assert 'class="govuk-link khub-link--destructive"' in destructive
        assert "Make<span" not in destructive

    done = client.post(
        _url("manage-member", community, user_id=person.pk), {"action": action, "reason": "Left the council"}
    )
    assert done.status_code == (302 if role in ("facilitator", "anonymous") else 403)
    expected = {"remove": (S.REMOVED, R.MEMBER), "ban": (S.BANNED, R.MEMBER)}[action]
    assert _state(person, community) == (expected if role == "facilitator" else (S.ACTIVE, R.MEMBER))
