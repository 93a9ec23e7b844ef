"""Writing with preview: a member types Markdown, uses the toolbar, previews it in the Preview tab (with
JavaScript) or with the Preview button (without), and the reply posted without JavaScript lands on the new
post with a success banner. axe scans every state."""

from django.urls import reverse
from playwright.sync_api import expect

from communities.models import Post, Thread
from communities.services import conversations as conversation_services
from tests.browser.steps import signed_in
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory


def test_a_member_formats_and_previews_a_new_conversation_with_javascript(visitor):
    place = CommunityFactory(name="Waste Officers", visibility="open")
    asha = person_as("member", place, display_name="Asha Khan")
    page = signed_in(visitor, asha).page
    visitor.open(reverse("communities:thread-create", args=[place.slug]))

    editor = page.locator("[data-khub-editor]")
    body = page.get_by_label("Your message", exact=True)
    write_tab = editor.get_by_role("tab", name="Write")
    preview_tab = editor.get_by_role("tab", name="Preview")
    expect(write_tab).to_have_attribute("aria-selected", "true")
    expect(editor.get_by_role("button", name="Preview")).to_have_count(0)  # the no-JavaScript button
    expect(page.get_by_text("Formatting help")).to_have_count(1)

    # The toolbar's Bold wraps the selected word.
    body.fill("We collect food waste weekly")
    body.evaluate("area => area.setSelectionRange(area.value.indexOf('weekly'), area.value.length)")
    toolbar = editor.get_by_role("toolbar", name="Formatting")
    toolbar.get_by_role("button", name="Bold").click()
    expect(body).to_have_value("We collect food waste **weekly**")
    # The rest of the toolbar, reached with the arrow keys (one tab stop).
    page.keyboard.press("End")  # in the textarea: to the end of the text
    body.press("Enter")
    body.press("Enter")
    body.type("Caddies")
    toolbar.get_by_role("button", name="Bold").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(toolbar.get_by_role("button", name="Bulleted list")).to_be_focused()
    page.keyboard.press("Enter")
    expect(body).to_have_value("We collect food waste **weekly**\n\n- Caddies")
    expect(body).to_be_focused()
    visitor.scan()

    # The Preview tab, by keyboard: the server renders the text as it will be saved.
    write_tab.focus()
    page.keyboard.press("ArrowRight")
    expect(preview_tab).to_be_focused()
    expect(preview_tab).to_have_attribute("aria-selected", "true")
    panel = page.locator("#id_body-preview")
    expect(panel).to_be_visible()
    expect(body).to_be_hidden()
    expect(panel.locator("[aria-live=polite] strong")).to_have_text("weekly")
    expect(panel.locator("[aria-live=polite] li")).to_have_text("Caddies")
    visitor.scan()

    # Back to Write, where the text is as it was; the conversation starts as usual.
    page.keyboard.press("ArrowLeft")
    expect(body).to_be_visible()
    expect(body).to_have_value("We collect food waste **weekly**\n\n- Caddies")
    page.get_by_label("Title").fill("How often do you collect food waste?")
    visitor.submit(page.get_by_role("button", name="Start conversation"))
    thread = Thread.objects.get()
    assert "<strong>weekly</strong>" in thread.opening_post.body_html


def test_a_member_previews_a_reply_and_lands_on_it_without_javascript(new_visitor):
    place = CommunityFactory(name="Waste Officers", visibility="open")
    fiona = person_as("member", place, display_name="Fiona Reid")
    thread = conversation_services.thread_create(
        author=fiona, community=place, title="Food waste rounds", body="How often?"
    )
    eve = person_as("member", place, display_name="Eve Hart")
    visitor = new_visitor(javascript=False)
    page = signed_in(visitor, eve).page
    visitor.open(thread.get_absolute_url())

    expect(page.get_by_role("tab")).to_have_count(0)
    expect(page.get_by_role("toolbar")).to_have_count(0)
    reply = page.get_by_label("Your reply", exact=True)
    reply.fill("Weekly, with **free** liners.")
    visitor.submit(page.get_by_role("button", name="Preview"))

    # The same page, the text kept, the preview below it; nothing posted.
    assert visitor.path() == reverse("communities:reply", args=[place.slug, thread.pk])
    expect(page.get_by_label("Your reply", exact=True)).to_have_value("Weekly, with **free** liners.")
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("strong")).to_have_text("free")
    expect(preview).to_be_focused()  # autofocus: the reader lands on it
    assert not Post.objects.filter(author=eve).exists()

    # Posting it lands on the new reply with a success banner above it.
    visitor.submit(page.get_by_role("button", name="Post reply"))
    posted = Post.objects.get(author=eve)
    assert visitor.path() == thread.get_absolute_url()
    assert page.url.endswith("#reply-posted")
    banner = page.locator("#reply-posted")
    expect(banner).to_contain_text("Your reply was posted.")
    expect(banner).to_be_in_viewport()
    expect(page.locator(f"#post-{posted.pk}")).to_be_in_viewport()
    expect(page.get_by_text("Your reply was posted.")).to_have_count(1)


def test_with_javascript_the_reply_banner_takes_the_focus_beside_the_new_reply(visitor):
    place = CommunityFactory(name="Waste Officers", visibility="open")
    cara = person_as("member", place, display_name="Cara Jones")
    thread = conversation_services.thread_create(
        author=cara, community=place, title="Food waste rounds", body="How often?"
    )
    for n in range(8):  # a long page (under the 10-a-minute limit): the new reply is far below its top
        conversation_services.post_reply(author=cara, thread=thread, body=f"Earlier reply {n}.\n\n" * 6)
    person = person_as("member", place, display_name="Dan Moss")
    page = signed_in(visitor, person).page
    visitor.open(thread.get_absolute_url())
    # The form at the foot posts without htmx: the page that holds the reply, focused on the banner.
    page.get_by_label("Your reply", exact=True).fill("Fortnightly here.")
    visitor.submit(page.get_by_role("button", name="Post reply"))
    posted = Post.objects.get(author=person)
    banner = page.locator("#reply-posted")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    expect(page.locator(f"#post-{posted.pk}")).to_contain_text("Fortnightly here.")
    expect(page.get_by_text("Your reply was posted.")).to_have_count(1)
