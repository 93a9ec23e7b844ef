"""What practice adds to the rest of the hub: the council page's "Practice shared" and "Practice repeated",
stories among a member's contributions, the data export and account erasure."""

import datetime
import json

import pytest
from django.db import connection
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.services.membership import membership_leave
from practice.models import Adoption, Endorsement, PracticeStory
from practice.selectors import council_repeated, council_shared, practice_personal_data, story_contributions
from practice.services.recognition import adoption_record, endorsement_create, story_promote
from practice.services.stories import story_archive
from profiles.extensions import recent_contributions
from profiles.services import user_erase, user_personal_data
from tests.factories import (
    AdminFactory,
    CommunityFactory,
    CouncilFactory,
    MembershipFactory,
    UserFactory,
    VerifiedMemberFactory,
)
from tests.practice.helpers import author_in, draft_story, person_as, published_story

pytestmark = pytest.mark.django_db

A = PracticeStory.Audience
COUNCIL_PAGE_QUERIES = 9  # as pinned in tests/profiles/test_people_queries.py (COUNCIL_QUERIES)


def _council_page(client, viewer, council) -> str:
    client.force_login(viewer)
    response = client.get(reverse("profiles:council", kwargs={"slug": council.slug}))
    assert response.status_code == 200
    return response.text


def _titles(section) -> list[str]:
    return [story.title for story in section.context["stories"]]


def _repeated(section) -> list[str]:
    return [adoption.story.title for adoption in section.context["adoptions"]]


def _adopter(council, *readable_communities):
    """A verified member of `council`, active in each community (so they may read its stories)."""
    person = VerifiedMemberFactory(council=council)
    for place in readable_communities:
        MembershipFactory(community=place, user=person)
    return person


def _adopt(person, story, outcome=Adoption.Outcome.ADOPTED, started_on=datetime.date(2024, 3, 1), **fields):
    return adoption_record(user=person, story=story, outcome=outcome, started_on=started_on, **fields)


@pytest.fixture
def shire():
    """Shire Council's three published stories: for the private Chief Executives Network only, for every
    member, for anyone; plus a draft and an archived story that no council page lists."""
    council = CouncilFactory(name="Shire Council")
    private = CommunityFactory(name="Chief Executives Network", visibility="private")
    open_one = CommunityFactory(name="Waste Officers")
    stories = {
        "community": published_story(
            title="Pooled reserves",
            audience=A.COMMUNITY,
            author=author_in(private, council=council),
            community=private,
        ),
        "members": published_story(
            title="Shared HR service",
            audience=A.MEMBERS,
            author=author_in(open_one, council=council),
            community=open_one,
        ),
        "public": published_story(
            title="Missed bins reported online",
            audience=A.PUBLIC,
            author=author_in(open_one, council=council),
            community=open_one,
        ),
    }
    draft_story(title="An unfinished draft", author=stories["public"].author, community=open_one)
    archived = published_story(
        title="An archived story", author=author_in(open_one, council=council), community=open_one
    )
    story_archive(actor=archived.author, story=archived)
    return {"council": council, "private": private, "open": open_one, "stories": stories}


# --- Practice shared ---------------------------------------------------------------------------------------
EVERYONE = ["Missed bins reported online", "Shared HR service", "Pooled reserves"]


@pytest.mark.parametrize(
    ("relation", "sees"),
    [
        ("outsider", ["Missed bins reported online", "Shared HR service"]),
        ("requester", ["Missed bins reported online", "Shared HR service"]),
        ("left", ["Missed bins reported online", "Shared HR service"]),
        ("member", EVERYONE),
        ("site_admin", EVERYONE),
    ],
)
def test_practice_shared_lists_the_published_stories_the_viewer_may_read_newest_first(shire, relation, sees):
    viewer = person_as(relation, shire["private"])
    section = council_shared(viewer, shire["council"])
    assert section.title == "Practice shared"
    assert _titles(section) == sees
    assert section.context["total"] == len(sees)
    assert section.context["more"] is False


def test_an_outsider_never_sees_a_private_communitys_story_on_the_council_page(client, shire):
    html = _council_page(client, person_as("outsider", shire["private"]), shire["council"])
    assert ">Practice shared</h2>" in html
    assert "Missed bins reported online" in html
    assert "Shared HR service" in html
    assert "Pooled reserves" not in html
    assert "Chief Executives Network" not in html
    assert "An unfinished draft" not in html
    assert "An archived story" not in html


