"""Any input gives results or an empty state, never a 500: a generated corpus of hostile queries and filter
values, searched by a visitor and by a member on both databases, with real data present so that matching,
ranking, faceting and highlighting all run."""

import random
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from communities.models import HubSettings
from communities.services.conversations import post_reply, thread_create
from profiles.services import profile_update
from tests.communities.helpers import community
from tests.factories import UserFactory
from tests.practice.helpers import published_story

pytestmark = pytest.mark.django_db

WORDS = ["housing", "repairs", "priya", "leads", "gritting", "the", "or", "and", "not"]
OPERATORS = [
    "-", "or", "OR", "!", "&", "|", ":*", "<->", "<2>", "(", ")", "-or", "or or", '"', '""', '"""', "'", "''",
    ":", "*", "-\"", '"-"', "&|!", "(((", ":A", "@@",
]  # fmt: skip
FIXED = [
    # whitespace only
    "", " ", "\t\n\r\f\v", "\u00a0\u2003\u3000\u2028\u2029", " " * 10_000,
    # unbalanced quotes
    '"housing', 'housing"', '"housing repairs', '"unbalanced "quotes" here"', "'housing", '-"housing',
    '"-housing"', '"or"', '"housing" or "', 'housing "" repairs',
    # operators only
    *OPERATORS, " ".join(OPERATORS),
    # very long
    "a" * 10_000, "housing " * 1250, "a" * 200, "a" * 201, "housing " + "b" * 191, "x" * 199 + "é",
    "😀" * 200, "İ" * 200, "ß" * 200, "ﬃ" * 200,
    # NUL and other control characters (the search's own highlight markers among them)
    "\x00", "housing\x00repairs", "\x00" * 10_000, "".join(map(chr, range(32))), "\x7f\x80\x9f",
    "\x02housing\x03", "\x03housing\x02", "housing\x1b[31m",
    # emoji and other astral characters, combining and format characters
    "😀", "housing 😀🏠", "𝕳𝖔𝖚𝖘𝖎𝖓𝖌", "\U0010ffff", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\ufeffhousing", "e\u0301cole", "\ufffd", "\uffff", "\ue000",
    # right-to-left text and direction marks
    "سكن", "\u202ehousing\u202c", "\u200f\u200e", "שיכון repairs", "سكن -housing",
    # SQL and LIKE fragments
    "'; DROP TABLE communities_post; --", "' OR 1=1 --", "%", "_", "%%", "%_%", "\\", "\\\\", "100%",
    "re_pairs", "housing%", "$$", "E'\\\\'", "'", "\\x00", "housing\\", "ILIKE", "/* */",
    "; SELECT pg_sleep(1);",
    # tsquery syntax, which websearch_to_tsquery must read as plain words
    "housing & repairs", "housing | repairs", "!housing", "housing:*", "hous:*", "housing <-> repairs",
    "housing <2> repairs", "(housing | repairs) & !x", "housing:A", "housing:ABCD", "'housing':*",
    "!!!housing", "housing <-> <-> repairs", "& | ! ( ) : *",
    # HTML and Markdown
    "<script>alert(1)</script>", "<b>housing</b>", "&lt;mark&gt;", "<mark>housing", "</mark>",
    "[housing](javascript:alert(1))", "**housing**", "# housing", "> housing", "`housing`", "<!--", "]]>",
    "{{ housing }}", "{% now 'Y' %}",
    # ordinary queries, so matching and highlighting run
    "housing", "Housing Repairs", "priya", "Priay", "leads", "gritting", "-gritting", '"housing repairs"',
]  # fmt: skip


def _corpus() -> list[str]:
    """FIXED, then random mixtures of its pieces: deterministic, so a failure is reproducible."""
    rng = random.Random(8)
    pieces = [piece for piece in FIXED if len(piece) < 60] + WORDS * 3
    separators = [" ", "", "\t", '"', "-", "\x00", " or ", "\u202e", "&"]
    mixed = []
    for _ in range(20):
        text = "".join(rng.choice(pieces) + rng.choice(separators) for _ in range(rng.randint(1, 10)))
        if rng.random() < 0.2:
            text = text * rng.randint(2, 40)
        mixed.append(text[: rng.choice([5, 50, 199, 200, 201, 5000])])
    return FIXED + mixed


