"""The library pages as people use them: the library's list (its sorts, filters, folders, pages, guides and
quota), uploading with every mistake refused beside its field and nothing saved, folders, a document's page
with its versions and text state, changing its details, a new version, removing it, the community's setting
for uploads, the community page's "Recently added", and the query counts that must not grow with the data."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.models import Community, ModerationLogEntry
from library.models import Document, DocumentVersion, Folder, Guide, LibrarySpace, TextState
from library.selectors import library_tags, library_tags_forget
from library.services.documents import document_add_version, document_remove, document_update, folder_create
from profiles.services import user_erase
from tests.communities.helpers import community, person_as
from tests.factories import AdminFactory
from tests.library.helpers import document, docx_bytes, pdf_bytes, png_bytes, upload_file, xlsx_bytes

pytestmark = pytest.mark.django_db


# --- Builders ------------------------------------------------------------------------------------------
def _url(name: str, target: Community | Document) -> str:
    if isinstance(target, Document):
        return reverse(f"library:{name}", kwargs={"slug": target.community.slug, "document_id": target.pk})
    return reverse(f"library:{name}", kwargs={"slug": target.slug})


def _banners(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _field_error(response, field: str) -> str:
    """The message shown beside a field (its govuk-error-message), or ""."""
    match = re.search(
        rf'id="id_{field}-error" class="govuk-error-message">\s*'
        r'<span class="govuk-visually-hidden">Error:</span>\s*([^<]*)',
        response.text,
    )
    return " ".join(match.group(1).split()) if match else ""


def _titles(response) -> list[str]:
    """The documents listed, in order."""
    listed = response.text.split('id="library-documents"', 1)
    if len(listed) < 2:
        return []
    rows = listed[1].split("</ul>", 1)[0]
    return re.findall(r'khub-thread-row__title">\s*<a [^>]*>([^<]*)</a>', rows)


def _guide(place: Community, author, title: str, *, days_ago: int = 0) -> Guide:
    """A guide as its row stands (the guide services belong to the guide pages, built beside this)."""
    edited = timezone.now() - timedelta(days=days_ago)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return Guide.objects.create(
        community=place,
        slug=slug,
        title=title,
        body="Text",
        revision_count=1,
        created_by=author,
        last_edited_by=author,
        last_edited_at=edited,
    )


@pytest.fixture
def place():
    home = community("private")
    return home, person_as("member", home)


# --- The library -------------------------------------------------------------------------------------------
def test_the_library_lists_each_document_with_its_type_size_uploader_and_downloads(client, place):
    home, member = place
    doc = document(uploader=member, community=home, title="Waste business case")
    client.force_login(person_as("member", home))

    page = client.get(_url("index", home))

    assert _titles(page) == ["Waste business case"]
    assert f"PDF, {doc.size}\xa0bytes" in page.text
    assert escape(member.display_name) in page.text
    assert "khub-avatar" in page.text  # the uploader's face or initials
    assert "0 downloads" in page.text


def test_an_erased_uploader_is_shown_as_former_member(client, place):
    home, member = place
    document(uploader=member, community=home, title="Kept after erasure")
    user_erase(user=member)
    client.force_login(person_as("member", home))

    page = client.get(_url("index", home)).text

    assert "Former member" in page
    assert "Kept after erasure" in page


def test_the_three_sorts_name_newest_and_most_downloaded(client, place):
    home, member = place
    beta = document(uploader=member, community=home, title="beta")
    alpha = document(uploader=member, community=home, title="Alpha")
    gamma = document(uploader=member, community=home, title="Gamma")
    now = timezone.now()
    Document.objects.filter(pk=alpha.pk).update(updated_at=now - timedelta(days=3), download_count=5)
    Document.objects.filter(pk=beta.pk).update(updated_at=now - timedelta(days=1), download_count=1)
    Document.objects.filter(pk=gamma.pk).update(updated_at=now - timedelta(days=2), download_count=9)
    client.force_login(member)

    assert _titles(client.get(_url("index", home))) == ["Alpha", "beta", "Gamma"]  # whatever the case
    assert _titles(client.get(_url("index", home), {"sort": "newest"})) == ["beta", "Gamma", "Alpha"]
    assert _titles(client.get(_url("index", home), {"sort": "downloads"})) == ["Gamma", "Alpha", "beta"]
    assert _titles(client.get(_url("index", home), {"sort": "nonsense"})) == ["Alpha", "beta", "Gamma"]


def test_filters_by_type_tag_and_folder_each_and_together(client, place):
    home, member = place
    reports = folder_create(user=member, community=home, name="Reports")
    document(uploader=member, community=home, title="Plan", tags=["housing"], folder=reports)
    document(
        uploader=member, community=home, title="Budget", data=xlsx_bytes(), name="b.xlsx", tags=["money"]
    )
    document(
        uploader=member, community=home, title="Framework", data=docx_bytes(), name="f.docx", tags=["Housing"]
    )
    client.force_login(member)
    url = _url("index", home)

    assert _titles(client.get(url, {"kind": "xlsx"})) == ["Budget"]
    assert _titles(client.get(url, {"tag": "housing"})) == ["Framework", "Plan"]
    assert _titles(client.get(url, {"folder": reports.pk})) == ["Plan"]
    assert _titles(client.get(url, {"tag": "housing", "kind": "docx"})) == ["Framework"]
    empty = client.get(url, {"tag": "money", "kind": "pdf"})
    assert _titles(empty) == []
    assert "No documents match these filters." in empty.text
    # A value that is not a choice is ignored; the others still apply.
    assert _titles(client.get(url, {"kind": "exe", "tag": "money"})) == ["Budget"]
    assert len(_titles(client.get(url, {"folder": "999999"}))) == 3


@override_settings(LIBRARY_TAGS_KEPT_SECONDS=300)
def test_the_tag_filter_is_kept_between_pages_and_forgotten_when_a_document_changes(
    place, django_assert_num_queries, django_capture_on_commit_callbacks
):
    home, member = place
    library_tags_forget(community_id=home.pk)
    with django_capture_on_commit_callbacks(execute=True):
        plan = document(uploader=member, community=home, title="Plan", tags=["housing"])
    assert [tag.name for tag in library_tags(community=home)] == ["housing"]
    with django_assert_num_queries(0):
        assert [tag.name for tag in library_tags(community=home)] == ["housing"]
    with django_capture_on_commit_callbacks(execute=True):
        document(uploader=member, community=home, title="Budget", tags=["money"])
    assert [tag.name for tag in library_tags(community=home)] == ["housing", "money"]
    with django_capture_on_commit_callbacks(execute=True):
        document_update(user=member, document=plan, title="Plan", tags=["waste"])
    assert [tag.name for tag in library_tags(community=home)] == ["money", "waste"]
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(user=person_as("facilitator", home), document=plan, reason="Out of date")
    assert [tag.name for tag in library_tags(community=home)] == ["money"]
    library_tags_forget(community_id=home.pk)


def test_folders_are_links_that_filter_and_the_upload_goes_to_the_folder_shown(client, place):
    home, member = place
    reports = folder_create(user=member, community=home, name="Reports")
    client.force_login(member)

    page = client.get(_url("index", home)).text
    assert f"?folder={reports.pk}" in page
    in_folder = client.get(_url("index", home), {"folder": reports.pk}).text
    assert f"{_url('upload', home)}?folder={reports.pk}" in in_folder
    upload_page = client.get(_url("upload", home), {"folder": reports.pk}).text
    assert f'<option value="{reports.pk}" selected>Reports</option>' in upload_page
    for odd in ("²", "9" * 5000, "-1", "x"):
        assert client.get(_url("upload", home), {"folder": odd}).status_code == 200


def test_the_library_is_paginated(client, place):
    home, member = place
    for n in range(27):
        document(uploader=member, community=home, title=f"Doc {n:02}")
    client.force_login(member)

    first = client.get(_url("index", home))
    second = client.get(_url("index", home), {"page": 2, "sort": "name"})

    assert len(_titles(first)) == 25
    assert _titles(second) == ["Doc 25", "Doc 26"]
    assert "27 documents" in first.text
    assert 'class="govuk-pagination"' in first.text
    assert "sort=name" in second.text  # the page links keep the sort


def test_an_empty_library_says_so_and_offers_the_first_upload(client, place):
    home, member = place
    client.force_login(member)
    page = client.get(_url("index", home)).text
    assert "There is nothing in" in page
    assert "Upload the first document" in page
    assert "Nobody has written a guide here yet." in page
    assert "There are no folders yet." in page


def test_guides_are_listed_most_recently_edited_first_with_who_edited_them(client, place):
    home, member = place
    _guide(home, member, "Onboarding guide", days_ago=5)
    _guide(home, member, "Procurement how-to", days_ago=1)
    removed = _guide(home, member, "Removed guide")
    Guide.objects.filter(pk=removed.pk).update(removed_at=timezone.now())
    for n in range(12):
        _guide(home, member, f"Old guide {n}", days_ago=30 + n)
    client.force_login(member)

    page = client.get(_url("index", home)).text

    guides = page.split('id="library-guides"', 1)[1].split("</ul>", 1)[0]
    titles = re.findall(r'khub-thread-row__title">\s*<a [^>]*>([^<]*)</a>', guides)
    assert titles[:2] == ["Procurement how-to", "Onboarding guide"]
    assert len(titles) == 10
    assert "Removed guide" not in page
    assert "Last edited by" in guides
    assert member.display_name in guides
    assert reverse("library:guide", kwargs={"slug": home.slug, "guide_slug": "procurement-how-to"}) in guides
    assert _url("guide-create", home) in page


def test_only_members_who_take_part_are_offered_to_create_a_guide(client):
    home = community("open")
    client.force_login(person_as("outsider", home))
    assert _url("guide-create", home) not in client.get(_url("index", home)).text
    client.force_login(person_as("member", home))
    assert _url("guide-create", home) in client.get(_url("index", home)).text


@pytest.mark.parametrize(("role", "sees"), [("member", False), ("facilitator", True), ("site_admin", True)])
def test_facilitators_see_the_quota(client, place, role, sees):
    home, member = place
    doc = document(uploader=member, community=home)
    LibrarySpace.objects.filter(community=home).update(quota_bytes=10_000)
    client.force_login(person_as(role, home))

    page = client.get(_url("index", home)).text

    assert (f"This library uses {doc.size}\xa0bytes of its 9.8\xa0KB." in page) is sees
    assert ('id="library-quota"' in client.get(_url("upload", home)).text) is sees


def test_the_library_page_writes_nothing(client, place):
    home, _member = place
    client.force_login(person_as("facilitator", home))
    assert "This library uses 0\xa0bytes" in client.get(_url("index", home)).text
    assert not LibrarySpace.objects.exists()


# --- Uploading ------------------------------------------------------------------------------------------
def test_a_member_uploads_a_document_with_every_field(client, place):
    home, member = place
    reports = folder_create(user=member, community=home, name="Reports")
    client.force_login(member)

    response = client.post(
        _url("upload", home),
        {
            "file": upload_file(docx_bytes(), "Framework final.docx"),
            "title": "  Procurement framework ",
            "description": "Used by 4 councils.",
            "folder": reports.pk,
            "tags": "procurement, Housing",
        },
        follow=True,
    )

    created = Document.objects.get()
    assert response.redirect_chain[-1][0] == created.get_absolute_url()
    assert _banners(response) == [f"“Procurement framework” is in {home.name}'s library."]
    assert (created.title, created.description, created.folder, created.kind) == (
        "Procurement framework",
        "Used by 4 councils.",
        reports,
        "docx",
    )
    assert sorted(created.tags.names()) == ["Housing", "procurement"]
    assert created.uploaded_by == member
    assert created.current_version.filename == "Framework final.docx"


def test_the_upload_form_is_the_govuk_file_upload(client, place):
    home, member = place
    client.force_login(member)
    page = client.get(_url("upload", home)).text
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input type="file" name="file"[^>]* class="govuk-file-upload"', page)
    assert '<label class="govuk-label govuk-label--s" for="id_file">Upload a file</label>' in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "No file"}, "file", "Select a file"),
        ({"file": upload_file(b"", "empty.pdf"), "title": "Empty"}, "file", "The selected file is empty."),
        (
            {"file": upload_file(b"MZ\x90\x00" + b"\x00" * 200, "report.pdf"), "title": "An exe"},
            "file",
            "The selected file must be a PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text, PNG or "
            "JPEG file.",
        ),
        ({"file": upload_file(), "title": "   "}, "title", "Enter a title"),
        ({"file": upload_file(), "title": "x" * 201}, "title", "The title must be 200 characters or fewer"),
        (
            {"file": upload_file(), "title": "Bad folder", "folder": "12345"},
            "folder",
            "Select a folder from the list",
        ),
        (
            {"file": upload_file(), "title": "Many tags", "tags": ",".join(f"t{n}" for n in range(11))},
            "tags",
            "Enter 10 tag tags or fewer",
        ),
    ],
)
def test_each_mistake_is_shown_beside_its_field_and_nothing_is_saved(client, place, data, field, message):
    home, member = place
    client.force_login(member)

    response = client.post(_url("upload", home), data)

    assert response.status_code == 200
    assert _field_error(response, field) == message
    assert "There is a problem" in response.text
    assert response.text.count(f'href="#id_{field}"') == 1  # the error summary links to the field
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()


def test_a_file_over_the_size_limit_is_dropped_while_it_arrives_and_said_so(client, place, settings):
    home, member = place
    settings.LIBRARY_MAX_UPLOAD_BYTES = 1000
    client.force_login(member)

    response = client.post(
        _url("upload", home), {"file": upload_file(pdf_bytes("x" * 2000)), "title": "Too big", "tags": "a"}
    )

    assert response.status_code == 200
    assert _field_error(response, "file") == "The selected file must be smaller than 1000 bytes."
    assert 'value="Too big"' in response.text  # the rest of the form was read and is kept
    assert not Document.objects.exists()


def test_a_form_with_megabytes_of_text_is_refused_as_a_bad_request_not_a_server_error(client, place):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) counts the form's text fields, not its files."""
    home, member = place
    client.force_login(member)
    response = client.post(
        _url("upload", home), {"file": upload_file(), "title": "x", "description": "y" * 3_000_000}
    )
    assert response.status_code == 400
    assert not Document.objects.exists()