def test_a_member_of_the_private_community_sees_its_story_on_the_council_page(client, shire):
    html = _council_page(client, person_as("member", shire["private"]), shire["council"])
    story = shire["stories"]["community"]
    assert f'<a class="govuk-link" href="{story.get_absolute_url()}">Pooled reserves</a>' in html
    assert story.summary in html
    assert "Environment and waste" in html  # its service area


def test_a_site_admin_sees_every_published_story_on_the_council_page(client, shire):
    html = _council_page(client, AdminFactory(), shire["council"])
    for title in EVERYONE:
        assert title in html
    assert "An unfinished draft" not in html  # a council page lists published stories, even to site admins
    assert "An archived story" not in html


def test_a_story_shows_its_promotion_and_how_many_councils_repeated_it(client, shire):
    story = shire["stories"]["public"]
    story_promote(actor=AdminFactory(), story=story)
    for _ in range(2):
        _adopt(_adopter(CouncilFactory()), story)
    html = _council_page(client, UserFactory(), shire["council"])
    assert "Practice worth repeating</strong>" in html
    assert "Repeated by 2 councils" in html
    _adopt(_adopter(CouncilFactory()), shire["stories"]["members"])
    html = _council_page(client, UserFactory(), shire["council"])
    assert "Repeated by 1 council" in html
    assert "Repeated by 1 councils" not in html


def test_practice_shared_shows_the_newest_ten_and_links_to_the_rest_in_the_library(client):
    council = CouncilFactory(name="Busy Borough")
    place = CommunityFactory()
    for number in range(12):
        published_story(title=f"Story {number}", author=author_in(place, council=council), community=place)
    section = council_shared(UserFactory(), council)
    assert _titles(section) == [f"Story {number}" for number in range(11, 1, -1)]
    assert (section.context["total"], section.context["more"]) == (12, True)
    html = _council_page(client, UserFactory(), council)
    library = reverse("practice:index") + f"?council={council.slug}"
    assert f'href="{library}">See all 12 stories from Busy Borough in the library</a>' in html


def test_practice_shared_counts_a_council_s_stories_only_up_to_a_limit(client, monkeypatch):
    from practice import selectors

    monkeypatch.setattr(selectors, "COUNCIL_STORIES_COUNTED", 11)
    council = CouncilFactory(name="Busy Borough")
    place = CommunityFactory()
    for number in range(12):
        published_story(title=f"Story {number}", author=author_in(place, council=council), community=place)

    section = council_shared(UserFactory(), council)

    assert (section.context["total"], section.context["over"], section.context["more"]) == (11, True, True)
    html = _council_page(client, UserFactory(), council)
    assert "See more than 11 stories from Busy Borough in the library</a>" in html


def test_practice_shared_has_no_library_link_when_every_story_is_shown(client):
    council = CouncilFactory()
    place = CommunityFactory()
    for number in range(10):
        published_story(title=f"Story {number}", author=author_in(place, council=council), community=place)
    html = _council_page(client, UserFactory(), council)
    assert "Story 0" in html
    assert "See all" not in html


def test_the_council_page_says_when_there_is_no_practice_to_show(client, shire):
    html = _council_page(client, UserFactory(), CouncilFactory(name="Quiet District Council"))
    assert "Quiet District Council has not shared any practice you can see yet." in html
    assert "Quiet District Council has not recorded repeating any practice you can see yet." in html
    # Only a private community's story: the outsider is told nothing more than for a council with none.
    shire["stories"]["public"].delete()
    shire["stories"]["members"].delete()
    html = _council_page(client, person_as("outsider", shire["private"]), shire["council"])
    assert "Shire Council has not shared any practice you can see yet." in html


# --- Practice repeated -------------------------------------------------------------------------------------
@pytest.fixture
def vale(shire):
    """Vale Council repeated two of Shire's stories: the private community's and the public one."""
    council = CouncilFactory(name="Vale Council")
    adopter = _adopter(council, shire["private"])
    _adopt(adopter, shire["stories"]["community"], Adoption.Outcome.ADAPTED, datetime.date(2024, 5, 2))
    _adopt(adopter, shire["stories"]["public"], Adoption.Outcome.STOPPED, datetime.date(2023, 11, 20))
    return council


