"""Search from the header on any page: a member narrows by a filter, removes it, switches to conversations and
opens one; a visitor who is not signed in finds only the public practice library; the member's journey again
without JavaScript and by keyboard; and the empty and the error states of the search page.

The search terms match titles and bodies on both databases: PostgreSQL's English stemming and SQLite's
substring test both find "bins"."""

import re
from functools import partial

from playwright.sync_api import Page, expect

from communities.models import Community
from communities.services.conversations import post_reply, thread_create
from practice.models import PracticeStory
from profiles.models import Council, User
from tests.browser.steps import signed_in, tab_to
from tests.browser.visitor import Visitor
from tests.factories import CommunityFactory, CouncilFactory, MembershipFactory, VerifiedMemberFactory
from tests.practice.helpers import published_story

PASSWORD = "correct-horse-battery"
QUERY = "bins"
CREWS = "Missed bins: what the crews need from the app"
HOSTELS = "Bins at temporary accommodation blocks"
SECRET = "Bins budget for next year"
PUBLIC_STORY = "Missed bins reported online in two clicks"
MEMBERS_STORY = "Sensors tell the crews which bins are full"
HEADER_SEARCH = "Search the hub"
# A result's link is its highlighted title. PostgreSQL's ts_headline cuts this title short ("… need from"):
# the link is found by its start until that is fixed.
CREWS_LINK = re.compile("^" + re.escape("Missed bins: what the crews need"))


class World:
    """Two open communities Sam belongs to, a private one he does not, and what is said in them. Everyone is
    named here: a random name ("Robbins") would match the search and add a person to the results."""

    def __init__(self) -> None:
        bristol = CouncilFactory(name="Bristol City Council")
        leeds = CouncilFactory(name="Leeds City Council")
        self.waste = CommunityFactory(
            name="Waste and Recycling", visibility="open", owner=_member("Olu Adeyemi", bristol)
        )
        self.housing = CommunityFactory(
            name="Housing Options", visibility="open", owner=_member("Nia Evans", leeds)
        )
        dana = _member("Dana Cole", leeds)
        self.board = CommunityFactory(name="Chief Officers' Board", visibility="private", owner=dana)
        self.sam = _member("Sam Patel", leeds, self.waste, self.housing)
        priya = _member("Priya Shah", bristol, self.waste, self.housing)
        self.crews = thread_create(
            author=priya,
            community=self.waste,
            title=CREWS,
            body="The crews want the list of missed bins on a tablet before the round starts.",
            tags=["Crews"],
        )
        post_reply(author=self.sam, thread=self.crews, body="We photograph the bins before we leave.")
        self.hostels = thread_create(
            author=priya,
            community=self.housing,
            title=HOSTELS,
            body="Who empties the bins at your hostels: the landlord or the council?",
        )
        self.secret = thread_create(
            author=dana, community=self.board, title=SECRET, body="New bins for every street."
        )
        # Each published story also starts its discussion in the home community, under the same title.
        self.public_story = published_story(
            author=_member("Asha Khan", bristol, self.waste),
            community=self.waste,
            audience=PracticeStory.Audience.PUBLIC,
            title=PUBLIC_STORY,
            summary="Residents report missed bins online and the crews see them the same day.",
            tags=["Waste"],
        )
        self.members_story = published_story(
            author=_member("Ben Okoro", leeds, self.waste),
            community=self.waste,
            audience=PracticeStory.Audience.MEMBERS,
            title=MEMBERS_STORY,
            summary="Sensors in communal bins tell the crews which to empty first.",
            tags=["Sensors"],
        )


def _member(name: str, council: Council, *communities: Community) -> User:
    """A verified member of that council, active in these communities."""
    person = VerifiedMemberFactory(display_name=name, council=council)
    for community in communities:
        MembershipFactory(community=community, user=person)
    return person


# What Sam may see for "bins": both stories; in conversations the two threads he can read, his reply, and
# the two stories' discussions (each matching in its title and its opening post: one result per post).
MEMBER_COUNTS = {"Practice": 2, "Conversations": 5, "Communities": 0, "People": 0}
HOUSING_COUNTS = {"Practice": 0, "Conversations": 1, "Communities": 0, "People": 0}


