"""A community library in a browser: a member goes from the community's page to its library, uploads a
document (a refusal first: a file that is not one the library takes, said beside the field, nothing
saved), uploads a new version with a note and sees both versions with their download links; with
JavaScript and without, and by keyboard alone (the file chosen from the file chooser the keyboard opens).
Every page is scanned with axe-core on the way (tests/browser/conftest.py). Guides' editing, conflict and
diff have their own journey (test_guides_journey.py)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from library.models import Document
from tests.browser.steps import sign_in, tab_to
from tests.communities.helpers import community, person_as
from tests.library.helpers import docx_bytes, pdf_bytes

PASSWORD = "correct-horse-battery"
TITLE = "Business case template for shared waste collection"


def _file(name: str, data: bytes, mime: str = "application/octet-stream") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_member_uploads_a_document_and_a_new_version(new_visitor, javascript):
    place = community("open", name="Waste and Recycling Network")
    member = person_as("member", place, display_name="Priya Raman")
    visitor = new_visitor(javascript=javascript)
    page = visitor.page
    visitor.open("/")
    sign_in(visitor, email=member.email, password=PASSWORD)

    visitor.open(reverse("communities:detail", args=[place.slug]))
    visitor.follow(page.locator("#community-library-link"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Library")
    visitor.follow(page.get_by_role("button", name="Upload a document"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a document")

    # A mistake first: a program named as a PDF is refused beside the field, and nothing is saved.
    page.get_by_label("Upload a file").set_input_files(_file("case.pdf", b"MZ\x90\x00" + b"\x00" * 200))
    page.get_by_label("Title", exact=True).fill(TITLE)
    visitor.submit(page.get_by_role("button", name="Upload", exact=True))
    expect(page.get_by_role("alert")).to_contain_text("The selected file must be a")
    expect(page.locator("#id_file-error")).to_contain_text("The selected file must be a")
    assert not Document.objects.exists()
    expect(page.get_by_label("Title", exact=True)).to_have_value(TITLE)  # what was typed is kept

    page.get_by_label("Upload a file").set_input_files(_file("Business case (draft).pdf", pdf_bytes()))
    page.get_by_label("Tags (optional)").fill("waste, business cases")
    visitor.submit(page.get_by_role("button", name="Upload", exact=True))
    document = Document.objects.get()
    assert visitor.path() == document.get_absolute_url()
    expect(page.get_by_text(f"“{TITLE}” is in {place.name}'s library.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    visitor.follow(page.get_by_role("link", name="Upload a new version"))
    page.get_by_label("Upload the new version").set_input_files(_file("Business case v2.docx", docx_bytes()))
    page.get_by_label("What changed (optional)").fill("Figures updated for 2026 to 2027")
    visitor.submit(page.get_by_role("button", name="Upload", exact=True))
    expect(page.get_by_text("Version 2 is uploaded. The download link now gives it.")).to_be_visible()
    versions = page.locator("#document-versions")
    expect(versions).to_contain_text("Figures updated for 2026 to 2027")
    expect(versions).to_contain_text("Business case v2.docx")
    expect(versions).to_contain_text("Business case (draft).pdf")
    document.refresh_from_db()
    assert (document.version_count, document.kind) == (2, "docx")
    expect(page.locator("#document-download")).to_have_attribute(
        "href", reverse("library:download", args=[place.slug, document.pk])
    )
    visitor.scan()


def test_a_member_uploads_a_document_by_keyboard_alone(new_visitor):
    place = community("open", name="Housing Options Group")
    member = person_as("member", place, display_name="Ade Bello")
    visitor = new_visitor()
    page = visitor.page
    # File choosers are intercepted from the start: expect_file_chooser() alone turns interception on without
    # waiting for it, and a Space pressed before it took effect opened no chooser on a loaded CI machine.
    page.on("filechooser", lambda _chooser: None)
    visitor.open("/")
    sign_in(visitor, email=member.email, password=PASSWORD)
    visitor.open(reverse("library:index", args=[place.slug]))

    tab_to(page, page.get_by_role("button", name="Upload a document"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    chooser_opener = page.get_by_label("Upload a file")
    tab_to(page, chooser_opener)
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(_file("Allocation policy.pdf", pdf_bytes("Allocation policy")))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Title", exact=True)).to_be_focused()
    page.keyboard.type("Allocation policy 2026")
    tab_to(page, page.get_by_role("button", name="Upload", exact=True))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.scan()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allocation policy 2026")
    assert Document.objects.get().current_version.filename == "Allocation policy.pdf"
