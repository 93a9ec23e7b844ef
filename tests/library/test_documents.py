"""Uploading documents and versions, the quota, removal (library.services.documents)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from communities.models import Community, ModerationLogEntry
from library.models import Document, DocumentVersion, LibrarySpace, TextState
from library.services.documents import document_add_version, document_remove, document_upload
from tests.communities.helpers import community, person_as
from tests.library.helpers import document, docx_bytes, pdf_bytes, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    home = community()
    return home, person_as("member", home)


def test_an_upload_is_stored_as_version_one_with_its_type_from_the_content(place):
    home, member = place
    doc = document(uploader=member, community=home, data=docx_bytes(), name="../../etc/Framework.pdf")
    version = doc.current_version
    assert (doc.kind, doc.version_count, version.number) == ("docx", 1, 1)
    assert version.filename == "Framework.docx"
    assert version.file.read()[:2] == b"PK"
    assert LibrarySpace.objects.get(community=home).used_bytes == version.size


def test_a_new_version_becomes_the_current_one_and_the_first_stays(place):
    home, member = place
    doc = document(uploader=member, community=home)
    version = document_add_version(user=member, document=doc, file=upload_file(pdf_bytes("v2")), note="Typo")
    doc.refresh_from_db()
    assert (doc.current_version_id, doc.version_count, version.number) == (version.pk, 2, 2)
    assert DocumentVersion.objects.filter(document=doc).count() == 2


def test_an_executable_called_pdf_is_refused_and_nothing_is_written(place):
    home, member = place
    with pytest.raises(ValidationError) as error:
        document(uploader=member, community=home, data=b"MZ\x90\x00" + b"\x00" * 100, name="report.pdf")
    assert "must be a PDF" in str(error.value.message_dict["file"])
    assert not Document.objects.exists()


def test_over_the_quota_is_refused_with_the_space_left(place):
    home, member = place
    LibrarySpace.objects.create(community=home, quota_bytes=100)
    with pytest.raises(ValidationError) as error:
        document(uploader=member, community=home)
    assert "This library is full" in str(error.value.message_dict["file"])
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()


def test_only_facilitators_upload_where_the_community_says_so(place):
    home, member = place
    Community.objects.filter(pk=home.pk).update(members_upload_documents=False)
    home.refresh_from_db()
    with pytest.raises(PermissionDenied):
        document(uploader=member, community=home)
    document(uploader=person_as("facilitator", home), community=home)


def test_an_outsider_cannot_upload_to_a_private_library():
    home = community(visibility="private")
    with pytest.raises(Http404):
        document_upload(
            user=person_as("outsider", home), community=home, file=upload_file(), title="Anything"
        )


def test_a_facilitator_removes_a_document_with_a_reason_logged(place, django_capture_on_commit_callbacks):
    home, member = place
    doc = document(uploader=member, community=home)
    name = doc.current_version.file.name
    storage = doc.current_version.file.storage
    with pytest.raises(ValidationError):
        document_remove(user=person_as("facilitator", home), document=doc, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        document_remove(user=person_as("facilitator", home), document=doc, reason="Out of date")
    doc.refresh_from_db()
    assert doc.is_removed
    assert not storage.exists(name)
    assert ModerationLogEntry.objects.filter(community=home, action="document_removed").count() == 1
    assert LibrarySpace.objects.get(community=home).used_bytes == 0


def test_text_is_extracted_after_the_upload_commits(place, django_capture_on_commit_callbacks):
    home, member = place
    with django_capture_on_commit_callbacks(execute=True):
        doc = document(uploader=member, community=home, data=b"Notes on\nshared services\n", name="a.txt")
    doc.refresh_from_db()
    assert doc.text_state == TextState.EXTRACTED
    assert "shared services" in doc.text
