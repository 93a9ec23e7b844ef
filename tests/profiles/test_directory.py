from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from profiles.models import User
from profiles.selectors import name_matches, people_directory
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


def _plan(queryset, *, forbid: tuple[str, ...] = ("seqscan",)) -> str:
    # Scans cheapest over a few thousand rows, forbidden: what is left shows what serves the query.
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        for scan in forbid:
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _many_people(count: int, council) -> None:
    """Enough members with names unlike each other that PostgreSQL's planner reads them through an index."""
    syllables = ["ka", "lo", "mi", "ru", "ten", "vas", "bor", "qui", "zel", "dra", "fen", "gup"]

    def name(n: int) -> str:
        return "".join(syllables[(n // 12**i) % 12] for i in range(3)).title()

    User.objects.bulk_create(
        User(
            email=f"many{n}@example.test",
            handle=f"many-{n}",
            display_name=f"{name(n)} {name(n * 7 + 3)}",
            council=council if n % 10 == 0 else None,
        )
        for n in range(count)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE profiles_user")


def test_name_search_name_order_and_a_councils_members_are_read_through_indexes(
    member, people, postgres_only
):
    _many_people(3000, people["kent"])
    # The name matching on its own (the on-hub filter would let a partial index stand in for a scan): with
    # only bitmap scans left, nothing but the trigram index can answer it.
    search = _plan(User.objects.filter(name_matches("Priay Shah")), forbid=("seqscan", "indexscan"))
    assert "profiles_user_name_trgm" in search
    assert "Seq Scan" not in search
    # Sorting forbidden too: over a few thousand rows a full read of the narrow profiles_user_name_by_id
    # index and a sort is cheapest; a plan that still sorts would show no index gives the name order.
    by_name = _plan(people_directory(viewer=member)[:20], forbid=("seqscan", "sort"))
    assert "profiles_user_directory" in by_name
    assert "Sort" not in by_name
    in_council = _plan(
        people_directory(viewer=member, council=people["kent"].slug)[:20], forbid=("seqscan", "bitmapscan")
    )
    assert "profiles_user_council_dir" in in_council
    assert "Sort" not in in_council


# --- A name search reads its total with its page (COUNT(*) OVER ()) -----------------------------------------


def _officers(count: int, council=None) -> None:
    for number in range(count):
        UserFactory(display_name=f"Officer {number:02}", council=council)


@pytest.mark.parametrize(
    ("page", "shown", "names"),
    [
        (None, 1, [f"Officer {n:02}" for n in range(20)]),
        ("2", 2, [f"Officer {n:02}" for n in range(20, 40)]),
        ("3", 3, [f"Officer {n:02}" for n in range(40, 45)]),
        ("99", 3, [f"Officer {n:02}" for n in range(40, 45)]),  # past the end: the last page
        ("0", 3, [f"Officer {n:02}" for n in range(40, 45)]),  # below 1: the last page, as for any list
        ("abc", 1, [f"Officer {n:02}" for n in range(20)]),
    ],
)
def test_a_name_search_counts_with_its_page_whatever_the_page_number(client, member, page, shown, names):
    _officers(45)
    client.force_login(member)
    response = client.get(URL, {"q": "officer", **({"page": page} if page else {})})
    assert response.context["page_obj"].number == shown
    assert _names(response) == names
    assert "45 people" in response.text
    assert "Page " + str(shown) + " of 3" in response.text


def test_a_name_search_counts_only_members_on_the_hub(client, member):
    _officers(22)
    User.objects.filter(display_name="Officer 03").update(is_active=False)
    User.objects.filter(display_name="Officer 21").update(erased_at=timezone.now())  # name kept: the filter
    client.force_login(member)
    response = client.get(URL, {"q": "officer"})
    assert "20 people" in response.text
    assert not response.context["page_obj"].has_other_pages()
    assert _names(response) == [f"Officer {n:02}" for n in range(22) if n not in (3, 21)]


def test_a_name_search_with_no_match_says_so(client, member, people):
    client.force_login(member)
    response = client.get(URL, {"q": "zzzzqqq"})
    assert response.context["page_obj"].paginator.count == 0
    assert "No people match your search." in response.text
