"""Writing a story as a task list, in a browser: by keyboard alone (two sections, check your answers,
publish) and without JavaScript (a new draft, a mistake, a section previewed, a change from check your
answers, publishing refused until the story is complete). Every page is scanned with axe-core on the way
(tests/browser/conftest.py): the task list, a section's page and check your answers among them."""

from functools import partial

from playwright.sync_api import expect

from practice.models import PracticeStory
from tests.browser.steps import sign_in, tab_to
from tests.browser.visitor import Visitor
from tests.factories import CommunityFactory, CouncilFactory
from tests.practice.helpers import author_in, draft_story

PASSWORD = "correct-horse-battery"


_tab_to = partial(tab_to, most=60)


def _press_enter(visitor: Visitor) -> None:
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press("Enter")
    visitor.scan()


def test_an_author_writes_two_sections_checks_and_publishes_by_keyboard_alone(new_visitor):
    community = CommunityFactory(name="Waste and Recycling", visibility="open")
    author = author_in(
        community, display_name="Asha Khan", council=CouncilFactory(name="Bristol City Council")
    )
    story = draft_story(
        author=author,
        community=community,
        title="Missed bins reported online",
        sections={"outcomes": "Reports reach the crews the same day."},
    )
    visitor = new_visitor()
    page = visitor.page
    visitor.open("/")
    sign_in(visitor, email=author.email, password=PASSWORD)
    visitor.open(f"/practice/{story.slug}/write/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write your story")
    expect(page.get_by_text("2 of 8 sections completed")).to_be_visible()
    challenge = page.get_by_role("link", name="Challenge")
    expect(challenge).to_have_accessible_description("Not yet started")

    _tab_to(page, challenge)
    _press_enter(visitor)
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge")
    _tab_to(page, page.get_by_label("The challenge", exact=True))
    page.keyboard.type("Missed bins were reported by phone and took days to reach the crews.")
    _tab_to(page, page.get_by_role("button", name="Save and continue"))
    _press_enter(visitor)

    expect(page.get_by_role("heading", level=1)).to_have_text("What we did")
    _tab_to(page, page.get_by_label("What we did", exact=True))
    page.keyboard.type("We put the crews' rounds online.")
    _tab_to(page, page.get_by_role("button", name="Save and return to the task list"))
    _press_enter(visitor)

    assert visitor.path() == f"/practice/{story.slug}/write/"
    expect(page.get_by_text("4 of 8 sections completed")).to_be_visible()
    expect(page.get_by_role("link", name="Challenge")).to_have_accessible_description(
        "Saved at " + page.locator("#task-challenge-hint time").inner_text() + " Completed"
    )
    _tab_to(page, page.get_by_role("button", name="Check your answers"))
    _press_enter(visitor)

    assert visitor.path() == f"/practice/{story.slug}/check/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before publishing")
    expect(page.get_by_text("took days to reach the crews")).to_be_visible()
    _tab_to(page, page.get_by_role("button", name="Publish"))
    _press_enter(visitor)
    story.refresh_from_db()
    assert story.is_published
    assert story.challenge == "Missed bins were reported by phone and took days to reach the crews."
    assert visitor.path() == story.get_absolute_url()


def test_a_story_is_written_and_published_without_javascript(new_visitor):
    community = CommunityFactory(name="Housing Options", visibility="open")
    author = author_in(
        community, display_name="Dev Mistry", council=CouncilFactory(name="Kent County Council")
    )
    visitor = new_visitor(javascript=False)
    page = visitor.page
    visitor.open("/")
    sign_in(visitor, email=author.email, password=PASSWORD)
    visitor.open("/practice/new/")
    page.get_by_label("Title", exact=True).fill("Homeless prevention by text message")
    page.get_by_label("Home community", exact=True).select_option(label="Housing Options")
    visitor.submit(page.get_by_role("button", name="Save and continue"))
    story = PracticeStory.objects.get()
    expect(page.get_by_text("Your draft is saved. Only you and your co-authors can see it.")).to_be_visible()
    expect(page.get_by_role("link", name="Summary and context")).to_have_accessible_description("Incomplete")

    # A mistake: shown at the top and by its field; nothing saved.
    visitor.follow(page.get_by_role("link", name="Summary and context"))
    page.get_by_label("Title", exact=True).fill("")
    page.get_by_label("Summary", exact=True).fill("Tenants at risk hear from us before the notice.")
    visitor.submit(page.get_by_role("button", name="Save and continue"))
    expect(page.get_by_role("alert")).to_contain_text("Enter a title")
    expect(page.locator("#id_title-error")).to_contain_text("Enter a title")
    story.refresh_from_db()
    assert story.summary == ""
    page.get_by_label("Title", exact=True).fill("Homeless prevention by text message")
    page.get_by_label("Service area", exact=True).select_option(label="Housing")
    visitor.submit(page.get_by_role("button", name="Save and continue"))

    # The challenge, previewed without JavaScript (saves nothing), then saved.
    expect(page.get_by_role("heading", level=1)).to_have_text("Challenge")
    page.get_by_label("The challenge", exact=True).fill("Notices came **too late** to help.")
    visitor.submit(page.get_by_role("button", name="Preview"))
    expect(page.locator("#id_challenge-preview strong")).to_have_text("too late")
    story.refresh_from_db()
    assert story.challenge == ""
    visitor.submit(page.get_by_role("button", name="Save and return to the task list"))
    expect(page.get_by_text("2 of 8 sections completed")).to_be_visible()

    # Publishing early is refused with what is missing; each missing part links to its section.
    visitor.follow(page.get_by_role("button", name="Check your answers"))
    missing = page.locator("#missing")
    expect(missing).to_contain_text("Say what you did")
    expect(missing).to_contain_text("Describe the outcomes")
    visitor.submit(page.get_by_role("button", name="Publish"))
    expect(page.get_by_role("alert")).to_contain_text("Say what you did before you publish.")
    story.refresh_from_db()
    assert story.is_draft

    for section, label, text in (
        ("What we did", "What we did", "We text tenants when arrears start."),
        ("Outcomes and measures", "Outcomes", "Fewer evictions."),
    ):
        visitor.follow(page.get_by_role("link", name=f"Change {section.lower()}"))
        expect(page.get_by_role("link", name="Back to check your answers")).to_be_visible()
        page.get_by_label(label, exact=True).fill(text)
        visitor.submit(page.get_by_role("button", name="Save and return to check your answers"))
        assert visitor.path() == f"/practice/{story.slug}/check/"
    expect(page.locator("#missing")).to_have_count(0)
    visitor.submit(page.get_by_role("button", name="Publish"))
    story.refresh_from_db()
    assert story.is_published
    assert story.what_we_did == "We text tenants when arrears start."
    assert visitor.path() == story.get_absolute_url()