@pytest.mark.parametrize(
    ("relation", "sees"),
    [
        ("outsider", ["Missed bins reported online"]),
        ("requester", ["Missed bins reported online"]),
        ("member", ["Pooled reserves", "Missed bins reported online"]),
        ("site_admin", ["Pooled reserves", "Missed bins reported online"]),
    ],
)
def test_practice_repeated_lists_adoptions_of_stories_the_viewer_may_read(shire, vale, relation, sees):
    section = council_repeated(person_as(relation, shire["private"]), vale)
    assert section.title == "Practice repeated"
    assert _repeated(section) == sees


def test_the_council_page_shows_what_the_council_repeated_where_it_came_from_and_how_it_went(
    client, shire, vale
):
    html = _council_page(client, person_as("member", shire["private"]), vale)
    assert ">Practice repeated</h2>" in html
    story = shire["stories"]["community"]
    assert f'href="{story.get_absolute_url()}">Pooled reserves</a>' in html
    shire_url = reverse("profiles:council", kwargs={"slug": shire["council"].slug})
    assert f'href="{shire_url}">Shire Council</a>' in html
    assert "Adapted" in html
    assert '<time datetime="2024-05-02">2 May 2024</time>' in html
    assert "Tried and stopped" in html


def test_an_outsider_never_sees_an_adoption_of_a_private_communitys_story(client, shire, vale):
    html = _council_page(client, person_as("outsider", shire["private"]), vale)
    assert "Missed bins reported online" in html
    assert "Pooled reserves" not in html
    assert "Adapted" not in html


def test_practice_repeated_shows_the_newest_ten(shire):
    council = CouncilFactory()
    adopter = _adopter(council)
    place = shire["open"]
    for day in range(1, 13):
        story = published_story(title=f"Idea {day}", author=author_in(place), community=place)
        _adopt(adopter, story, started_on=datetime.date(2024, 1, day))
    assert _repeated(council_repeated(UserFactory(), council)) == [f"Idea {day}" for day in range(12, 2, -1)]


def _fill(shire, adopting_council, count: int) -> None:
    """`count` more stories from Shire, each repeated by the adopting council; half community-only."""
    adopter = _adopter(adopting_council, shire["private"])
    for number in range(count):
        place = shire["private"] if number % 2 else shire["open"]
        story = published_story(
            audience=A.COMMUNITY if place == shire["private"] else A.MEMBERS,
            author=author_in(place, council=shire["council"]),
            community=place,
        )
        story_promote(actor=AdminFactory(), story=story)
        _adopt(adopter, story)


def _measure(client, viewer, councils) -> list[int]:
    client.force_login(viewer)
    counts = []
    for council in councils:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("profiles:council", kwargs={"slug": council.slug}))
        assert response.status_code == 200
        counts.append(len(queries))
    return counts


@pytest.mark.parametrize("relation", ["outsider", "member", "site_admin"])
def test_the_council_page_runs_the_same_queries_for_1_and_20_stories_and_adoptions(
    client, shire, relation, django_assert_max_num_queries
):
    adopting = CouncilFactory()
    viewer = person_as(relation, shire["private"])
    _fill(shire, adopting, 1)
    with_1 = _measure(client, viewer, [shire["council"], adopting])
    _fill(shire, adopting, 19)
    with_20 = _measure(client, viewer, [shire["council"], adopting])
    assert with_20 == with_1
    for council in (shire["council"], adopting):
        with django_assert_max_num_queries(COUNCIL_PAGE_QUERIES):
            client.get(reverse("profiles:council", kwargs={"slug": council.slug}))


def test_each_council_section_runs_one_query(shire, vale, django_assert_num_queries):
    for viewer in (UserFactory(), person_as("member", shire["private"]), AdminFactory()):
        with django_assert_num_queries(1):
            council_shared(viewer, shire["council"])
        with django_assert_num_queries(1):
            council_repeated(viewer, vale)


# --- Contributions -----------------------------------------------------------------------------------------
@pytest.fixture
def writer(shire):
    """Shire's community-only story's author, who also co-wrote a public story and has a draft."""
    story = shire["stories"]["community"]
    person = story.author
    MembershipFactory(community=shire["open"], user=person)
    co_written = published_story(
        title="Co-written guidance",
        author=author_in(shire["open"]),
        community=shire["open"],
        co_authors=[person.handle],
    )
    draft_story(title="Private notes", author=person, community=shire["private"])
    return {"person": person, "own": story, "co_written": co_written}


def _contributions(viewer, person, limit=10) -> list[tuple[str, str, str]]:
    return [(c.kind, c.title, c.where) for c in story_contributions(viewer, person, limit)]


