"""Ask the hub in a browser (issue 22): a member types a question and is shown a conversation that looks
like the same one ("Has this been answered already?": as they type with JavaScript, with the "Check for
answers" button without), posts it, confirms who to ask among the people suggested (unticking one), one
of those asked answers from the question's page, and the asker marks that reply as the answer; with
JavaScript and without, and by keyboard alone. Then the home page's "People you may want to know", one
dismissed (in place with htmx, with a banner without), and a practice story's "People who can help".
Every page is scanned with axe-core on the way (tests/browser/conftest.py)."""

import re

import pytest
from django.utils.html import escape
from playwright.sync_api import Page, expect

from ask.models import Question, QuestionAsk
from communities.models import Post, Thread
from communities.services.conversations import thread_create
from profiles.models import Dismissal
from tests.browser.steps import signed_in, tab_to
from tests.browser.visitor import Visitor
from tests.communities.helpers import community, person_as
from tests.factories import CouncilFactory, VerifiedMemberFactory, with_tags
from tests.practice.helpers import published_story

TITLE = "How do you charge for garden waste collection?"
EARLIER = "Garden waste subscriptions: what do you charge?"


def _press(visitor: Visitor, key: str = "Enter") -> None:
    """A key that loads a page (a link or a form's button has the focus); the new page is scanned."""
    with visitor.page.expect_navigation():
        visitor.page.keyboard.press(key)
    visitor.scan()


def _unique_ids(page: Page) -> None:
    """No id twice on the page (axe no longer checks it; labels, hints and errors point at ids)."""
    twice = page.evaluate(
        """() => {
            const seen = new Map();
            for (const element of document.querySelectorAll("[id]")) {
                seen.set(element.id, (seen.get(element.id) || 0) + 1);
            }
            return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
        }"""
    )
    assert twice == [], f"ids used more than once on {page.url}: {twice}"


