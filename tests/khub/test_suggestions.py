"""The home page's "People you may want to know" and "Communities you may like" (issue 22): each with its
reason in words, from the member's tags, council, region and follows; never themselves, someone they
follow, someone not on the hub or anything they dismissed; dismissable for good, with and without htmx;
a fixed number of queries."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from profiles.models import Council, Dismissal
from profiles.services import follow_create
from tests.communities.helpers import community, person_as
from tests.factories import (
    AdminFactory,
    CouncilFactory,
    MembershipFactory,
    UserFactory,
    VerifiedMemberFactory,
    with_tags,
)
from tests.khub.test_feed import _count_queries, _home

pytestmark = pytest.mark.django_db
DISMISS = reverse("suggestion-dismiss")


def _people(html: str) -> str:
    if 'id="people-to-know"' not in html:
        return ""
    return html.split('id="people-to-know"')[1].split("</ul>")[0]


def _communities(html: str) -> str:
    if 'id="communities-to-join"' not in html:
        return ""
    return html.split('id="communities-to-join"')[1].split("</ul>")[0]


def _names(listed: str) -> list[str]:
    return re.findall(r'govuk-link" href="[^"]+">([^<]+)</a>', listed)


def _in_a_community(user):
    MembershipFactory(community=community("open"), user=user)  # the side column lists communities to join
    return user


# --- People you may want to know -------------------------------------------------------------------------
def test_people_are_suggested_with_their_reasons_in_words(client):
    leeds = CouncilFactory(name="Leeds City Council", region=Council.Region.YORKSHIRE)
    viewer = with_tags(VerifiedMemberFactory(council=leeds), expertise=["waste collection"])
    colleague = VerifiedMemberFactory(council=leeds, display_name="Colleague O'Brien")
    peer = with_tags(VerifiedMemberFactory(council=CouncilFactory()), expertise=["waste collection"])
    neighbour = VerifiedMemberFactory(council=CouncilFactory(region=Council.Region.YORKSHIRE))
    friend, popular = VerifiedMemberFactory(council=CouncilFactory()), VerifiedMemberFactory(council=None)
    for person in (friend, UserFactory(), UserFactory()):
        if person != friend:
            follow_create(follower=viewer, followed=person)
            follow_create(follower=person, followed=popular)
    follow_create(follower=viewer, followed=friend)
    follow_create(follower=friend, followed=popular)

    people = _people(_home(client, viewer).text)

    assert "People you may want to know" in _home(client, viewer).text
    assert re.search(
        rf"{re.escape(escape(peer.public_name))}</a>.*?Also works on waste collection", people, re.S
    )
    assert re.search(rf"{re.escape(escape(colleague.public_name))}</a>.*?At your council", people, re.S)
    assert re.search(r"Followed by 3 people you follow", people)
    assert escape(popular.public_name) in people
    assert f'href="{colleague.get_absolute_url()}"' in people
    assert "Leeds City Council" in people  # their council
    assert re.search(rf"{re.escape(escape(neighbour.public_name))}</a>.*?Also in Yorkshire", people, re.S)
    assert len(_names(people)) == 4
    for never in (viewer, friend):  # themselves, someone they follow
        assert f'href="{never.get_absolute_url()}"' not in people


def test_a_neighbour_in_the_region_is_suggested_when_nobody_closer_is(client):
    viewer = VerifiedMemberFactory(council=CouncilFactory(region=Council.Region.WALES))
    neighbour = VerifiedMemberFactory(council=CouncilFactory(region=Council.Region.WALES))
    VerifiedMemberFactory(council=CouncilFactory(region=Council.Region.LONDON))

    people = _people(_home(client, viewer).text)

    assert _names(people) == [neighbour.public_name]
    assert "Also in Wales" in people


def test_people_not_on_the_hub_are_never_suggested(client):
    leeds = CouncilFactory()
    viewer = VerifiedMemberFactory(council=leeds)
    gone = VerifiedMemberFactory(council=leeds, is_active=False)
    from django.utils import timezone

    erased = VerifiedMemberFactory(council=leeds)
    type(erased).objects.filter(pk=erased.pk).update(erased_at=timezone.now())

    html = _home(client, viewer).text

    assert f'href="{gone.get_absolute_url()}"' not in html
    assert f'href="{erased.get_absolute_url()}"' not in html
    assert "People you may want to know" not in html  # nobody: no empty section


def test_a_member_with_nothing_to_go_on_gets_no_people_section(client):
    VerifiedMemberFactory()
    assert "People you may want to know" not in _home(client, UserFactory(council=None)).text


def test_visitors_get_no_suggestions(client):
    VerifiedMemberFactory()
    html = client.get(reverse("home")).text
    assert "People you may want to know" not in html
    assert "Communities you may like" not in html


# --- Communities you may like ----------------------------------------------------------------------------
def test_communities_come_with_their_reason(client):
    london = CouncilFactory(region=Council.Region.LONDON)
    viewer = _in_a_community(with_tags(VerifiedMemberFactory(council=london), interests=["housing"]))
    community("open", name="Housing officers", topics=["Housing"])
    community("open", name="London officers", owner=VerifiedMemberFactory(council=london))
    community("open", name="Anything else")

    listed = _communities(_home(client, viewer).text)

    assert re.search(r"Housing officers</a>\s*<span[^>]*>\s*On your interest: housing", listed, re.I)
    assert re.search(r"London officers</a>\s*<span[^>]*>\s*Started in your region", listed)
    assert re.search(r"Anything else</a>\s*<span[^>]*>\s*Active this week", listed)


def test_a_private_community_is_never_suggested_or_named_to_an_outsider(client):
    viewer = _in_a_community(with_tags(VerifiedMemberFactory(), interests=["safeguarding"]))
    secret = community("private", name="Secret safeguarding board", topics=["safeguarding"])

    html = _home(client, viewer).text
    assert "Secret safeguarding board" not in html

    response = client.post(DISMISS, {"kind": "community", "object_id": secret.pk}, follow=True)
    assert "could not be dismissed" in response.text  # the same answer as for an id that names nothing
    assert not Dismissal.objects.exists()


# --- Dismissing ------------------------------------------------------------------------------------------
def _suggested_pair(viewer):
    person = VerifiedMemberFactory(council=viewer.council)
    place = community("open", name="Suggested place")
    return person, place


@pytest.mark.parametrize("relation", ["member", "facilitator", "site_admin"])
def test_dismissing_without_javascript_comes_back_with_a_banner_and_it_is_never_suggested_again(
    client, relation
):
    owner_place = community("open")
    viewer = person_as(relation, owner_place, council=CouncilFactory())
    if relation == "site_admin":
        MembershipFactory(community=owner_place, user=viewer)
    person, place = _suggested_pair(viewer)
    html = _home(client, viewer).text
    assert escape(person.public_name) in _people(html)
    assert "Suggested place" in _communities(html)

    response = client.post(DISMISS, {"kind": "person", "object_id": person.pk})
    assert response.status_code == 302
    assert response.url == reverse("home")
    page = client.get(response.url).text
    assert "We won&#x27;t suggest them to you again." in page
    assert escape(person.public_name) not in _people(page)

    client.post(DISMISS, {"kind": "community", "object_id": place.pk})
    page = client.get(reverse("home")).text
    assert "Suggested place" not in _communities(page)
    assert Dismissal.objects.filter(user=viewer).count() == 2


def test_dismissing_with_htmx_replaces_the_card_in_place(client):
    viewer = _in_a_community(VerifiedMemberFactory(council=CouncilFactory()))
    person, _place = _suggested_pair(viewer)
    client.force_login(viewer)
    html = client.get(reverse("home")).text
    assert 'hx-post="/suggestions/dismiss/"' in html
    assert 'hx-target="closest li"' in html

    response = client.post(
        DISMISS, {"kind": "person", "object_id": person.pk}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.strip().startswith('<li class="khub-suggestion" tabindex="-1" autofocus>')
    assert '<p class="govuk-body-s govuk-!-margin-bottom-0" role="status">' in response.text
    assert "We won&#x27;t suggest them to you again." in response.text
    assert Dismissal.objects.filter(user=viewer, kind="person", object_id=person.pk).exists()
    assert escape(person.public_name) not in _people(client.get(reverse("home")).text)


def test_dismissals_take_effect_at_once_even_when_suggestions_are_kept(client, settings):
    from django.core.cache import cache

    settings.SUGGESTIONS_KEPT_SECONDS = 300
    viewer = _in_a_community(VerifiedMemberFactory(council=CouncilFactory()))
    cache.delete_many([f"home:people:{viewer.pk}", f"home:suggestions:{viewer.pk}:3"])  # another run's
    person, place = _suggested_pair(viewer)
    try:
        html = _home(client, viewer).text
        assert escape(person.public_name) in _people(html)
        client.post(DISMISS, {"kind": "person", "object_id": person.pk})
        client.post(DISMISS, {"kind": "community", "object_id": place.pk})
        html = client.get(reverse("home")).text
        assert escape(person.public_name) not in _people(html)
        assert "Suggested place" not in _communities(html)
        # Following someone takes them off at once too.
        other = VerifiedMemberFactory(council=viewer.council)
        cache.delete(f"home:people:{viewer.pk}")
        assert escape(other.public_name) in _people(client.get(reverse("home")).text)
        follow_create(follower=viewer, followed=other)
        assert escape(other.public_name) not in _people(client.get(reverse("home")).text)
    finally:
        cache.delete_many([f"home:people:{viewer.pk}", f"home:suggestions:{viewer.pk}:3"])


def test_dismissing_twice_keeps_one_row_and_says_the_same(client):
    viewer = VerifiedMemberFactory(council=CouncilFactory())
    person = VerifiedMemberFactory()
    client.force_login(viewer)
    for _ in range(2):
        response = client.post(DISMISS, {"kind": "person", "object_id": person.pk}, follow=True)
        assert "We won&#x27;t suggest them to you again." in response.text
    assert Dismissal.objects.filter(user=viewer).count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "person", "object_id": "999999"},
        {"kind": "community", "object_id": "999999"},
        {"kind": "event", "object_id": "1"},
        {"kind": "person", "object_id": "abc"},
        {"kind": "person", "object_id": "²"},
        {"kind": "person", "object_id": "9" * 40},
        {"kind": "person"},
        {},
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_kind_or_an_id_that_names_nothing_changes_nothing_and_says_so(client, data, htmx):
    client.force_login(VerifiedMemberFactory())
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(DISMISS, data, headers=headers, follow=not htmx)

    assert response.status_code == 200
    assert "could not be dismissed" in response.text
    assert not Dismissal.objects.exists()


def test_dismissing_yourself_or_someone_not_on_the_hub_changes_nothing(client):
    viewer = VerifiedMemberFactory()
    gone = VerifiedMemberFactory(is_active=False)
    client.force_login(viewer)
    for person in (viewer, gone):
        response = client.post(DISMISS, {"kind": "person", "object_id": person.pk}, follow=True)
        assert "could not be dismissed" in response.text
    assert not Dismissal.objects.exists()


def test_dismissing_needs_a_signed_in_member_a_post_and_the_csrf_token(client):
    person = VerifiedMemberFactory()
    response = client.post(DISMISS, {"kind": "person", "object_id": person.pk})
    assert response.status_code == 302
    assert reverse("account_login") in response.url
    viewer = VerifiedMemberFactory()
    client.force_login(viewer)
    assert client.get(DISMISS).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(viewer)
    assert strict.post(DISMISS, {"kind": "person", "object_id": person.pk}).status_code == 403
    assert not Dismissal.objects.exists()


def test_an_admin_sees_the_same_kind_of_suggestions(client):
    council = CouncilFactory()
    admin = AdminFactory(council=council)
    colleague = VerifiedMemberFactory(council=council)
    assert escape(colleague.public_name) in _people(_home(client, admin).text)


# --- Queries ---------------------------------------------------------------------------------------------
def _more_people(council, n: int, viewer) -> None:
    for i in range(n):
        person = with_tags(VerifiedMemberFactory(council=council if i % 2 else None), expertise=["waste"])
        follow_create(follower=person, followed=VerifiedMemberFactory())
        if i < 3:
            follow_create(follower=viewer, followed=person)
        community("open", topics=["Waste"])


def test_the_suggestions_run_the_same_queries_for_a_few_or_many_candidates(client):
    council = CouncilFactory()
    viewer = _in_a_community(with_tags(VerifiedMemberFactory(council=council), expertise=["waste"]))
    _more_people(council, 6, viewer)
    client.force_login(viewer)
    url = reverse("home")
    client.get(url)
    small = _count_queries(client, url)
    _more_people(council, 30, viewer)
    assert _count_queries(client, url) == small
    html = client.get(url).text
    assert len(_names(_people(html))) == 5
    assert len(_names(_communities(html))) == 3
