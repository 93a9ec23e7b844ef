"""The people pages run a fixed number of queries, whatever the number of people on them.

Each page is measured with 5 and with 50 people (every one with a council, expertise tags, an avatar and
follows) and must run the same number of queries, at most the pinned figure. The figures include the
session and user lookups of the signed-in request and the header's unread-notification count.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CouncilFactory, UserFactory
from tests.profiles.people_helpers import follow, give_profile

pytestmark = pytest.mark.django_db

# session, user, header unread count, then: council and expertise choices, COUNT (unfiltered: the councils'
# kept counts and the members of none, in one query), page, expertise tags
DIRECTORY_QUERIES = 8
# the same, but a name search reads its total with its page (a window count): no COUNT of its own
NAME_SEARCH_QUERIES = 7
# session, user, header unread count, then: the person with counts, expertise, interests, one query for
# the communities section, one for their conversations and one for their stories in Recent contributions
# (registered by communities and practice through profiles.extensions), one for events' "Going to" and one
# for the library's "Library uploads" (issue 21)
PROFILE_QUERIES = 11
# session, user, header unread count, then: the person (with their kept follow counts: the paginator's
# count), the page of people, expertise tags
FOLLOWS_QUERIES = 6
# session, user, header unread count, then: the council with its kept member count (the paginator's count
# too), the page of members, expertise tags, and one query each for practice's "Practice shared" (the
# stories with their total as a window count) and "Practice repeated" (the adoptions with their stories and
# councils), registered through profiles.extensions: tests/practice/test_extensions.py shows they stay one
# each with 20 of each
COUNCIL_QUERIES = 8
COUNCILS_QUERIES = 5


def _world():
    councils = [CouncilFactory() for _ in range(3)]
    star = give_profile(
        UserFactory(council=councils[0], display_name="Priya Shahzad"),
        expertise=["Housing", "Planning"],
        interests=["Net zero"],
    )
    viewer = UserFactory(council=councils[1])
    follow(viewer, star)
    return viewer, star, councils


def _add_people(star, councils, count: int) -> None:
    for number in range(count):
        person = UserFactory(council=councils[number % 3], show_email=number % 2 == 0)
        give_profile(person, expertise=[f"Topic {person.pk}", "Housing", "Procurement", "Waste"])
        follow(person, star)
        follow(star, person)


def _pages(star, council):
    return {
        "everyone": (reverse("profiles:people"), DIRECTORY_QUERIES),
        "directory": (reverse("profiles:people") + "?expertise=housing&sort=recent", DIRECTORY_QUERIES),
        "search": (reverse("profiles:people") + "?q=priya+shah", NAME_SEARCH_QUERIES),
        "short-word search": (reverse("profiles:people") + "?q=a&region=south_west", NAME_SEARCH_QUERIES + 1),
        "profile": (reverse("profiles:profile", kwargs={"handle": star.handle}), PROFILE_QUERIES),
        "followers": (reverse("profiles:followers", kwargs={"handle": star.handle}), FOLLOWS_QUERIES),
        "following": (reverse("profiles:following", kwargs={"handle": star.handle}), FOLLOWS_QUERIES),
        "council": (reverse("profiles:council", kwargs={"slug": council.slug}), COUNCIL_QUERIES),
        "councils": (reverse("profiles:councils"), COUNCILS_QUERIES),
    }


def _measure(client, pages) -> dict[str, int]:
    counts = {}
    for name, (url, _) in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["page_obj" if name != "profile" else "person"], name  # not an empty page
        counts[name] = len(queries)
    return counts


def test_people_pages_run_the_same_few_queries_for_5_and_50_people(client, django_assert_max_num_queries):
    viewer, star, councils = _world()
    pages = _pages(star, councils[0])
    client.force_login(viewer)
    _add_people(star, councils, 5)
    with_5 = _measure(client, pages)
    _add_people(star, councils, 45)
    with_50 = _measure(client, pages)
    assert with_50 == with_5
    for name, (url, limit) in pages.items():
        with django_assert_max_num_queries(limit, info=name):
            client.get(url)
