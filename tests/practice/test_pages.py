"""The practice pages as members use them: a story's page, publishing, archiving and its audience (writing
it section by section: test_writing.py), endorsing, promoting and repeating it, the library with its
filters, sorts and pages, a member's own stories; and the query counts that must not grow with the number
of stories, endorsements, adoptions or replies.

Who may open what is in test_authz.py; hostile input in test_xss.py.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.models import Community, Membership, ModerationLogEntry, Thread
from communities.services.conversations import post_reply
from practice.models import Adoption, Endorsement, MeasuredOutcome, PracticeStory
from practice.services.recognition import adoption_record, endorsement_create, story_promote
from practice.services.stories import story_archive
from profiles.models import Notification
from tests.factories import (
    CommunityFactory,
    CouncilFactory,
    MembershipFactory,
    UserFactory,
)
from tests.practice.helpers import author_in, draft_story, published_story

pytestmark = pytest.mark.django_db

A = PracticeStory.Audience
ST = PracticeStory.Status
L = ModerationLogEntry.Action


# --- Builders ------------------------------------------------------------------------------------------
def _url(name: str, story: PracticeStory | None = None) -> str:
    return reverse(f"practice:{name}", args=[story.slug] if story else [])


def _banners(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _titles(response) -> list[str]:
    return [story.title for story in response.context["page_obj"]]


def _fresh(story: PracticeStory) -> PracticeStory:
    return PracticeStory.objects.get(pk=story.pk)


def _reader(**fields):
    """A verified member of a council of their own, who belongs to none of the stories' communities."""
    return author_in(CommunityFactory(), **fields)


# --- A story's page, publishing, archiving, audience (writing it: test_writing.py) ---------------------
def test_measured_outcomes_are_written_as_people_write_numbers(client):
    story = published_story(title="Paperless committees")
    for position, (metric, before, after, unit) in enumerate(
        [
            ("Pages printed", "42000", "3500", "pages"),
            ("Printing costs", "1450000", "210000", "£ a year"),
            ("Days to publish papers", "6.50", "2", "days"),
            ("Papers late", "23", "4", "%"),
        ]
    ):
        MeasuredOutcome.objects.create(
            story=story, metric=metric, before=before, after=after, unit=unit, position=position
        )

    page = client.get(_url("detail", story))

    cells = re.findall(r'govuk-table__cell--numeric">([^<]*)</td>', page.text)
    assert cells == ["42,000 pages", "3,500 pages", "£1.45m a year", "£210,000 a year", "6.5 days", "2 days",
                     "23%", "4%"]  # fmt: skip


def _panel(page) -> str:
    return re.search(r'<aside class="khub-story__panel".*?</aside>', page.text, re.DOTALL).group(0)


def test_the_side_panel_comes_right_after_the_summary_with_the_counts_actions_and_contents(client):
    story = published_story(
        summary="Crews see a missed bin the same day.",
        evidence_links=[{"url": "https://www.example.gov.uk/report", "title": "Evaluation report"}],
    )
    MeasuredOutcome.objects.create(story=story, metric="Days to reach crews", before=3, after=1, unit="days")
    adopter = author_in(CommunityFactory(), council=CouncilFactory(name="Leeds City Council"))
    client.force_login(adopter)

    page = client.get(_url("detail", story))

    html = page.text
    # Heading and summary, then the panel, then the record: the order a phone shows them in.
    assert html.index("Crews see a missed bin the same day.") < html.index("khub-story__panel")
    assert html.index("khub-story__panel") < html.index('id="section-')
    panel = _panel(page)
    assert "0</strong> members recommend this" in panel
    assert "0</strong> councils repeated it" in panel
    assert "I'd recommend this</button>" in panel
    assert "We've repeated this</a>" in panel
    targets = re.findall(r'href="#([\w-]+)"', panel)
    assert {"evidence-links", "measured-outcomes", "endorsements", "adoptions", "discussion"} <= set(targets)
    assert len([target for target in targets if target.startswith("section-")]) == len(story.record())
    for target in targets:
        assert f'id="{target}"' in html, target
    # Each action once on the page: in the panel.
    assert html.count("I'd recommend this</button>") == 1
    assert html.count("We've repeated this</a>") == 1
    assert "Your story" not in panel