def test_a_file_of_exactly_the_limit_is_taken(client, place, settings):
    home, member = place
    data = pdf_bytes()
    settings.LIBRARY_MAX_UPLOAD_BYTES = len(data)
    client.force_login(member)
    client.post(_url("upload", home), {"file": upload_file(data), "title": "Just fits"})
    assert Document.objects.get().size == len(data)


def test_an_upload_over_the_quota_gets_a_clear_message(client, place):
    home, member = place
    LibrarySpace.objects.create(community=home, quota_bytes=100)
    client.force_login(member)

    response = client.post(_url("upload", home), {"file": upload_file(), "title": "Over"})

    assert _field_error(response, "file").startswith("This library is full: it has 100 bytes free")
    assert not Document.objects.exists()


def test_the_upload_checks_the_csrf_token_itself(place):
    home, member = place
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    refused = client.post(_url("upload", home), {"file": upload_file(), "title": "Forged"})

    assert refused.status_code == 403
    assert not Document.objects.exists()
    page = client.get(_url("upload", home))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    client.post(_url("upload", home), {"file": upload_file(), "title": "Real", "csrfmiddlewaretoken": token})
    assert Document.objects.get().title == "Real"


def test_a_name_with_folders_null_bytes_and_300_characters_is_cleaned(client, place):
    home, member = place
    client.force_login(member)
    client.post(
        _url("upload", home),
        {"file": upload_file(name="../../" + "a\x00b" * 100 + ".pdf"), "title": "Odd name"},
    )
    filename = Document.objects.get().current_version.filename
    assert "/" not in filename
    assert "\x00" not in filename
    assert len(filename) <= 150
    assert filename.endswith(".pdf")


