"""How the hub reaches a member: the inbox, their notification settings, a digest's "view in browser" page
and the one-click unsubscribe in its email; the settings form again without JavaScript and by keyboard.

The digest is delivered by the test itself (khub.digests.delivery.deliver_chunk, as the Celery chunk task
does); the live server shares the process, so its email is in `mailoutbox`."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from communities.models import Membership
from communities.services.conversations import post_reply, thread_create
from khub.digests.delivery import deliver_chunk, period_for
from khub.models import DigestDelivery
from profiles.models import User
from tests.browser.steps import open_account_menu, signed_in
from tests.browser.visitor import Visitor
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

SETTINGS = "/settings/notifications/"
MENTIONED_IN = "Missed bins: what the crews need from the app"
BUSY = "Garden waste renewals this spring"
MUTED = "Temporary accommodation costs"
IMMEDIATE = "Email me at once when someone mentions me or replies to me"


def _member_of(person: User, *communities) -> None:
    for community in communities:
        MembershipFactory(community=community, user=person)


def _path(url: str) -> str:
    """A link from an email (absolute, on SITE_URL) as a path on the live server."""
    return urlsplit(url).path


def _subjects_to(person: User, outbox) -> list[str]:
    return [message.subject for message in outbox if message.to == [person.email]]


def _open_settings_from_the_account_pages(visitor: Visitor) -> None:
    page = visitor.page
    open_account_menu(visitor)
    visitor.follow(page.get_by_role("link", name="Your account", exact=True))
    account = page.get_by_role("navigation", name="Account settings")
    visitor.follow(account.get_by_role("link", name="Notifications", exact=True))
    assert visitor.path() == SETTINGS
    expect(page.get_by_role("heading", level=1)).to_have_text("Notification settings")


def test_member_reads_a_mention_chooses_a_daily_digest_reads_it_and_unsubscribes(new_visitor, mailoutbox):
    waste = CommunityFactory(name="Waste and Recycling", visibility="open")
    housing = CommunityFactory(name="Housing Options", visibility="open")
    priya, tom = UserFactory(display_name="Priya Shah"), UserFactory(display_name="Tom Whitaker")
    _member_of(priya, waste, housing)
    _member_of(tom, waste)
    # Started before Sam joined, so busy (replies since) rather than new in Sam's first digest.
    busy = thread_create(author=tom, community=waste, title=BUSY, body="How are renewals going?")
    sam = UserFactory(display_name="Sam Patel")
    _member_of(sam, waste, housing)
    mentioned = thread_create(
        author=priya,
        community=waste,
        title=MENTIONED_IN,
        body=f"@{sam.handle} could you share what your crews asked for?",
    )
    post_reply(author=priya, thread=busy, body="Up a fifth on last year.")
    post_reply(author=tom, thread=busy, body="Ours too, mostly online.")
    thread_create(author=priya, community=housing, title=MUTED, body="What are you paying per night?")
    mention_email = f"Priya Shah mentioned you in “{MENTIONED_IN}”"
    assert _subjects_to(sam, mailoutbox) == [mention_email]  # immediate emails are on by default

    member = signed_in(new_visitor(), sam)
    page = member.page

    # (1) The inbox, and the notice it holds.
    member.follow(page.get_by_role("link", name="Notifications 1 unread"))
    assert member.path() == "/notifications/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    member.follow(page.get_by_role("link", name=mention_email))
    assert member.path() == f"/communities/{waste.slug}/conversations/{mentioned.pk}/"
    expect(page.get_by_role("heading", level=1)).to_have_text(MENTIONED_IN)

    # (2) Notification settings: daily digest, Housing Options muted, no immediate emails.
    _open_settings_from_the_account_pages(member)
    expect(page.get_by_label("Weekly, on Monday at 7am")).to_be_checked()
    expect(page.get_by_label(IMMEDIATE)).to_be_checked()
    communities = page.get_by_role("group", name="Communities in my digest")
    expect(communities.get_by_label("Housing Options")).to_be_checked()
    expect(communities.get_by_label("Waste and Recycling")).to_be_checked()
    page.get_by_label("Daily, at 7am").check()
    communities.get_by_label("Housing Options").uncheck()
    page.get_by_label(IMMEDIATE).uncheck()
    member.submit(page.get_by_role("button", name="Save settings"))
    assert member.path() == SETTINGS
    expect(page.get_by_role("alert")).to_contain_text("Your notification settings are saved.")

    page.reload()
    member.scan()
    expect(page.get_by_text("Your notification settings are saved.")).to_have_count(0)  # shown once
    expect(page.get_by_label("Daily, at 7am")).to_be_checked()
    expect(page.get_by_label(IMMEDIATE)).not_to_be_checked()
    expect(communities.get_by_label("Housing Options")).not_to_be_checked()
    expect(communities.get_by_label("Waste and Recycling")).to_be_checked()
    sam.refresh_from_db()
    assert (sam.digest_frequency, sam.email_immediately) == (User.Digest.DAILY, False)
    assert not Membership.objects.get(user=sam, community=housing).in_digest

    # No immediate email now: a second mention reaches the inbox only.
    post_reply(author=priya, thread=mentioned, body=f"Thanks @{sam.handle}, that helps.")
    assert _subjects_to(sam, mailoutbox) == [mention_email]

    # (3) The day's digest goes out; its "view in browser" page shows what the email lists.
    period = period_for(frequency=DigestDelivery.Frequency.DAILY)
    sent = deliver_chunk(frequency=DigestDelivery.Frequency.DAILY, period=period, user_ids=[sam.pk])
    assert sent["sent"] == 1
    (digest,) = [m for m in mailoutbox if m.subject.startswith("Your daily digest")]
    assert digest.to == [sam.email]
    assert digest.subject == "Your daily digest: 1 new conversation and 1 busy conversation"
    assert MUTED not in digest.body
    view_in_browser = re.search(r"View it in your browser: (\S+)", digest.body)
    assert view_in_browser, digest.body
    delivery = DigestDelivery.objects.get(user=sam, frequency="daily", period=period)
    assert _path(view_in_browser[1]) == f"/digests/{delivery.pk}/"

    member.open(_path(view_in_browser[1]))
    expect(page).to_have_title(re.compile(re.escape(digest.subject)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your daily digest")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2)).to_have_text(["New conversations", "Busy conversations"])
    new_list = main.get_by_role("list").nth(0)
    busy_list = main.get_by_role("list").nth(1)
    expect(new_list.get_by_role("listitem")).to_have_count(1)
    expect(new_list).to_contain_text("Started by Priya Shah")
    expect(busy_list.get_by_role("listitem")).to_have_count(1)
    expect(busy_list.get_by_role("link", name=BUSY)).to_be_visible()
    expect(busy_list).to_contain_text("2 new replies")
    expect(main.get_by_role("link", name="Waste and Recycling")).to_have_count(2)
    expect(main.get_by_text(MUTED)).to_have_count(0)
    expect(main.get_by_text("no longer available to you")).to_have_count(0)
    member.follow(new_list.get_by_role("link", name=MENTIONED_IN))
    assert member.path() == f"/communities/{waste.slug}/conversations/{mentioned.pk}/"
    expect(page.get_by_role("heading", level=1)).to_have_text(MENTIONED_IN)

    # (4) Signed out, in another browser: the email's List-Unsubscribe link, confirmed with one button.
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = digest.extra_headers["List-Unsubscribe"].strip("<>")
    reader = new_visitor()
    page = reader.page
    reader.open(_path(unsubscribe))
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop activity digests?")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    sam.refresh_from_db()
    assert sam.digest_frequency == User.Digest.DAILY  # opening the link changes nothing
    reader.submit(page.get_by_role("button", name="Unsubscribe"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    expect(page.get_by_text("We will not send you activity digests any more")).to_be_visible()
    sam.refresh_from_db()
    assert sam.digest_frequency == User.Digest.OFF


def test_member_saves_notification_settings_without_javascript(new_visitor):
    waste = CommunityFactory(name="Waste and Recycling", visibility="open")
    housing = CommunityFactory(name="Housing Options", visibility="open")
    dev = UserFactory(display_name="Dev Mistry")
    _member_of(dev, waste, housing)
    visitor = signed_in(new_visitor(javascript=False), dev)
    page = visitor.page

    _open_settings_from_the_account_pages(visitor)
    page.get_by_label("Off: no digest emails").check()
    page.get_by_label("Waste and Recycling").uncheck()
    visitor.submit(page.get_by_role("button", name="Save settings"))

    assert visitor.path() == SETTINGS
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_label("Off: no digest emails")).to_be_checked()
    expect(page.get_by_label("Waste and Recycling")).not_to_be_checked()
    expect(page.get_by_label("Housing Options")).to_be_checked()
    expect(page.get_by_label(IMMEDIATE)).to_be_checked()
    dev.refresh_from_db()
    assert (dev.digest_frequency, dev.email_immediately) == (User.Digest.OFF, True)
    assert not Membership.objects.get(user=dev, community=waste).in_digest
    assert Membership.objects.get(user=dev, community=housing).in_digest


def test_member_completes_notification_settings_with_the_keyboard_only(new_visitor):
    housing = CommunityFactory(name="Housing Options", visibility="open")
    waste = CommunityFactory(name="Waste and Recycling", visibility="open")
    eve = UserFactory(display_name="Eve Lloyd")
    _member_of(eve, housing, waste)
    visitor = signed_in(new_visitor(), eve)
    page = visitor.page
    _open_settings_from_the_account_pages(visitor)

    # From the last link before the form, Tab reaches the chosen radio; arrows move the choice within the
    # group (as in every browser), Space toggles a checkbox, Enter on the button submits.
    page.get_by_role("main").get_by_role("link", name="your inbox").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Weekly, on Monday at 7am")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("Daily, at 7am")).to_be_focused()
    expect(page.get_by_label("Daily, at 7am")).to_be_checked()
    page.keyboard.press("Tab")
    immediate = page.get_by_label(IMMEDIATE)
    expect(immediate).to_be_focused()
    page.keyboard.press("Space")
    expect(immediate).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Don't ask me questions")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Housing Options")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("Housing Options")).not_to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Waste and Recycling")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save settings")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()

    assert visitor.path() == SETTINGS
    expect(page.get_by_role("alert")).to_contain_text("Your notification settings are saved.")
    expect(page.get_by_label("Daily, at 7am")).to_be_checked()
    expect(immediate).not_to_be_checked()
    expect(page.get_by_label("Housing Options")).not_to_be_checked()
    expect(page.get_by_label("Waste and Recycling")).to_be_checked()
    eve.refresh_from_db()
    assert (eve.digest_frequency, eve.email_immediately) == (User.Digest.DAILY, False)
    assert not Membership.objects.get(user=eve, community=housing).in_digest
    assert Membership.objects.get(user=eve, community=waste).in_digest