def test_the_side_panel_asks_a_visitor_to_sign_in_and_gives_authors_their_tools(client):
    story = published_story()

    visitor = _panel(client.get(_url("detail", story)))
    assert "to recommend this story or say your council repeated it" in visitor
    assert "I'd recommend this" not in visitor
    assert "Your story" not in visitor

    client.force_login(story.author)
    author = _panel(client.get(_url("detail", story)))
    assert "Your story" in author
    assert "Archive" in author
    assert "I'd recommend this" not in author
    assert "Sign in" not in author


def test_publishing_tells_the_home_community_and_starts_the_discussion(client):
    place = CommunityFactory(name="Waste Officers")
    story = draft_story(community=place, title="Missed bins reported online")
    colleague = MembershipFactory(community=place).user
    requester = MembershipFactory(community=place, state=Membership.State.REQUESTED).user
    client.force_login(story.author)
    response = client.post(_url("publish", story), follow=True)
    assert response.redirect_chain == [(_url("detail", story), 302)]
    assert _banners(response) == [
        "Your story is published. Its home community has been told, and its discussion has started."
    ]
    story = _fresh(story)
    assert story.status == ST.PUBLISHED
    assert story.council == story.author.council
    thread = story.discussion
    assert (thread.community, thread.title, thread.author) == (place, story.title, story.author)
    assert _url("detail", story) in thread.opening_post.body
    told = Notification.objects.filter(kind="practice.published")
    assert {notification.recipient for notification in told} == {colleague, place.created_by}
    assert {notification.url for notification in told} == {_url("detail", story)}
    assert all("Missed bins reported online" in notification.text for notification in told)
    assert not Notification.objects.filter(recipient=requester).exists()
    thread_url = reverse("communities:thread", args=[place.slug, thread.pk])
    assert f'href="{thread_url}"' in response.text
    assert "Join the discussion" in response.text
    client.logout()
    assert _titles(client.get(_url("index"))) == ["Missed bins reported online"]


def test_an_archived_story_leaves_the_library_and_publishing_it_again_brings_it_back(client):
    story = published_story(title="Missed bins reported online")
    first_published, thread = story.published_at, story.discussion
    client.force_login(story.author)
    archived = client.post(_url("archive", story), follow=True)
    assert _banners(archived) == ["The story is archived: it has left the library. You can publish it again."]
    assert 'govuk-tag--grey">Archived</strong>' in archived.text
    assert "Publish again" in archived.text
    assert _fresh(story).status == ST.ARCHIVED
    assert _titles(client.get(_url("index"))) == []
    client.logout()
    assert client.get(_url("detail", story)).status_code == 200  # its page stays for its audience

    client.force_login(story.author)
    again = client.post(_url("publish", story), follow=True)
    assert again.redirect_chain == [(_url("detail", story), 302)]
    story = _fresh(story)
    assert story.status == ST.PUBLISHED
    assert story.published_at == first_published
    assert story.discussion == thread
    assert Thread.objects.count() == 1
    assert _titles(client.get(_url("index"))) == ["Missed bins reported online"]


def test_widening_the_audience_needs_confirmation_and_every_change_is_logged(client):
    story = published_story(audience=A.COMMUNITY, title="Missed bins reported online")
    place = story.community
    client.force_login(story.author)
    page = client.get(_url("audience", story))
    assert page.status_code == 200
    assert "Now: those who can read the home community." in page.text

    unconfirmed = client.post(_url("audience", story), {"audience": A.PUBLIC})
    assert unconfirmed.status_code == 200
    assert "Confirm that you want more people to read this story." in unconfirmed.text
    assert _fresh(story).audience == A.COMMUNITY
    assert not ModerationLogEntry.objects.filter(action=L.STORY_AUDIENCE).exists()
    client.logout()
    assert _titles(client.get(_url("index"))) == []

    client.force_login(story.author)
    widened = client.post(_url("audience", story), {"audience": A.PUBLIC, "confirm": "on"}, follow=True)
    assert widened.redirect_chain == [(_url("detail", story), 302)]
    assert _banners(widened) == [  # the audience it has now
        "Who can read it has changed: anyone, including people who are not signed in."
    ]
    assert _fresh(story).audience == A.PUBLIC
    entry = ModerationLogEntry.objects.get(action=L.STORY_AUDIENCE)
    assert entry.actor == story.author
    client.force_login(place.created_by)  # the owner: a facilitator
    log = client.get(reverse("communities:manage-log", args=[place.slug]))
    assert "Changed who can read a story" in log.text
    assert f'href="{_url("detail", story)}">Missed bins reported online</a>' in log.text
    assert escape(entry.reason) in log.text
    client.logout()
    assert _titles(client.get(_url("index"))) == ["Missed bins reported online"]

    client.force_login(story.author)
    narrowed = client.post(_url("audience", story), {"audience": A.MEMBERS}, follow=True)  # no confirming
    assert narrowed.redirect_chain == [(_url("detail", story), 302)]
    assert ModerationLogEntry.objects.filter(action=L.STORY_AUDIENCE).count() == 2
    client.logout()
    assert _titles(client.get(_url("index"))) == []
    assert client.get(_url("detail", story)).url.startswith("/accounts/login/")


