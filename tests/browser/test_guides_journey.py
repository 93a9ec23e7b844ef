"""A living guide in a browser: a member edits it while someone else saves, is told what changed meanwhile
with their own text kept, saves again, then compares two revisions from the history side by side and
inline; with JavaScript and without. Every page is scanned with axe-core on the way
(tests/browser/conftest.py)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from library.models import Guide
from library.services.guides import guide_create, guide_save
from tests.browser.steps import sign_in
from tests.communities.helpers import community, person_as

PASSWORD = "correct-horse-battery"
BODY = "## Before you start\n\nAgree the scope with finance.\n\n## Steps\n\n1. Write the case\n2. Send it"


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_member_edits_a_guide_someone_else_saved_meanwhile_and_compares_revisions(new_visitor, javascript):
    place = community("open", name="Procurement Network")
    author = person_as("member", place, display_name="Grace Obi")
    editor = person_as("member", place, display_name="Tomasz Nowak")
    guide = guide_create(
        user=author, community=place, title="Joint procurement", body=BODY, note="First draft"
    )

    visitor = new_visitor(javascript=javascript)
    page = visitor.page
    visitor.open("/")
    sign_in(visitor, email=editor.email, password=PASSWORD)
    visitor.open(guide.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Joint procurement")
    expect(page.locator("#guide-last-edited").get_by_role("link", name="Grace Obi")).to_be_visible()
    visitor.follow(page.get_by_role("link", name="Edit this guide"))

    # Meanwhile Grace saves a change from the same revision.
    guide_save(
        user=author,
        guide=guide,
        title=guide.title,
        body=BODY + "\n3. Hear back",
        note="Step 3",
        base_revision=1,
    )
    page.get_by_label("Text", exact=True).fill("My own rewrite of the steps")
    page.get_by_label("What did you change? (optional)").fill("Rewrite")
    visitor.submit(page.get_by_role("button", name="Save changes"))

    expect(page.get_by_role("alert")).to_contain_text("Someone else saved this guide while you were editing")
    expect(page.get_by_role("heading", name="What changed meanwhile")).to_be_visible()
    expect(page.locator("#diff-table ins")).to_contain_text("3. Hear back")
    expect(page.get_by_label("Text", exact=True)).to_have_value("My own rewrite of the steps")
    visitor.submit(page.get_by_role("button", name="Save changes"))

    expect(page.locator("#guide-last-edited").get_by_role("link", name="Tomasz Nowak")).to_be_visible()
    assert Guide.objects.get(pk=guide.pk).revision_count == 3

    visitor.follow(page.get_by_role("link", name="History of this guide"))
    page.get_by_label("Compare from revision 1").check()
    page.get_by_label("Compare to revision 3").check()
    visitor.submit(page.get_by_role("button", name="Compare the chosen revisions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes from revision 1 to revision 3")
    expect(page.get_by_role("table")).to_contain_text("side by side")
    visitor.follow(page.get_by_role("link", name="Show the changes inline"))
    expect(page.get_by_role("table")).to_contain_text("one after the other")
    expect(page.get_by_role("table")).to_contain_text("Removed line:")
    assert page.url.endswith("?from=1&to=3&view=inline")
    assert reverse("library:guide-diff", args=[place.slug, guide.slug]) in page.url