HOSTILE = ["\x00", "😀", "%", "\\", "'; DROP TABLE taggit_tag; --", "a" * 300, "ünïcödé", "<script>"]
DATES = [
    "31/02/2025", "00/00/0000", "01/01/0001", "0001-01-01", "2025-13-01", "29/02/2024",
    "1 Jan 10000", "99999999999999999999", "\x00", "😀", "31/12/9998",
]  # fmt: skip
FILTERS = {
    "community": [*HOSTILE, "housing-leads"],
    "council": [*HOSTILE, "testshire-council-1"],
    "tag": [*HOSTILE, "housing", "ß"],
    "region": [*HOSTILE[:2], "a" * 300, "north_east", "NORTH_EAST"],
    "service_area": [*HOSTILE[:2], "a" * 300, "housing", "Housing"],
    "type": [*HOSTILE[:2], "a" * 300, "all", "people", "practice", "conversations", "communities", "PEOPLE"],
    "sort": [*HOSTILE[:2], "newest", "relevance", "-published_at"],
    "since": DATES,
    "until": DATES,
    "page": [
        *HOSTILE[:2], "abc", "0", "-1", "2", "999999999999999999999", "9" * 5000, "1.5", "NaN", " 2 ", "١",
    ],
}  # fmt: skip
# Query strings a browser can send that the test client would not build: bytes that are not UTF-8 (a lone
# surrogate's, an overlong form, a stray byte), broken percent escapes, repeated and empty parameters.
RAW = [
    "q=%ED%A0%80", "q=housing%ED%B0%80", "q=%FF%FE", "q=%C0%AF", "q=%", "q=%%", "q=%zz", "q=%00",
    "q=housing%", "q=housing&q=repairs", "q=housing&type=people&type=practice", "q=&type=people", "q",
    "=housing", "&&&",
    "q=housing&page=2&page=abc", "q=housing&community=%ED%A0%80", "q=housing&since=%FF", "type=people",
    "q=housing&until=31%2F12%2F9998&since=01%2F01%2F0001", "q=" + "%F0%9F%98%80" * 300,
]  # fmt: skip
ANSWERED = ('id="results-heading"', "govuk-error-summary", "Finding what you need")


@pytest.fixture
def hub(db):
    """Something for every kind to match: a public story, a conversation, communities and people."""
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()
    place = community("open", name="Housing leads", description="Officers working on housing repairs.")
    community("open", name="Gritting and roads", topics=["Housing"])
    published_story(title="Housing repairs online", community=place, tags=["Housing"], service_area="housing")
    thread = thread_create(
        author=place.created_by,
        community=place,
        title="Housing repairs backlog",
        body="How?",
        tags=["housing"],
    )
    for body in (
        "100% of 'repairs' are _done_ within a week \\ back-slashed",
        "Watch <script>alert(1)</script> and **bold** housing [a link](https://example.test)",
        "Close \x03 then housing \x02 open",
        "سكن 😀 שיכון housing repairs 𝕳𝖔𝖚𝖘𝖎𝖓𝖌",
    ):
        post_reply(author=place.created_by, thread=thread, body=body)
    priya = UserFactory(display_name="Priya Raman")
    profile_update(
        user=priya,
        display_name=priya.display_name,
        job_title="Housing <b>officer</b>",
        bio="",
        show_email=False,
        expertise=["Housing repairs", "Ünïcödé 😀"],
        interests=[],
    )
    return place


def _answer(client, url: str) -> str | None:
    """None when the page answered as it should, else what went wrong."""
    try:
        response = client.get(url)
    except Exception as error:  # the test client re-raises what would have been a 500
        return f"{type(error).__name__}: {error}"
    if response.status_code != 200:
        return f"status {response.status_code}"
    if not any(marker in response.text for marker in ANSWERED):
        return "neither results, an empty state nor a message"
    return None


def _failures(client, queries: list[str]) -> list[tuple[str, str, str]]:
    """(viewer, query string, failure) for each one that did not answer, for a visitor and for a member."""
    failures = []
    member = UserFactory()
    for viewer in ("visitor", "member"):
        if viewer == "member":
            client.force_login(member)
        for query in queries:
            failure = _answer(client, f"{reverse('search')}?{query}")
            if failure:
                failures.append((viewer, query[:120], failure))
    return failures


def test_any_query_gives_results_or_an_empty_state(client, hub):
    assert _failures(client, [urlencode({"q": text}) for text in _corpus()]) == []


def test_any_filter_value_gives_results_or_an_empty_state(client, hub):
    queries = [
        urlencode({"q": "housing", name: value}) for name, values in FILTERS.items() for value in values
    ]
    queries += [urlencode({"q": text, "type": "people", "page": "2"}) for text in _corpus()[::12]]

    assert _failures(client, queries) == []


def test_query_strings_no_form_builds_give_results_or_an_empty_state(client, hub):
    assert _failures(client, RAW) == []


@pytest.mark.parametrize("until", ["31/12/9999", "9999-12-31"])
def test_the_last_day_of_the_calendar_as_until_gives_results(client, hub, until):
    assert _failures(client, [urlencode({"q": "housing", "until": until})]) == []
