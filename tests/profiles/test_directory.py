from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from profiles.selectors import people_directory
from profiles.services import user_erase
from tests.factories import CouncilFactory, UserFactory
from tests.profiles.people_helpers import give_profile

pytestmark = pytest.mark.django_db

URL = reverse("profiles:people")


def _names(response) -> list[str]:
    return [person.display_name for person in response.context["page_obj"]]


@pytest.fixture
def people(db, member):
    leeds = CouncilFactory(name="Leeds City Council", region="yorkshire")
    kent = CouncilFactory(name="Kent County Council", region="south_east")
    now = timezone.now()
    priya = UserFactory(display_name="Priya Shah", council=leeds, date_joined=now - timedelta(days=30))
    tom = UserFactory(display_name="Tom Whitaker", council=kent, date_joined=now - timedelta(days=1))
    aisha = UserFactory(display_name="Aisha Okafor", council=leeds, date_joined=now - timedelta(days=10))
    give_profile(priya, expertise=["Housing allocations", "Procurement"])
    give_profile(tom, expertise=["Procurement"])
    member.display_name = "Morgan Member"
    member.date_joined = now - timedelta(days=100)
    member.save()
    return {"priya": priya, "tom": tom, "aisha": aisha, "leeds": leeds, "kent": kent}


def test_the_directory_lists_people_by_name(client, member, people):
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 200
    assert _names(response) == ["Aisha Okafor", "Morgan Member", "Priya Shah", "Tom Whitaker"]
    html = response.text
    assert "<title>People – Knowledge Hub</title>" in html
    assert "4 people" in html
    assert "Leeds City Council" in html
    assert '<strong class="govuk-tag govuk-tag--grey">Housing allocations</strong>' in html


def test_cards_show_at_most_three_expertise_tags(client, member, people):
    give_profile(people["aisha"], expertise=["Alpha", "Bravo", "Charlie", "Delta"])
    client.force_login(member)
    html = client.get(URL + "?q=aisha").text
    assert 'govuk-tag--grey">Charlie<' in html
    assert 'govuk-tag--grey">Delta<' not in html


def test_search_finds_part_of_a_name_whatever_its_case(client, member, people):
    client.force_login(member)
    assert _names(client.get(URL + "?q=pri")) == ["Priya Shah"]
    assert _names(client.get(URL + "?q=WHITAKER")) == ["Tom Whitaker"]
    assert _names(client.get(URL + "?q=++tom+++whit++")) == ["Tom Whitaker"]


def test_an_empty_result_says_so(client, member, people):
    client.force_login(member)
    html = client.get(URL + "?q=zebedee").text
    assert "No people match your search" in html
    assert "0 people" in html


def test_filters_by_council_region_and_expertise(client, member, people):
    client.force_login(member)
    assert _names(client.get(URL + "?council=leeds-city-council")) == ["Aisha Okafor", "Priya Shah"]
    assert _names(client.get(URL + "?region=south_east")) == ["Tom Whitaker"]
    assert _names(client.get(URL + "?expertise=procurement")) == ["Priya Shah", "Tom Whitaker"]
    combined = URL + "?expertise=procurement&council=leeds-city-council"
    assert _names(client.get(combined)) == ["Priya Shah"]


def test_the_filters_offer_councils_and_expertise_in_use(client, member, people):
    client.force_login(member)
    html = client.get(URL).text
    assert '<option value="leeds-city-council">Leeds City Council</option>' in html
    assert '<option value="housing-allocations">Housing allocations</option>' in html


def test_sorts_by_name_or_recently_joined(client, member, people):
    client.force_login(member)
    recent = _names(client.get(URL + "?sort=recent"))
    assert recent == ["Tom Whitaker", "Aisha Okafor", "Priya Shah", "Morgan Member"]
    assert _names(client.get(URL + "?sort=name"))[0] == "Aisha Okafor"


