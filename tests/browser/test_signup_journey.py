import re

from django.urls import reverse
from playwright.sync_api import expect

from profiles.models import User
from tests.browser.steps import sign_in, sign_out
from tests.factories import CouncilDomainFactory, CouncilFactory

EMAIL = "jo.bloggs@hr.testborough.gov.uk"  # a subdomain of the council's testborough.gov.uk
PASSWORD = "Blue-kettle-orbit-42"
CONFIRM_PATH = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)")


def test_officer_signs_up_confirms_their_council_address_and_signs_in_again(visitor, mailoutbox):
    council = CouncilFactory(name="Testborough Council")
    CouncilDomainFactory(council=council, domain="testborough.gov.uk")
    page = visitor.page

    visitor.open("/")
    visitor.follow(page.get_by_role("button", name="Create an account"))
    page.get_by_label("Full name").fill("Jo Bloggs")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    visitor.submit(page.get_by_role("button", name="Create account"))
    assert visitor.path() == reverse("account_email_verification_sent")

    (message,) = mailoutbox
    assert message.to == [EMAIL]
    visitor.open(CONFIRM_PATH.search(message.body).group(1))
    visitor.submit(page.get_by_role("button", name="Confirm"))

    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: confirming in the browser that signed up signs the officer in.
    assert visitor.path() == "/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Jo Bloggs")
    expect(page.get_by_text("You are a member for")).to_contain_text("Testborough Council")
    user = User.objects.get(email=EMAIL)
    assert user.council == council
    assert user.council_linked_via == "email"

    sign_out(visitor)
    sign_in(visitor, email=EMAIL, password=PASSWORD)
    expect(page.get_by_text("You are a member for")).to_contain_text("Testborough Council")
    sign_out(visitor)
