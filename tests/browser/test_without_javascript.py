from playwright.sync_api import expect

from tests.browser.steps import sign_in, sign_out
from tests.factories import UserFactory


def test_member_signs_in_and_out_with_javascript_switched_off(new_visitor):
    member = UserFactory(display_name="Alex Morgan")
    visitor = new_visitor(javascript=False)

    visitor.open("/")
    sign_in(visitor, email=member.email, password="correct-horse-battery")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text("Welcome, Alex Morgan")
    sign_out(visitor)
