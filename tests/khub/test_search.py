"""Search (khub.search): what a member finds, how it is ranked, highlighted, paged and filtered, the form's
messages, the cap on common words, the header's search box, and a query count that does not grow with the
hub. PostgreSQL's full-text features (phrases, stemming, weights, trigrams) are tested there only."""

import random
import re
from datetime import datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from communities.models import Community, HubSettings, Post, Thread
from communities.services.communities import community_update
from communities.services.conversations import post_edit, post_reply, thread_create
from khub.search import engine
from khub.search.forms import DATE_ERRORS
from practice.models import PracticeStory
from practice.services.stories import story_update
from profiles.models import Council, User
from tests.communities.helpers import community
from tests.factories import CouncilFactory, UserFactory, with_tags
from tests.practice.helpers import RECORD, author_in, published_story

pytestmark = pytest.mark.django_db

ZONE = timezone.get_default_timezone()
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


# --- Builders ------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # The builders post far more than a person may in a minute: the rate limit is not what is tested here.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _thread(place: Community, title: str, body: str = "How do you handle it?", **fields) -> Thread:
    return thread_create(author=place.created_by, community=place, title=title, body=body, **fields)


def _reply(thread: Thread, body: str, author: User | None = None) -> Post:
    return post_reply(author=author or thread.community.created_by, thread=thread, body=body)


def _story(title: str, *, did: str = RECORD["what_we_did"], **fields) -> PracticeStory:
    """A published public story whose 'what we did' section says `did`; the rest is the neutral record."""
    fields.setdefault("summary", "Residents report a problem online and crews see it the same day.")
    return published_story(title=title, sections={**RECORD, "what_we_did": did}, **fields)


def _person(name: str, *expertise: str, **fields) -> User:
    return with_tags(UserFactory(display_name=name, **fields), expertise=expertise)


def _at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZONE)


def _published_on(story: PracticeStory, when: datetime) -> None:
    PracticeStory.objects.filter(pk=story.pk).update(published_at=when)


def _posted_on(post: Post, when: datetime) -> None:
    Post.objects.filter(pk=post.pk).update(created_at=when)
    if post.depth == 0:
        Thread.objects.filter(pk=post.thread_id).update(created_at=when)


# --- Reading the page ----------------------------------------------------------------------------------
def _search(client, viewer: User | None = None, **params):
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(reverse("search"), params)
    assert response.status_code == 200
    return response


def _kind(response, kind: str):
    return next(found for found in response.context["results"].kinds if found.kind == kind)


def _hits(response, kind: str) -> list:
    return _kind(response, kind).hits


def _count(response, kind: str) -> int:
    return _kind(response, kind).count


def _story_titles(response) -> list[str]:
    return [story.title for story in _hits(response, "practice")]


def _post_ids(response) -> list[int]:
    return [post.pk for post in _hits(response, "conversations")]