# --- Folders -------------------------------------------------------------------------------------------
def test_a_member_creates_a_folder_and_sees_the_library_in_it(client, place):
    home, member = place
    client.force_login(member)

    response = client.post(_url("folder-create", home), {"name": "  Business   cases "}, follow=True)

    folder = Folder.objects.get()
    assert folder.name == "Business cases"
    assert response.redirect_chain[-1][0] == f"{_url('index', home)}?folder={folder.pk}"
    assert _banners(response) == ["The folder “Business cases” is made. Upload documents to it."]


def test_a_folder_name_used_already_or_missing_is_refused(client, place):
    home, member = place
    folder_create(user=member, community=home, name="Reports")
    client.force_login(member)

    taken = client.post(_url("folder-create", home), {"name": "REPORTS"})
    missing = client.post(_url("folder-create", home), {"name": " "})

    assert _field_error(taken, "name") == "This library already has a folder with that name."
    assert _field_error(missing, "name") == "Enter a name for the folder"
    assert Folder.objects.count() == 1


# --- A document ----------------------------------------------------------------------------------------
def test_the_document_page_shows_its_details_and_every_version(client, place):
    home, member = place
    reports = folder_create(user=member, community=home, name="Reports")
    doc = document(
        uploader=member,
        community=home,
        title="Business case",
        description="Shared waste collection.",
        folder=reports,
        tags=["waste"],
    )
    other = person_as("member", home)
    document_add_version(
        user=other, document=doc, file=upload_file(docx_bytes(), "case v2.docx"), note="New figures"
    )
    client.force_login(person_as("member", home))

    page = client.get(_url("document", doc)).text

    assert "Business case" in page
    assert "Shared waste collection." in page
    assert "Reports" in page
    assert "waste" in page
    assert _url("download", doc) in page
    versions = page.split('id="document-versions"', 1)[1]
    assert versions.index("case v2.docx") < versions.index("business-case.pdf")
    assert "New figures" in versions
    assert other.display_name in versions
    assert member.display_name in versions
    assert (
        reverse("library:version-download", kwargs={"slug": home.slug, "document_id": doc.pk, "number": 1})
        in versions
    )
    assert (
        reverse("library:version-download", kwargs={"slug": home.slug, "document_id": doc.pk, "number": 2})
        in versions
    )