def test_bad_filter_values_are_ignored_with_an_error_instead_of_failing(client, member, people):
    client.force_login(member)
    response = client.get(URL + "?council=atlantis&region=mars&expertise=nope&sort=sideways&page=abc")
    assert response.status_code == 200
    assert len(_names(response)) == 4
    html = response.text
    assert "<title>Error: People – Knowledge Hub</title>" in html
    assert "Select a council from the list" in html
    assert "Select a region from the list" in html
    assert 'href="#id_council"' in html


@pytest.mark.parametrize("page", ["0", "-1", "999", "1.5", "%00", "9" * 30])
def test_bad_page_numbers_show_a_page(client, member, people, page):
    client.force_login(member)
    assert client.get(URL, {"page": page}).status_code == 200


def test_deactivated_and_erased_members_are_not_listed(client, member, people):
    tom = people["tom"]
    tom.is_active = False
    tom.save(update_fields=["is_active"])
    user_erase(user=people["aisha"])
    client.force_login(member)
    assert _names(client.get(URL)) == ["Morgan Member", "Priya Shah"]
    assert "Former member" not in client.get(URL).text


def test_the_directory_is_paginated_by_twenty_and_page_links_keep_the_filters(client, member):
    council = CouncilFactory(name="Big Council")
    for number in range(45):
        UserFactory(display_name=f"Officer {number:02}", council=council)
    client.force_login(member)
    first = client.get(URL, {"council": council.slug})
    assert len(_names(first)) == 20
    assert "45 people" in first.text
    assert f'href="?council={council.slug}&amp;page=2"' in first.text
    third = client.get(URL, {"council": council.slug, "page": 3})
    assert _names(third) == [f"Officer {n}" for n in range(40, 45)]
    assert "Page 3 of 3" in third.text


def test_misspelt_names_are_found_by_trigram_similarity_and_ordered_by_it(
    client, member, people, postgres_only
):
    UserFactory(display_name="Priyanka Sharma")
    client.force_login(member)
    response = client.get(URL + "?q=Priya+Shaw")
    names = _names(response)
    assert names[0] == "Priya Shah"
    assert "Tom Whitaker" not in names
    assert 'value="relevance" selected' in response.text
    assert _names(client.get(URL + "?q=Whitacker")) == ["Tom Whitaker"]


def test_without_postgresql_a_search_is_a_case_insensitive_contains(client, member, people):
    client.force_login(member)
    assert _names(client.get(URL + "?q=a+shah")) == ["Priya Shah"]


def test_a_name_search_finds_those_whose_name_holds_every_word(client, member, people):
    UserFactory(display_name="Priya Raman")
    UserFactory(display_name="Tom Shah")
    client.force_login(member)
    assert _names(client.get(URL + "?q=priya+shah")) == ["Priya Shah"]
    assert _names(client.get(URL + "?q=shah+PRI")) == ["Priya Shah"]
    assert _names(client.get(URL + "?q=shah&sort=name")) == ["Priya Shah", "Tom Shah"]


def test_a_misspelt_full_name_finds_the_person_first(client, member, people, postgres_only):
    UserFactory(display_name="Priyanka Shahid")
    UserFactory(display_name="Priya Raman")
    client.force_login(member)
    assert _names(client.get(URL + "?q=Priay+Shah")) == ["Priya Shah", "Priyanka Shahid"]


def _plan(queryset) -> str:
    # Forbid the scans a handful of test rows would make cheapest: what is left shows what the query can use.
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_name_search_name_order_and_a_councils_members_are_read_through_indexes(
    member, people, postgres_only
):
    assert "profiles_user_name_trgm" in _plan(people_directory(viewer=member, query="Priay Shah")[:20])
    by_name = _plan(people_directory(viewer=member)[:20])
    assert "profiles_user_directory" in by_name
    assert "Sort" not in by_name
    in_council = _plan(people_directory(viewer=member, council=people["leeds"].slug)[:20])
    assert "profiles_user_council_dir" in in_council
    assert "Sort" not in in_council