def _select(html: str, name: str) -> list[tuple[str, str, int, bool]]:
    """(value, label, count, selected) of each option but "Any" in the filter select named `name`."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no {name} filter on the page"
    options = re.findall(r'<option value="([^"]*)"\s*(selected)?>([^<]*) \((\d+)\)</option>', select.group(1))
    return [
        (unescape(value), unescape(label), int(count), bool(chosen))
        for value, chosen, label, count in options
    ]


def _remove_link(html: str, what: str) -> str:
    """The href of the "Remove filter <what>: …" link, as the browser would follow it."""
    link = re.search(rf'<a class="govuk-link" href="([^"]*)">Remove <span[^>]*>filter</span> {what}:', html)
    assert link, f"no link to remove the {what} filter"
    return urljoin(reverse("search"), unescape(link.group(1)))


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- PostgreSQL's full-text syntax, stemming and ranking -----------------------------------------------
def test_a_quoted_phrase_finds_the_words_only_together(client, member, postgres_only):
    place = community("open")
    thread = _thread(place, "Costs question")
    together = _reply(thread, "We cut temporary accommodation costs by a third.")
    apart = _reply(thread, "Accommodation was the problem; the fix was only temporary.")

    assert _post_ids(_search(client, member, q='"temporary accommodation"', type="conversations")) == [
        together.pk
    ]
    assert set(_post_ids(_search(client, member, q="temporary accommodation", type="conversations"))) == {
        together.pk,
        apart.pk,
    }


def test_a_phrase_is_checked_in_the_newest_matches_of_its_words_and_only_phrases_are_found(
    client, member, monkeypatch, postgres_only
):
    place = community("open")
    thread = _thread(place, "Costs question")
    oldest = _reply(thread, "Temporary accommodation costs fell.")
    apart = [_reply(thread, f"Accommodation {n} was only temporary.") for n in range(3)]
    together = _reply(thread, "We cut temporary accommodation costs by a third.")
    for n, post in enumerate([oldest, *apart, together]):
        _posted_on(post, _at(2024, 1, 1 + n))

    # A window of CAP + 1 = 4: the newest four posts holding both words are `together` and the three
    # `apart`, so the phrase in `oldest`, fifth newest, is not looked for.
    monkeypatch.setattr(engine, "CAP", 3)
    response = _search(client, member, q='"temporary accommodation"', type="conversations")

    assert _post_ids(response) == [together.pk]
    assert "A quoted phrase is looked for in the newest 3 results of each type" in response.text
    # With a window wider than the words' matches every phrase is found, and a query without a phrase
    # gets no such note.
    monkeypatch.setattr(engine, "CAP", 1000)
    found = _search(client, member, q='"temporary accommodation" costs', type="conversations")
    assert _post_ids(found) == [together.pk, oldest.pk]
    assert "A quoted phrase is looked for" not in _search(client, member, q="temporary accommodation").text
    # Stories alike: only the phrase, never the words apart.
    story = _story("Temporary accommodation in Leeds")
    _story("Accommodation that was only temporary")
    assert _story_titles(_search(client, member, q='"temporary accommodation"', type="practice")) == [
        story.title
    ]


@pytest.mark.parametrize(
    "query",
    ['"temporary accommodation" or housing', 'housing -"temporary accommodation"', '"temporary" housing'],
)
def test_a_phrase_under_or_or_minus_or_of_one_word_is_matched_exactly(client, member, query, postgres_only):
    from core.search_query import Terms

    assert Terms(query).words_first is None
    place = community("open")
    thread = _thread(place, "Costs question")
    together = _reply(thread, "Temporary accommodation costs fell.")
    apart = _reply(thread, "Accommodation was only temporary, like the housing.")
    housing = _reply(thread, "Housing repairs.")

    found = set(_post_ids(_search(client, member, q=query, type="conversations")))

    assert (
        found
        == {
            '"temporary accommodation" or housing': {together.pk, apart.pk, housing.pk},
            'housing -"temporary accommodation"': {apart.pk, housing.pk},
            '"temporary" housing': {apart.pk},
        }[query]
    )


def test_or_finds_either_word(client, member, postgres_only):
    place = community("open")
    thread = _thread(place, "Roads question")
    potholes = _reply(thread, "Potholes are reported through the app.")
    highways = _reply(thread, "Highways inspections happen monthly.")
    _reply(thread, "Libraries open late on Thursdays.")

    found = _post_ids(_search(client, member, q="potholes or highways", type="conversations"))

    assert set(found) == {potholes.pk, highways.pk}
    assert _post_ids(_search(client, member, q="potholes highways", type="conversations")) == []


def test_a_minus_leaves_out_a_word(client, member, postgres_only):
    place = community("open")
    thread = _thread(place, "Lettings question")
    families = _reply(thread, "Housing for families in the town centre.")
    _reply(thread, "Housing for students near the campus.")

    assert _post_ids(_search(client, member, q="housing -student", type="conversations")) == [families.pk]


def test_a_minus_leaves_out_communities_and_people_matched_by_name(client, member, postgres_only):
    community("open", name="Housing and Homelessness", description="Officers who house people.")
    community("open", name="Housing Repairs", description="Officers who mend homes.")
    _person("Asha Housing", "Homelessness prevention")
    _person("Ben Housing", "Repairs")

    response = _search(client, member, q="housing -homelessness")

    assert [hit.name for hit in _hits(response, "communities")] == ["Housing Repairs"]
    assert [hit.display_name for hit in _hits(response, "people")] == ["Ben Housing"]


def test_english_stemming_finds_other_forms_of_a_word(client, member, postgres_only):
    place = community("open")
    thread = _thread(place, "Lettings question")
    houses = _reply(thread, "We bought forty houses last year.")
    housed = _reply(thread, "Every family was housed within a week.")
    _reply(thread, "The hostel closed in March.")

    found = _post_ids(_search(client, member, q="housing", type="conversations"))

    assert set(found) == {houses.pk, housed.pk}


def test_a_story_with_the_word_in_its_title_ranks_above_one_with_it_in_its_body(
    client, member, postgres_only
):
    in_title = _story("Reablement at home")
    _story("Getting people home from hospital", did="We started a reablement team.")
    _published_on(in_title, timezone.now() - timedelta(days=30))  # older: only its rank puts it first

    assert _story_titles(_search(client, member, q="reablement", type="practice", sort="relevance")) == [
        "Reablement at home",
        "Getting people home from hospital",
    ]
    assert _story_titles(_search(client, member, q="reablement", type="practice", sort="newest")) == [
        "Getting people home from hospital",
        "Reablement at home",
    ]


def test_a_person_is_found_by_a_misspelt_name(client, member, postgres_only):
    # The member searching gets a random name that could itself be like "Priay" ("Mr Shane Price").
    member.display_name = "Olu Okoro"
    member.save(update_fields=["display_name"])
    priya = _person("Priya Raman")
    _person("Tom Okafor")

    found = _hits(_search(client, member, q="Priay", type="people"), "people")

    assert [person.pk for person in found] == [priya.pk]


def test_a_community_is_found_by_a_misspelt_name(client, member, postgres_only):
    homelessness = community("open", name="Homelessness prevention", description="Officers sharing cases.")
    community("open", name="Waste and recycling", description="Bins and tips.")

    found = _hits(_search(client, member, q="homelesness", type="communities"), "communities")

    assert [place.pk for place in found] == [homelessness.pk]


# --- Matching on both databases ------------------------------------------------------------------------
def test_a_thread_whose_title_matches_is_found_by_its_opening_post(client, member):
    place = community("open")
    thread = _thread(place, "Fly-tipping enforcement", body="How do you handle it?")
    _reply(thread, "We send a letter first.")

    assert _post_ids(_search(client, member, q="enforcement", type="conversations")) == [
        thread.opening_post_id
    ]


def test_people_are_found_by_their_expertise(client, member):
    expert = _person("Sam Whitfield", "Safeguarding adults")
    _person("Alex Norton", "Parking")

    found = _hits(_search(client, member, q="safeguarding", type="people"), "people")

    assert [person.pk for person in found] == [expert.pk]


def test_an_edited_post_is_found_by_its_new_words_and_not_its_old_ones(client, member):
    place = community("open")
    thread = _thread(place, "Winter question")
    post = _reply(thread, "We send letters about potholes.")
    assert _post_ids(_search(client, member, q="potholes", type="conversations")) == [post.pk]

    post_edit(actor=place.created_by, post=post, body="We send letters about gritting routes.")

    assert _post_ids(_search(client, member, q="potholes", type="conversations")) == []
    assert _post_ids(_search(client, member, q="gritting", type="conversations")) == [post.pk]


def test_a_story_whose_title_changes_is_found_by_its_new_title_only(client, member):
    story = _story("Parking permits online")
    assert _story_titles(_search(client, member, q="permits", type="practice")) == ["Parking permits online"]

    story_update(
        actor=story.author,
        story=story,
        title="Resident zones made simple",
        summary=story.summary,
        service_area=story.service_area,
        sections={**RECORD},
        tags=["parking"],
    )

    assert _story_titles(_search(client, member, q="permits", type="practice")) == []
    assert _story_titles(_search(client, member, q="zones", type="practice")) == [
        "Resident zones made simple"
    ]


def test_a_community_whose_description_changes_is_found_by_its_new_description_only(client, member):
    place = community("open", name="County leads", description="Officers working on potholes.")
    assert [
        c.pk for c in _hits(_search(client, member, q="potholes", type="communities"), "communities")
    ] == [place.pk]

    community_update(
        actor=place.created_by,
        community=place,
        name=place.name,
        description="Officers working on gritting.",
        visibility=place.visibility,
    )

    assert _hits(_search(client, member, q="potholes", type="communities"), "communities") == []
    assert [
        c.pk for c in _hits(_search(client, member, q="gritting", type="communities"), "communities")
    ] == [place.pk]


# --- Snippets ------------------------------------------------------------------------------------------
def test_a_snippet_escapes_the_post_and_marks_the_matched_words(client, member):
    place = community("open")
    thread = _thread(place, "Winter <i>question</i>")
    _reply(thread, "Watch <script>alert(1)</script> and <b>bold</b> claims about gritting routes.")

    response = _search(client, member, q="gritting", type="conversations")

    html = response.text
    (hit,) = _hits(response, "conversations")
    assert "<script>alert(1)" not in html
    assert "<b>bold" not in html
    assert "<i>question" not in html
    assert "alert(1)" in hit.snippet  # the words stay, as text
    assert "<mark>gritting</mark>" in hit.snippet
    assert f"{hit.snippet}" in html
    assert re.sub(r"</?mark>", "", hit.snippet).count("<") == 0  # no markup but our own <mark>
    assert html.count("<mark>") == html.count("</mark>") > 0


def test_marks_in_every_snippet_open_and_close_in_order(client, member):
    place = community("open")
    thread = _thread(place, "Gritting and salting rota")
    words = " ".join(["Gritting starts at four."] + ["Crews load the lorries and check the routes."] * 20)
    _reply(thread, words + " Salting follows gritting on the hills.")
    _reply(thread, "Salting only, no other word of the query.")

    response = _search(client, member, q="gritting salting", type="conversations")

    assert _hits(response, "conversations")
    for hit in _hits(response, "conversations"):
        for html in (hit.snippet, hit.title_html):
            depth = 0
            for tag in re.findall(r"</?mark>", html):
                depth += 1 if tag == "<mark>" else -1
                assert depth in (0, 1), html
            assert depth == 0, html


def test_a_post_holding_the_highlight_markers_itself_still_gets_well_formed_marks(client, member):
    place = community("open")
    thread = _thread(place, "Winter question")
    _reply(thread, "Pasted from a terminal \x03 then gritting here \x02 and more.")

    response = _search(client, member, q="gritting", type="conversations")

    (hit,) = _hits(response, "conversations")
    depth = 0
    for tag in re.findall(r"</?mark>", hit.snippet):
        depth += 1 if tag == "<mark>" else -1
        assert depth in (0, 1), hit.snippet
    assert depth == 0, hit.snippet
    assert "<mark>gritting</mark>" in hit.snippet


def test_titles_and_names_keep_every_character(client, member):
    place = community("open")
    _thread(place, "~30% fewer missed *bins* with C# `grep`", body="Quibbleworth rota.")

    (hit,) = _hits(_search(client, member, q="quibbleworth", type="conversations"), "conversations")

    assert unescape(re.sub(r"</?mark>", "", hit.title_html)) == "~30% fewer missed *bins* with C# `grep`"


@pytest.mark.parametrize("query", ["École", "école", "ÉCOLE"])
def test_a_word_with_an_accented_capital_is_found_however_it_is_typed(client, member, query):
    place = community("open")
    thread = _thread(place, "Twinning question")
    post = _reply(thread, "Our twin town runs an École maternelle.")

    assert _post_ids(_search(client, member, q=query, type="conversations")) == [post.pk]


def test_a_name_with_an_accented_capital_is_found_as_typed(client, member):
    _person("Élodie Brennan")

    for query in ("Élodie", "élodie", "Brennan"):
        response = _search(client, member, q=query, type="people")
        assert [hit.display_name for hit in _hits(response, "people")] == ["Élodie Brennan"], query


@pytest.mark.parametrize("query", ['"', '""', "-", "or", '- "'])
def test_a_query_of_only_quotes_or_operators_asks_for_a_word_and_finds_nothing(client, member, query):
    place = community("open", description="Officers who plan gritting.")
    _story("Gritting plan", community=place)

    response = _search(client, member, q=query)

    assert response.context["results"] is None
    assert "Enter a word to search for." in response.text
    assert "Gritting plan" not in response.text


@pytest.mark.parametrize("query", ["-gritting", 'or -"gritting plan"'])
def test_a_query_of_only_exclusions_asks_for_a_word_rather_than_listing_the_rest(client, member, query):
    _story("Gritting plan")
    _story("Pothole plan")

    response = _search(client, member, q=query)

    assert response.context["results"] is None
    assert "Enter a word to search for." in response.text
    assert "Pothole plan" not in response.text


def test_percent_signs_and_underscores_are_not_wildcards(client, member):
    _story("Housing repairs online", did="Half the repairs were done within a week.")
    assert _story_titles(_search(client, member, q="repairs", type="practice")) == ["Housing repairs online"]

    for query in ("re_airs", "%", "_", "hous%ng", "rep__rs"):
        assert _story_titles(_search(client, member, q=query, type="practice")) == [], query


def test_markdown_is_taken_out_of_snippets_as_its_one_pattern_would_take_it_out():
    """search_query._plain runs _MARKDOWN_NOISE as a faster set of patterns; on every text it gives what
    the one pattern gives (the pattern PostgreSQL runs): generated texts of Markdown's characters, links
    and line starts, and long ones."""
    from core.search_query import _MARKDOWN_NOISE, _plain

    def one_pattern(text: str) -> str:
        return " ".join(_MARKDOWN_NOISE.sub(lambda match: match.group(1) or " ", text).split())

    pieces = [
        "*", "**", "`", "~", "#", "##", ">", "!", "[", "]", "(", ")", "[a](b)", "![a](b)", "[](x)", "![](x)",
        "\n", "\n# ", "\n> ", " ", "\t", "word", "é", "\x02", "\u00a0",
    ]  # fmt: skip
    generator = random.Random(20260314)
    texts = ["", "# Heading", "> quote", "  ## two", "\t> tab", "#no space", "[link](url) text", "*a*"]
    texts += ["".join(generator.choices(pieces, k=generator.randint(1, 40))) for _ in range(5_000)]
    texts += ["".join(generator.choices(pieces, k=2_000)) for _ in range(20)]
    for text in texts:
        assert _plain(text) == one_pattern(text), repr(text)


# --- Order and pages -----------------------------------------------------------------------------------
def test_newest_puts_the_latest_first_whatever_the_rank(client, member):
    old = _story("Gritting the hills", summary="Gritting gritting gritting on every hill.")
    middle = _story("Winter plan", did="We planned gritting routes.")
    new = _story("Salt barns", did="Stored salt for gritting.")
    _published_on(old, _at(2024, 1, 5))
    _published_on(middle, _at(2024, 6, 5))
    _published_on(new, _at(2025, 1, 5))

    response = _search(client, member, q="gritting", type="practice", sort="newest")

    assert _story_titles(response) == ["Salt barns", "Winter plan", "Gritting the hills"]
    assert [hit.published_at for hit in _hits(response, "practice")] == sorted(
        [hit.published_at for hit in _hits(response, "practice")], reverse=True
    )


@pytest.fixture
def twenty_five_posts(db):
    place = community("open")
    thread = _thread(place, "Winter question", body="Gritting rota number 0.")
    return [thread.opening_post_id] + [_reply(thread, f"Gritting rota number {n}.").pk for n in range(1, 25)]


def test_results_come_twenty_to_a_page(client, member, twenty_five_posts):
    first = _search(client, member, q="gritting", type="conversations")
    second = _search(client, member, q="gritting", type="conversations", page="2")

    assert engine.PAGE_SIZE == 20
    assert _count(first, "conversations") == 25
    assert len(_hits(first, "conversations")) == 20
    assert len(_hits(second, "conversations")) == 5
    assert set(_post_ids(first)) | set(_post_ids(second)) == set(twenty_five_posts)
    assert "Page 2 of 2" in second.text


@pytest.mark.parametrize(
    ("page", "number", "shown"), [("999", 2, 5), ("abc", 1, 20), ("-1", 2, 5), ("", 1, 20)]
)
def test_a_page_out_of_range_or_not_a_number_shows_the_last_or_first_page(
    client, member, twenty_five_posts, page, number, shown
):
    response = _search(client, member, q="gritting", type="conversations", page=page)

    assert _kind(response, "conversations").page.number == number
    assert len(_hits(response, "conversations")) == shown


def test_the_all_tab_previews_a_few_of_each_kind_and_links_to_the_rest(client, member):
    place = community("open", description="Officers who plan gritting.")
    for n in range(5):
        _story(f"Gritting plan {n}", community=place)
    _person("Jo Gritting")

    response = _search(client, member, q="gritting")

    html = response.text
    assert len(_hits(response, "practice")) == engine.PREVIEW_SIZE == 3
    assert len(_hits(response, "conversations")) == engine.PREVIEW_SIZE  # each story's discussion
    assert _count(response, "practice") == 5
    assert _count(response, "conversations") == 5
    assert len(_hits(response, "communities")) == _count(response, "communities") == 1
    assert "Jo Gritting" in [person.display_name for person in _hits(response, "people")]
    see_all = re.findall(r'<a class="govuk-link" href="([^"]*)">See all (\d+) <span', html)
    assert sorted((_params(unescape(href))["type"], int(count)) for href, count in see_all) == [
        (["conversations"], 5),
        (["practice"], 5),
    ]
    assert all(_params(unescape(href))["q"] == ["gritting"] for href, _count_ in see_all)


# --- Filters -------------------------------------------------------------------------------------------
@pytest.fixture
def gritting_stories(db):
    """Three stories about gritting in two communities, from two councils in two regions."""
    north = CouncilFactory(name="Northam Council", region=Council.Region.NORTH_EAST)
    south = CouncilFactory(name="Southam Council", region=Council.Region.SOUTH_WEST)
    roads = community("open", name="Roads leads")
    waste = community("open", name="Waste leads")
    stories = {
        "housing": _story(
            "Gritting estate paths",
            community=roads,
            author=author_in(roads, council=north),
            service_area="housing",
            tags=["Winter"],
        ),
        "transport": _story(
            "Gritting the bus routes",
            community=roads,
            author=author_in(roads, council=south),
            service_area="transport",
            tags=["Winter", "Salt"],
        ),
        "environment": _story(
            "Gritting with recycled glass",
            community=waste,
            author=author_in(waste, council=south),
            service_area="environment",
            tags=["Salt"],
        ),
    }
    _published_on(stories["housing"], _at(2025, 1, 10))
    _published_on(stories["transport"], _at(2025, 3, 10, 23, 30))
    _published_on(stories["environment"], _at(2025, 6, 10))
    return stories


def test_each_filter_lists_the_values_found_among_the_results_with_their_counts(
    client, member, gritting_stories
):
    html = _search(client, member, q="gritting", type="practice").text

    assert _select(html, "community") == [
        ("roads-leads", "Roads leads", 2, False),
        ("waste-leads", "Waste leads", 1, False),
    ]
    assert _select(html, "council") == [
        ("southam-council", "Southam Council", 2, False),
        ("northam-council", "Northam Council", 1, False),
    ]
    assert _select(html, "region") == [
        ("south_west", "South West", 2, False),
        ("north_east", "North East", 1, False),
    ]
    assert _select(html, "service_area") == [
        ("environment", "Environment and waste", 1, False),
        ("housing", "Housing", 1, False),
        ("transport", "Transport and highways", 1, False),
    ]
    assert _select(html, "tag") == [("salt", "Salt", 2, False), ("winter", "Winter", 2, False)]


def test_a_reply_counts_under_its_own_authors_council_as_its_result_line_says(client, member):
    leeds, camden = CouncilFactory(name="Leeds City Council"), CouncilFactory(name="Camden Council")
    place = community("open")
    starter = UserFactory(council=camden)
    replier = UserFactory(council=leeds)
    for person in (starter, replier):
        person.memberships.create(community=place, state="active")
    thread = thread_create(author=starter, community=place, title="Winter rota", body="Who covers nights?")
    reply = post_reply(author=replier, thread=thread, body="Our quibbleworth gritting crews do.")

    response = _search(client, member, q="quibbleworth", type="conversations")

    assert _post_ids(response) == [reply.pk]
    assert [(label, count) for _value, label, count, _chosen in _select(response.text, "council")] == [
        ("Leeds City Council", 1)
    ]
    narrowed = _search(client, member, q="quibbleworth", type="conversations", council=leeds.slug)
    assert _post_ids(narrowed) == [reply.pk]
    assert (
        _post_ids(_search(client, member, q="quibbleworth", type="conversations", council=camden.slug)) == []
    )


@pytest.mark.parametrize(
    ("name", "value", "found"),
    [
        ("community", "roads-leads", {"housing", "transport"}),
        ("council", "southam-council", {"transport", "environment"}),
        ("region", "north_east", {"housing"}),
        ("service_area", "transport", {"transport"}),
        ("tag", "salt", {"transport", "environment"}),
    ],
)
def test_choosing_a_filter_value_narrows_the_results(client, member, gritting_stories, name, value, found):
    response = _search(client, member, q="gritting", type="practice", **{name: value})

    assert set(_story_titles(response)) == {gritting_stories[key].title for key in found}
    chosen = [option for option in _select(response.text, name) if option[3]]
    assert [option[0] for option in chosen] == [value]


def test_a_filter_a_kind_lacks_leaves_that_kind_out(client, member, gritting_stories):
    community("open", name="Winter leads", description="Officers who plan gritting.")
    _person("Jo Gritting")
    everything = _search(client, member, q="gritting")
    assert all(
        _count(everything, kind) > 0 for kind in ("practice", "conversations", "communities", "people")
    )

    response = _search(client, member, q="gritting", service_area="transport")

    assert _count(response, "practice") == 1
    assert (
        _count(response, "conversations")
        == _count(response, "communities")
        == _count(response, "people")
        == 0
    )
    assert _story_titles(response) == ["Gritting the bus routes"]


@pytest.mark.parametrize(
    ("since", "until", "found"),
    [
        ("01/03/2025", "30/04/2025", {"transport"}),
        ("10/03/2025", "10/03/2025", {"transport"}),  # both ends take in the whole day, in the hub's zone
        ("11/03/2025", "", {"environment"}),
        ("", "09/03/2025", {"housing"}),
        ("1/1/2025", "31/12/2025", {"housing", "transport", "environment"}),
    ],
)
def test_a_date_range_narrows_stories_and_conversations_by_date(
    client, member, gritting_stories, since, until, found
):
    for story in gritting_stories.values():
        story.refresh_from_db()
        _posted_on(story.discussion.opening_post, story.published_at)

    response = _search(client, member, q="gritting", since=since, until=until)

    assert set(_story_titles(response)) == {gritting_stories[key].title for key in found}
    assert {post.thread.title for post in _hits(response, "conversations")} == {
        gritting_stories[key].title for key in found
    }


@pytest.mark.parametrize(
    ("name", "value", "what"),
    [
        ("community", "roads-leads", "community"),
        ("council", "southam-council", "council"),
        ("region", "north_east", "region"),
        ("service_area", "transport", "service area"),
        ("tag", "salt", "tag"),
    ],
)
def test_a_chosen_filter_can_be_removed_with_its_link(client, member, gritting_stories, name, value, what):
    narrowed = _search(client, member, q="gritting", type="practice", sort="newest", **{name: value})
    assert len(_story_titles(narrowed)) < 3

    href = _remove_link(narrowed.text, what)

    assert _params(href) == {"q": ["gritting"], "type": ["practice"], "sort": ["newest"]}
    widened = client.get(href)
    assert widened.status_code == 200
    assert len(_story_titles(widened)) == 3


def test_a_chosen_region_with_no_results_keeps_its_name(client, member):
    response = _search(client, member, q="quibbleworth", region="yorkshire")

    assert 'Remove <span class="govuk-visually-hidden">filter</span> region: Yorkshire and the Humber' in (
        response.text
    )


def test_the_results_have_their_own_heading_after_the_filters(client, member):
    _story("Gritting plan")

    html = _search(client, member, q="gritting").text

    headings = re.findall(r"<h([1-4])[^>]*>\s*([^<]*)", html)
    filter_at = next(i for i, (_level, text) in enumerate(headings) if text.strip() == "Filter")
    assert ("2", "Results") in headings[filter_at:]


# --- The form's messages -------------------------------------------------------------------------------
def test_a_query_over_two_hundred_characters_gets_a_message_and_no_results(client, member):
    _story("Gritting the hills")

    response = _search(client, member, q="gritting " + "x" * 192)

    assert response.context["results"] is None
    assert "Search for 200 characters or fewer (you entered 201)." in response.text
    assert "Error: " in response.text  # the page title says so


def test_a_query_of_two_hundred_characters_is_searched(client, member):
    response = _search(client, member, q="gritting " + "x" * 191)

    assert response.context["results"] is not None
    assert "characters or fewer" not in response.text


@pytest.mark.parametrize(
    ("params", "message", "found"),
    [
        ({"since": "31/02/2025"}, DATE_ERRORS["invalid"], {"housing", "transport", "environment"}),
        ({"until": "tomorrow"}, DATE_ERRORS["invalid"], {"housing", "transport", "environment"}),
        (
            {"since": "01/05/2025", "until": "01/04/2025"},
            "The date to search to must be the same as or after the date to search from.",
            {"environment"},
        ),
    ],
)
def test_a_bad_date_or_range_gets_a_message_and_is_left_out_of_the_search(
    client, member, gritting_stories, params, message, found
):
    response = _search(client, member, q="gritting", type="practice", **params)

    assert message in response.text
    assert "govuk-error-summary" in response.text
    assert set(_story_titles(response)) == {gritting_stories[key].title for key in found}


@pytest.mark.parametrize("kind", ["people", "communities", "practice"])
def test_a_bad_date_is_shown_beside_its_field_on_every_tab(client, member, kind):
    _story("Gritting plan")

    response = _search(client, member, q="gritting", since="32/13/2026", type=kind)

    assert 'href="#id_since"' in response.text
    assert 'id="id_since"' in response.text
    assert DATE_ERRORS["invalid"] in response.text


# --- The cap on common words ---------------------------------------------------------------------------
def test_a_tag_filter_applies_before_the_cap(client, member, monkeypatch):
    """The newest CAP matches with the tag, not the tagged ones among the newest CAP matches."""
    place = community("open")
    tagged = _thread(place, "Gritting plan", tags=["winter"])
    other = _thread(place, "Gritting rota")
    old = [_reply(tagged, f"Gritting reply {n}.") for n in range(2)]
    for n, post in enumerate(old):
        _posted_on(post, _at(2024, 1, 1 + n))
    for n in range(4):
        _posted_on(_reply(other, f"Gritting note {n}."), _at(2024, 2, 1 + n))
    monkeypatch.setattr(engine, "CAP", 3)

    response = _search(client, member, q="gritting", tag="winter", type="conversations")

    assert set(_post_ids(response)) == {tagged.opening_post_id, *(post.pk for post in old)}
    assert not _kind(response, "conversations").capped
    # Stories alike (in a community of their own: a story's discussion is a conversation there).
    tagged_stories = [_story(f"Gritting plan {n}", tags=["winter"]) for n in range(2)]
    for n, story in enumerate(tagged_stories):
        _published_on(story, _at(2024, 1, 1 + n))
    for n in range(4):
        _published_on(_story(f"Gritting rota {n}"), _at(2024, 2, 1 + n))
    response = _search(client, member, q="gritting", tag="winter", type="practice")
    assert set(_story_titles(response)) == {story.title for story in tagged_stories}
    assert not _kind(response, "practice").capped


def test_counts_stop_at_the_cap_and_say_so(client, member, monkeypatch):
    for n in range(5):
        _story(f"Gritting plan {n}")
    uncapped = _search(client, member, q="gritting", type="practice")
    assert re.search(r'class="khub-search-tabs__count">\(5\)</span>', uncapped.text)
    assert "Many things match" not in uncapped.text

    monkeypatch.setattr(engine, "CAP", 3)
    response = _search(client, member, q="gritting", type="practice")

    assert _kind(response, "practice").capped
    assert re.search(r'class="khub-search-tabs__count">\(3\+\)</span>', response.text)
    assert "Many things match" in response.text
    assert len(_hits(response, "practice")) == 3


# --- The header's search box ---------------------------------------------------------------------------
HEADER_SEARCH = re.compile(
    r'<form method="get" action="([^"]*)" role="search" class="khub-header-search">(.*?)</form>', re.S
)


@pytest.mark.parametrize("page", ["home", "practice", "community"])
def test_ordinary_pages_have_the_header_search_box_which_searches(client, member, page):
    place = community("open", description="Officers who plan gritting.")
    url = {
        "home": reverse("home"),
        "practice": reverse("practice:index"),
        "community": reverse("communities:detail", args=[place.slug]),
    }[page]
    client.force_login(member)

    response = client.get(url)

    assert response.status_code == 200
    form = HEADER_SEARCH.search(response.text)
    assert form, "no header search box"
    action, fields = form.groups()
    assert action == reverse("search") == "/search/"
    assert re.search(r'<input[^>]*name="q"[^>]*type="search"', fields)
    found = client.get(action, {"q": "gritting"})
    assert found.status_code == 200
    assert [c.pk for c in _hits(found, "communities")] == [place.pk]


def test_visitors_get_the_header_search_box_too(client):
    response = client.get(reverse("practice:index"))

    assert response.status_code == 200
    assert HEADER_SEARCH.search(response.text)


# --- Query count ---------------------------------------------------------------------------------------
# Session, user and the header's unread count (3); every kind's candidates (8: practice, conversations' posts
# and thread titles and then the labels of those kept, communities, people, events, the library's documents
# and guides in one UNION: issue 21 added that one); the tags of every kind shown, in one query; then each
# kind shown, its hits (1 each; people 2, with their expertise). Events are measured in
# tests/events/test_search.py, the library in tests/library/test_search.py.
SEARCH_QUERIES = {"all": 17, "practice": 13, "conversations": 13, "communities": 13, "people": 14}
VISITOR_QUERIES = 3  # the public library only: its candidates, tags and hits


def _grow(place: Community, thread: Thread, start: int, stop: int) -> None:
    """Rows `start`…`stop - 1` of each kind, each matching "gritting", with its own council and tags."""
    for n in range(start, stop):
        _story(f"Gritting plan {n}", community=place, author=author_in(place), tags=[f"winter {n}"])
        _reply(thread, f"Gritting reply {n}.")
        community("open", name=f"Gritting group {n}", topics=[f"roads {n}"])
        _person(f"Person {n}", f"Gritting {n}", council=CouncilFactory())


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _urls() -> dict[str, str]:
    search = reverse("search")
    return {
        kind: f"{search}?q=gritting" + ("" if kind == "all" else f"&type={kind}") for kind in SEARCH_QUERIES
    }


def _counts(client, member) -> dict[str, int]:
    client.logout()
    counts = {"visitor": _queries(client, _urls()["all"])}
    client.force_login(member)
    return counts | {kind: _queries(client, url) for kind, url in _urls().items()}


def test_the_query_count_of_every_tab_does_not_grow_with_the_matches(
    client, member, django_assert_max_num_queries
):
    place = community("open")
    thread = _thread(place, "Winter question")
    _grow(place, thread, 0, 2)
    few = _counts(client, member)

    _grow(place, thread, 2, 30)
    many = _counts(client, member)

    assert few == many
    response = client.get(_urls()["all"])
    assert all(_count(response, kind) >= 30 for kind in SEARCH_QUERIES if kind != "all")
    for kind, url in _urls().items():
        with django_assert_max_num_queries(SEARCH_QUERIES[kind]):
            client.get(url)
    client.logout()
    with django_assert_max_num_queries(VISITOR_QUERIES):
        assert len(_story_titles(client.get(_urls()["all"]))) == engine.PAGE_SIZE


def test_a_tag_filter_looks_its_tag_up_once_and_every_kind_compares_its_id(
    client, member, django_assert_max_num_queries
):
    """By id, PostgreSQL's statistics say how many rows carry this tag (by slug it expects the same few for
    every tag, and read all of a popular tag's conversations); one query more than without a filter."""
    place = community("open")
    thread = _thread(place, "Winter question", tags=["winter"])
    _story("Gritting plan", community=place, author=author_in(place), tags=["winter"])
    _reply(thread, "Gritting reply.")
    community("open", name="Gritting group", topics=["winter"])
    tag_id = Tag.objects.get(slug="winter").pk
    client.force_login(member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("search"), {"q": "gritting", "tag": "winter"})

    assert len(queries) <= SEARCH_QUERIES["all"] + 1
    assert all(_count(response, kind) >= 1 for kind in ("practice", "conversations", "communities"))
    by_slug = [query["sql"] for query in queries if "= 'winter'" in query["sql"]]
    assert len(by_slug) == 1  # the lookup alone
    assert by_slug[0].startswith('SELECT "taggit_tag"."id"')
    by_id = [query["sql"] for query in queries if f'"tag_id" = {tag_id}' in query["sql"]]
    assert len(by_id) >= 4  # stories, posts, thread titles, communities, people


