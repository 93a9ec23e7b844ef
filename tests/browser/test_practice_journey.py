"""A practice story's journey: written section by section and published by its author, endorsed by a member of
another council, promoted by the home community's facilitator, repeated by a third council, then read by a
visitor who is not signed in; and the author's part again without JavaScript."""

import re

from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from practice.models import Adoption, Endorsement, PracticeStory
from tests.browser.steps import signed_in
from tests.browser.visitor import Visitor
from tests.factories import CommunityFactory, CouncilFactory, VerifiedMemberFactory
from tests.practice.helpers import author_in, person_as, published_story

TITLE = "Missed bins reported online in two clicks"


SECTIONS = {  # each section's page of the task list, in order: its fields' labels and what is typed
    "Summary and context": {
        "Summary": "Residents report a missed bin online and the crew sees it the same day.",
        "Tags (optional)": "Waste, Channel shift",
    },
    "Challenge": {
        "The challenge": "Missed bins were reported by phone and took **days** to reach the crews."
    },
    "What we did": {
        "What we did": "We put the crews' rounds online and let residents report a miss in two clicks."
    },
    "Outcomes and measures": {
        "Outcomes": "Reports reach the crews the same day.",
        "What you measured": "Days to collect a missed bin",
        "Before": "3",
        "After": "1",
        "Unit (optional)": "days",
    },
    "Evidence": {
        "Evidence": "Six months of reports before and after the change.",
        "Evidence links (optional)": "https://www.example.gov.uk/missed-bins-review Evaluation report",
    },
    "Cost": {"Cost and resources": "Two developers for six weeks."},
    "Lessons": {
        "Lessons learned": "Start with the crews.",
        "What we would do differently": "Involve the contact centre earlier.",
    },
}


