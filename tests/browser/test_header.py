"""The site header: the account menu (a <details>, by keyboard, with and without JavaScript), the
notifications bell with its count, one search box, and a phone header that leaves room for the page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from communities.services.conversations import thread_create
from profiles.services import follow_create
from tests.browser.steps import open_account_menu, sign_in
from tests.communities.helpers import person_as
from tests.factories import AdminFactory, CommunityFactory, UserFactory

PASSWORD = "correct-horse-battery"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MOST_HEADER_ON_A_PHONE = 120  # pixels from the top of the page to the top of <main>


def _main_top(page) -> float:
    return page.locator("#main-content").bounding_box()["y"]


def _with_three_unread(member) -> None:
    for name in ("Priya Shah", "Tom Whitaker", "Aisha Okafor"):
        follow_create(follower=UserFactory(display_name=name), followed=member)


def test_at_1280_px_the_account_menu_opens_and_closes_by_keyboard_and_signs_out(visitor):
    admin = AdminFactory(display_name="Fatima Rahman")
    _with_three_unread(admin)
    page = visitor.page
    page.set_viewport_size(DESKTOP)

    visitor.open("/")
    sign_in(visitor, email=admin.email, password=PASSWORD)
    expect(page.get_by_role("link", name="Notifications 3 unread")).to_be_visible()
    expect(page.locator(".khub-bell__count")).to_have_text("3 unread")
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Search")).to_have_count(0)
    expect(page.get_by_role("search").get_by_label("Search the hub")).to_have_count(1)
    summary = page.locator("#account-menu summary")
    expect(summary).to_contain_text("Fatima Rahman")
    expect(page.get_by_role("link", name="Your profile", exact=True)).to_be_hidden()

    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Your profile", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Your account", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Admin", exact=True)).to_be_visible()
    visitor.scan()  # open, over the page
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Your profile", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Your profile", exact=True)).to_be_hidden()
    expect(summary).to_be_focused()

    page.keyboard.press("Space")
    for _ in range(4):  # Your profile, Your account, Admin, Sign out
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign out")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    assert visitor.path() == "/"
    expect(page.get_by_role("link", name="Sign in", exact=True).first).to_be_visible()
    expect(page.locator("#account-menu")).to_have_count(0)


def test_a_click_elsewhere_closes_the_account_menu_and_members_see_no_admin_link(visitor):
    member = UserFactory(display_name="Sam Patel")
    page = visitor.page
    page.set_viewport_size(DESKTOP)

    visitor.open("/")
    sign_in(visitor, email=member.email, password=PASSWORD)
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    open_account_menu(visitor)
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    page.locator("#main-content").click(position={"x": 5, "y": 5})
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_on_a_390_px_phone_the_page_starts_within_120_px_of_the_top(visitor, signed_in):
    member = UserFactory(display_name="Aisha Okafor")
    _with_three_unread(member)
    page = visitor.page
    page.set_viewport_size(PHONE)

    visitor.open("/")
    if signed_in:
        sign_in(visitor, email=member.email, password=PASSWORD)
        expect(page.get_by_role("link", name="Notifications 3 unread")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    expect(page.get_by_label("Search the hub")).to_be_visible()
    assert _main_top(page) <= MOST_HEADER_ON_A_PHONE
    for path in ("/communities/", "/practice/"):
        visitor.open(path)
        assert _main_top(page) <= MOST_HEADER_ON_A_PHONE, path

    page.get_by_role("button", name="Menu").click()
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Communities")).to_be_visible()
    visitor.scan()
    if signed_in:
        open_account_menu(visitor)
        visitor.scan()
        with page.expect_navigation():
            page.get_by_role("button", name="Sign out").click()
        visitor.scan()
        expect(page.get_by_role("link", name="Sign in", exact=True).first).to_be_visible()


def test_without_javascript_the_page_starts_within_120_px_and_the_account_menu_signs_out(new_visitor):
    visitor = new_visitor(javascript=False)
    member = UserFactory(display_name="Tom Whitaker")
    page = visitor.page
    page.set_viewport_size(PHONE)

    visitor.open("/")
    sign_in(visitor, email=member.email, password=PASSWORD)
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Communities")).to_be_visible()  # no "Menu" button to press
    for path in ("/", "/communities/", "/practice/"):  # the links on one line, the search box below
        visitor.open(path)
        assert _main_top(page) <= MOST_HEADER_ON_A_PHONE, path
    open_account_menu(visitor)
    visitor.scan()
    visitor.submit(page.get_by_role("button", name="Sign out"))
    expect(page.get_by_role("link", name="Sign in", exact=True).first).to_be_visible()


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_on_a_390_px_phone_the_opening_post_starts_on_the_first_screen(visitor, role):
    place = CommunityFactory(visibility="open", name="Temporary Accommodation Practitioners Network")
    thread = thread_create(
        author=place.created_by,
        community=place,
        title="How are other councils reducing the cost of bed and breakfast placements for families?",
        body="We spend more each month. What has worked for you?",
    )
    reader = person_as(role, place, display_name="Priya Shah")
    page = visitor.page
    page.set_viewport_size(PHONE)

    visitor.open("/")
    sign_in(visitor, email=reader.email, password=PASSWORD)
    visitor.open(reverse("communities:thread", args=[place.slug, thread.pk]))
    expect(page.get_by_role("button", name="Watch this conversation")).to_be_visible()
    expect(page.get_by_role("button", name="Mute this conversation")).to_be_visible()
    opening = page.locator(f"#post-{thread.opening_post_id}")
    assert opening.bounding_box()["y"] < PHONE["height"]
