import json
import re

from django.urls import reverse
from playwright.sync_api import expect

from profiles.models import User
from profiles.services import follow_create
from tests.browser.steps import open_account_menu, sign_in
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


def test_member_who_was_followed_reads_their_notifications_with_htmx(visitor):
    member = UserFactory(display_name="Sam Patel")
    for name in ("Priya Shah", "Tom Whitaker", "Aisha Okafor"):
        follow_create(follower=UserFactory(display_name=name), followed=member)
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=member.email, password=PASSWORD)
    visitor.follow(page.get_by_role("link", name="Notifications 3 unread"))

    assert visitor.path() == reverse("profiles:notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.locator(".khub-inbox__item")).to_have_count(3)
    expect(page.get_by_text("New", exact=True)).to_have_count(3)

    # htmx: the item is swapped for its read version, which takes the focus; the header count follows.
    page.get_by_role(
        "button", name=re.compile(r"^Mark as read\s?: Tom Whitaker started following you$")
    ).click()
    item = page.locator(".khub-inbox__item", has_text="Tom Whitaker started following you")
    expect(item.get_by_text("New", exact=True)).to_have_count(0)
    expect(item).to_be_focused()
    expect(page.get_by_role("link", name="Notifications 2 unread")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Notification marked as read.")
    visitor.scan()

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("New", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("All notifications marked as read.")
    visitor.scan()

    # The follower's name leads to their profile.
    expect(page.get_by_role("link", name="Priya Shah started following you")).to_have_attribute(
        "href",
        reverse("profiles:profile", kwargs={"handle": User.objects.get(display_name="Priya Shah").handle}),
    )


def test_member_marks_notifications_read_without_javascript(new_visitor):
    member = UserFactory()
    follow_create(follower=UserFactory(display_name="Gareth Pritchard"), followed=member)
    visitor = new_visitor(javascript=False)
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=member.email, password=PASSWORD)
    visitor.follow(page.get_by_role("link", name="Notifications 1 unread"))
    visitor.submit(page.get_by_role("button", name=re.compile(r"^Mark as read\s?: Gareth Pritchard")))

    assert visitor.path() == reverse("profiles:notifications")
    expect(page.get_by_text("Notification marked as read.")).to_be_visible()
    expect(page.get_by_text("New", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()


def test_member_downloads_their_data_then_deletes_their_account(visitor):
    member = UserFactory(display_name="Jo Bloggs")
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=member.email, password=PASSWORD)
    open_account_menu(visitor)
    visitor.follow(page.get_by_role("link", name="Your account", exact=True))
    visitor.follow(page.get_by_role("link", name="Your data and account deletion"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data and account deletion")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download your data").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"khub-data-{member.handle}-")
    with open(download.path(), encoding="utf-8") as exported:
        assert json.load(exported)["profile"]["display_name"] == "Jo Bloggs"

    # Nothing filled in: the page comes back with the GOV.UK error summary, and nothing is deleted.
    visitor.submit(page.get_by_role("button", name="Delete your account"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter your password")
    expect(summary).to_contain_text("Confirm that you want to delete your account")
    assert User.objects.get(pk=member.pk).erased_at is None

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand that my account will be deleted").check()
    visitor.submit(page.get_by_role("button", name="Delete your account"))

    assert visitor.path() == "/"
    expect(page.get_by_text("Your account has been deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    member.refresh_from_db()
    assert member.public_name == "Former member"
    assert not member.is_active
