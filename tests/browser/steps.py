"""Steps that several journeys share. Locators are the words a visitor reads: labels, button and link text."""

from playwright.sync_api import expect

from tests.browser.visitor import Visitor


def sign_in(visitor: Visitor, *, email: str, password: str) -> None:
    """From any page with the header's "Sign in" link; lands on the home page, signed in."""
    page = visitor.page
    visitor.follow(page.get_by_role("link", name="Sign in", exact=True).first)  # the header's
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    visitor.submit(page.get_by_role("button", name="Sign in", exact=True))
    assert visitor.path() == "/"
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(visitor: Visitor) -> None:
    """With the header's "Sign out" button (a POST); lands on the public landing page."""
    page = visitor.page
    visitor.submit(page.get_by_role("button", name="Sign out"))
    assert visitor.path() == "/"
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