def _hub():
    """An asker, three people whose expertise matches (one at a council named, to untick), and an earlier
    conversation, answered elsewhere, that looks like the same question."""
    leeds = CouncilFactory(name="Leeds City Council")
    asker = VerifiedMemberFactory(display_name="Dana Asker", council=leeds)
    experts = [
        with_tags(
            VerifiedMemberFactory(display_name=name, council=CouncilFactory(name=council)),
            expertise=["garden waste"],
        )
        for name, council in (
            ("Grace Obi", "Bristol City Council"),
            ("Tomasz Nowak", "Kent County Council"),
            ("Ravi Shah", "Norfolk County Council"),
        )
    ]
    place = community("open", name="Waste and Recycling Network")
    thread_create(author=person_as("member", place), community=place, title=EARLIER, body="Ours is £45.")
    return asker, experts


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_member_asks_the_hub_confirms_who_to_ask_and_accepts_an_answer(new_visitor, javascript, mailoutbox):
    asker, (grace, tomasz, ravi) = _hub()
    visitor = signed_in(new_visitor(javascript=javascript), asker)
    page = visitor.page

    visitor.open("/ask/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask the hub")
    title = page.get_by_label("Your question")
    similar = page.locator("#similar")
    if javascript:  # the list comes as they type
        title.press_sequentially(TITLE, delay=10)
        expect(similar.get_by_role("heading", name="Has this been answered already?")).to_be_visible()
        visitor.scan()
    else:  # the button shows it, the form kept as typed
        title.fill(TITLE)
        visitor.submit(page.get_by_role("button", name="Check for answers"))
        expect(similar.get_by_role("heading", name="Has this been answered already?")).to_be_visible()
        expect(page.get_by_label("Your question")).to_have_value(TITLE)
        expect(page.locator(".govuk-error-summary")).to_have_count(0)
        # The lookup's own address, which htmx calls, is a page of its own too.
        lookup = new_visitor(javascript=False)
        signed_in(lookup, asker).open("/ask/similar/?title=garden+waste+charges")
        expect(lookup.page.get_by_role("link", name=EARLIER)).to_be_visible()
    expect(similar.get_by_role("link", name=EARLIER)).to_be_visible()
    _unique_ids(page)

    page.get_by_label("Details", exact=True).fill("We start a **subscription** in April. What is fair?")
    page.get_by_label("Service area (optional)").select_option(label="Environment and waste")
    page.get_by_label("Tags (optional)").fill("garden waste, charging")
    visitor.submit(page.get_by_role("button", name="Continue"))

    question = Question.objects.get(thread__title=TITLE)
    assert question.service_area == "environment"
    expect(page.get_by_role("heading", level=1)).to_have_text("Who should we ask?")
    people = page.get_by_role("group", name="People who may know")
    for person in (grace, tomasz, ravi):
        box = people.get_by_role("checkbox", name=re.compile(re.escape(person.public_name)))
        expect(box).to_be_checked()
    expect(people).to_contain_text("expertise: garden waste")
    _unique_ids(page)
    people.get_by_role("checkbox", name=re.compile("Ravi Shah")).uncheck()
    visitor.submit(page.get_by_role("button", name="Ask the people ticked"))

    thread = question.thread
    assert visitor.path() == thread.get_absolute_url()
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Your question is posted. We asked 2 people")
    expect(banner).to_contain_text("Grace Obi")
    expect(banner).to_contain_text("Tomasz Nowak")
    expect(banner).not_to_contain_text("Ravi Shah")
    asked = page.get_by_role("region", name="People you asked")
    expect(asked).to_contain_text("Grace Obi, Bristol City Council")
    asks = QuestionAsk.objects.filter(question=question)
    assert set(asks.values_list("person", flat=True)) == {grace.pk, tomasz.pk}
    assert [m.to for m in mailoutbox if m.to == [ravi.email]] == []
    assert [m.to for m in mailoutbox if m.to == [grace.email]] == [[grace.email]]

    # Tomasz, asked too, suggests someone else: a name nobody has first (said beside the field), then Ravi.
    suggester = signed_in(new_visitor(javascript=javascript), tomasz)
    his_page = suggester.page
    suggester.open(thread.get_absolute_url())
    his_block = his_page.get_by_role("region", name="You were asked to help")
    _unique_ids(his_page)
    his_block.get_by_text("Suggest someone else").click()
    his_block.get_by_label("Who could answer it?").fill("Nobody Known")
    suggester.submit(his_block.get_by_role("button", name="Suggest them"))
    expect(his_page.get_by_role("heading", level=1)).to_have_text("Suggest someone else")
    expect(his_page.locator("#id_person-error")).to_contain_text("There is no member on the hub")
    his_page.get_by_label("Who could answer it?").fill(f"@{ravi.handle}")
    suggester.submit(his_page.get_by_role("button", name="Suggest them"))
    assert suggester.path() == thread.get_absolute_url()
    expect(his_page.get_by_role("alert")).to_contain_text("We asked Ravi Shah about this question.")
    ravi_ask = QuestionAsk.objects.get(question=question, person=ravi)
    assert (ravi_ask.round, ravi_ask.suggested_by) == (QuestionAsk.Round.SUGGESTED, tomasz)

    # Grace, asked, sees why on the question's page and answers there.
    answerer = signed_in(new_visitor(javascript=javascript), grace)
    their_page = answerer.page
    answerer.open(thread.get_absolute_url())
    block = their_page.get_by_role("region", name="You were asked to help")
    expect(block).to_contain_text(f"{asker.public_name} asked you because expertise: garden waste.")
    block.get_by_role("button", name="Answer", exact=True).click()
    assert answerer.path().endswith(thread.get_absolute_url())
    their_page.get_by_label("Your reply", exact=True).fill("We charge £52 a year and offer a second bin.")
    answerer.submit(their_page.get_by_role("button", name="Post reply"))
    expect(their_page.get_by_text("Your reply was posted.")).to_be_visible()
    expect(block).to_contain_text("Thank you for answering.")
    reply = Post.objects.get(thread=thread, author=grace)
    assert QuestionAsk.objects.get(question=question, person=grace).state == QuestionAsk.State.ANSWERED

    # Dana comes back and marks Grace's reply as the answer.
    visitor.open(thread.get_absolute_url())
    expect(page.get_by_role("region", name="People you asked")).to_contain_text("Answered")
    visitor.submit(
        page.locator(f"#post-{reply.pk}").get_by_role(
            "button", name=re.compile(r"^Mark as the answer\W+the reply by Grace Obi$")
        )
    )
    expect(page.get_by_text("You marked this reply as the answer.")).to_be_visible()
    expect(page.get_by_role("link", name="See the answer from Grace Obi")).to_be_visible()
    _unique_ids(page)
    expect(page.locator(f"#post-{reply.pk}").get_by_text("Answer", exact=True)).to_be_visible()
    assert Thread.objects.get(pk=thread.pk).answer_id == reply.pk


