"""The communities admin: site admins only, derived fields kept right, a read-only log, one settings row."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from communities import services
from communities.models import Community, HubSettings, Membership, ModerationLogEntry
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, MembershipFactory, UserFactory, VerifiedMemberFactory
from tests.profiles.people_helpers import admin_user_change

pytestmark = pytest.mark.django_db

CHANGELISTS = ["community", "membership", "moderationlogentry"]


def _admin_url(name, *args):
    return reverse(f"admin:communities_{name}", args=args)


def _inline_data(community, rows=(), new=()):
    """The change form's POST: the community's fields and its membership inline (existing rows, new rows)."""
    data = {
        "name": community.name,
        "slug": community.slug,
        "description": community.description,
        "about": community.about,
        "topics": "",
        "visibility": community.visibility,
        "created_by": community.created_by_id or "",
        "memberships-TOTAL_FORMS": str(len(rows) + len(new)),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, membership in enumerate([*rows, *new]):
        prefix = f"memberships-{i}-"
        data.update(
            {
                f"{prefix}id": getattr(membership, "pk", "") or "",
                f"{prefix}community": community.pk,
                f"{prefix}user": membership.user_id,
                f"{prefix}role": membership.role,
                f"{prefix}state": membership.state,
                f"{prefix}joined_at_0": "",
                f"{prefix}joined_at_1": "",
            }
        )
    return data


@pytest.mark.parametrize("name", CHANGELISTS)
def test_site_admins_open_each_communities_admin_list(client, site_admin, name):
    community = CommunityFactory(name="Adult Social Care", visibility="private")
    person_as("member", community)
    client.force_login(site_admin)
    response = client.get(_admin_url(f"{name}_changelist"))
    assert response.status_code == 200
    assert "Adult Social Care" in response.text


@pytest.mark.parametrize("name", [*CHANGELISTS, "hubsettings"])
def test_members_cannot_open_the_communities_admin(client, name):
    community = CommunityFactory()
    client.force_login(community.created_by)  # an owner of a community, but no site admin
    response = client.get(_admin_url(f"{name}_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


def test_the_community_list_shows_member_counts_and_filters_by_visibility(client, site_admin):
    open_one = CommunityFactory(name="Procurement", visibility="open")
    for _ in range(2):
        person_as("member", open_one)
    CommunityFactory(name="Chief Executives Network", visibility="private")
    client.force_login(site_admin)
    response = client.get(_admin_url("community_changelist"))
    assert '<td class="field-member_count">3</td>' in response.text
    filtered = client.get(_admin_url("community_changelist"), {"visibility__exact": "private"})
    assert [c.name for c in filtered.context["cl"].result_list] == ["Chief Executives Network"]
    searched = client.get(_admin_url("community_changelist"), {"q": "procure"})
    assert [c.name for c in searched.context["cl"].result_list] == ["Procurement"]


def test_the_community_page_lists_owners_and_facilitators_inline_and_links_to_every_membership(
    client, site_admin
):
    community = CommunityFactory(name="Procurement")
    person_as("facilitator", community, display_name="Fran Facilitator")
    person_as("member", community, display_name="Mo Member")
    person_as("requester", community, display_name="Rae Requester")
    client.force_login(site_admin)
    response = client.get(_admin_url("community_change", community.pk))
    assert response.status_code == 200
    assert "Fran Facilitator" in response.text
    assert escape(community.created_by.display_name) in response.text  # the owner
    assert "Mo Member" not in response.text
    assert "Rae Requester" not in response.text
    assert "admin-autocomplete" in response.text
    assert 'id="id_member_count"' not in response.text  # read only: shown, never edited
    link = f"{_admin_url('membership_changelist')}?community__id__exact={community.pk}"
    assert f'<a href="{link}">All 4 memberships</a>' in response.text

    CommunityFactory(name="Planning")  # another community's owner stays out of the filtered list
    listing = client.get(link)
    assert listing.status_code == 200
    assert {m.user.display_name for m in listing.context["cl"].result_list} == {
        community.created_by.display_name,
        "Fran Facilitator",
        "Mo Member",
        "Rae Requester",
    }


def test_the_add_page_has_no_memberships_link_yet(client, site_admin):
    client.force_login(site_admin)
    response = client.get(_admin_url("community_add"))
    assert response.status_code == 200
    assert "community__id__exact" not in response.text


def _change_page(client, community):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_admin_url("community_change", community.pk))
    assert response.status_code == 200
    return response, len(queries)


def test_a_big_community_saves_and_its_page_does_not_grow_with_its_members(client, site_admin):
    small = CommunityFactory(name="Procurement")
    big = CommunityFactory(name="Homelessness")
    person_as("facilitator", small)
    person_as("facilitator", big)
    MembershipFactory.create_batch(200, community=big)
    client.force_login(site_admin)
    _change_page(client, small)  # warm up: content types, sessions
    small_page, small_queries = _change_page(client, small)
    big_page, big_queries = _change_page(client, big)
    assert big_queries == small_queries
    assert len(big_page.content) < len(small_page.content) + 100  # the link's count, not 200 rows
    assert "All 202 memberships" in big_page.text

    # The form as the page renders it: its inline rows (owner and facilitator), one new row.
    rows = list(big_page.context["inline_admin_formsets"][0].formset.get_queryset())
    assert len(rows) == 2
    newcomer = UserFactory()
    data = _inline_data(big, rows=rows, new=[Membership(user=newcomer, role="member", state="active")])
    data["description"] = "Prevention and relief duties."
    assert len(data) < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = client.post(_admin_url("community_change", big.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    big.refresh_from_db()
    assert big.description == "Prevention and relief duties."
    assert big.member_count == 203  # refreshed after the inline save
    assert Membership.objects.filter(community=big).count() == 203


def test_adding_inline_someone_who_is_already_a_member_is_refused(client, site_admin):
    community = CommunityFactory(name="Procurement")
    member = person_as("member", community)  # not shown inline, still one row per person
    client.force_login(site_admin)
    rows = list(Membership.objects.filter(community=community, role="owner"))
    data = _inline_data(
        community, rows=rows, new=[Membership(user=member, role="facilitator", state="active")]
    )
    response = client.post(_admin_url("community_change", community.pk), data)
    assert response.status_code == 200
    assert "Already has a membership here (member)" in response.text
    assert Membership.objects.get(user=member).role == "member"


def test_saving_the_about_renders_it_and_inline_changes_refresh_the_member_count(client, site_admin):
    community = CommunityFactory(name="Procurement")
    owner_row = Membership.objects.get(community=community)
    newcomer = UserFactory()
    client.force_login(site_admin)
    data = _inline_data(
        community,
        rows=[owner_row],
        new=[Membership(user=newcomer, role="member", state="active")],
    )
    data["about"] = "We meet **monthly**.<script>alert(1)</script>"
    response = client.post(_admin_url("community_change", community.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    community.refresh_from_db()
    assert "<strong>monthly</strong>" in community.about_html
    assert "<script" not in community.about_html
    assert community.member_count == 2
    assert Membership.objects.get(user=newcomer).state == "active"


def test_a_reserved_slug_is_refused(client, site_admin):
    community = CommunityFactory(name="Procurement")
    client.force_login(site_admin)
    data = _inline_data(community, rows=list(Membership.objects.filter(community=community)))
    data["slug"] = "new"
    response = client.post(_admin_url("community_change", community.pk), data)
    assert response.status_code == 200
    assert "is the address of another page" in response.text
    assert Community.objects.get(pk=community.pk).slug == "procurement"


def test_the_membership_list_filters_by_state_and_role_and_keeps_counts_right(client, site_admin):
    community = CommunityFactory(name="Procurement")
    member = person_as("member", community)
    person_as("requester", community)
    client.force_login(site_admin)
    url = _admin_url("membership_changelist")
    assert client.get(url, {"state__exact": "requested"}).context["cl"].result_count == 1
    assert client.get(url, {"role__exact": "owner"}).context["cl"].result_count == 1
    membership = Membership.objects.get(user=member)
    response = client.post(_admin_url("membership_delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    assert Community.objects.get(pk=community.pk).member_count == 1


def test_the_moderation_log_can_be_read_but_never_added_changed_or_deleted(client, site_admin):
    community = CommunityFactory(name="Procurement")
    member = person_as("member", community, display_name="Mo Member")
    services.membership_ban(actor=community.created_by, community=community, user=member, reason="Spam")
    entry = ModerationLogEntry.objects.get(action="banned")
    client.force_login(site_admin)
    listing = client.get(_admin_url("moderationlogentry_changelist"), {"action__exact": "banned"})
    assert listing.context["cl"].result_count == 1
    assert "Mo Member" in listing.text
    assert "Spam" in listing.text
    detail = client.get(_admin_url("moderationlogentry_change", entry.pk))
    assert detail.status_code == 200
    assert 'name="reason"' not in detail.text  # shown, not editable
    assert client.get(_admin_url("moderationlogentry_add")).status_code == 403
    assert (
        client.post(_admin_url("moderationlogentry_change", entry.pk), {"reason": "Changed"}).status_code
        == 403
    )
    assert client.post(_admin_url("moderationlogentry_delete", entry.pk), {"post": "yes"}).status_code == 403
    assert ModerationLogEntry.objects.get(pk=entry.pk).reason == "Spam"


def test_hub_settings_are_a_single_row_the_list_opens_directly(client, site_admin):
    client.force_login(site_admin)
    response = client.get(_admin_url("hubsettings_changelist"))
    settings_row = HubSettings.objects.get()
    assert response.status_code == 302
    assert response.url == _admin_url("hubsettings_change", settings_row.pk)
    assert client.get(response.url).status_code == 200
    assert client.get(_admin_url("hubsettings_add")).status_code == 403
    assert client.post(_admin_url("hubsettings_delete", settings_row.pk), {"post": "yes"}).status_code == 403
    assert HubSettings.objects.count() == 1


def test_switching_creation_to_admins_only_forbids_the_create_page_to_everyone_else(client, site_admin):
    client.force_login(site_admin)
    settings_row = HubSettings.load()
    response = client.post(
        _admin_url("hubsettings_change", settings_row.pk), {"community_creation": "admins"}
    )
    assert response.status_code == 302
    assert HubSettings.load().community_creation == "admins"
    assert client.get(reverse("communities:create")).status_code == 200  # site admins still may

    client.force_login(VerifiedMemberFactory())
    response = client.get(reverse("communities:create"))
    assert response.status_code == 403
    assert "only site admins create communities" in response.text


def test_deactivating_someone_in_the_admin_takes_them_out_of_every_member_count_and_back(client, site_admin):
    communities = [CommunityFactory(visibility=v) for v in ("open", "restricted", "private")]
    person = UserFactory()
    for community in communities:
        MembershipFactory(community=community, user=person)
        services.community_refresh_member_count(community=community)
    client.force_login(site_admin)

    def counts():
        return [Community.objects.get(pk=c.pk).member_count for c in communities]

    assert counts() == [2, 2, 2]  # the owner and the person
    response = admin_user_change(client, person, is_active=None)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert counts() == [1, 1, 1]
    response = admin_user_change(client, person, is_active="on")
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert counts() == [2, 2, 2]