# --- Endorsing, promoting, repeating ---------------------------------------------------------------------
def test_a_member_endorses_with_a_comment_once_and_can_withdraw(client):
    story = published_story()
    council = CouncilFactory(name="Leeds City Council")
    reader = _reader(display_name="Priya Shah", council=council)
    client.force_login(reader)
    page = client.get(_url("detail", story))
    assert "I'd recommend this" in page.text
    assert "Nobody has endorsed it yet." in page.text

    endorsed = client.post(
        _url("endorse", story), {"comment": "We did the same\nand it worked."}, follow=True
    )
    assert endorsed.redirect_chain == [(_url("detail", story) + "#endorsements", 302)]
    assert _banners(endorsed) == ["Thank you: you endorsed this story. Its authors have been told."]
    assert "We did the same<br>and it worked." in endorsed.text
    named = 'aria-hidden="true">PS</span><strong>Priya Shah</strong></span>, Leeds City Council'
    assert named in endorsed.text
    assert "1 member recommends this" in endorsed.text
    assert "Withdraw my endorsement" in endorsed.text
    assert Notification.objects.filter(recipient=story.author, kind="practice.endorsed").exists()

    again = client.post(_url("endorse", story), {"comment": "Twice"}, follow=True)
    assert _banners(again) == ["You have already endorsed this story."]
    assert Endorsement.objects.count() == 1
    assert _fresh(story).endorsement_count == 1

    withdrawn = client.post(_url("endorse-withdraw", story), follow=True)
    assert _banners(withdrawn) == ["You withdrew your endorsement."]
    assert "Nobody has endorsed it yet." in withdrawn.text
    assert _fresh(story).endorsement_count == 0


def test_an_author_cannot_endorse_their_own_story(client):
    story = published_story()
    client.force_login(story.author)
    assert "I'd recommend this" not in client.get(_url("detail", story)).text
    refused = client.post(_url("endorse", story), {"comment": "Mine is great"}, follow=True)
    assert _banners(refused) == ["You wrote this story, so you cannot endorse it."]
    assert not Endorsement.objects.exists()


def test_a_facilitator_promotes_a_story_and_withdrawing_the_promotion_needs_a_reason(client):
    story = published_story(title="Missed bins reported online")
    place = story.community
    facilitator = MembershipFactory(
        community=place, user=_reader(display_name="Sam Jones"), role=Membership.Role.FACILITATOR
    ).user
    client.force_login(facilitator)
    promoted = client.post(_url("promote", story), follow=True)
    assert promoted.redirect_chain == [(_url("detail", story) + "#promotion", 302)]
    assert _banners(promoted) == [
        "The story is promoted to Practice worth repeating. Its authors have been told."
    ]
    today = timezone.localdate()
    assert "Promoted by Sam Jones, a facilitator of the home community" in promoted.text
    assert f"{today.day} {today.strftime('%B %Y')}</time>" in promoted.text
    assert 'govuk-tag--green">Practice worth repeating</strong>' in promoted.text
    client.logout()
    library = client.get(_url("index"))
    assert 'govuk-tag--green">Practice worth repeating</strong>' in library.text
    assert _titles(client.get(_url("index") + "?promoted=on")) == ["Missed bins reported online"]

    client.force_login(facilitator)
    form = client.get(_url("promote-withdraw", story))
    assert form.status_code == 200
    blank = client.post(_url("promote-withdraw", story), {"reason": "  "})
    assert blank.status_code == 200
    assert "Give a reason" in blank.text
    assert _fresh(story).is_promoted
    withdrawn = client.post(
        _url("promote-withdraw", story), {"reason": "The figures were revised"}, follow=True
    )
    assert _banners(withdrawn) == ["The promotion is withdrawn. The authors have been told why."]
    assert not _fresh(story).is_promoted
    entry = ModerationLogEntry.objects.get(action=L.STORY_UNPROMOTED)
    assert entry.reason == "The figures were revised"
    log = client.get(reverse("communities:manage-log", args=[place.slug]))
    assert escape("Withdrew a story's promotion") in log.text
    assert "The figures were revised" in log.text
    told = Notification.objects.get(recipient=story.author, kind="practice.unpromoted")
    assert "The figures were revised" in told.text