def _search_from_the_header(visitor: Visitor, text: str) -> None:
    page = visitor.page
    header = page.get_by_role("region", name="Service information")  # the row under the banner
    header.get_by_label(HEADER_SEARCH).fill(text)
    visitor.submit(header.get_by_role("button", name="Search"))
    assert visitor.path().startswith("/search/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("main").get_by_label(HEADER_SEARCH)).to_have_value(text)


_tab_to = partial(tab_to, most=40)


def _results_heading(page: Page):
    return page.get_by_role("heading", level=2, name=re.compile("results? for ‘"))


def _tabs(page: Page):
    return page.get_by_role("navigation", name="Result types")


def _expect_counts(page: Page, counts: dict[str, int]) -> None:
    tabs = _tabs(page)
    for label, count in counts.items():
        expect(tabs.get_by_role("link", name=f"{label} ({count})", exact=True)).to_be_visible()
    total = sum(counts.values())
    expect(_results_heading(page)).to_have_text(f"{total} result{'s' if total != 1 else ''} for ‘{QUERY}’")


def _expect_highlights(page: Page) -> None:
    marks = page.locator(".khub-search-result mark")
    expect(marks.first).to_be_visible()
    for text in marks.all_inner_texts():
        assert text.lower() in ("bins", "bin"), text


def _narrow_to_housing_and_back(visitor: Visitor) -> None:
    """Choose the Housing Options community from the filters, then remove it with its link."""
    page = visitor.page
    community = page.get_by_label("Community", exact=True)
    expect(community.get_by_role("option")).to_have_text(
        ["Any", "Waste and Recycling (6)", "Housing Options (1)"]
    )
    community.select_option(label="Housing Options (1)")
    visitor.submit(page.get_by_role("button", name="Apply filters"))
    _expect_counts(page, HOUSING_COUNTS)
    results = page.locator(".khub-search-result")
    expect(results).to_have_count(1)
    expect(results.get_by_role("link", name=HOSTELS)).to_be_visible()
    expect(page.get_by_label("Community", exact=True)).to_have_value("housing-options")

    visitor.follow(page.get_by_role("link", name="Remove filter community: Housing Options"))
    _expect_counts(page, MEMBER_COUNTS)
    expect(page.get_by_role("link", name=re.compile("^Remove filter"))).to_have_count(0)
    expect(page.get_by_label("Community", exact=True)).to_have_value("")


def _open_the_crews_conversation(visitor: Visitor, world: World) -> None:
    page = visitor.page
    visitor.follow(_tabs(page).get_by_role("link", name="Conversations (5)"))
    assert "type=conversations" in page.url
    expect(_tabs(page).get_by_role("link", name="Conversations (5)")).to_have_attribute(
        "aria-current", "page"
    )
    results = page.locator(".khub-search-result")
    expect(results).to_have_count(5)
    expect(page.get_by_text(SECRET)).to_have_count(0)
    _expect_highlights(page)
    opening = results.filter(has_text="Conversation in Waste and Recycling by Priya Shah").filter(
        has=page.get_by_role("link", name=CREWS_LINK)
    )
    expect(opening).to_have_count(1)
    visitor.follow(opening.get_by_role("link", name=CREWS_LINK))
    assert visitor.path() == world.crews.get_absolute_url()
    expect(page.get_by_role("heading", level=1)).to_have_text(CREWS)


def test_member_searches_from_the_header_narrows_by_community_and_opens_a_conversation(visitor):
    world = World()
    page = signed_in(visitor, world.sam).page

    _search_from_the_header(visitor, QUERY)
    _expect_counts(page, MEMBER_COUNTS)
    expect(_tabs(page).get_by_role("link", name="All", exact=True)).to_have_attribute("aria-current", "page")
    # The "All" tab shows the first few of each type that has any.
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=3)).to_have_text(["Practice 2", "Conversations 5"])
    expect(main.get_by_role("link", name="See all 5 conversations results")).to_be_visible()
    expect(main.get_by_role("link", name=PUBLIC_STORY)).to_have_count(2)  # the story and its discussion
    expect(main.get_by_role("link", name=MEMBERS_STORY).first).to_be_visible()
    expect(main.get_by_text(SECRET)).to_have_count(0)
    _expect_highlights(page)

    _narrow_to_housing_and_back(visitor)
    _open_the_crews_conversation(visitor, world)


def test_member_narrows_by_a_tag_and_opens_a_story_without_javascript(new_visitor):
    world = World()
    visitor = signed_in(new_visitor(javascript=False), world.sam)
    page = visitor.page

    _search_from_the_header(visitor, QUERY)
    _expect_counts(page, MEMBER_COUNTS)
    _expect_highlights(page)

    tag = page.get_by_label("Tag", exact=True)
    tag.select_option(label="Crews (2)")
    visitor.submit(page.get_by_role("button", name="Apply filters"))
    _expect_counts(page, {"Practice": 0, "Conversations": 2, "Communities": 0, "People": 0})
    expect(page.locator(".khub-search-result")).to_have_count(2)
    visitor.follow(page.get_by_role("link", name="Remove filter tag: Crews"))
    _expect_counts(page, MEMBER_COUNTS)

    _narrow_to_housing_and_back(visitor)

    visitor.follow(_tabs(page).get_by_role("link", name="Practice (2)"))
    results = page.locator(".khub-search-result")
    expect(results).to_have_count(2)
    visitor.follow(results.get_by_role("link", name=MEMBERS_STORY))
    assert visitor.path() == world.members_story.get_absolute_url()
    expect(page.get_by_role("heading", level=1)).to_have_text(MEMBERS_STORY)

    _search_from_the_header(visitor, QUERY)
    _open_the_crews_conversation(visitor, world)


