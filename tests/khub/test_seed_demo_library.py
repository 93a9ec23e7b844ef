"""The demo libraries seeded by `manage.py seed_demo` (khub/demo/library.py) and the files it builds
(khub/demo/documents.py).

As in test_demo_conversations, the seed runs once for the module inside a transaction rolled back at the end
(its files stored in the test run's media folder); each test runs in its own savepoint, so the test that
seeds again changes nothing for the others.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.test import override_settings

from communities.models import Community, Membership
from core.markdown import markdown_render
from khub.demo.documents import pdf_file, spreadsheet_file, word_file
from khub.demo.library import DOCUMENTS, GUIDES
from library import permissions
from library.files import inspect_upload
from library.models import Document, DocumentVersion, Folder, Guide, GuideRevision, LibrarySpace, TextState
from profiles.models import User


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, _media_root):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True, MEDIA_ROOT=_media_root):
            call_command("seed_demo")
        yield
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def _login(name: str) -> User:
    return User.objects.get(email=f"{name}@demo.khub.test")


def _read_pdf(data: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_demo_files_are_real_pdfs_word_documents_and_workbooks_whose_text_reads_back():
    import docx
    import openpyxl

    paragraphs = [f"Paragraph {n}: the waste collection cost per household (£42) fell." for n in range(120)]
    pdf = pdf_file("Waste collection cost model", paragraphs)
    text = _read_pdf(pdf)
    assert "Waste collection cost model" in text
    assert "Paragraph 0: the waste collection cost per household (£42) fell." in text
    assert "Paragraph 119:" in text
    import pypdf

    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) > 1  # long text runs on to more pages
    word = docx.Document(io.BytesIO(word_file("Business case", ["## Options", "- Do nothing", "Text"])))
    assert [paragraph.text for paragraph in word.paragraphs] == [
        "Business case",
        "Options",
        "Do nothing",
        "Text",
    ]
    assert word.paragraphs[1].style.name == "Heading 1"
    workbook = openpyxl.load_workbook(
        io.BytesIO(spreadsheet_file({"Costs": [["Item", "Cost"], ["Crews", 9]]}))
    )
    assert list(workbook["Costs"].values) == [("Item", "Cost"), ("Crews", 9)]
    for data, name, kind in ((pdf, "a.pdf", "pdf"), (word_file("T", ["x"]), "b.docx", "docx")):
        from django.core.files.uploadedfile import SimpleUploadedFile

        assert inspect_upload(SimpleUploadedFile(name, data)).kind == kind


def test_every_demo_document_is_uploaded_in_several_communities_one_of_them_private():
    documents = Document.objects.filter(removed_at__isnull=True)
    assert documents.count() == len(DOCUMENTS) >= 12
    assert documents.values("community").distinct().count() >= 5
    assert set(documents.values_list("kind", flat=True)) >= {"pdf", "docx", "xlsx", "csv", "txt"}
    assert documents.filter(community__visibility="private").exists()
    assert documents.filter(community__visibility="restricted").exists()
    assert documents.filter(folder__isnull=False).count() >= 3
    assert Folder.objects.count() >= 3
    assert not documents.filter(tags__isnull=True).exists()
    assert documents.filter(download_count__gt=0).count() == documents.count()
    for document in documents.select_related("community", "uploaded_by"):
        # Uploaded by a member of its community, as the services allow.
        assert Membership.objects.filter(
            community=document.community, user=document.uploaded_by, state="active"
        ).exists(), document.title


def test_each_document_is_stored_as_its_newest_version_and_its_file_is_the_type_it_says():
    for document in Document.objects.select_related("current_version"):
        version = document.current_version
        assert version.number == document.version_count == document.versions.count()
        assert (document.kind, document.size) == (version.kind, version.size)
        assert document.updated_at == version.created_at >= document.created_at
        with version.file.open("rb") as handle:
            data = handle.read()
        assert len(data) == version.size
        assert version.filename.endswith(f".{'txt' if version.kind == 'txt' else version.kind}")
    spaces = LibrarySpace.objects.aggregate(used=Sum("used_bytes"))["used"]
    assert spaces == DocumentVersion.objects.aggregate(size=Sum("size"))["size"]


def test_one_demo_document_has_two_versions_by_different_people_with_a_note():
    document = Document.objects.get(version_count=2)
    first, second = document.versions.order_by("number")
    assert first.uploaded_by != second.uploaded_by
    assert second.note
    assert second.created_at > first.created_at
    assert not first.note
    assert Document.objects.filter(version_count=1).count() == len(DOCUMENTS) - 1


def test_the_text_of_every_demo_file_is_read_by_the_end_of_the_seed():
    """The extraction ran on every version: none is left pending for a worker, and each file whose text the
    hub reads is found by a phrase from inside it."""
    assert not DocumentVersion.objects.filter(text_state=TextState.PENDING).exists()
    assert not Document.objects.filter(text_state=TextState.PENDING).exists()
    extracted = Document.objects.filter(text_state=TextState.EXTRACTED)
    assert extracted.filter(kind__in=["csv", "txt"]).count() == 2  # the formats read since the foundation
    inside = {
        "Bin collection volumes by ward": "Riverside",
        "Discharge to assess: pathway notes": "Pathway 2: a short stay",
        "Business case template for a new digital service": "Benefits realisation",
        "Waste collection cost model 2025/26": "Dry recycling",
        "Legacy case management exit checklist": "section 151 officer",
    }
    for document in extracted.filter(title__in=inside):
        assert inside[document.title] in document.text, document.title


def test_the_demo_pdfs_say_what_the_yaml_wrote():
    for document in Document.objects.filter(kind="pdf").select_related("current_version"):
        with document.current_version.file.open("rb") as handle:
            text = " ".join(_read_pdf(handle.read()).split())
        spec = next(spec for spec in DOCUMENTS if spec.title == document.title)
        assert " ".join(spec.file.paragraphs[0].split())[:60] in text


def test_the_private_communitys_library_is_read_by_its_members_only():
    private = Document.objects.filter(community__visibility="private")
    community = private.first().community
    assert Community.objects.get(pk=community.pk).name == "Heads of Digital"
    assert set(permissions.readable_documents(_login("facilitator")).filter(pk__in=private)) == set(private)
    assert not permissions.readable_documents(_login("member")).filter(pk__in=private).exists()
    assert not permissions.readable_documents(_login("outsider")).filter(pk__in=private).exists()
    # The member reads the libraries of the communities they are in, and one guide in each of two.
    readable = permissions.readable_documents(_login("member"))
    assert readable.count() >= 6
    assert permissions.readable_guides(_login("member")).count() == 2


def test_the_two_demo_guides_have_several_revisions_by_different_people_with_notes():
    guides = Guide.objects.annotate(revisions_made=Count("revisions"))
    assert guides.count() == len(GUIDES) == 2
    for guide in guides:
        assert guide.revision_count == guide.revisions_made >= 4
        revisions = list(guide.revisions.order_by("number"))
        assert [revision.number for revision in revisions] == list(range(1, guide.revision_count + 1))
        assert len({revision.author_id for revision in revisions}) >= 4
        assert all(revision.note for revision in revisions)
        times = [revision.created_at for revision in revisions]
        assert times == sorted(times)
        assert len(set(times)) == len(times)
        newest = revisions[-1]
        assert (guide.body, guide.title) == (newest.body, newest.title)
        assert guide.body_html == markdown_render(guide.body)
        assert (guide.last_edited_by_id, guide.last_edited_at) == (newest.author_id, newest.created_at)
        assert (guide.created_by_id, guide.created_at) == (revisions[0].author_id, revisions[0].created_at)
        # Each revision changes the text: a diff between any two has something to show.
        assert len({revision.body for revision in revisions}) == len(revisions)
        assert Membership.objects.filter(
            community=guide.community, user__in=[r.author_id for r in revisions], state="active"
        ).count() == len({r.author_id for r in revisions})
    assert GuideRevision.objects.filter(author=_login("member")).count() == 2


def test_seeding_again_adds_no_document_version_folder_file_or_guide():
    counts = (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        Folder.objects.count(),
        Guide.objects.count(),
        GuideRevision.objects.count(),
        LibrarySpace.objects.aggregate(used=Sum("used_bytes"))["used"],
    )
    with override_settings(DEBUG=True):
        call_command("seed_demo")
    assert (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        Folder.objects.count(),
        Guide.objects.count(),
        GuideRevision.objects.count(),
        LibrarySpace.objects.aggregate(used=Sum("used_bytes"))["used"],
    ) == counts
    assert dict(Document.objects.values_list("title", "download_count")) == {
        spec.title: spec.downloads for spec in DOCUMENTS
    }