@pytest.mark.parametrize(
    ("relation", "sees_own"),
    [("outsider", False), ("requester", False), ("left", False), ("member", True), ("site_admin", True)],
)
def test_contributions_are_the_published_stories_the_viewer_may_read(shire, writer, relation, sees_own):
    viewer = person_as(relation, shire["private"])
    expected = [("Story", "Co-written guidance", "Waste Officers")]
    if sees_own:
        expected.append(("Story", "Pooled reserves", "Chief Executives Network"))
    assert _contributions(viewer, writer["person"]) == expected
    assert "Private notes" not in [
        title for _, title, _ in _contributions(writer["person"], writer["person"])
    ]


def test_a_contribution_links_the_story_and_is_dated_when_it_was_published(writer):
    contribution = story_contributions(UserFactory(), writer["person"], 10)[0]
    story = writer["co_written"]
    assert (contribution.url, contribution.created_at) == (story.get_absolute_url(), story.published_at)
    assert len(story_contributions(AdminFactory(), writer["person"], 1)) == 1


def test_a_public_story_from_a_private_community_does_not_name_the_community(client, shire):
    story = published_story(
        title="Open data for all",
        audience=A.PUBLIC,
        author=shire["stories"]["community"].author,
        community=shire["private"],
    )
    outsider = person_as("outsider", shire["private"])
    assert ("Story", "Open data for all", "") in _contributions(outsider, story.author)
    client.force_login(outsider)
    html = client.get(reverse("profiles:profile", args=[story.author.handle])).text
    assert f'href="{story.get_absolute_url()}">Open data for all</a>' in html
    assert "Chief Executives Network" not in html


def test_the_profile_page_lists_stories_among_recent_contributions(client, shire, writer):
    outsider = person_as("outsider", shire["private"])
    titles = [c.title for c in recent_contributions(viewer=outsider, person=writer["person"])]
    assert "Co-written guidance" in titles
    assert "Pooled reserves" not in titles
    client.force_login(outsider)
    html = client.get(reverse("profiles:profile", args=[writer["person"].handle])).text
    assert "Story in Waste Officers" in html
    assert "Pooled reserves" not in html


@pytest.mark.parametrize("size", [1, 12])
def test_contributions_take_one_query_whatever_the_number(shire, size, django_assert_num_queries):
    person = shire["stories"]["community"].author
    for number in range(size):
        place = shire["private"] if number % 2 else shire["open"]
        published_story(
            title=f"Story {number}",
            audience=A.COMMUNITY,
            author=author_in(place),
            community=place,
            co_authors=[person.handle],
        )
    for viewer in (UserFactory(), AdminFactory(), person):
        with django_assert_num_queries(1):
            story_contributions(viewer, person, 10)


# --- Data export -------------------------------------------------------------------------------------------
@pytest.fixture
def exported(shire):
    """Priya wrote a story in the private community (with measures and links), co-wrote one, endorsed a
    community-only story and recorded her council's adoption of another; then she left the private
    community."""
    council = CouncilFactory(name="Priya's Council")
    priya = VerifiedMemberFactory(display_name="Priya Shah", council=council)
    for place in (shire["private"], shire["open"]):
        MembershipFactory(community=place, user=priya)
    own = draft_story(
        title="Pooled budgets across districts",
        author=priya,
        community=shire["private"],
        audience=A.COMMUNITY,
        evidence_links=[{"url": "https://example.org/report", "title": "The report"}],
        measures=[{"metric": "Days to decide", "before": "21", "after": "8.5", "unit": "days"}],
        tags=["Budgets", "Adult care"],
    )
    co_written = published_story(
        title="Co-written guidance",
        author=author_in(shire["open"]),
        community=shire["open"],
        co_authors=[priya.handle],
    )
    endorsement_create(user=priya, story=shire["stories"]["community"], comment="We did this too.")
    endorsement_create(user=priya, story=shire["stories"]["public"], comment="Brilliant.")
    _adopt(priya, shire["stories"]["members"], notes="Went well with the unions.", follow_up=None)
    membership_leave(user=priya, community=shire["private"])
    return {"priya": priya, "own": own, "co_written": co_written}


