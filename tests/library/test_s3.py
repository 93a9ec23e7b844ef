"""The library on S3: uploads, versions, reads, removal and text extraction against a real S3 API server
running locally (moto's standalone server, spoken to over HTTP by boto3 as production speaks to S3), with
the storage settings production derives from its environment (khub.settings.parsing.file_storage).

How a test switches to S3: DocumentVersion.file names no storage, so Django binds it to
django.core.files.storage.default_storage, a lazy object that looks up STORAGES["default"] through the
`storages` handler the first time it is used. Assigning a new STORAGES dict with pytest-django's `settings`
fixture sends setting_changed, and Django's own receiver (django.test.signals.storages_changed) empties
the handler's cache and the lazy object, so the next file operation builds the S3 storage; when the test
ends the fixture restores STORAGES and the same receiver switches everything back to the file system. No
model field is patched, and code that asks for default_storage (or the field's storage) gets S3 too.
"""

import socket
import uuid

import boto3
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

from khub.settings.parsing import file_storage
from library.models import LibrarySpace, TextState
from library.services.documents import document_add_version, document_remove
from tests.communities.helpers import community, person_as
from tests.library.helpers import document, docx_bytes, pdf_bytes, upload_file, xlsx_bytes

pytestmark = pytest.mark.django_db
REGION = "eu-west-2"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 API server on a free port of this machine, for the whole run (each test its own bucket)."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(settings, s3_endpoint, tmp_path):
    """A new, empty bucket, and the default storage switched to it as production configures S3."""
    settings.MEDIA_ROOT = tmp_path  # nothing may land here while S3 is the storage
    environment = {
        "AWS_STORAGE_BUCKET_NAME": f"khub-{uuid.uuid4().hex[:12]}",
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": "local-test-key",
        "AWS_SECRET_ACCESS_KEY": "local-test-secret",  # moto takes any
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
    )
    name = environment["AWS_STORAGE_BUCKET_NAME"]
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {**settings.STORAGES, "default": file_storage(environment)}

    class Bucket:
        def keys(self) -> list[str]:
            return sorted(item["Key"] for item in client.list_objects_v2(Bucket=name).get("Contents", []))

        def read(self, key: str) -> bytes:
            return client.get_object(Bucket=name, Key=key)["Body"].read()

        def grants(self, key: str) -> list[dict]:
            return client.get_object_acl(Bucket=name, Key=key)["Grants"]

    yield Bucket()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


@pytest.fixture
def place(db):
    home = community()
    return home, person_as("member", home)


def test_the_default_storage_is_the_bucket_for_the_test(bucket):
    from storages.backends.s3 import S3Storage

    default_storage.save("probe.txt", ContentFile(b"probe"))

    assert isinstance(default_storage._wrapped, S3Storage)
    assert bucket.keys() == ["probe.txt"]


def test_an_upload_is_an_object_in_the_bucket_private_and_nowhere_else(place, bucket):
    home, member = place
    data = pdf_bytes("Shared waste business case")

    doc = document(uploader=member, community=home, data=data, name="Business case.pdf")

    key = doc.current_version.file.name
    assert bucket.keys() == [key]
    assert key.startswith(f"library/{home.pk}/{doc.pk}/")
    assert key.endswith("/Business_case.pdf")
    assert bucket.read(key) == data
    assert [grant["Permission"] for grant in bucket.grants(key)] == ["FULL_CONTROL"]  # the owner only
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in bucket.grants(key))


def test_a_new_version_is_a_second_object_and_both_are_read_back_from_the_bucket(place, bucket):
    home, member = place
    doc = document(uploader=member, community=home, data=pdf_bytes("First"), name="plan.pdf")

    version = document_add_version(
        user=member, document=doc, file=upload_file(pdf_bytes("Second"), "plan.pdf")
    )

    first = doc.versions.get(number=1)
    assert bucket.keys() == sorted([first.file.name, version.file.name])
    assert first.file.name != version.file.name  # same name, never overwritten
    with first.file.open("rb") as handle:
        assert handle.read() == pdf_bytes("First")
    with version.file.open("rb") as handle:
        assert handle.read() == pdf_bytes("Second")
    assert LibrarySpace.objects.get(community=home).used_bytes == first.size + version.size


def test_a_download_streams_the_object_from_the_bucket_in_chunks(place, bucket):
    home, member = place
    data = xlsx_bytes([(f"Council {n}", n) for n in range(2000)])
    doc = document(uploader=member, community=home, data=data, name="savings.xlsx")

    version = doc.current_version
    with version.file.open("rb") as handle:
        chunks = list(handle.chunks(chunk_size=4096))  # what a FileResponse reads
    assert b"".join(chunks) == data
    assert len(chunks) > 1
    assert version.file.size == len(data)


def test_removal_deletes_every_version_object_from_the_bucket(
    place, bucket, django_capture_on_commit_callbacks
):
    home, member = place
    doc = document(uploader=member, community=home)
    document_add_version(user=member, document=doc, file=upload_file(pdf_bytes("v2")))
    assert len(bucket.keys()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        document_remove(user=person_as("facilitator", home), document=doc, reason="Out of date")

    assert bucket.keys() == []


def test_text_is_extracted_from_the_object_in_the_bucket(place, bucket, django_capture_on_commit_callbacks):
    home, member = place
    with django_capture_on_commit_callbacks(execute=True):
        word = document(
            uploader=member, community=home, data=docx_bytes("Temporary accommodation"), name="a.docx"
        )
        pdf = document(uploader=member, community=home, data=pdf_bytes("Street lighting"), name="b.pdf")

    word.refresh_from_db()
    pdf.refresh_from_db()
    assert (word.text_state, word.text) == (TextState.EXTRACTED, "Temporary accommodation")
    assert (pdf.text_state, pdf.text) == (TextState.EXTRACTED, "Street lighting")


def test_a_refused_upload_leaves_no_object(place, bucket):
    home, member = place
    LibrarySpace.objects.create(community=home, quota_bytes=10)

    with pytest.raises(ValidationError):
        document(uploader=member, community=home)

    assert bucket.keys() == []


# --- The settings ----------------------------------------------------------------------------------------
def test_without_a_bucket_files_stay_on_the_file_system():
    assert file_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert file_storage({"AWS_ACCESS_KEY_ID": "k"})["BACKEND"].endswith("FileSystemStorage")


def test_a_bucket_chooses_s3_private_never_overwriting_with_only_the_variables_given():
    storage = file_storage({"AWS_STORAGE_BUCKET_NAME": "khub-files", "AWS_S3_REGION_NAME": "eu-west-2"})

    assert storage == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "khub-files",
            "region_name": "eu-west-2",
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }


def test_an_empty_acl_sends_none_for_buckets_whose_acls_are_disabled():
    storage = file_storage({"AWS_STORAGE_BUCKET_NAME": "khub-files", "AWS_DEFAULT_ACL": ""})

    assert storage["OPTIONS"]["default_acl"] is None