def test_a_file_whose_text_was_not_extracted_says_so_with_why(client, place):
    home, member = place
    doc = document(uploader=member, community=home)
    DocumentVersion.objects.filter(pk=doc.current_version_id).update(
        text_state=TextState.FAILED, text_error="The PDF has no text layer (a scan)."
    )
    client.force_login(member)

    page = client.get(_url("document", doc)).text

    assert "Text not extracted: found by its title only." in page
    assert "The PDF has no text layer (a scan)." in page


def test_an_image_says_nothing_about_its_text(client, place):
    home, member = place
    doc = document(uploader=member, community=home, data=png_bytes(), name="map.png")
    client.force_login(member)
    page = client.get(_url("document", doc)).text
    assert 'id="document-text-state"' not in page


def test_the_uploader_changes_the_details(client, place):
    home, member = place
    doc = document(uploader=member, community=home, title="Old title", tags=["a"])
    reports = folder_create(user=member, community=home, name="Reports")
    client.force_login(member)
    form = client.get(_url("document-edit", doc)).text
    assert 'value="Old title"' in form

    response = client.post(
        _url("document-edit", doc),
        {"title": "New title", "description": "Now described", "folder": reports.pk, "tags": "b, c"},
        follow=True,
    )

    doc.refresh_from_db()
    assert (doc.title, doc.description, doc.folder) == ("New title", "Now described", reports)
    assert sorted(doc.tags.names()) == ["b", "c"]
    assert _banners(response) == ["Your changes are saved."]
    assert response.redirect_chain[-1][0] == doc.get_absolute_url()


