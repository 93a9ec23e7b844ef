"""Downloads (library.views.files): the file as uploaded, with headers that keep whatever it holds from
running in the hub's origin, the newest version behind the document's link and every earlier one behind its
own, each download counted, and the same queries whatever the document's history."""

import pytest
from django.urls import reverse

from library.models import Document
from library.services.documents import document_add_version
from tests.communities.helpers import community, person_as
from tests.library.helpers import document, docx_bytes, pdf_bytes, png_bytes, upload_file

pytestmark = pytest.mark.django_db


def _download(doc: Document, number: int | None = None) -> str:
    kwargs = {"slug": doc.community.slug, "document_id": doc.pk}
    if number is None:
        return reverse("library:download", kwargs=kwargs)
    return reverse("library:version-download", kwargs={**kwargs, "number": number})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def place():
    home = community("private")
    member = person_as("member", home)
    return home, member


def test_the_newest_version_is_sent_as_an_attachment_with_its_sniffed_type(client, place):
    home, member = place
    doc = document(uploader=member, community=home, data=docx_bytes(), name="framework.pdf")
    client.force_login(member)

    response = client.get(_download(doc))

    assert response.status_code == 200
    assert (
        response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == 'attachment; filename="framework.docx"'
    assert _body(response) == doc.current_version.file.open("rb").read()


def test_every_download_carries_nosniff_a_sandboxing_policy_and_private_caching(client, place):
    home, member = place
    doc = document(uploader=member, community=home)
    client.force_login(member)
    for url in (_download(doc), _download(doc, 1)):
        response = client.get(url)
        assert response["X-Content-Type-Options"] == "nosniff"
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert "sandbox" in policy
        assert (
            "script-src" not in policy
        )  # the hub's own policy (script-src 'self') is replaced, not extended
        assert "private" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("attachment;")


def test_a_name_that_is_not_ascii_is_given_as_rfc_6266_filename_star(client, place):
    home, member = place
    doc = document(uploader=member, community=home, name="Stratégie Øresund 2025.pdf")
    client.force_login(member)

    disposition = client.get(_download(doc))["Content-Disposition"]

    # An ASCII approximation first, for clients that read only filename.
    assert disposition == (
        'attachment; filename="Strategie resund 2025.pdf"; '
        "filename*=UTF-8''Strat%C3%A9gie%20%C3%98resund%202025.pdf"
    )


def test_a_png_or_jpeg_may_be_shown_inline(client, place):
    home, member = place
    doc = document(uploader=member, community=home, data=png_bytes(), name="map.png")
    client.force_login(member)

    response = client.get(_download(doc))

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="map.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_markup_in_a_text_file_is_refused_at_upload_and_text_is_served_as_plain_text(client, place):
    home, member = place
    client.force_login(member)
    url = reverse("library:upload", kwargs={"slug": home.slug})
    page = client.post(
        url, {"title": "Page", "file": upload_file(b"<html><script>alert(1)</script>", "a.txt")}
    )
    assert "must be a PDF" in page.text
    doc = document(
        uploader=member, community=home, data=b"Notes <b>bold</b> for the call\n", name="notes.html"
    )

    response = client.get(_download(doc))

    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'


def test_the_document_link_gives_the_newest_version_and_earlier_ones_stay(client, place):
    home, member = place
    doc = document(uploader=member, community=home, data=pdf_bytes("first"), name="plan.pdf")
    document_add_version(user=member, document=doc, file=upload_file(pdf_bytes("second"), "plan v2.pdf"))
    client.force_login(person_as("member", home))

    assert b"second" in _body(client.get(_download(doc)))
    assert b"first" in _body(client.get(_download(doc, 1)))
    assert b"second" in _body(client.get(_download(doc, 2)))
    assert client.get(_download(doc, 3)).status_code == 404


def test_each_download_is_counted_on_the_document(client, place):
    home, member = place
    doc = document(uploader=member, community=home)
    document_add_version(user=member, document=doc, file=upload_file(pdf_bytes("v2")))
    client.force_login(member)

    client.get(_download(doc))
    client.get(_download(doc))
    client.get(_download(doc, 1))
    client.get(_download(doc, 9))  # no such version: not counted

    doc.refresh_from_db()
    assert doc.download_count == 3
    assert "3</dd>" in client.get(doc.get_absolute_url()).text.replace(" ", "").replace("\n", "")


def test_only_get_is_answered(client, place):
    home, member = place
    doc = document(uploader=member, community=home)
    client.force_login(member)
    assert client.post(_download(doc)).status_code == 405
    doc.refresh_from_db()
    assert doc.download_count == 0


def test_a_file_missing_from_storage_is_404_not_500(client, place):
    home, member = place
    doc = document(uploader=member, community=home)
    doc.current_version.file.storage.delete(doc.current_version.file.name)
    client.force_login(member)
    assert client.get(_download(doc)).status_code == 404


@pytest.mark.parametrize("versions", [1, 12])
def test_a_download_runs_the_same_queries_however_many_versions(
    client, place, versions, django_assert_max_num_queries
):
    home, member = place
    doc = document(uploader=member, community=home)
    for n in range(versions - 1):
        document_add_version(user=member, document=doc, file=upload_file(pdf_bytes(f"v{n}")))
    client.force_login(member)
    # Session and user, the document with its community, the membership (a private community), the version,
    # the count's UPDATE.
    with django_assert_max_num_queries(6):
        assert client.get(_download(doc)).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(_download(doc, 1)).status_code == 200
