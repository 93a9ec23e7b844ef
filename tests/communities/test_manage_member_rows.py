"""The facilitators' members table, whose rows are written in Python (communities.views.member_rows): the
same markup, for each role of the person and of the viewer, as the template that drew them before."""

import re
from pathlib import Path

import pytest
from django.template import RequestContext, Template
from django.test.html import parse_html
from django.urls import reverse

from communities.models import Community, Membership
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, CouncilFactory

pytestmark = pytest.mark.django_db

R = Membership.Role
HTMX = {"HX-Request": "true"}
TOKEN = r'(?<=name="csrfmiddlewaretoken" value=")[^"]+'

# The rows as communities/manage/_members.html drew them with a template (its tags as they were).
TEMPLATE_ROWS = (Path(__file__).parent / "member_rows_template.html").read_text()


def _tables(html: str) -> list[str]:
    """The bodies of the page's tables: members, then invitations and bans when there are any."""
    found, start = [], 0
    while (start := html.find('<tbody class="govuk-table__body">', start)) >= 0:
        end = html.index("</tbody>", start) + len("</tbody>")
        found.append(html[start:end])
        start = end
    return found


def _assert_same_as_the_template(response, lists=("members", "invitations", "banned")) -> None:
    request = response.wsgi_request
    names = ("page_obj", "invitations", "banned", "community", "viewer_is_owner", "focus", "focus_user_id")
    values = {name: response.context.get(name) for name in names}
    tables = _tables(response.text)
    assert len(tables) == len(lists)
    for rows, table in zip(lists, tables, strict=True):
        drawn = Template(TEMPLATE_ROWS).render(RequestContext(request, {**values, "rows": rows}))
        # Each {% csrf_token %} of a request masks its token afresh: the rows have the page's one token.
        assert len(set(re.findall(TOKEN, table))) == 1
        expected = parse_html(re.sub(TOKEN, "token", f'<tbody class="govuk-table__body">{drawn}</tbody>'))
        assert parse_html(re.sub(TOKEN, "token", table)) == expected
        shown = values["page_obj"].object_list if rows == "members" else values[rows]
        assert len(expected.children) == len(shown) > 0


def _community_of_every_role():
    community = CommunityFactory(visibility="restricted")
    Community.objects.filter(pk=community.pk).update(slug="0")  # as the links' placeholder
    community.refresh_from_db()
    council = CouncilFactory(name="Leeds & <District>")
    person_as("owner", community, display_name="Olu <Owner>", council=council)
    for role in ("facilitator", "facilitator", "member", "member"):
        person_as(role, community, display_name=f'A {role} "quoted" & <b>bold</b>')
    person_as("banned", community, display_name="Ben <Banned>", council=council)
    person_as("banned", community, display_name="Bo Banned")
    invited = person_as("invited", community, display_name="Ivy <Invited>")
    Membership.objects.filter(user=invited).update(invited_by=community.created_by)
    person_as("invited", community, display_name="Ian Invited", council=council)
    return community


@pytest.mark.parametrize("viewer", ["owner", "facilitator", "site_admin"])
def test_the_rows_are_the_templates_for_every_role_and_viewer(client, viewer):
    community = _community_of_every_role()
    person = community.created_by if viewer == "owner" else person_as(viewer, community)
    client.force_login(person)
    response = client.get(reverse("communities:manage-members", args=[community.slug]))
    assert response.status_code == 200
    _assert_same_as_the_template(response)
    rows = "".join(_tables(response.text))
    assert "Olu &lt;Owner&gt;" in rows
    assert "<b>bold</b>" not in rows
    assert 'name="csrfmiddlewaretoken"' in rows
    if viewer != "site_admin":
        assert "(you)" in rows


def test_the_rows_of_a_second_page_and_after_an_action_are_the_templates(client, monkeypatch):
    monkeypatch.setattr("communities.views.manage.MEMBERS_PAGE_SIZE", 2)
    community = _community_of_every_role()
    client.force_login(community.created_by)
    response = client.get(reverse("communities:manage-members", args=[community.slug]) + "?page=2")
    assert response.context["page_obj"].number == 2
    _assert_same_as_the_template(response)
    assert "&amp;page=2#confirm" in _tables(response.text)[0]
    member = Membership.objects.filter(community=community, role=R.MEMBER).first()
    url = reverse("communities:manage-member", args=[community.slug, member.user_id])
    response = client.post(url, {"action": "promote", "page": "3"}, headers=HTMX)
    assert response.status_code == 200
    _assert_same_as_the_template(response)
    assert f'id="member-{member.user_id}" tabindex="-1" autofocus' in response.text
    banned = Membership.objects.filter(community=community, state=Membership.State.BANNED).first()
    url = reverse("communities:manage-member", args=[community.slug, banned.user_id])
    response = client.post(url, {"action": "unban", "page": "1"}, headers=HTMX)
    _assert_same_as_the_template(response)
    member = Membership.objects.filter(community=community, role=R.MEMBER, state="active").last()
    url = reverse("communities:manage-member", args=[community.slug, member.user_id])
    response = client.post(url, {"action": "ban", "page": "1", "reason": "Spam"}, headers=HTMX)
    assert response.status_code == 200
    _assert_same_as_the_template(response)
    assert f'id="banned-{member.user_id}" tabindex="-1" autofocus' in response.text
