"""benchmarks/library_data.py: the libraries both generators load are planned with the shape the benchmark
promises (the busy library's 5,000 documents in 20 folders, a guide of 500 revisions, documents spread over
the other communities), and every planned row is one the services could have written."""

import random
from datetime import UTC, datetime
from itertools import pairwise

from benchmarks.bulk import Writer
from benchmarks.library_data import FOLDER_NAMES, KINDS, filename_of, plan_library

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def _plan(documents: int = 6_000):
    rng = random.Random(5)
    writer = Writer(rng, ["housing", "bins", "budget", "care", "roads", "tenants", "repairs"])
    members_of = {
        1: list(range(1, 40)),
        **{community: [community * 10, community * 10 + 1] for community in range(2, 32)},
    }
    plan = plan_library(
        rng,
        now=NOW,
        members_of=members_of,
        busy=1,
        write=lambda count: writer.paragraphs(count, set()),
        tags=30,
        documents=documents,
    )
    return plan, members_of


def test_the_busy_library_holds_5000_documents_in_20_folders_and_the_rest_are_spread():
    plan, members_of = _plan()
    assert len(plan.documents) == 6_000
    busy = [document for document in plan.documents if document.community == 1]
    assert len(busy) == 5_000
    assert [folder.name for folder in plan.folders] == list(FOLDER_NAMES)
    assert {folder.community for folder in plan.folders} == {1}
    in_folders = [document.folder for document in busy if document.folder]
    assert len(in_folders) == 4_500
    assert set(in_folders) == set(range(1, 21))
    assert not [document for document in plan.documents if document.community != 1 and document.folder]
    assert len({document.community for document in plan.documents}) > 20
    # Every kind, a long tail of downloads, tags, titles that differ.
    assert {document.kind for document in busy} == set(KINDS)
    downloads = sorted(document.download_count for document in busy)
    assert downloads[2_500] < 10 < 500 < downloads[-1]
    assert sum(1 for document in busy if document.tags) > 3_000
    assert all(index < 30 for document in plan.documents for index in document.tags)
    assert len({document.title for document in busy}) > 1_000
    for document in plan.documents:
        assert document.uploader == document.versions[0].uploader
        assert {version.uploader for version in document.versions} <= set(members_of[document.community])
        assert [version.created_at for version in document.versions] == sorted(
            version.created_at for version in document.versions
        )
        assert document.updated_at <= NOW
        assert (document.kind == "png") == (document.text_state == "none")
        assert (document.paragraphs > 0) == (document.text_state == "extracted")
        assert "/" not in filename_of(document)
        assert filename_of(document).endswith(f".{'txt' if document.kind == 'txt' else document.kind}")
    assert 500 < sum(len(document.versions) > 1 for document in busy) < 1_000
    assert 0 < sum(document.text_state == "failed" for document in plan.documents) < 300


def test_the_busy_guide_has_500_revisions_each_changing_its_text():
    plan, members_of = _plan(documents=5_000)
    guide = plan.guides[0]
    assert guide.community == 1
    assert [revision.number for revision in guide.revisions] == list(range(1, 501))
    times = [revision.created_at for revision in guide.revisions]
    assert times == sorted(times)
    assert len(set(times)) == 500
    assert times[-1] < NOW
    assert all(before.body != after.body for before, after in pairwise(guide.revisions))
    assert len({revision.author for revision in guide.revisions}) > 20
    assert {revision.author for revision in guide.revisions} <= set(members_of[1])
    assert all(revision.note for revision in guide.revisions)
    assert guide.newest is guide.revisions[-1]
    assert guide.newest.body.startswith("## ")
    # A small guide in one community in ten, with a few revisions.
    others = plan.guides[1:]
    assert len(others) == 3
    assert all(1 <= len(other.revisions) <= 6 for other in others)
    assert len({(other.community, other.slug) for other in plan.guides}) == len(plan.guides)
