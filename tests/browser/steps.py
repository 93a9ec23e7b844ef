"""Steps that several journeys share. Locators are the words a visitor reads: labels, button and link text."""

from playwright.sync_api import Locator, Page, expect

from tests.browser.visitor import Visitor

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def signed_in(visitor: Visitor, person, *, password: str = PASSWORD) -> Visitor:
    """The visitor signed in as `person` (made by tests.factories), from the home page."""
    visitor.open("/")
    sign_in(visitor, email=person.email, password=password)
    return visitor


def tab_to(page: Page, target: Locator, *, most: int = 80) -> None:
    """Press Tab until the target has the focus, as a keyboard user does (within `most` presses)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never took the focus in {most} presses of Tab")


def sign_in(visitor: Visitor, *, email: str, password: str) -> None:
    """From any page with the header's "Sign in" link; lands on the home page, signed in."""
    page = visitor.page
    visitor.follow(page.get_by_role("link", name="Sign in", exact=True).first)  # the header's
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    visitor.submit(page.get_by_role("button", name="Sign in", exact=True))
    assert visitor.path() == "/"
    expect(page.locator("#account-menu summary")).to_be_visible()


def open_account_menu(visitor: Visitor) -> None:
    """Opens the header's account menu (a <details>), where Your profile, Your account and Sign out are."""
    page = visitor.page
    menu = page.locator("#account-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(visitor: Visitor) -> None:
    """With the header's "Sign out" button (a POST) in the account menu; lands on the public landing page."""
    page = visitor.page
    open_account_menu(visitor)
    visitor.submit(page.get_by_role("button", name="Sign out"))
    assert visitor.path() == "/"
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