def test_a_member_asks_the_hub_and_an_asked_person_answers_by_keyboard_alone(new_visitor):
    asker, (grace, tomasz, ravi) = _hub()
    visitor = signed_in(new_visitor(), asker)
    page = visitor.page
    visitor.open("/ask/")

    tab_to(page, page.get_by_label("Your question"))
    page.keyboard.type(TITLE, delay=10)
    similar = page.locator("#similar")
    expect(similar.get_by_role("link", name=EARLIER)).to_be_visible()
    visitor.scan()
    expect(page.get_by_label("Your question")).to_be_focused()  # the list's arrival leaves the focus be
    tab_to(page, page.get_by_label("Details", exact=True))
    page.keyboard.type("We start a subscription in April. What is fair?")
    tab_to(page, page.get_by_label("Tags (optional)"))
    page.keyboard.type("garden waste")
    tab_to(page, page.get_by_role("button", name="Continue"))
    _press(visitor)

    expect(page.get_by_role("heading", level=1)).to_have_text("Who should we ask?")
    ravi_box = page.get_by_role("checkbox", name=re.compile("Ravi Shah"))
    tab_to(page, ravi_box)
    page.keyboard.press("Space")
    expect(ravi_box).not_to_be_checked()
    tab_to(page, page.get_by_role("button", name="Ask the people ticked"))
    _press(visitor)
    question = Question.objects.get(thread__title=TITLE)
    expect(page.get_by_role("alert")).to_contain_text("We asked 2 people")
    assert not QuestionAsk.objects.filter(question=question, person=ravi).exists()

    # Tomasz says "Not me" by keyboard; Grace answers by keyboard.
    passer = signed_in(new_visitor(), tomasz)
    passer.open(question.thread.get_absolute_url())
    tab_to(passer.page, passer.page.get_by_role("button", name=re.compile(r"^Not me")))
    _press(passer)
    expect(passer.page.get_by_role("alert")).to_contain_text("We will not remind you about this question.")
    assert QuestionAsk.objects.get(question=question, person=tomasz).state == QuestionAsk.State.PASSED

    answerer = signed_in(new_visitor(), grace)
    their_page = answerer.page
    answerer.open(question.thread.get_absolute_url())
    tab_to(their_page, their_page.get_by_role("button", name="Answer", exact=True))
    their_page.keyboard.press("Enter")  # to the reply form below: a jump, no page load
    reply_box = their_page.get_by_label("Your reply", exact=True)
    tab_to(their_page, reply_box, most=10)  # the next stops after the jump reach the form
    their_page.keyboard.type("We charge £52 a year.")
    tab_to(their_page, their_page.get_by_role("button", name="Post reply"), most=10)
    _press(answerer)
    expect(their_page.get_by_text("Your reply was posted.")).to_be_visible()
    reply = Post.objects.get(thread=question.thread, author=grace)

    visitor.open(question.thread.get_absolute_url())
    mark = page.get_by_role("button", name=re.compile(r"^Mark as the answer\W+the reply by Grace Obi$"))
    tab_to(page, mark)
    _press(visitor)
    expect(page.get_by_text("You marked this reply as the answer.")).to_be_visible()
    assert Thread.objects.get(pk=question.thread.pk).answer_id == reply.pk


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_member_dismisses_a_person_they_may_want_to_know_and_sees_who_can_help_on_a_story(
    new_visitor, javascript
):
    place = community("open", name="Waste and Recycling Network")
    member = with_tags(person_as("member", place, display_name="Dana Member"), expertise=["garden waste"])
    grace = with_tags(VerifiedMemberFactory(display_name="Grace Obi"), expertise=["garden waste"])
    with_tags(VerifiedMemberFactory(display_name="Tomasz Nowak"), expertise=["garden waste"])
    story = published_story(community=place, title="Garden waste subscriptions online", tags=["garden waste"])
    visitor = signed_in(new_visitor(javascript=javascript), member)
    page = visitor.page

    known = page.get_by_role("list", name="People you may want to know")
    expect(known.get_by_role("link", name="Grace Obi")).to_be_visible()
    expect(known.get_by_role("link", name="Tomasz Nowak")).to_be_visible()
    expect(known).to_contain_text("garden waste")
    _unique_ids(page)
    dismiss = known.get_by_role("button", name="Dismiss Grace Obi")
    if javascript:
        dismiss.click()
        expect(known.get_by_role("status")).to_have_text("We won't suggest them to you again.")
        expect(known.get_by_role("link", name="Grace Obi")).to_have_count(0)
        expect(known.get_by_role("listitem").filter(has=page.get_by_role("status"))).to_be_focused()
        visitor.scan()
        visitor.open("/")
    else:
        visitor.submit(dismiss)
        assert visitor.path() == "/"
        expect(page.get_by_role("alert")).to_contain_text("We won't suggest them to you again.")
    assert Dismissal.objects.filter(user=member, kind="person", object_id=grace.pk).exists()
    known = page.get_by_role("list", name="People you may want to know")
    expect(known.get_by_role("link", name="Grace Obi")).to_have_count(0)
    expect(known.get_by_role("link", name="Tomasz Nowak")).to_be_visible()

    visitor.open(story.get_absolute_url())
    helpers = page.get_by_role("region", name="People who can help")
    expect(helpers.get_by_role("link", name="Tomasz Nowak")).to_be_visible()
    expect(helpers).to_contain_text("expertise: garden waste")
    assert escape(story.author.public_name) not in helpers.inner_html()
    _unique_ids(page)  # never on their own story