def _adoption_form(**changes) -> dict:
    return {"outcome": "adapted", "month": "3", "year": "2024", "notes": "", "follow_up": "", **changes}


ADOPTION_MISTAKES = {
    "no outcome": ({"outcome": ""}, "Choose how it went"),
    "month 13": ({"month": "13"}, "Enter the month as a number from 1 to 12"),
    "month in words": ({"month": "March"}, "Enter the month as a number from 1 to 12"),
    "no year": ({"year": ""}, "Enter the year you started"),
    "two-digit year": ({"year": "24"}, "Enter a year from 1990 onwards"),
    "year in words": ({"year": "twenty"}, "Enter the year as four digits, for example 2025"),
}


def test_a_council_records_that_it_repeated_a_story(client):
    story = published_story(title="Missed bins reported online")
    council = CouncilFactory(name="Leeds City Council")
    home = CommunityFactory()
    adopter = author_in(home, council=council, display_name="Priya Shah")
    own = published_story(community=home, author=adopter, title="Our own bins story")
    client.force_login(adopter)
    page = client.get(_url("detail", story))
    assert "We've repeated this</a>" in page.text
    form = client.get(_url("adopt", story))
    assert form.status_code == 200
    assert f'<option value="{own.pk}">Our own bins story</option>' in form.text

    for mistake, (changes, message) in ADOPTION_MISTAKES.items():
        response = client.post(_url("adopt", story), _adoption_form(notes="Kept", **changes))
        assert response.status_code == 200, mistake
        assert message in response.text, mistake
        assert "Kept" in response.text, mistake
    next_month = timezone.localdate().replace(day=1) + datetime.timedelta(days=32)
    future = client.post(
        _url("adopt", story), _adoption_form(month=str(next_month.month), year=str(next_month.year))
    )
    assert future.status_code == 200
    assert "Enter when you started: today or a date in the past." in future.text
    assert not Adoption.objects.exists()

    recorded = client.post(
        _url("adopt", story),
        _adoption_form(notes="We added a text reminder.", follow_up=str(own.pk)),
        follow=True,
    )
    assert recorded.redirect_chain == [(_url("detail", story) + "#adoptions", 302)]
    assert _banners(recorded) == [
        "Recorded: Leeds City Council repeated this story. Its authors have been told."
    ]
    adoption = Adoption.objects.get()
    assert (adoption.council, adoption.outcome, adoption.started_on) == (
        council,
        Adoption.Outcome.ADAPTED,
        datetime.date(2024, 3, 1),
    )
    assert adoption.follow_up == own
    assert "Repeated by 1 council</strong>" in recorded.text
    assert "Leeds City Council</th>" in recorded.text
    assert "March 2024" in recorded.text
    assert "We added a text reminder." in recorded.text
    assert f'href="{_url("detail", own)}">Their story: Our own bins story</a>' in recorded.text
    assert "We've repeated this</a>" not in recorded.text  # once per council
    client.logout()
    library = client.get(_url("index"))
    assert "Repeated by 1 council</strong>" in library.text

    client.force_login(adopter)
    twice = client.post(_url("adopt", story), _adoption_form())
    assert twice.status_code == 200
    assert "Leeds City Council has already recorded this, by Priya Shah." in twice.text
    assert Adoption.objects.count() == 1