def _write_and_publish(visitor: Visitor, *, community_name: str, title: str) -> PracticeStory:
    """From the home page, signed in: the library's "Share a story" (its title and home community), the task
    list, every section's page one after the other ("Save and continue"), check your answers and "Publish".
    Lands on the published story's page."""
    page = visitor.page
    visitor.follow(page.get_by_role("link", name="Practice", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice library")
    visitor.follow(page.get_by_role("button", name="Share a story"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Share a story")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Home community", exact=True).select_option(label=community_name)
    visitor.submit(page.get_by_role("button", name="Save and continue"))
    story = PracticeStory.objects.get(title=title)
    assert visitor.path() == f"/practice/{story.slug}/write/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Write your story")
    expect(page.get_by_text("0 of 8 sections completed")).to_be_visible()

    visitor.follow(page.get_by_role("link", name="Summary and context"))
    for heading, fields in SECTIONS.items():
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        if heading == "Summary and context":
            page.get_by_label("Service area", exact=True).select_option(label="Environment and waste")
        for label, text in fields.items():
            page.get_by_label(label, exact=True).first.fill(text)
        visitor.submit(page.get_by_role("button", name="Save and continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audience and publish")
    page.get_by_label("Anyone, including people who are not signed in").check()
    visitor.submit(page.get_by_role("button", name="Save and continue"))

    assert visitor.path() == f"/practice/{story.slug}/check/"
    story.refresh_from_db()
    assert story.is_draft
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before publishing")
    expect(page.get_by_text("8 of 8 sections completed.")).to_be_visible()
    visitor.submit(page.get_by_role("button", name="Publish"))
    story.refresh_from_db()
    assert story.is_published
    assert visitor.path() == story.get_absolute_url()
    expect(
        page.get_by_text(
            "Your story is published. Its home community has been told, and its discussion has started."
        )
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return story


def _expect_the_record(visitor: Visitor, story: PracticeStory) -> None:
    """The story's page shows what its author wrote: record sections, evidence link, measure and tags."""
    page = visitor.page
    expect(page.get_by_role("heading", name="The challenge", exact=True)).to_be_visible()
    expect(page.get_by_text("took days to reach the crews")).to_be_visible()
    expect(page.locator(".khub-prose strong", has_text="days")).to_be_visible()  # Markdown, rendered
    expect(page.get_by_role("heading", name="What we would do differently")).to_be_visible()
    evidence = page.get_by_role("link", name="Evaluation report")
    expect(evidence).to_have_attribute("href", "https://www.example.gov.uk/missed-bins-review")
    measures = page.get_by_role("table", name="Measured outcomes")
    row = measures.get_by_role("row", name=re.compile("Days to collect a missed bin"))
    expect(row).to_contain_text("3 days")
    expect(row).to_contain_text("1 days")
    tags = page.get_by_role("list", name="Tags")
    expect(tags).to_contain_text("Waste")
    expect(tags).to_contain_text("Channel shift")
    expect(page.locator(".khub-glance")).to_contain_text(story.council.name)


def test_a_story_is_published_endorsed_promoted_repeated_and_read_by_a_visitor(new_visitor):
    bristol = CouncilFactory(name="Bristol City Council")
    community = CommunityFactory(name="Waste and Recycling", visibility="open")
    asha = author_in(community, display_name="Asha Khan", council=bristol)
    ben = author_in(community, display_name="Ben Okoro", council=CouncilFactory(name="Leeds City Council"))
    fiona = person_as("facilitator", community, display_name="Fiona Reid")
    cara = VerifiedMemberFactory(display_name="Cara Jones", council=CouncilFactory(name="Cornwall Council"))
    hidden = published_story(
        community=community,
        audience="community",
        title="Garden waste renewals by text message",
        tags=["Garden waste"],
    )
    author, endorser, facilitator, adopter, reader = (new_visitor() for _ in range(5))

    # (1) Asha writes the story, previews it and publishes it.
    signed_in(author, asha)
    story = _write_and_publish(author, community_name="Waste and Recycling", title=TITLE)
    assert story.council == bristol
    assert story.audience == PracticeStory.Audience.PUBLIC
    assert story.community == community
    _expect_the_record(author, story)
    expect(author.page.get_by_text("Nobody has endorsed it yet.")).to_be_visible()

    # (2) Ben, of another council in the community, finds it in the library, comments and endorses it,
    # with the keyboard only.
    page = signed_in(endorser, ben).page
    endorser.follow(page.get_by_role("link", name="Practice", exact=True))
    endorser.follow(page.get_by_role("link", name=TITLE))
    assert endorser.path() == story.get_absolute_url()
    comment = page.get_by_label("Why would you recommend it? (optional)")
    comment.focus()
    page.keyboard.type("We copied the round sheets idea: complaints halved.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="I'd recommend this")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    endorser.scan()
    assert endorser.path() == story.get_absolute_url()
    expect(
        page.get_by_text("Thank you: you endorsed this story. Its authors have been told.")
    ).to_be_visible()
    endorsements = page.locator("#endorsements")
    expect(endorsements.get_by_role("heading", level=2)).to_contain_text("1 member recommends this")
    panel = page.get_by_role("complementary", name="At a glance")
    expect(panel.get_by_text("You recommend this story.")).to_be_visible()
    expect(panel.get_by_role("button", name="Withdraw my endorsement")).to_be_visible()
    expect(panel.get_by_role("link", name="1 member recommends this")).to_be_visible()
    endorsement = endorsements.locator(".khub-endorsement")
    expect(endorsement).to_contain_text("Ben Okoro, Leeds City Council")
    expect(endorsement).to_contain_text("We copied the round sheets idea: complaints halved.")
    assert Endorsement.objects.filter(story=story, user=ben).exists()

    # (3) Fiona, a facilitator of the home community, promotes it.
    page = signed_in(facilitator, fiona).page
    facilitator.open(story.get_absolute_url())
    facilitator.submit(page.get_by_role("button", name="Promote to Practice worth repeating"))
    story.refresh_from_db()
    assert story.is_promoted
    assert story.promoted_by == fiona
    expect(
        page.get_by_text("The story is promoted to Practice worth repeating. Its authors have been told.")
    ).to_be_visible()
    promoted_on = date_format(timezone.localtime(story.promoted_at), "j F Y")
    promotion = page.locator("#promotion")
    expect(promotion.locator(".govuk-tag", has_text="Practice worth repeating")).to_be_visible()
    expect(promotion).to_contain_text(
        f"Promoted by Fiona Reid, a facilitator of the home community, on {promoted_on}."
    )
    expect(page.locator("h1 ~ .khub-tag-list").first).to_contain_text("Practice worth repeating")
    expect(promotion.get_by_role("button", name="Promote to Practice worth repeating")).to_have_count(0)
    expect(promotion.get_by_role("link", name="Withdraw the promotion")).to_be_visible()

    # (4) Cara, of a third council, records that Cornwall repeated it: a mistake first, then how it went.
    page = signed_in(adopter, cara).page
    adopter.open(story.get_absolute_url())
    expect(page.get_by_text("No other council has recorded repeating it yet.")).to_be_visible()
    adopter.follow(page.get_by_role("button", name="We've repeated this"))
    expect(page.get_by_role("heading", level=1)).to_have_text("We've repeated this")
    adopter.submit(page.get_by_role("button", name="Record it"))
    expect(page.get_by_role("alert")).to_contain_text("Choose how it went")
    expect(page.get_by_role("alert")).to_contain_text("Enter the month you started")
    page.get_by_label("Adapted: we changed it to fit").check()
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Notes (optional)").fill("We send the report to the crew's tablet as well.")
    adopter.submit(page.get_by_role("button", name="Record it"))
    assert adopter.path() == story.get_absolute_url()
    expect(
        page.get_by_text("Recorded: Cornwall Council repeated this story. Its authors have been told.")
    ).to_be_visible()
    adoptions = page.locator("#adoptions")
    expect(adoptions.get_by_role("heading", level=2)).to_have_text("Repeated by 1 council")
    row = adoptions.get_by_role("row", name=re.compile("Cornwall Council"))
    expect(row).to_contain_text("Adapted")
    expect(row).to_contain_text("March 2025")
    expect(row).to_contain_text("We send the report to the crew's tablet as well.")
    expect(page.locator("h1 ~ .khub-tag-list").first).to_contain_text("Repeated by 1 council")
    expect(page.get_by_role("button", name="We've repeated this")).to_have_count(0)
    expect(page.get_by_role("complementary", name="At a glance")).to_contain_text("1 council repeated it")
    adoption = Adoption.objects.get(story=story)
    assert (adoption.council.name, adoption.outcome) == ("Cornwall Council", Adoption.Outcome.ADAPTED)

    # (5) A visitor who is not signed in finds the story in the library with its badges and reads it.
    page = reader.page
    reader.open("/practice/")
    expect(page.get_by_text("You are seeing the stories councils have shared publicly.")).to_be_visible()
    expect(page.get_by_role("heading", name="1 story")).to_be_visible()
    expect(page.get_by_role("link", name=hidden.title)).to_have_count(0)
    card = page.locator(".khub-story-card", has_text=TITLE)
    expect(card).to_contain_text("Bristol City Council")
    expect(card).to_contain_text("Environment and waste")
    expect(card.get_by_text("Practice worth repeating")).to_be_visible()
    expect(card.get_by_text("Repeated by 1 council")).to_be_visible()
    expect(card.get_by_text("1 endorsement")).to_be_visible()
    reader.follow(card.get_by_role("link", name=TITLE))
    assert reader.path() == story.get_absolute_url()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    _expect_the_record(reader, story)
    expect(page.locator("#endorsements")).to_contain_text("Ben Okoro, Leeds City Council")
    expect(
        page.get_by_role("complementary", name="At a glance").get_by_role("link", name="Sign in")
    ).to_be_visible()
    expect(page.get_by_role("button", name="I'd recommend this")).to_have_count(0)
    expect(page.get_by_role("button", name="We've repeated this")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # The community-only story does not exist for the visitor: its address asks them to sign in.
    reader.open(hidden.get_absolute_url())
    assert reader.path().startswith("/accounts/login/")
    expect(page.get_by_text(hidden.title)).to_have_count(0)


def test_a_story_is_published_and_endorsed_without_javascript(new_visitor):
    community = CommunityFactory(name="Housing Options", visibility="open")
    dev = author_in(
        community, display_name="Dev Mistry", council=CouncilFactory(name="Norfolk County Council")
    )
    eve = author_in(community, display_name="Eve Lloyd", council=CouncilFactory(name="Kent County Council"))
    author, endorser = new_visitor(javascript=False), new_visitor(javascript=False)

    signed_in(author, dev)
    story = _write_and_publish(author, community_name="Housing Options", title=TITLE)
    _expect_the_record(author, story)

    page = signed_in(endorser, eve).page
    endorser.open(story.get_absolute_url())
    page.get_by_label("Why would you recommend it? (optional)").fill("Clear, and the numbers are honest.")
    endorser.submit(page.get_by_role("button", name="I'd recommend this"))
    assert endorser.path() == story.get_absolute_url()
    expect(
        page.get_by_text("Thank you: you endorsed this story. Its authors have been told.")
    ).to_be_visible()
    endorsement = page.locator("#endorsements .khub-endorsement")
    expect(endorsement).to_contain_text("Eve Lloyd, Kent County Council")
    expect(endorsement).to_contain_text("Clear, and the numbers are honest.")
    expect(page.get_by_text("You recommend this story.")).to_be_visible()
    assert Endorsement.objects.filter(story=story, user=eve).exists()