def test_a_change_with_a_mistake_saves_nothing(client, place):
    home, member = place
    doc = document(uploader=member, community=home, title="Kept")
    client.force_login(member)

    response = client.post(_url("document-edit", doc), {"title": "", "description": "lost", "tags": ""})

    assert _field_error(response, "title") == "Enter a title"
    doc.refresh_from_db()
    assert (doc.title, doc.description) == ("Kept", "")


def test_a_new_version_with_what_changed(client, place):
    home, member = place
    doc = document(uploader=member, community=home)
    client.force_login(person_as("member", home))
    assert "This is version 2." in client.get(_url("version-upload", doc)).text

    response = client.post(
        _url("version-upload", doc),
        {"file": upload_file(pdf_bytes("second"), "case.pdf"), "note": "Updated for 2026"},
        follow=True,
    )

    doc.refresh_from_db()
    assert doc.version_count == 2
    assert doc.current_version.note == "Updated for 2026"
    assert _banners(response) == ["Version 2 is uploaded. The download link now gives it."]
    assert "Updated for 2026" in response.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "no file"}, "Select a file"),
        ({"file": upload_file(b"", "e.pdf")}, "The selected file is empty."),
        ({"file": upload_file(b"\x7fELF\x02\x01", "x.pdf")}, "The selected file must be a PDF"),
    ],
)
def test_a_new_version_with_a_mistake_is_refused_and_nothing_changes(client, place, data, message):
    home, member = place
    doc = document(uploader=member, community=home)
    client.force_login(member)

    response = client.post(_url("version-upload", doc), data)

    assert _field_error(response, "file").startswith(message)
    doc.refresh_from_db()
    assert doc.version_count == 1
    assert DocumentVersion.objects.count() == 1