def test_member_searches_from_the_header_with_the_keyboard_only(visitor):
    world = World()
    page = signed_in(visitor, world.sam).page

    # From the top of a page (the home page again: the "signed in" banner takes the focus when it shows),
    # the skip link, the hub's name, the bell, the account menu, the four sections, then the search box.
    visitor.open("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("banner").get_by_role("link").first).to_be_focused()
    _tab_to(page, page.get_by_role("region", name="Service information").get_by_label(HEADER_SEARCH), most=8)
    page.keyboard.type(QUERY)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    assert visitor.path().startswith("/search/")
    _expect_counts(page, MEMBER_COUNTS)

    # On to the filters, without the mouse: arrow keys choose a community, Enter on the button applies it.
    community = page.get_by_label("Community", exact=True)
    _tab_to(page, community)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(community).to_have_value(world.housing.slug)
    _tab_to(page, page.get_by_role("button", name="Apply filters"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    _expect_counts(page, HOUSING_COUNTS)

    # Then to the Conversations tab, and to the result.
    _tab_to(page, _tabs(page).get_by_role("link", name="Conversations (1)"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    hostels = page.locator(".khub-search-result").get_by_role("link", name=HOSTELS)
    _tab_to(page, hostels)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    assert visitor.path() == world.hostels.get_absolute_url()


def test_visitor_searches_the_public_practice_library_only(new_visitor):
    world = World()
    visitor = new_visitor()
    page = visitor.page
    visitor.open("/")

    _search_from_the_header(visitor, QUERY)
    expect(_results_heading(page)).to_have_text(f"1 result for ‘{QUERY}’")
    tabs = _tabs(page)
    expect(tabs.get_by_role("link")).to_have_count(1)
    expect(tabs.get_by_role("link", name="Practice (1)")).to_be_visible()
    inset = page.locator(".govuk-inset-text")
    expect(inset).to_contain_text("You are searching the practice stories councils have shared publicly.")
    expect(inset.get_by_role("link", name="Sign in")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name=MEMBERS_STORY)).to_have_count(0)
    for hidden in (CREWS, HOSTELS, SECRET):
        expect(main.get_by_text(hidden)).to_have_count(0)
    expect(main.get_by_label("Community", exact=True)).to_have_count(0)  # a community is not named to them
    _expect_highlights(page)

    visitor.follow(main.get_by_role("link", name=PUBLIC_STORY))
    assert visitor.path() == world.public_story.get_absolute_url()
    expect(page.get_by_role("heading", level=1)).to_have_text(PUBLIC_STORY)

    # The sign-in link brings them back to the same search once signed in.
    _search_from_the_header(visitor, QUERY)
    visitor.follow(page.locator(".govuk-inset-text").get_by_role("link", name="Sign in"))
    assert visitor.path().startswith("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(world.sam.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    visitor.submit(page.get_by_role("button", name="Sign in", exact=True))
    assert visitor.path().startswith("/search/")
    _expect_counts(page, MEMBER_COUNTS)


def test_empty_and_too_long_searches_are_explained(visitor):
    world = World()
    page = signed_in(visitor, world.sam).page

    _search_from_the_header(visitor, "zebra crossings")
    expect(_results_heading(page)).to_have_text("No results for ‘zebra crossings’")
    expect(page.get_by_text("Nothing matches your search.")).to_be_visible()
    expect(page.get_by_text("checking the spelling")).to_be_visible()
    expect(page.locator(".khub-search-result")).to_have_count(0)

    field = page.get_by_role("main").get_by_label(HEADER_SEARCH)
    field.fill("bins " * 41)  # 204 characters once the trailing space is trimmed
    visitor.submit(page.get_by_role("main").get_by_role("button", name="Search"))
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    message = "Search for 200 characters or fewer (you entered 204)."
    link = summary.get_by_role("link", name=message)
    field_id = field.get_attribute("id")
    expect(link).to_have_attribute("href", f"#{field_id}")
    expect(field).to_have_attribute("aria-describedby", f"{field_id}-error")
    expect(page.locator(f"#{field_id}-error")).to_contain_text(message)
    link.click()
    expect(field).to_be_focused()
    expect(page.locator(".khub-search-result")).to_have_count(0)
