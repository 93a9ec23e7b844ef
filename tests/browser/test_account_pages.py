from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.steps import open_account_menu, sign_in, sign_out
from tests.factories import UserFactory


def test_member_visits_their_account_pages_the_accessibility_statement_and_a_missing_page(visitor):
    member = UserFactory(display_name="Sam Patel")
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=member.email, password="correct-horse-battery")

    open_account_menu(visitor)  # the header's account menu (issue 19: no longer the home page's side column)
    visitor.follow(page.get_by_role("link", name="Your account"))
    assert visitor.path() == reverse("account_email")
    expect(page.get_by_text(member.email).first).to_be_visible()

    visitor.open(reverse("account_change_password"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("password", ignore_case=True)

    visitor.open(reverse("mfa_index"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("two-factor", ignore_case=True)

    visitor.follow(page.get_by_role("link", name="Accessibility statement"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for Knowledge Hub")

    visitor.open("/no-such-page/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")

    visitor.follow(page.get_by_role("link", name="Go to the home page"))
    sign_out(visitor)
