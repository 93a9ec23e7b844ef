"""/settings/notifications/: a member's digest frequency, immediate emails and which of their communities
their digest covers. Only their active communities are offered; a save is all or nothing."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.models import Community, Membership
from profiles.models import User
from tests.communities.helpers import community
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("notification-settings")
SAVED = "Your notification settings are saved."
# Session, user, the member's memberships (one query, whatever their number) and the header's unread count.
PAGE_QUERIES = 4


# --- Builders ------------------------------------------------------------------------------------------
def _member_of(*places: Community, **fields) -> User:
    member = UserFactory(**fields)
    for place in places:
        MembershipFactory(community=place, user=member)
    return member


def _choices(response) -> dict[int, str]:
    form = response.context["form"]
    if "communities" not in form.fields:
        return {}
    return dict(form.fields["communities"].choices)


def _checked(html: str, name: str) -> set[str]:
    """The values of the inputs named `name` that are checked."""
    found = set()
    for tag in re.findall(rf"<input[^>]*name=\"{name}\"[^>]*>", html):
        if re.search(r"\schecked\b", tag):
            value = re.search(r'value="([^"]*)"', tag)
            found.add(value.group(1) if value else "on")  # a checkbox without a value sends "on"
    return found


def _state(user: User) -> tuple[str, bool, dict[str, bool]]:
    user = User.objects.get(pk=user.pk)
    digest = dict(
        Membership.objects.filter(user=user).values_list("community__name", "in_digest").order_by("pk")
    )
    return user.digest_frequency, user.email_immediately, digest


def _data(**changes) -> dict:
    return {"digest_frequency": "weekly", "email_immediately": "on", **changes}


def _banners(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Who sees it ---------------------------------------------------------------------------------------
def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={URL}"
    assert client.post(URL, _data(digest_frequency="off"))["Location"].startswith(reverse("account_login"))


def test_a_member_sees_their_settings_weekly_and_immediate_emails_on_by_default(client, member):
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 200
    assert "<title>Notification settings" in response.text
    assert _checked(response.text, "digest_frequency") == {"weekly"}
    assert _checked(response.text, "email_immediately") == {"on"}
    assert 'aria-current="page">Notifications</a>' in response.text


def test_only_the_members_active_communities_are_offered(client):
    mine_open = community("open", name="Waste Officers")
    mine_private = community("private", name="Housing Leads")
    member = _member_of(mine_open, mine_private)
    for state in ("requested", "invited", "left", "removed", "banned"):
        MembershipFactory(community=community("restricted", name=f"{state} group"), user=member, state=state)
    community("private", name="Someone Elses Secret")
    CommunityFactory(name="Open Not Joined")
    client.force_login(member)
    response = client.get(URL)
    assert _choices(response) == {mine_private.pk: "Housing Leads", mine_open.pk: "Waste Officers"}
    assert _checked(response.text, "communities") == {str(mine_open.pk), str(mine_private.pk)}
    for state in ("requested", "invited", "left", "removed", "banned"):
        assert f"{state} group" not in response.text
    assert "Someone Elses Secret" not in response.text
    assert "Open Not Joined" not in response.text


def test_a_muted_community_is_shown_unticked(client):
    kept, muted = community(name="Waste Officers"), community(name="Housing Leads")
    member = _member_of(kept, muted)
    Membership.objects.filter(user=member, community=muted).update(in_digest=False)
    client.force_login(member)
    assert _checked(client.get(URL).text, "communities") == {str(kept.pk)}


def test_a_member_of_no_community_sees_the_empty_state(client, member):
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 200
    assert _choices(response) == {}
    assert "You are not a member of any community yet" in response.text
    assert f'href="{reverse("communities:index")}"' in response.text
    saved = client.post(URL, _data(digest_frequency="daily"), follow=True)
    assert _banners(saved) == [SAVED]
    assert _state(member) == ("daily", True, {})


# --- Saving --------------------------------------------------------------------------------------------
def test_saving_stores_the_frequency_immediate_emails_and_muting_then_redirects(client):
    kept, muted = community(name="Waste Officers"), community("private", name="Housing Leads")
    member = _member_of(kept, muted)
    client.force_login(member)
    response = client.post(URL, {"digest_frequency": "daily", "communities": [kept.pk]})
    assert response.status_code == 302
    assert response["Location"] == URL
    assert _state(member) == ("daily", False, {"Waste Officers": True, "Housing Leads": False})

    page = client.get(URL)
    assert _banners(page) == [SAVED]
    assert _checked(page.text, "digest_frequency") == {"daily"}
    assert _checked(page.text, "email_immediately") == set()
    assert _checked(page.text, "communities") == {str(kept.pk)}

    again = client.post(URL, _data(digest_frequency="off", communities=[kept.pk, muted.pk]), follow=True)
    assert again.redirect_chain == [(URL, 302)]
    assert _banners(again) == [SAVED]
    assert _state(member) == ("off", True, {"Waste Officers": True, "Housing Leads": True})


def test_unticking_every_community_mutes_them_all(client):
    member = _member_of(community(name="Waste Officers"), community(name="Housing Leads"))
    client.force_login(member)
    client.post(URL, _data())
    assert _state(member) == ("weekly", True, {"Waste Officers": False, "Housing Leads": False})


def test_saving_leaves_memberships_that_are_not_active_alone(client):
    place, left = community(name="Waste Officers"), community(name="Left Group")
    member = _member_of(place)
    MembershipFactory(community=left, user=member, state="left")
    client.force_login(member)
    client.post(URL, _data(communities=[place.pk]))
    assert _state(member)[2] == {"Waste Officers": True, "Left Group": True}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"digest_frequency": "hourly"}, "Choose how often to get the digest"),
        ({"digest_frequency": ""}, "Choose how often to get the digest"),
        ({"communities": ["not-a-number"]}, "Choose from your communities"),
        ("someone else's", "Choose from your communities"),
        ("requested", "Choose from your communities"),
        ("left", "Choose from your communities"),
    ],
)
def test_bad_input_shows_an_error_summary_and_changes_nothing(client, changes, error):
    kept, muted = community(name="Waste Officers"), community(name="Housing Leads")
    member = _member_of(kept, muted)
    Membership.objects.filter(user=member, community=muted).update(in_digest=False)
    if isinstance(changes, str):
        other = community("private", name="Other Secret")
        if changes != "someone else's":
            other = community("restricted", name="Not Active")
            MembershipFactory(community=other, user=member, state=changes)
        changes = {"communities": [kept.pk, muted.pk, other.pk]}
    before = _state(member)
    client.force_login(member)
    # Everything else in the form would change something: none of it may be saved.
    data = {"digest_frequency": "off", "communities": [muted.pk], **changes}
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert response.text.count(error) >= 1
    assert "<title>Error: Notification settings" in response.text
    assert _state(member) == before
    assert not _banners(response)


# --- Queries -------------------------------------------------------------------------------------------
def _count_queries(client, memberships: int) -> int:
    member = UserFactory()
    for _ in range(memberships):
        MembershipFactory(user=member)
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    client.logout()
    return len(queries)


def test_the_page_runs_a_fixed_number_of_queries_whatever_the_memberships(
    client, django_assert_max_num_queries
):
    one, twenty = _count_queries(client, 1), _count_queries(client, 20)
    assert one == twenty
    member = UserFactory()
    for _ in range(20):
        MembershipFactory(user=member)
    client.force_login(member)
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get(URL)