def test_a_council_cannot_record_repeating_its_own_story(client):
    story = published_story()
    colleague = _reader(council=story.author.council)
    client.force_login(colleague)
    refused = client.get(_url("adopt", story), follow=True)
    assert _banners(refused) == ["This is your own council's story."]
    assert not Adoption.objects.exists()


# --- The library -----------------------------------------------------------------------------------------
def _library_stories() -> dict[str, PracticeStory]:
    """Three published stories, oldest first, that each filter tells apart."""
    place = CommunityFactory()
    made = {}
    for title, area, tag, council in (
        ("Housing first", "housing", "homelessness", CouncilFactory(name="Camden Council", region="london")),
        ("Bins online", "environment", "waste", CouncilFactory(name="Bristol Council", region="south_west")),
        (
            "Chatbot triage",
            "digital",
            "channel shift",
            CouncilFactory(name="Durham Council", region="north_east"),
        ),
    ):
        author = author_in(place, council=council)
        made[title] = published_story(
            community=place, author=author, title=title, service_area=area, tags=[tag]
        )
    return made


def test_the_library_filters_by_service_area_tag_council_region_and_promotion(client):
    stories = _library_stories()
    story_promote(actor=stories["Housing first"].community.created_by, story=stories["Housing first"])
    client.force_login(_reader())
    for query, titles in (
        ("", ["Chatbot triage", "Bins online", "Housing first"]),
        ("?service_area=housing", ["Housing first"]),
        ("?tag=WASTE", ["Bins online"]),
        ("?council=durham-council", ["Chatbot triage"]),
        ("?region=south_west", ["Bins online"]),
        ("?promoted=on", ["Housing first"]),
        ("?service_area=digital&region=north_east", ["Chatbot triage"]),
    ):
        response = client.get(_url("index") + query)
        assert _titles(response) == titles, query
        assert ("Clear filters" in response.text) == bool(query), query
    councils = client.get(_url("index")).context["form"].fields["council"].widget.choices
    assert councils == [
        ("", "All"),
        ("bristol-council", "Bristol Council"),
        ("camden-council", "Camden Council"),
        ("durham-council", "Durham Council"),
    ]


def test_the_library_sorts_by_newest_most_endorsed_and_most_repeated(client):
    stories = _library_stories()
    for _ in range(2):
        endorsement_create(user=_reader(), story=stories["Bins online"])
    endorsement_create(user=_reader(), story=stories["Housing first"])
    adoption_record(
        user=_reader(),
        story=stories["Chatbot triage"],
        outcome="adopted",
        started_on=datetime.date(2024, 1, 1),
    )
    client.logout()
    for sort, titles in (
        ("", ["Chatbot triage", "Bins online", "Housing first"]),
        ("?sort=newest", ["Chatbot triage", "Bins online", "Housing first"]),
        ("?sort=endorsed", ["Bins online", "Housing first", "Chatbot triage"]),
        ("?sort=repeated", ["Chatbot triage", "Bins online", "Housing first"]),
        ("?sort=nonsense", ["Chatbot triage", "Bins online", "Housing first"]),  # ignored, not an error
    ):
        assert _titles(client.get(_url("index") + sort)) == titles, sort
    endorsed = client.get(_url("index") + "?sort=endorsed")
    assert "2 endorsements" in endorsed.text
    assert re.search(r"\b1 endorsement\s+</li>", endorsed.text)


def test_the_library_says_when_there_is_nothing_to_show(client):
    empty = client.get(_url("index"))
    assert "0 stories" in empty.text
    assert "No stories have been shared yet." in empty.text
    assert "Share the first one" not in empty.text  # a visitor cannot
    client.force_login(_reader())
    assert "Share the first one" in client.get(_url("index")).text
    published_story(service_area="housing")
    nothing = client.get(_url("index") + "?service_area=planning")
    assert "No stories match these filters." in nothing.text
    assert f'href="{_url("index")}">see every story</a>' in nothing.text
    assert _titles(nothing) == []


@pytest.mark.parametrize("query", ["?council=nope", "?sort=zzz", "?tag=" + "x" * 500, "?region=atlantis"])
def test_a_stale_library_filter_is_dropped_without_an_error_message(client, query):
    published_story()
    html = client.get(reverse("practice:index") + query).content.decode()
    assert "govuk-error-message" not in html
    assert "1 story" in html


