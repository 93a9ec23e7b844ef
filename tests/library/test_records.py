"""A member's library records in their data export and what erasing their account does to them
(library.records.library_personal_data, library.services.erasure): their uploads (documents and every
version, with file name, size and dates) and the guide revisions they saved are theirs to take away; nobody
else's are; a document or guide they can no longer read is not named; once erased, everything they put in
the libraries stays, shown as by "Former member"."""

import json

import pytest
from django.urls import reverse

from communities.services.membership import membership_leave
from library.models import Document, DocumentVersion, Guide, GuideRevision
from library.services.documents import document_add_version
from profiles.services import user_erase, user_personal_data
from tests.communities.helpers import community, person_as
from tests.library.guide_rows import guide, revise
from tests.library.helpers import document, pdf_bytes, upload_file

pytestmark = pytest.mark.django_db


def test_the_export_holds_their_documents_and_every_version_they_uploaded():
    place = community("private", name="Highways officers")
    member = person_as("member", place)
    made = document(
        uploader=member, community=place, title="Business case", description="Ours", tags=["roads"]
    )
    other = document(uploader=person_as("member", place), community=place, title="Someone else's")
    version = document_add_version(
        user=member, document=other, file=upload_file(pdf_bytes("v2")), note="Figures"
    )

    data = user_personal_data(user=member)["library"]

    (uploaded,) = data["documents_uploaded"]
    assert uploaded["title"] == "Business case"
    assert uploaded["description"] == "Ours"
    assert uploaded["tags"] == ["roads"]
    assert uploaded["community"] == {"name": "Highways officers", "slug": place.slug}
    assert uploaded["created_at"] == made.created_at.isoformat()
    first, second = data["versions_uploaded"]
    assert (first["document"]["title"], first["number"], first["filename"]) == (
        "Business case",
        1,
        "business-case.pdf",
    )
    assert first["size"] == made.current_version.size
    assert first["type"] == "pdf"
    assert (second["document"]["title"], second["number"], second["note"]) == ("Someone else's", 2, "Figures")
    assert second["uploaded_at"] == version.created_at.isoformat()
    json.dumps(data)  # ready for the download


def test_the_export_holds_the_guide_revisions_they_saved_not_other_peoples():
    place = community("open")
    member, other = person_as("member", place), person_as("member", place, display_name="Someone Else")
    written = guide(author=other, community=place, title="Gritting guide", body="Their words")
    revise(written, author=member, body="My words", note="Clearer")
    revise(written, author=other, body="Their words again")

    data = user_personal_data(user=member)["library"]

    (revision,) = data["guide_revisions"]
    assert (revision["number"], revision["body"], revision["note"]) == (2, "My words", "Clearer")
    assert revision["guide"]["title"] == "Gritting guide"
    assert data["documents_uploaded"] == data["versions_uploaded"] == []
    assert "Their words" not in json.dumps(data)


def test_what_they_can_no_longer_read_is_not_named():
    place = community("private", name="Hidden roads")
    member = person_as("member", place)
    document(uploader=member, community=place, title="Business case")
    written = guide(author=person_as("member", place), community=place, title="Secret guide")
    revise(written, author=member, body="Mine")
    membership_leave(user=member, community=place)

    data = user_personal_data(user=member)["library"]

    assert data["documents_uploaded"][0]["title"] == "Business case"  # what they wrote is theirs
    assert data["documents_uploaded"][0]["community"] is None
    assert data["versions_uploaded"][0]["document"] is None
    assert data["guide_revisions"][0]["guide"] is None
    assert data["guide_revisions"][0]["title"] == "Secret guide"  # the title they saved is theirs
    assert "Hidden roads" not in json.dumps(data)


def test_erasure_keeps_their_documents_and_guides_by_former_member(client):
    place = community("open")
    member = person_as("member", place, display_name="Priya Shah")
    made = document(uploader=member, community=place, title="Business case")
    document_add_version(user=member, document=made, file=upload_file())
    written = guide(author=member, community=place, title="Gritting guide")
    revise(written, author=person_as("member", place), body="Edited by someone else")
    revise(written, author=member, body="Mine again")

    user_erase(user=member)

    made.refresh_from_db()
    written.refresh_from_db()
    assert made.uploaded_by is None
    assert not DocumentVersion.objects.filter(uploaded_by=member).exists()
    assert DocumentVersion.objects.filter(document=made).count() == 2
    assert (written.created_by, written.last_edited_by) == (None, None)
    assert GuideRevision.objects.filter(guide=written).count() == 3
    assert GuideRevision.objects.filter(guide=written, author__isnull=True).count() == 2
    assert Document.objects.filter(pk=made.pk, removed_at__isnull=True).exists()
    assert Guide.objects.filter(pk=written.pk, removed_at__isnull=True).exists()

    client.force_login(person_as("member", place))
    response = client.get(reverse("search"), {"q": "business", "type": "library"})
    assert "Former member" in response.text
    assert "Priya Shah" not in response.text


def test_erasure_leaves_other_peoples_records_alone():
    place = community("open")
    member, other = person_as("member", place), person_as("member", place)
    made = document(uploader=other, community=place)
    written = guide(author=other, community=place)
    user_erase(user=member)
    made.refresh_from_db()
    written.refresh_from_db()
    assert made.uploaded_by == other
    assert written.last_edited_by == other
