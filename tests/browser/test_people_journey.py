from django.urls import reverse
from playwright.sync_api import expect

from profiles.models import Follow, User
from tests.browser.steps import open_account_menu, sign_in, sign_out
from tests.factories import CouncilFactory, UserFactory
from tests.profiles.people_helpers import follow, give_profile, image_bytes


def _priya() -> User:
    council = CouncilFactory(name="Leeds City Council", region="yorkshire")
    priya = UserFactory(display_name="Priya Shah", job_title="Housing Options Manager", council=council)
    return give_profile(
        priya, bio="I run **housing options** in Leeds.", expertise=["Homelessness prevention"]
    )


def test_member_finds_a_peer_follows_them_and_fills_in_their_own_profile(visitor):
    me = UserFactory(display_name="Sam Patel")
    priya = _priya()
    UserFactory(display_name="Tom Whitaker")
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=me.email, password="correct-horse-battery")

    visitor.follow(page.get_by_role("link", name="People", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    page.get_by_label("Name").fill("priya")
    visitor.submit(page.get_by_role("main").get_by_role("button", name="Search"))  # not the header's
    expect(page.get_by_role("heading", name="1 person")).to_be_visible()

    visitor.follow(page.get_by_role("link", name="Priya Shah"))
    assert visitor.path() == reverse("profiles:profile", kwargs={"handle": priya.handle})
    expect(page.get_by_role("heading", level=1)).to_have_text("Priya Shah")
    expect(page.get_by_text("Homelessness prevention")).to_be_visible()

    # htmx swaps the follow panel in place: no page load, the new button has the focus.
    page.get_by_role("button", name="Follow Priya Shah").click()
    unfollow = page.get_by_role("button", name="Unfollow Priya Shah")
    expect(unfollow).to_be_visible()
    expect(unfollow).to_be_focused()
    expect(page.get_by_role("link", name="1 follower")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("You are now following Priya Shah")
    visitor.scan()
    assert Follow.objects.filter(follower=me, followed=priya).exists()

    open_account_menu(visitor)
    visitor.follow(page.get_by_role("link", name="Your profile"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Patel")
    visitor.follow(page.get_by_role("button", name="Edit your profile"))
    page.get_by_label("Job title").fill("Service Designer")
    page.get_by_label("About you").fill("I design **council services** with the people who use them.")
    page.get_by_label("Expertise").fill("Service design, User research")
    page.get_by_label("Interests").fill("Digital inclusion")
    visitor.submit(page.get_by_role("button", name="Save changes"))

    assert visitor.path() == reverse("profiles:profile", kwargs={"handle": me.handle})
    expect(page.get_by_text("Your profile has been updated")).to_be_visible()
    expect(page.locator("strong", has_text="council services")).to_be_visible()
    expect(page.get_by_role("link", name="Service design")).to_be_visible()
    expect(page.get_by_text("Digital inclusion")).to_be_visible()
    expect(page.get_by_role("link", name="1 following")).to_be_visible()
    sign_out(visitor)


def test_member_follows_and_unfollows_with_javascript_switched_off(new_visitor):
    me = UserFactory()
    priya = _priya()
    visitor = new_visitor(javascript=False)
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=me.email, password="correct-horse-battery")
    visitor.open(reverse("profiles:profile", kwargs={"handle": priya.handle}))
    visitor.submit(page.get_by_role("button", name="Follow Priya Shah"))
    expect(page.get_by_text("You are now following Priya Shah")).to_be_visible()
    visitor.submit(page.get_by_role("button", name="Unfollow Priya Shah"))
    expect(page.get_by_text("You are no longer following Priya Shah")).to_be_visible()
    assert not Follow.objects.exists()


def test_member_browses_councils_and_followers_and_uploads_a_photo(visitor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    me = UserFactory(display_name="Sam Patel")
    priya = _priya()
    give_profile(me)
    follow(me, priya)
    page = visitor.page

    visitor.open("/")
    sign_in(visitor, email=me.email, password="correct-horse-battery")
    visitor.open(reverse("profiles:people") + "?council=atlantis")
    expect(page.get_by_role("link", name="Select a council from the list")).to_be_visible()
    visitor.open(reverse("profiles:councils"))
    visitor.follow(page.get_by_role("link", name="Leeds City Council"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Leeds City Council")
    visitor.follow(page.get_by_role("link", name="Priya Shah"))
    visitor.follow(page.get_by_role("link", name="1 follower"))
    expect(page.get_by_role("heading", level=1)).to_have_text("People following Priya Shah")

    visitor.open(reverse("profiles:settings-profile"))
    upload = page.get_by_label("Upload a photo")
    upload.set_input_files(files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}])
    visitor.submit(page.get_by_role("button", name="Save changes"))
    expect(
        page.get_by_role("link", name="The selected file must be a JPG, PNG, GIF or WebP image")
    ).to_be_visible()
    upload.set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", size=(900, 600))}]
    )
    visitor.submit(page.get_by_role("button", name="Save changes"))
    avatar = page.locator("img.khub-avatar--l")
    expect(avatar).to_be_visible()
    assert avatar.evaluate("img => img.naturalWidth") == 400
    visitor.open(reverse("profiles:settings-profile"))
    expect(page.get_by_role("img", name="Your current photo")).to_be_visible()
    expect(page.get_by_label("Remove your current photo")).to_be_visible()