def test_a_members_own_stories_list_their_drafts_first(client):
    place = CommunityFactory()
    author = author_in(place)
    published_story(community=place, author=author, title="Published one")
    draft_story(community=place, author=author, title="Still a draft")
    colleague = author_in(place)
    draft_story(community=place, author=colleague, title="Written together", co_authors=[author.handle])
    draft_story(community=place, author=colleague, title="Someone else's")
    client.force_login(author)
    mine = client.get(_url("mine"))
    assert _titles(mine)[-1] == "Published one"
    assert set(_titles(mine)) == {"Still a draft", "Written together", "Published one"}
    assert mine.text.count('govuk-tag--yellow">Draft</strong>') == 2
    client.force_login(UserFactory())
    assert "You have not written a story yet." in client.get(_url("mine")).text


def test_your_stories_lists_drafts_then_published_then_archived(client):
    place = CommunityFactory()
    author = author_in(place)
    archived = published_story(community=place, author=author, title="Archived one")
    story_archive(actor=author, story=archived)
    published_story(community=place, author=author, title="Published one")
    draft_story(community=place, author=author, title="Draft one")
    client.force_login(author)
    html = client.get(reverse("practice:mine")).content.decode()
    assert html.index("Draft one") < html.index("Published one") < html.index("Archived one")


def test_the_header_links_to_the_practice_library(client):
    home = client.get(reverse("home"), follow=True)
    assert 'href="/practice/"' in home.text
    library = client.get(_url("index"))
    assert re.search(r'href="/practice/"\s+aria-current="page"', library.text)
    assert '<strong class="govuk-service-navigation__active-fallback">Practice</strong>' in library.text
    client.force_login(_reader())
    story = published_story()
    page = client.get(_url("detail", story))
    assert 'aria-current="page"' in page.text
    assert '<strong class="govuk-service-navigation__active-fallback">Practice</strong>' in page.text


# --- Query counts: the same few queries whatever the size ------------------------------------------------
def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _more_stories(place: Community, n: int, start: int) -> None:
    """n published stories by authors of as many councils, each tagged, some endorsed, promoted and
    repeated: every card shows all it can."""
    reader = _reader()
    for i in range(start, start + n):
        author = author_in(place)
        story = published_story(
            community=place, author=author, title=f"Story {i}", tags=[f"tag {i}", "shared"]
        )
        if i % 2:
            endorsement_create(user=reader, story=story, comment="Good")
        if i % 3 == 0:
            story_promote(actor=place.created_by, story=story)
        if i % 5 == 0:
            adoption_record(user=reader, story=story, outcome="adopted", started_on=datetime.date(2024, 1, 1))


# Measured on PostgreSQL and SQLite alike, with 2 and with 30 stories: 3 queries for a visitor (the
# council filter's choices, the count up to its cap, the page of stories) and 6 for a member (also the
# session, the user and the header's unread count).
LIBRARY_QUERIES = {"visitor": 3, "member": 6}


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_the_library_runs_the_same_queries_for_2_or_30_stories(client, django_assert_max_num_queries, viewer):
    place = CommunityFactory()
    if viewer == "member":
        client.force_login(author_in(place))
    url = _url("index")
    _more_stories(place, 2, 0)
    client.get(url)
    small = _count_queries(client, url)
    _more_stories(place, 28, 2)
    assert _count_queries(client, url) == small
    assert _count_queries(client, url + "?sort=endorsed&promoted=on&tag=shared") == small
    assert _count_queries(client, url + "?page=2") == small
    with django_assert_max_num_queries(LIBRARY_QUERIES[viewer]):
        page = client.get(url)
    assert len(page.context["page_obj"]) == 20
    second = client.get(url + "?page=2")
    assert _titles(second) == [f"Story {i}" for i in range(9, -1, -1)]
    assert "Page 2 of 2" in second.text


