"""Who may open each library page and download each file: a visitor not signed in (sent to sign in), an
outsider (404 on a private community's library, reading only in an open one), a member, a facilitator, a site
admin; a removed document exists for nobody."""

import pytest
from django.urls import reverse

from communities.models import Community
from library.models import Document
from library.services.documents import document_add_version, document_remove
from tests.communities.helpers import community, person_as
from tests.library.helpers import document, pdf_bytes, upload_file

pytestmark = pytest.mark.django_db

DOCUMENT_PAGES = ("document", "document-edit", "version-upload", "document-remove")
LIBRARY_PAGES = ("index", "upload", "folder-create")


def _urls(place: Community, doc: Document) -> dict[str, str]:
    urls = {name: reverse(f"library:{name}", kwargs={"slug": place.slug}) for name in LIBRARY_PAGES}
    for name in (*DOCUMENT_PAGES, "download"):
        urls[name] = reverse(f"library:{name}", kwargs={"slug": place.slug, "document_id": doc.pk})
    urls["version-download"] = reverse(
        "library:version-download", kwargs={"slug": place.slug, "document_id": doc.pk, "number": 1}
    )
    return urls


@pytest.fixture
def private_library():
    place = community("private")
    uploader = person_as("member", place)
    doc = document(uploader=uploader, community=place, title="Confidential business case")
    document_add_version(user=uploader, document=doc, file=upload_file(pdf_bytes("v2")))
    return place, uploader, doc


def test_a_visitor_not_signed_in_is_sent_to_sign_in_from_every_page_and_download(client, private_library):
    place, _uploader, doc = private_library
    for name, url in _urls(place, doc).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("account_login")), name
    response = client.post(_urls(place, doc)["upload"], {"title": "x", "file": upload_file()})
    assert response.status_code == 302
    assert Document.objects.count() == 1
    doc.refresh_from_db()
    assert doc.download_count == 0


@pytest.mark.parametrize("relation", ["outsider", "requester", "left", "banned"])
def test_an_outsider_gets_404_on_every_page_and_download_of_a_private_library(
    client, private_library, relation
):
    place, _uploader, doc = private_library
    client.force_login(person_as(relation, place))
    for name, url in _urls(place, doc).items():
        assert client.get(url).status_code == 404, name
    assert (
        client.post(_urls(place, doc)["upload"], {"title": "Mine", "file": upload_file()}).status_code == 404
    )
    remove = client.post(_urls(place, doc)["document-remove"], {"reason": "spam"})
    assert remove.status_code == 404
    doc.refresh_from_db()
    assert (doc.download_count, doc.is_removed, Document.objects.count()) == (0, False, 1)


def test_an_outsider_reads_and_downloads_from_an_open_library_but_cannot_change_it(client):
    place = community("open")
    doc = document(uploader=person_as("member", place), community=place, title="Open framework")
    client.force_login(person_as("outsider", place))
    urls = _urls(place, doc)

    assert "Open framework" in client.get(urls["index"]).text
    assert client.get(urls["document"]).status_code == 200
    assert client.get(urls["download"]).status_code == 200
    for name in ("upload", "folder-create", "document-edit", "version-upload", "document-remove"):
        assert client.get(urls[name]).status_code == 403, name
    assert "Upload a document" not in client.get(urls["index"]).text


@pytest.mark.parametrize("visibility", ["open", "private"])
@pytest.mark.parametrize(
    ("role", "may_edit", "may_remove"),
    [
        ("member", False, False),
        ("facilitator", True, True),
        ("owner", True, True),
        ("site_admin", True, True),
    ],
)
def test_each_role_opens_what_it_may(client, private_library, visibility, role, may_edit, may_remove):
    place, _uploader, doc = private_library
    Community.objects.filter(pk=place.pk).update(visibility=visibility)
    client.force_login(person_as(role, place))
    urls = _urls(place, doc)

    for name in (
        "index",
        "upload",
        "folder-create",
        "document",
        "version-upload",
        "download",
        "version-download",
    ):
        assert client.get(urls[name]).status_code == 200, name
    assert client.get(urls["document-edit"]).status_code == (200 if may_edit else 403)
    assert client.get(urls["document-remove"]).status_code == (200 if may_remove else 403)
    page = client.get(urls["document"]).text
    assert ("Edit details" in page) is may_edit
    assert (">Remove<" in page) is may_remove
    assert "Upload a new version" in page


def test_the_uploader_edits_their_own_document_while_a_member(client, private_library):
    place, uploader, doc = private_library
    client.force_login(uploader)
    urls = _urls(place, doc)
    assert client.get(urls["document-edit"]).status_code == 200
    assert client.get(urls["document-remove"]).status_code == 403


def test_a_member_cannot_remove_a_document(client, private_library):
    place, _uploader, doc = private_library
    client.force_login(person_as("member", place))

    response = client.post(_urls(place, doc)["document-remove"], {"reason": "I do not like it"})

    assert response.status_code == 403
    doc.refresh_from_db()
    assert not doc.is_removed


def test_members_upload_only_where_the_community_lets_them(client, private_library):
    place, _uploader, doc = private_library
    Community.objects.filter(pk=place.pk).update(members_upload_documents=False)
    member = person_as("member", place)
    client.force_login(member)
    urls = _urls(place, doc)

    assert client.get(urls["upload"]).status_code == 403
    assert client.get(urls["version-upload"]).status_code == 403
    assert client.get(urls["folder-create"]).status_code == 403
    assert client.post(urls["upload"], {"title": "Mine", "file": upload_file()}).status_code == 403
    assert Document.objects.count() == 1
    index = client.get(urls["index"]).text
    assert "Upload a document" not in index
    assert "Create a folder" not in index
    assert "Upload a new version" not in client.get(urls["document"]).text

    client.force_login(person_as("facilitator", place))
    assert client.get(urls["upload"]).status_code == 200


@pytest.mark.parametrize("role", ["member", "facilitator", "site_admin"])
def test_a_removed_document_is_404_for_everyone(client, private_library, role):
    place, _uploader, doc = private_library
    document_remove(user=person_as("facilitator", place), document=doc, reason="Out of date")
    client.force_login(person_as(role, place))
    for name, url in _urls(place, doc).items():
        if name not in LIBRARY_PAGES:
            assert client.get(url).status_code == 404, name
    assert "Confidential business case" not in client.get(_urls(place, doc)["index"]).text


def test_a_document_is_only_found_under_its_own_communitys_address(client, private_library):
    _place, _uploader, doc = private_library
    other = community("open")
    viewer = person_as("member", other)
    client.force_login(viewer)
    wrong = reverse("library:download", kwargs={"slug": other.slug, "document_id": doc.pk})
    assert client.get(wrong).status_code == 404
    assert (
        client.get(
            reverse("library:document", kwargs={"slug": other.slug, "document_id": doc.pk})
        ).status_code
        == 404
    )