def test_a_new_version_over_the_size_limit_is_refused(client, place, settings):
    home, member = place
    doc = document(uploader=member, community=home)
    settings.LIBRARY_MAX_UPLOAD_BYTES = 1000
    client.force_login(member)
    response = client.post(
        _url("version-upload", doc), {"file": upload_file(pdf_bytes("y" * 2000)), "note": "big"}
    )
    assert _field_error(response, "file") == "The selected file must be smaller than 1000 bytes."
    assert DocumentVersion.objects.count() == 1


def test_a_facilitator_removes_a_document_with_a_reason(client, place, django_capture_on_commit_callbacks):
    home, member = place
    doc = document(uploader=member, community=home, title="Outdated framework")
    facilitator = person_as("facilitator", home)
    client.force_login(facilitator)
    assert "You cannot undo this." in client.get(_url("document-remove", doc)).text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("document-remove", doc), {"reason": "Superseded by the 2026 one"}, follow=True
        )

    doc.refresh_from_db()
    assert doc.is_removed
    assert response.redirect_chain[-1][0] == _url("index", home)
    assert _banners(response) == ["“Outdated framework” is removed from the library."]
    assert (
        "Outdated framework" not in response.text.split("</h1>", 1)[1].split('class="govuk-notification')[0]
    )
    entry = ModerationLogEntry.objects.get(action=ModerationLogEntry.Action.DOCUMENT_REMOVED)
    assert entry.reason == "Superseded by the 2026 one"


def test_removing_without_a_reason_is_refused(client, place):
    home, member = place
    doc = document(uploader=member, community=home)
    client.force_login(person_as("facilitator", home))
    response = client.post(_url("document-remove", doc), {"reason": "  "})
    assert _field_error(response, "reason") == "Enter why you are removing this document"
    doc.refresh_from_db()
    assert not doc.is_removed


# --- The community's settings and page ----------------------------------------------------------------
def test_facilitators_keep_uploading_to_themselves_from_the_settings(client):
    home = community("open")
    facilitator = person_as("facilitator", home)
    client.force_login(facilitator)
    url = reverse("communities:manage-settings", args=[home.slug])
    page = client.get(url).text
    assert "Members can upload to the library" in page
    assert re.search(r'name="members_upload_documents"[^>]*checked', page)  # on by default
    data = {
        "name": home.name,
        "description": home.description,
        "about": "",
        "topics": "",
        "visibility": home.visibility,
        "members_upload_documents": "",
    }

    response = client.post(url, data, follow=True)

    assert _banners(response) == ["The community's settings are saved."]
    assert Community.objects.get(pk=home.pk).members_upload_documents is False
    client.post(url, {**data, "members_upload_documents": "on"})
    assert Community.objects.get(pk=home.pk).members_upload_documents is True


def test_a_new_community_is_created_without_the_library_setting(client):
    client.force_login(AdminFactory())
    assert "Members can upload to the library" not in client.get(reverse("communities:create")).text


def test_the_community_page_shows_what_was_recently_added_to_the_library(client, place):
    home, member = place
    now = timezone.now()
    for n in range(6):
        doc = document(uploader=member, community=home, title=f"Document {n}")
        Document.objects.filter(pk=doc.pk).update(updated_at=now - timedelta(days=10 - n))
    _guide(home, member, "Fresh guide", days_ago=0)
    removed = document(uploader=member, community=home, title="Removed one")
    document_remove(user=person_as("facilitator", home), document=removed, reason="Spam")
    client.force_login(person_as("member", home))

    page = client.get(reverse("communities:detail", args=[home.slug])).text

    assert "Recently added to the library" in page
    block = page.split('id="library-recently-added"', 1)[1].split("</ul>", 1)[0]
    titles = re.findall(r'khub-thread-row__title">\s*<a [^>]*>([^<]*)</a>', block)
    assert titles == ["Fresh guide", "Document 5", "Document 4", "Document 3", "Document 2"]
    assert _url("index", home) in page


