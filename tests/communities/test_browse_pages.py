"""The directory, the create page, a community's page and its members page: who gets what, and how fast."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from communities.models import Community, HubSettings, Membership
from tests.communities.helpers import person_as
from tests.factories import (
    AdminFactory,
    CommunityFactory,
    CouncilFactory,
    MembershipFactory,
    UserFactory,
    VerifiedMemberFactory,
)

pytestmark = pytest.mark.django_db

VISIBILITIES = ["open", "restricted", "private"]
ROLES = [
    "anonymous",
    "outsider",
    "requester",
    "invited",
    "member",
    "facilitator",
    "owner",
    "banned",
    "site_admin",
]
READERS = {"member", "facilitator", "owner", "site_admin"}
# Those for whom a private community does not exist. A requester cannot arise for a private community
# through the site, but one left over from when it was restricted must not see it either.
HIDDEN_FROM = {"outsider", "requester", "banned"}


def _viewer(client, role, community):
    if role == "anonymous":
        return None
    person = community.created_by if role == "owner" else person_as(role, community)
    client.force_login(person)
    return person


def _expected_detail(role, visibility):
    if role == "anonymous":
        return 302
    if visibility == "private" and role in HIDDEN_FROM:
        return 404
    return 200


def _expected_members(role, visibility):
    if role == "anonymous":
        return 302
    if visibility == "private" and role in HIDDEN_FROM:
        return 404
    if visibility == "open" or role in READERS:
        return 200
    return 403


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_a_communitys_page(client, role, visibility):
    community = CommunityFactory(visibility=visibility)
    _viewer(client, role, community)
    response = client.get(reverse("communities:detail", args=[community.slug]))
    assert response.status_code == _expected_detail(role, visibility)
    if response.status_code == 302:
        assert response.url.startswith("/accounts/login/")
    if response.status_code == 404:
        assert community.name not in response.text


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_a_communitys_members_page(client, role, visibility):
    community = CommunityFactory(visibility=visibility)
    _viewer(client, role, community)
    response = client.get(reverse("communities:members", args=[community.slug]))
    assert response.status_code == _expected_members(role, visibility)
    if response.status_code == 404:
        assert community.name not in response.text


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("role", ROLES)
def test_the_directory_lists_a_community_only_to_those_it_exists_for(client, role, visibility):
    community = CommunityFactory(visibility=visibility, name="Climate Emergency")
    _viewer(client, role, community)
    response = client.get(reverse("communities:index"))
    if role == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    listed = community.name in response.text
    assert listed == (_expected_detail(role, visibility) == 200)


@pytest.mark.parametrize("role", ["outsider", "requester", "banned"])
@pytest.mark.parametrize(
    "name", ["detail", "members", "join", "withdraw", "leave", "invitation-accept", "invitation-decline"]
)
def test_a_private_community_is_a_404_on_every_page_and_action_for_those_outside_it(client, role, name):
    community = CommunityFactory(visibility="private", name="Chief Executives Network")
    person = _viewer(client, role, community)
    before = list(Membership.objects.order_by("pk").values_list("pk", "state", "role"))
    url = reverse(f"communities:{name}", args=[community.slug])
    response = client.get(url) if name in ("detail", "members") else client.post(url, {"message": "hi"})
    assert response.status_code == 404
    assert "Chief Executives Network" not in response.text
    assert list(Membership.objects.order_by("pk").values_list("pk", "state", "role")) == before
    assert not person.notifications.exists()


# --- The directory ---------------------------------------------------------------------------------


def _names(response) -> list[str]:
    return [community.name for community in response.context["page_obj"]]


@pytest.fixture
def directory(db):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    care = CommunityFactory(name="Adult Social Care", topics=["Social care"], visibility="open")
    digital = CommunityFactory(
        name="Digital Transformation", topics=["Digital", "Data"], visibility="restricted"
    )
    housing = CommunityFactory(name="Housing and Homelessness", topics=["Housing"], visibility="open")
    secret = CommunityFactory(name="Chief Executives Network", visibility="private")
    Community.objects.filter(pk=care.pk).update(
        last_activity_at=now - timedelta(days=3), created_at=now - timedelta(days=30)
    )
    Community.objects.filter(pk=digital.pk).update(
        last_activity_at=now - timedelta(days=1), created_at=now - timedelta(days=20)
    )
    Community.objects.filter(pk=housing.pk).update(
        last_activity_at=now - timedelta(days=2), created_at=now - timedelta(days=1)
    )
    for _ in range(3):
        MembershipFactory(community=housing)
    MembershipFactory(community=care)
    return {"care": care, "digital": digital, "housing": housing, "secret": secret}


def test_the_directory_sorts_by_activity_members_or_newest(client, member, directory):
    client.force_login(member)
    url = reverse("communities:index")
    assert _names(client.get(url)) == [
        "Digital Transformation",
        "Housing and Homelessness",
        "Adult Social Care",
    ]
    assert _names(client.get(url + "?sort=members")) == [
        "Housing and Homelessness",
        "Adult Social Care",
        "Digital Transformation",
    ]
    assert _names(client.get(url + "?sort=newest")) == [
        "Housing and Homelessness",
        "Digital Transformation",
        "Adult Social Care",
    ]


def test_the_directory_searches_names_and_filters_by_topic(client, member, directory):
    client.force_login(member)
    url = reverse("communities:index")
    assert _names(client.get(url + "?q=HOUSING")) == ["Housing and Homelessness"]
    assert _names(client.get(url + "?q=++digital++trans")) == ["Digital Transformation"]
    assert _names(client.get(url + "?q=chief")) == []  # private: not even by name
    assert _names(client.get(url + "?topic=data")) == ["Digital Transformation"]
    assert _names(client.get(url + "?topic=housing&q=adult")) == []
    html = client.get(url + "?q=zebedee").text
    assert "No communities match your search" in html
    assert "0 communities" in html


def test_on_postgresql_a_misspelt_name_still_finds_the_community(client, member, directory, postgres_only):
    client.force_login(member)
    assert _names(client.get(reverse("communities:index") + "?q=homelesness")) == ["Housing and Homelessness"]


def test_the_topic_filter_offers_only_topics_of_communities_the_viewer_can_see(client, member, directory):
    CommunityFactory(visibility="private", topics=["Secret topic"])
    client.force_login(member)
    choices = dict(client.get(reverse("communities:index")).context["form"].fields["topic"].choices)
    assert choices == {
        "": "All topics",
        "data": "Data",
        "digital": "Digital",
        "housing": "Housing",
        "social-care": "Social care",
    }


def test_a_bad_filter_value_is_reported_and_the_others_still_apply(client, member, directory):
    client.force_login(member)
    response = client.get(reverse("communities:index") + "?topic=gone&sort=sideways&q=adult")
    assert _names(response) == ["Adult Social Care"]
    assert "Select a topic from the list" in response.text
    assert "<title>Error: Communities – Knowledge Hub</title>" in response.text


def test_each_card_shows_the_viewers_membership_state(client, directory):
    viewer = UserFactory()
    MembershipFactory(community=directory["care"], user=viewer, role="facilitator")
    MembershipFactory(community=directory["digital"], user=viewer, state="requested")
    MembershipFactory(community=directory["secret"], user=viewer, state="invited")
    MembershipFactory(community=directory["housing"], user=viewer, state="banned")
    client.force_login(viewer)
    response = client.get(reverse("communities:index"))
    html = response.text
    for label in ("Facilitator", "Requested", "Invited", "Banned"):
        assert f'<span class="govuk-visually-hidden">You: </span>{label}</strong>' in html
    assert "Chief Executives Network" in html  # invited: it exists for them
    assert "4 communities" in html


def test_my_communities_lists_active_invited_and_requested_including_private_ones(client, directory):
    viewer = UserFactory()
    MembershipFactory(community=directory["care"], user=viewer)
    MembershipFactory(community=directory["digital"], user=viewer, state="requested")
    MembershipFactory(community=directory["secret"], user=viewer, state="invited")
    MembershipFactory(community=directory["housing"], user=viewer, state="left")
    client.force_login(viewer)
    response = client.get(reverse("communities:index") + "?tab=mine")
    assert sorted(_names(response)) == [
        "Adult Social Care",
        "Chief Executives Network",
        "Digital Transformation",
    ]
    assert "<title>My communities – Knowledge Hub</title>" in response.text
    assert 'href="/communities/?tab=mine"\n           aria-current="page"' in response.text


def test_my_communities_says_how_to_find_one_when_empty(client, member, directory):
    client.force_login(member)
    html = client.get(reverse("communities:index") + "?tab=mine").text
    assert "You are not in any communities yet" in html


def test_the_empty_directory_invites_those_who_may_to_create_the_first(client):
    client.force_login(VerifiedMemberFactory())
    html = client.get(reverse("communities:index")).text
    assert "There are no communities yet" in html
    assert "Create the first one" in html


def test_the_create_button_shows_only_to_those_who_may_create(client, directory):
    url = reverse("communities:index")
    client.force_login(UserFactory())
    assert "Create a community" not in client.get(url).text
    client.force_login(VerifiedMemberFactory())
    assert "Create a community" in client.get(url).text
    HubSettings.objects.update_or_create(pk=1, defaults={"community_creation": "admins"})
    assert "Create a community" not in client.get(url).text
    client.force_login(AdminFactory())
    assert "Create a community" in client.get(url).text


def test_the_directory_pages_keep_the_search_and_tab(client, member):
    for n in range(23):
        CommunityFactory(name=f"Waste and Recycling {n:02}")
    client.force_login(member)
    response = client.get(reverse("communities:index") + "?q=waste&sort=newest")
    assert len(response.context["page_obj"]) == 20
    assert "?q=waste&amp;sort=newest&amp;page=2" in response.text
    second = client.get(reverse("communities:index") + "?q=waste&sort=newest&page=2")
    assert len(second.context["page_obj"]) == 3


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow_directory(viewer, n):
    for i in range(n):
        community = CommunityFactory(visibility=VISIBILITIES[i % 3], topics=[f"topic {i}", "shared"])
        MembershipFactory(community=community, user=viewer, state=["active", "invited", "requested"][i % 3])
        MembershipFactory(community=community)


def test_the_directory_runs_the_same_few_queries_for_3_or_30_communities(
    client, django_assert_max_num_queries
):
    viewer = UserFactory()
    client.force_login(viewer)
    _grow_directory(viewer, 3)
    url = reverse("communities:index") + "?topic=shared"
    client.get(url)  # the hub settings row is created on first use
    small = _count_queries(client, url)
    _grow_directory(viewer, 27)
    assert _count_queries(client, url) == small
    assert _count_queries(client, url + "&tab=mine") == small
    with django_assert_max_num_queries(9):
        client.get(url)


# --- Creating a community --------------------------------------------------------------------------

CREATE = reverse("communities:create")


def _form(**changes):
    data = {
        "name": "Climate Emergency",
        "description": "Officers leading on net zero.",
        "about": "We share **plans** and carbon budgets.",
        "topics": "Net zero, climate, Net Zero",
        "visibility": "restricted",
    }
    data.update(changes)
    return data


def test_a_verified_member_creates_a_community_and_becomes_its_owner(client):
    creator = VerifiedMemberFactory()
    client.force_login(creator)
    page = client.get(CREATE)
    assert page.status_code == 200
    for hint in (
        "Any member can join at once",
        "a facilitator approves them",
        "To everyone else it does not exist",
    ):
        assert hint in page.text
    response = client.post(CREATE, _form(), follow=True)
    community = Community.objects.get()
    assert response.redirect_chain == [(f"/communities/{community.slug}/", 302)]
    assert "You created Climate Emergency. You are its owner." in response.text
    assert community.visibility == "restricted"
    assert sorted(community.topics.names()) == ["Net zero", "climate"]
    assert "<strong>plans</strong>" in response.text
    assert Membership.objects.get(community=community, user=creator).role == "owner"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "climate EMERGENCY"}, "That name is already taken. Choose another name."),
        ({"name": ""}, "Enter a name for the community"),
        ({"name": "x" * 101}, "Name must be 100 characters or fewer"),
        ({"description": "x" * 201}, "Short description must be 200 characters or fewer"),
        ({"about": "x" * 10001}, "About this community must be 10000 characters or fewer"),
        ({"topics": ", ".join(f"t{n}" for n in range(11))}, "Enter 10 topic tags or fewer"),
        ({"visibility": "secret"}, "Select a valid choice"),
    ],
)
def test_bad_input_on_the_create_form_is_shown_and_nothing_is_created(client, changes, error):
    CommunityFactory(name="Climate Emergency")
    before = Community.objects.count()
    client.force_login(VerifiedMemberFactory())
    response = client.post(CREATE, _form(**({"name": "Another"} | changes)))
    assert response.status_code == 200
    assert error in response.text
    assert "govuk-error-summary" in response.text
    assert "<title>Error: Create a community" in response.text
    assert Community.objects.count() == before


def test_members_without_a_verified_council_are_told_why_they_cannot_create(client):
    person = UserFactory(council=CouncilFactory())  # a council, but not verified
    client.force_login(person)
    response = client.get(CREATE)
    assert response.status_code == 403
    assert "you need a verified link to a council" in response.text
    assert client.post(CREATE, _form()).status_code == 403
    assert not Community.objects.exists()


def test_when_only_admins_may_create_everyone_else_is_told_so(client):
    HubSettings.objects.update_or_create(pk=1, defaults={"community_creation": "admins"})
    client.force_login(VerifiedMemberFactory())
    response = client.post(CREATE, _form())
    assert response.status_code == 403
    assert "only site admins create communities" in response.text
    assert not Community.objects.exists()
    client.force_login(AdminFactory())
    assert client.post(CREATE, _form()).status_code == 302


# --- A community's page ----------------------------------------------------------------------------


def test_the_page_shows_about_topics_facilitators_and_how_to_join(client, member):
    council = CouncilFactory(name="Leeds City Council")
    owner = VerifiedMemberFactory(display_name="Priya Shah", council=council)
    community = CommunityFactory(
        owner=owner, name="Procurement", visibility="open", about="## Who\n\nBuyers.", topics=["Buying"]
    )
    helper = person_as("facilitator", community, display_name="Tom Whitaker")
    client.force_login(member)
    html = client.get(reverse("communities:detail", args=[community.slug])).text
    assert "<h2>Who</h2>" in html
    assert "Priya Shah" in html
    assert "(owner)" in html
    assert "Leeds City Council" in html
    assert escape(helper.display_name) in html
    assert "Buying" in html
    assert "Any member can join at once" in html
    assert '<span id="member-count">2 members</span>' in html
    assert "Join this community" in html
    assert "See who belongs" in html
    assert "Manage community" not in html
    assert "Nobody has started a conversation here yet" in html


def test_about_markdown_cannot_inject_script(client, member):
    community = CommunityFactory(about="<script>alert(1)</script> [x](javascript:alert(1))")
    client.force_login(member)
    html = client.get(reverse("communities:detail", args=[community.slug])).text
    assert "<script>alert(1)" not in html
    assert 'href="javascript' not in html


@pytest.mark.parametrize(
    ("role", "visibility", "shown", "hidden"),
    [
        (
            "outsider",
            "restricted",
            ["Request to join", "Message to the facilitators"],
            ["See who belongs", "Leave"],
        ),
        (
            "requester",
            "restricted",
            ["Your request is waiting for a facilitator", "Withdraw your request"],
            ["Request to join"],
        ),
        ("invited", "private", ["Accept invitation", "Decline invitation"], ["See who belongs"]),
        (
            "member",
            "private",
            ["You are a member", "Leave this community", "See who belongs"],
            ["Manage community"],
        ),
        ("facilitator", "restricted", ["You are a facilitator", "Manage community"], ["Request to join"]),
        ("owner", "open", ["You are an owner", "Manage community"], ["Join this community"]),
        (
            "banned",
            "open",
            ["You cannot join this community"],
            ["Join this community", "Leave this community"],
        ),
        ("declined", "restricted", ["declined your last request", "Request to join"], []),
        (
            "site_admin",
            "private",
            ["only when a facilitator invites them", "Manage community"],
            ["Join this community"],
        ),
    ],
)
def test_the_page_offers_what_fits_the_viewers_state(client, role, visibility, shown, hidden):
    community = CommunityFactory(visibility=visibility)
    _viewer(client, role, community)
    html = client.get(reverse("communities:detail", args=[community.slug])).text
    for text in shown:
        assert text in html, text
    for text in hidden:
        assert text not in html, text


def test_an_invitation_says_who_sent_it_and_their_message(client):
    from communities.services.membership import membership_invite

    community = CommunityFactory(
        visibility="private", owner=VerifiedMemberFactory(display_name="Fran Facilitator")
    )
    person = UserFactory()
    membership_invite(
        actor=community.created_by, community=community, user=person, message="Join us <b>now</b>"
    )
    client.force_login(person)
    html = client.get(reverse("communities:detail", args=[community.slug])).text
    assert "Fran Facilitator invited you to join this community." in html
    assert "“Join us &lt;b&gt;now&lt;/b&gt;”" in html


def test_the_community_page_runs_the_same_few_queries_for_3_or_30_members(
    client, django_assert_max_num_queries
):
    community = CommunityFactory(visibility="restricted", topics=["a", "b"])
    viewer = person_as("member", community)
    client.force_login(viewer)
    url = reverse("communities:detail", args=[community.slug])
    client.get(url)
    for _ in range(2):
        MembershipFactory(community=community, role="facilitator")
    small = _count_queries(client, url)
    for _ in range(27):
        MembershipFactory(community=community, role="facilitator")
    assert _count_queries(client, url) == small
    # 8, the events coming up and the library's newest documents and guides (communities.sections)
    with django_assert_max_num_queries(11):
        client.get(url)


# --- The members page ------------------------------------------------------------------------------


def test_the_members_page_lists_active_members_with_owners_and_facilitators_first(client):
    community = CommunityFactory(
        visibility="restricted", owner=VerifiedMemberFactory(display_name="Zara Ali")
    )
    person_as("member", community, display_name="Aisha Okafor")
    person_as("facilitator", community, display_name="Owen Lloyd")
    for relation in ("requester", "invited", "banned", "left"):
        person_as(relation, community, display_name=f"Not {relation}")
    gone = person_as("member", community, display_name="Deactivated Person")
    gone.is_active = False
    gone.save()
    client.force_login(community.created_by)
    response = client.get(reverse("communities:members", args=[community.slug]))
    names = [m.user.display_name for m in response.context["page_obj"]]
    assert names == ["Zara Ali", "Owen Lloyd", "Aisha Okafor"]
    assert "Owner</strong>" in response.text
    assert "Facilitator</strong>" in response.text


@pytest.mark.parametrize("page", ["communities:members", "communities:manage-members"])
def test_the_members_lists_cut_their_pages_in_order_without_people_off_the_hub(client, monkeypatch, page):
    from communities.views import browse, manage

    monkeypatch.setattr(browse, "MEMBERS_PAGE_SIZE", 3)
    monkeypatch.setattr(manage, "MEMBERS_PAGE_SIZE", 3)
    community = CommunityFactory(
        visibility="restricted", owner=VerifiedMemberFactory(display_name="Zara Ali")
    )
    person_as("facilitator", community, display_name="Owen Lloyd")
    for name in ("Member 05", "Member 02", "Member 04", "Member 01", "Member 03"):
        person_as("member", community, display_name=name)
    for relation in ("invited", "banned", "left", "requester"):
        person_as(relation, community, display_name=f"Aaron {relation}")
    gone = person_as("member", community, display_name="Aaron Deactivated")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client.force_login(community.created_by)

    url = reverse(page, args=[community.slug])
    listed, counts = [], set()
    for number in (1, 2, 3):
        page_obj = client.get(url, {"page": number}).context["page_obj"]
        listed += [membership.user.display_name for membership in page_obj]
        counts.add((page_obj.paginator.count, page_obj.paginator.num_pages))

    assert listed == [
        "Zara Ali",
        "Owen Lloyd",
        "Member 01",
        "Member 02",
        "Member 03",
        "Member 04",
        "Member 05",
    ]
    assert counts == {(7, 3)}


def test_the_members_page_runs_the_same_few_queries_for_3_or_30_members(
    client, django_assert_max_num_queries
):
    community = CommunityFactory(visibility="open")
    client.force_login(community.created_by)
    url = reverse("communities:members", args=[community.slug])
    for _ in range(2):
        MembershipFactory(community=community, user=UserFactory(council=CouncilFactory()))
    small = _count_queries(client, url)
    for _ in range(27):
        MembershipFactory(community=community, user=UserFactory(council=CouncilFactory()))
    assert _count_queries(client, url) == small
    with django_assert_max_num_queries(7):
        client.get(url)


@pytest.mark.parametrize("role", ROLES)
def test_the_community_page_offers_start_a_conversation_at_the_top_to_those_who_may_post(client, role):
    place = CommunityFactory(visibility="open")
    _viewer(client, role, place)
    response = client.get(reverse("communities:detail", args=[place.slug]))
    if role == "anonymous":
        assert response.status_code == 302
        return
    html = response.text
    start = f'href="{reverse("communities:thread-create", args=[place.slug])}"'
    may_post = role in {"member", "facilitator", "owner", "site_admin"}
    assert (start in html) is may_post
    if may_post:  # a primary button, above the membership actions and the About section
        assert html.index(start) < html.index('id="membership-actions"') < html.index(">About</h2>")
        assert re.search(start + r'\s+role="button"\s+draggable="false"\s+class="govuk-button"', html)
    elif role == "outsider":  # the join action takes its place, as the page's primary button
        assert "Join this community" in html