def test_an_unknown_tag_finds_nothing_and_asks_no_kind(client, member):
    _story("Gritting plan", tags=["winter"])
    client.force_login(member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("search"), {"q": "gritting", "tag": "no-such-tag"})

    assert response.context["results"].total == 0
    assert not any("search_vector" in query["sql"] for query in queries)


def test_a_phrase_costs_the_queries_of_a_word_whatever_the_matches(
    client, member, django_assert_max_num_queries
):
    place = community("open")
    thread = _thread(place, "Winter question")
    phrase = f"{reverse('search')}?q=%22gritting+plan%22"
    _grow(place, thread, 0, 2)
    client.force_login(member)
    few = _queries(client, phrase)

    _grow(place, thread, 2, 30)

    assert _queries(client, phrase) == few
    with django_assert_max_num_queries(SEARCH_QUERIES["all"]):
        response = client.get(phrase)
    assert _count(response, "practice") >= 30
    for kind in ("practice", "conversations"):
        with django_assert_max_num_queries(SEARCH_QUERIES[kind]):
            client.get(f"{phrase}&type={kind}")


def test_a_service_area_filter_reads_the_areas_stories_through_their_index(client, postgres_only):
    """A frequent word matches most stories; the area's published stories are the few to test it against,
    so PostgreSQL starts from them (not from reading every story's document)."""
    first = _story("Gritting routes shared", service_area="housing")
    areas = ["housing", "transport", "environment", "planning", "digital", "education", "adult_social_care"]
    copies = []
    for n in range(3_000):
        copy = PracticeStory.objects.get(pk=first.pk)
        copy.pk = copy.discussion_id = None
        copy.slug = f"gritting-{n}"
        copy.service_area = areas[n % len(areas)]
        copies.append(copy)
    PracticeStory.objects.bulk_create(copies)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE practice_practicestory")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("search"), {"q": "gritting", "service_area": "transport"})
    assert response.status_code == 200
    (sql,) = [query["sql"] for query in captured if "ORDER BY" in query["sql"] and "ts_rank" in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "practice_story_area" in plan, plan