def test_the_community_page_shows_no_library_to_who_may_not_read_it(client):
    home = community("restricted")
    document(uploader=person_as("member", home), community=home, title="Members only")
    client.force_login(person_as("outsider", home))
    page = client.get(reverse("communities:detail", args=[home.slug])).text
    assert "Members only" not in page
    assert "Recently added" not in page


# --- Indexes and query counts -------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sort", "indexes"),
    [
        ("name", ["library_doc_name"]),
        # The hub-wide newest-first index has the same order: on ten rows the planner may take either; on a
        # hub's data it takes library_doc_newest (Index Cond on the community: README's measurements).
        ("newest", ["library_doc_newest", "library_doc_recent"]),
        ("downloads", ["library_doc_downloads"]),
    ],
)
def test_each_sort_walks_an_index_in_its_order(postgres_only, place, sort, indexes):
    """With sorting made as costly as PostgreSQL allows, the plan still has no Sort: the ORDER BY is an
    index's own order, so on a large library a page reads its rows only."""
    from library.selectors import community_documents

    home, member = place
    for n in range(3):
        document(uploader=member, community=home, title=f"Doc {n}")
    query = community_documents(community=home, sort=sort)[:25]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert any(f"Index Scan using {index} " in plan for index in indexes), plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _crowded(size: int):
    """A private community with `size` documents (each tagged, in folders, of several uploaders, some with
    versions) and `size` guides; a member to look."""
    home = community("private")
    folders = [folder_create(user=AdminFactory(), community=home, name=f"Folder {n}") for n in range(3)]
    first = None
    for n in range(size):
        uploader = person_as("member", home)
        doc = document(
            uploader=uploader, community=home, title=f"Doc {n}", tags=[f"tag{n}"], folder=folders[n % 3]
        )
        document_add_version(
            user=person_as("member", home), document=doc, file=upload_file(pdf_bytes(f"{n}"))
        )
        _guide(home, uploader, f"Guide {n}", days_ago=n)
        first = first or doc
    return home, first, person_as("member", home)


# Pinned: each page reads the session, the user, the community or document (with its community) and the
# viewer's membership; then
# index: folders, tags, the count, the page of documents, the guides (and for facilitators the quota);
# document: its versions and its tags; upload: the folders; the edit form: the folders and the tags;
# the community's page: 9 before the library, and its newest documents and guides.
# (Each page also counts the viewer's unread notifications for the header.)
@pytest.mark.parametrize(
    ("page", "role", "most"),
    [
        ("index", "member", 10),
        ("index", "facilitator", 11),
        ("index-filtered", "member", 10),
        ("document", "member", 7),
        ("document-edit", "facilitator", 7),
        ("document-remove", "facilitator", 5),
        ("version-upload", "member", 5),
        ("upload", "member", 6),
        ("upload", "facilitator", 7),
        ("folder-create", "member", 5),
        ("community-page", "member", 11),
    ],
)
def test_query_counts_do_not_grow_with_the_documents(client, page, role, most):
    counts = []
    for size in (2, 24):
        home, doc, viewer = _crowded(size)
        client.force_login(viewer if role == "member" else person_as(role, home))
        filters = "tag=tag1&kind=pdf&sort=downloads"
        url = {
            "index": _url("index", home),
            "index-filtered": f"{_url('index', home)}?{filters}&folder={doc.folder_id}",
            "document": _url("document", doc),
            "document-edit": _url("document-edit", doc),
            "document-remove": _url("document-remove", doc),
            "version-upload": _url("version-upload", doc),
            "upload": _url("upload", home),
            "folder-create": _url("folder-create", home),
            "community-page": reverse("communities:detail", args=[home.slug]),
        }[page]
        counts.append(_queries(client, url))
    assert counts[1] <= counts[0] <= most, counts