def test_past_its_cap_the_library_says_more_than_and_pages_on_without_a_last_page(client, monkeypatch):
    monkeypatch.setattr("practice.views.library.PAGE_SIZE", 2)
    monkeypatch.setattr("practice.views.library.COUNT_CAP", 5)
    _more_stories(CommunityFactory(), 12, 0)
    first = client.get(_url("index"))
    assert re.search(r"More than 5 stories\s+<span class=\"govuk-caption-m\">Page 1</span>", first.text)
    assert _titles(first) == ["Story 11", "Story 10"]
    # Page 1 and the next, a gap for the rest (not counted), and Next.
    numbers = re.findall(r'aria-label="Page (\d+)"', first.text)
    assert numbers == ["1", "2"]
    assert "govuk-pagination__item--ellipsis" in first.text
    assert 'href="?page=2"\n           rel="next"' in first.text
    # The filters and the sort ride along; the last page is known once the count reaches it.
    last = client.get(_url("index") + "?sort=endorsed&page=6")
    assert "More than 5 stories" in last.text
    assert "Page 6 of 6" in last.text
    assert 'rel="next"' not in last.text
    assert 'href="?sort=endorsed&amp;page=5"' in last.text
    assert len(_titles(last)) == 2


def test_under_its_cap_the_library_counts_exactly_what_the_viewer_may_read(client, monkeypatch):
    monkeypatch.setattr("practice.views.library.COUNT_CAP", 5)
    place = CommunityFactory()
    _more_stories(place, 5, 0)
    published_story(community=place, audience=A.MEMBERS, author=author_in(place))
    assert "5 stories" in client.get(_url("index")).text  # a visitor: the public five
    client.force_login(_reader())
    assert "More than 5 stories" in client.get(_url("index")).text


def _busy_story(n: int, *, title: str) -> PracticeStory:
    """A story with n endorsements (each with a comment), n adoptions (one with a follow-up story) and n
    replies in its discussion, by people from n councils."""
    place = CommunityFactory()
    story = published_story(community=place, title=title)
    people = [author_in(place) for _ in range(n)]
    follow_up = published_story(community=place, author=people[0], title=f"{title}: our version")
    for i, person in enumerate(people):
        endorsement_create(user=person, story=story, comment=f"Comment {i}")
        adoption_record(
            user=person,
            story=story,
            outcome="adopted",
            started_on=datetime.date(2024, 1, 1),
            notes=f"Notes {i}",
            follow_up=follow_up if i == 0 else None,
        )
        post_reply(author=person, thread=story.discussion, body=f"Reply {i}")
    return _fresh(story)


# Measured with 1 and with 25 endorsements, adoptions and replies: 7 queries for a visitor (the story, its
# co-authors, tags and measures, the endorsements, the adoptions and the follow-up stories they may read)
# and 11 for a member of its home community (also the session, the user, its latest replies and the
# header's unread count; whether they endorsed it comes with the story). On SQLite 13: the user row brings no
# standing (khub/auth.py), so their membership and whether they may read the discussion are two more. Each
# one more since issue 21: the documents attached to the story (core.providers.attachments: the library's).
# Issue 22's side column (core.providers.blocks: ask's panels, ask.routing.help_panel): for everyone the
# story's tags, the candidate stories' ids and the related stories (three more); for a member also their
# repeats and co-authors, the candidate conversations, their answers, the experts, the people and the
# repeating councils' names (seven more, ten in all).
STORY_QUERIES = {"visitor": 11, "member": 22}


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_a_storys_page_runs_the_same_queries_for_1_or_25_endorsements_adoptions_and_replies(
    client, django_assert_max_num_queries, viewer
):
    small, big = _busy_story(1, title="Small"), _busy_story(25, title="Big")
    if viewer == "member":
        person = _reader()
        for story in (small, big):
            MembershipFactory(community=story.community, user=person)
        client.force_login(person)
    client.get(_url("detail", small))
    first = _count_queries(client, _url("detail", small))
    assert _count_queries(client, _url("detail", big)) == first
    with django_assert_max_num_queries(STORY_QUERIES[viewer]):
        page = client.get(_url("detail", big))
    assert len(page.context["endorsements"]) == 20
    assert len(page.context["adoptions"]) == 25
    if viewer == "member":
        assert len(page.context["discussion"]["replies"]) == 5
    else:
        assert page.context["discussion"] is None  # a visitor is asked to sign in to read it
    assert "Repeated by 25 councils" in page.text
    assert "Their story: Big: our version" in page.text
