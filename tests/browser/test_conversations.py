"""Conversations in a community, with htmx and without JavaScript: start, reply, reply to a reply, helpful,
the answer, a report the facilitator acts on, edits, deletions, watching and a locked thread."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from communities.models import ModerationLogEntry, Post, PostReport, Thread, ThreadWatch
from communities.services import conversations as conversation_services
from tests.browser.steps import signed_in
from tests.browser.visitor import Visitor
from tests.communities.helpers import person_as
from tests.factories import CommunityFactory, CouncilFactory, VerifiedMemberFactory


def _thread_url(thread: Thread) -> str:
    return thread.get_absolute_url()


def _mark_document(visitor: Visitor) -> None:
    """Tag the loaded document: the tag survives an htmx swap and is gone after any page load."""
    visitor.page.evaluate("window.khubSameDocument = true")


def _same_document(visitor: Visitor) -> bool:
    return visitor.page.evaluate("window.khubSameDocument === true")


def test_members_converse_with_htmx_and_the_facilitator_hides_a_reported_post(new_visitor):
    fiona = VerifiedMemberFactory(
        display_name="Fiona Reid", council=CouncilFactory(name="Bristol City Council")
    )
    community = CommunityFactory(name="Adult Social Care", visibility="open", owner=fiona)
    asha = person_as("member", community, display_name="Asha Khan")
    ben = person_as("member", community, display_name="Ben Okoro")
    cara = person_as("member", community, display_name="Cara Jones")
    asker, replier, reporter, facilitator = new_visitor(), new_visitor(), new_visitor(), new_visitor()

    # Asha asks a question, with tags, from the community's page.
    page = signed_in(asker, asha).page
    asker.open(reverse("communities:detail", args=[community.slug]))
    asker.follow(page.get_by_role("link", name="All conversations in Adult Social Care"))
    asker.follow(page.get_by_role("button", name="Start a conversation"))
    page.get_by_label("Title").fill("How do you review direct payments each year?")
    page.get_by_label("A question: one reply can be marked as the answer").check()
    page.get_by_label("Your message", exact=True).fill("We review every direct payment **by hand**.")
    page.get_by_label("Tags (optional)").fill("Direct payments, Carers")
    asker.submit(page.get_by_role("button", name="Start conversation"))
    thread = Thread.objects.get(title="How do you review direct payments each year?")
    assert asker.path() == _thread_url(thread)
    expect(page.get_by_text("Your conversation has started.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(thread.title)
    expect(page.get_by_text("Question: not answered yet")).to_be_visible()
    expect(page.get_by_role("list", name="Tags")).to_contain_text("Direct payments")
    expect(page.get_by_role("list", name="Tags")).to_contain_text("Carers")
    expect(page.locator(f"#post-{thread.opening_post_id}")).to_contain_text("We review every direct payment")

    # Ben replies with the form at the foot of the thread: it posts and lands on his reply in the list.
    page = signed_in(replier, ben).page
    replier.open(_thread_url(thread))
    expect(page.get_by_text("No replies yet. Be the first to reply.")).to_be_visible()
    foot_reply = page.get_by_label("Your reply", exact=True)
    expect(foot_reply).not_to_be_focused()  # the foot's form never takes the focus from the page
    foot_reply.fill("We use a pre-paid card and check the statements.")
    replier.submit(page.get_by_role("button", name="Post reply"))
    ben_reply = Post.objects.get(thread=thread, author=ben)
    assert ben_reply.parent_id == thread.opening_post_id
    assert replier.path() == _thread_url(thread)
    expect(page.get_by_text("Your reply was posted.")).to_be_visible()
    expect(page.get_by_role("heading", name="1 reply")).to_be_visible()
    expect(page.locator(f".khub-posts #post-{ben_reply.pk}")).to_contain_text("We use a pre-paid card")
    expect(page.get_by_label("Your reply", exact=True)).to_have_value("")  # ready for another reply

    # Ben mutes the thread with htmx: the box swaps in place and takes the focus from the gone button.
    _mark_document(replier)
    expect(page.get_by_text("You are watching: you are told about every reply.")).to_be_visible()
    page.get_by_role("button", name="Mute this conversation").click()
    watch = page.locator("#thread-watch")
    expect(watch).to_contain_text("You muted this conversation: you are told nothing about it.")
    expect(watch.get_by_role("button", name="Unmute")).to_be_visible()
    expect(watch).to_be_focused()
    expect(page.locator("#thread-status")).to_have_text(
        "You muted this conversation: you will not be told about it at all."
    )
    assert _same_document(replier)
    assert ThreadWatch.objects.get(thread=thread, user=ben).state == "muted"
    replier.scan()

    # Asha replies to Ben's reply in place, with the keyboard only: htmx opens the form under his reply,
    # the focus goes into it, an empty reply is refused there, and her reply takes the form's place.
    page = asker.page
    asker.open(_thread_url(thread))
    ben_post = page.locator(f"#post-{ben_reply.pk}")
    expect(ben_post).to_contain_text("We use a pre-paid card")
    _mark_document(asker)
    ben_post.get_by_role("link", name="Reply to Ben Okoro").focus()
    page.keyboard.press("Enter")
    inline_reply = ben_post.get_by_label("Your reply")
    expect(inline_reply).to_be_focused()
    expect(ben_post).to_contain_text("Replying to Ben Okoro")
    expect(page.get_by_label("Your reply", exact=True)).to_have_count(2)  # the foot's form stays
    asker.scan()
    page.keyboard.press("Tab")
    expect(ben_post.get_by_role("button", name="Post reply")).to_be_focused()
    page.keyboard.press("Enter")
    expect(ben_post.locator(".govuk-error-message")).to_contain_text("Enter your message")
    expect(inline_reply).to_be_focused()
    asker.scan()
    page.keyboard.type("Thanks Ben. Who is your card supplier? Call me on 07700 900123.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(ben_post.get_by_text("Who is your card supplier?")).to_be_visible()
    expect(page.locator("#thread-status")).to_have_text("Your reply was posted.")
    asha_reply = Post.objects.get(thread=thread, author=asha, depth=2)
    assert asha_reply.parent_id == ben_reply.pk
    expect(page.locator(f"#post-{asha_reply.pk}")).to_be_focused()
    expect(ben_post.get_by_label("Your reply")).to_have_count(0)
    expect(page.get_by_role("heading", name="2 replies")).to_be_visible()
    assert _same_document(asker), "posting the inline reply loaded a new page"
    assert asker.path() == _thread_url(thread)
    asker.scan()

    # Asha finds Ben's reply helpful: the toggle swaps in place and keeps the keyboard focus.
    # Chromium names the button "Helpful : the post by …": the hidden words are a separate block.
    helpful = ben_post.get_by_role("button", name=re.compile(r"^Helpful\W+the post by Ben Okoro$"))
    expect(helpful).to_have_attribute("aria-pressed", "false")
    helpful.focus()
    page.keyboard.press("Enter")
    helpful = ben_post.get_by_role("button", name=re.compile(r"^✓ Helpful\W+the post by Ben Okoro$"))
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#helpful-{ben_reply.pk}")).to_contain_text("(1)")
    expect(helpful).to_be_focused()
    expect(page.locator("#thread-status")).to_have_text("Marked as helpful.")
    assert _same_document(asker)
    asker.scan()

    # Asha, who asked, marks Ben's reply as the answer.
    asker.submit(
        ben_post.get_by_role("button", name=re.compile(r"^Mark as the answer\W+the reply by Ben Okoro$"))
    )
    expect(page.get_by_text("You marked this reply as the answer.")).to_be_visible()
    expect(page.get_by_text("Answered", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="See the answer from Ben Okoro")).to_be_visible()
    expect(page.locator(f"#post-{ben_reply.pk}").get_by_text("Answer", exact=True)).to_be_visible()
    assert Thread.objects.get(pk=thread.pk).answer_id == ben_reply.pk

    # Cara reports Asha's reply: it shares a phone number.
    page = signed_in(reporter, cara).page
    reporter.open(_thread_url(thread))
    asha_post = page.locator(f"#post-{asha_reply.pk}")
    reporter.follow(asha_post.get_by_role("link", name="Report the post by Asha Khan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Report this post")
    page.get_by_label("What is wrong with this post?").fill("It shares a personal phone number.")
    reporter.submit(page.get_by_role("button", name="Send report"))
    expect(page.get_by_text("Thank you. The community's facilitators will look at the post.")).to_be_visible()
    assert PostReport.objects.filter(post=asha_reply, reporter=cara).exists()

    # Fiona finds the report under Manage, hides the post with a reason, and the log keeps it.
    page = signed_in(facilitator, fiona).page
    facilitator.open(reverse("communities:detail", args=[community.slug]))
    facilitator.follow(page.get_by_role("link", name="Manage community"))
    facilitator.follow(page.get_by_role("link", name=re.compile(r"^Reported posts\s+1 open$")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reported posts")
    expect(page.get_by_text("It shares a personal phone number.")).to_be_visible()
    report = page.locator(".khub-report", has_text="It shares a personal phone number.")
    expect(report.locator(".govuk-summary-list__row", has_text="Reported by")).to_contain_text("Cara Jones")
    expect(report.locator(".govuk-summary-list__row", has_text="Post by")).to_contain_text("Asha Khan")
    facilitator.follow(report.get_by_role("link", name="Hide the post by Asha Khan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hide this post")
    page.get_by_label("Reason", exact=True).fill("Personal phone numbers stay out of the forum.")
    facilitator.submit(page.get_by_role("button", name="Hide post"))
    assert facilitator.path() == reverse("communities:manage-reports", args=[community.slug])
    expect(page.get_by_text("The post is hidden.")).to_be_visible()
    expect(page.get_by_text("No reported posts are waiting.")).to_be_visible()
    facilitator.follow(page.get_by_role("link", name="Moderation log"))
    expect(page.get_by_role("row", name=re.compile("Hid a post"))).to_contain_text(
        "Personal phone numbers stay out of the forum."
    )
    assert ModerationLogEntry.objects.filter(action="post_hidden", post=asha_reply, actor=fiona).exists()

    # A member sees the notice in its place, not the text.
    page = reporter.page
    reporter.open(_thread_url(thread))
    hidden = page.locator(f"#post-{asha_reply.pk}")
    expect(hidden).to_contain_text("A facilitator hid this post.")
    expect(hidden).not_to_contain_text("07700 900123")
    expect(page.get_by_text("07700 900123")).to_have_count(0)
    expect(hidden.get_by_role("link", name=re.compile("^Reply to"))).to_have_count(0)


def test_members_reply_edit_delete_and_watch_without_javascript_until_the_facilitator_locks_it(
    new_visitor,
):
    fiona = VerifiedMemberFactory(display_name="Fiona Reid")
    community = CommunityFactory(name="Waste and Recycling", visibility="open", owner=fiona)
    dev = person_as("member", community, display_name="Dev Mistry")
    eve = person_as("member", community, display_name="Eve Lloyd")
    thread = conversation_services.thread_create(
        author=dev,
        community=community,
        title="Food waste collections: weekly or fortnightly?",
        body="We are about to start food waste collections.",
        tags=["Food waste"],
    )
    fiona_reply = conversation_services.post_reply(
        author=fiona, thread=thread, body="Weekly, in every council I know of."
    )
    member = new_visitor(javascript=False)

    # Eve replies to the conversation with the form at the foot.
    page = signed_in(member, eve).page
    member.open(_thread_url(thread))
    page.get_by_label("Your reply", exact=True).fill("Fortnightly failed for us: the caddies smelt.")
    member.submit(page.get_by_role("button", name="Post reply"))
    first = Post.objects.get(thread=thread, author=eve)
    assert member.path() == _thread_url(thread)
    expect(page.get_by_text("Your reply was posted.")).to_be_visible()
    expect(page.locator(f"#post-{first.pk}")).to_contain_text("Fortnightly failed for us")

    # She replies to Fiona's reply: without JavaScript the link opens the reply page.
    member.follow(page.get_by_role("link", name="Reply to Fiona Reid"))
    assert member.path() == (
        reverse("communities:reply", args=[community.slug, thread.pk]) + f"?parent={fiona_reply.pk}"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Reply to Fiona Reid")
    expect(page.get_by_text("Weekly, in every council I know of.")).to_be_visible()
    page.get_by_label("Your reply", exact=True).fill("Do you know one that changed from fortnightly?")
    member.submit(page.get_by_role("button", name="Post reply"))
    second = Post.objects.get(thread=thread, author=eve, parent=fiona_reply)
    expect(page.get_by_text("Your reply was posted.")).to_be_visible()
    expect(page.locator(f"#post-{second.pk}")).to_contain_text("Do you know one that changed")

    # She edits her first reply: readers see that it was edited.
    post = page.locator(f"#post-{first.pk}")
    member.follow(post.get_by_role("link", name="Edit your post"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your post")
    page.get_by_label("Your post").fill("Fortnightly failed for us: the caddies smelt in summer.")
    member.submit(page.get_by_role("button", name="Save changes"))
    expect(page.get_by_text("Your post has been updated.")).to_be_visible()
    post = page.locator(f"#post-{first.pk}")
    expect(post).to_contain_text("the caddies smelt in summer.")
    expect(post).to_contain_text("edited")

    # She deletes her second reply, after a confirmation page.
    member.follow(page.locator(f"#post-{second.pk}").get_by_role("link", name="Delete your post"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to delete your post?")
    member.submit(page.get_by_role("button", name="Delete post"))
    expect(page.get_by_text("Your post has been deleted.")).to_be_visible()
    deleted = page.locator(f"#post-{second.pk}")
    expect(deleted).to_contain_text("Its author deleted this post.")
    # Its author may still open the text, folded away under "Show the removed text".
    expect(deleted.get_by_text("Do you know one that changed")).to_be_hidden()
    expect(deleted.get_by_text("Show the removed text")).to_be_visible()
    expect(deleted.get_by_role("link", name="Delete your post")).to_have_count(0)

    # Replying made her watch the thread; she mutes it, unmutes it and watches it again.
    expect(page.get_by_text("You are watching: you are told about every reply.")).to_be_visible()
    member.submit(page.get_by_role("button", name="Mute this conversation"))
    expect(
        page.get_by_text("You muted this conversation: you will not be told about it at all.")
    ).to_be_visible()
    assert ThreadWatch.objects.get(thread=thread, user=eve).state == "muted"
    member.submit(page.get_by_role("button", name="Unmute"))
    expect(page.get_by_text("You are told only about replies to you and mentions of you.")).to_be_visible()
    assert not ThreadWatch.objects.filter(thread=thread, user=eve).exists()
    member.submit(page.get_by_role("button", name="Watch this conversation"))
    expect(
        page.get_by_text("You are watching this conversation: you will be told about every reply.")
    ).to_be_visible()
    member.submit(page.get_by_role("button", name="Stop watching"))
    expect(page.get_by_text("You stopped watching this conversation")).to_be_visible()
    expect(page.get_by_role("button", name="Watch this conversation")).to_be_visible()

    # Fiona locks the thread; Eve can read it but no longer reply or edit.
    facilitator = new_visitor(javascript=False)
    page = signed_in(facilitator, fiona).page
    facilitator.open(_thread_url(thread))
    facilitator.submit(page.get_by_role("button", name="Lock this conversation"))
    expect(page.get_by_text("The conversation is locked: members cannot reply.")).to_be_visible()
    expect(page.get_by_role("button", name="Unlock this conversation")).to_be_visible()
    assert Thread.objects.get(pk=thread.pk).locked

    page = member.page
    member.open(_thread_url(thread))
    expect(page.get_by_text("Locked", exact=True)).to_be_visible()
    expect(
        page.get_by_text("A facilitator locked this conversation: nobody can reply to it now.")
    ).to_be_visible()
    expect(page.get_by_label("Your reply")).to_have_count(0)
    expect(page.get_by_role("button", name="Post reply")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Reply to"))).to_have_count(0)
    expect(page.get_by_role("link", name="Edit your post")).to_have_count(0)