def test_the_data_export_holds_their_stories_with_every_field(exported):
    data = user_personal_data(user=exported["priya"])["practice"]
    json.dumps(data)  # serialisable as it is
    stories = {story["title"]: story for story in data["stories"]}
    assert set(stories) == {"Pooled budgets across districts", "Co-written guidance"}
    own = stories["Pooled budgets across districts"]
    assert own["role"] == "author"
    assert (own["status"], own["audience"]) == ("draft", "community")
    assert own["summary"] == exported["own"].summary
    assert own["challenge"] == exported["own"].challenge
    assert own["do_differently"] == "Involve the contact centre earlier."
    assert own["evidence_links"] == [{"url": "https://example.org/report", "title": "The report"}]
    assert own["measures"] == [
        {"metric": "Days to decide", "before": "21.00", "after": "8.50", "unit": "days"}
    ]
    assert own["tags"] == ["Adult care", "Budgets"]
    assert own["slug"] == exported["own"].slug
    co_written = stories["Co-written guidance"]
    assert co_written["role"] == "co-author"
    assert co_written["community"] == {
        "name": "Waste Officers",
        "slug": exported["co_written"].community.slug,
    }
    assert co_written["published_at"] == exported["co_written"].published_at.isoformat()


def test_the_data_export_never_names_a_community_or_story_they_can_no_longer_read(exported):
    data = practice_personal_data(exported["priya"])
    own = next(story for story in data["stories"] if story["role"] == "author")
    assert own["community"] is None  # she left the private community her draft lives in
    assert [(e["story"], e["comment"]) for e in data["endorsements"]] == [
        (None, "We did this too."),  # a story for the private community's members only
        ("Missed bins reported online", "Brilliant."),
    ]
    text = json.dumps(data)
    assert "Chief Executives Network" not in text
    assert "Pooled reserves" not in text


def test_the_data_export_holds_the_adoptions_they_recorded(exported):
    data = practice_personal_data(exported["priya"])
    assert data["adoptions_recorded"] == [
        {
            "story": "Shared HR service",
            "council": {"name": "Priya's Council", "slug": exported["priya"].council.slug},
            "outcome": "adopted",
            "started_on": "2024-03-01",
            "notes": "Went well with the unions.",
            "follow_up": None,
            "created_at": data["adoptions_recorded"][0]["created_at"],
        }
    ]


def test_the_data_export_runs_a_fixed_number_of_queries(exported, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        practice_personal_data(exported["priya"])


# --- Erasure -----------------------------------------------------------------------------------------------
def test_erasure_deletes_endorsements_and_recounts_each_story(exported, shire):
    story = shire["stories"]["public"]
    endorsement_create(user=author_in(shire["open"]), story=story)
    PracticeStory.objects.filter(pk=story.pk).update(endorsement_count=7)  # drifted: a recount puts it right

    user_erase(user=exported["priya"])

    assert not Endorsement.objects.filter(user=exported["priya"]).exists()
    story.refresh_from_db()
    assert story.endorsement_count == 1
    shire["stories"]["community"].refresh_from_db()
    assert shire["stories"]["community"].endorsement_count == 0
    assert practice_personal_data(exported["priya"])["endorsements"] == []


def test_erasure_keeps_their_stories_and_the_adoptions_they_recorded(exported, shire):
    priya = exported["priya"]
    user_erase(user=priya)
    assert PracticeStory.objects.filter(author=priya).count() == 1
    assert PracticeStory.objects.filter(co_authors=priya).count() == 1
    adoption = Adoption.objects.select_related("recorded_by").get(story=shire["stories"]["members"])
    assert adoption.recorded_by_id == priya.pk
    assert adoption.recorded_by.public_name == "Former member"
    assert adoption.notes == "Went well with the unions."  # the council's record


def test_deleting_a_member_outright_lowers_the_endorsement_counts(shire):
    story = shire["stories"]["public"]
    kept = author_in(shire["open"])
    endorsement_create(user=kept, story=story)
    leaver = author_in(shire["open"])
    endorsement_create(user=leaver, story=story)
    adoption = _adopt(_adopter(CouncilFactory()), story)
    story.refresh_from_db()
    assert story.endorsement_count == 2

    leaver.delete()
    adoption.recorded_by.delete()

    story.refresh_from_db()
    assert story.endorsement_count == 1
    assert story.adoption_count == 1  # the council's record stays, without who recorded it
    adoption.refresh_from_db()
    assert adoption.recorded_by is None


def test_an_author_cannot_be_deleted_outright_and_counts_stay(shire):
    story = shire["stories"]["public"]
    author = shire["stories"]["members"].author
    endorsement_create(user=author, story=story)
    with pytest.raises(ProtectedError):
        author.delete()
    story.refresh_from_db()
    assert story.endorsement_count == 1
    assert Endorsement.objects.filter(user=author).exists()
