"""benchmarks/pages.py: its flags and defaults are the ones its docstring and README.md state, and on a tiny
dataset every page it measures answers, with fixtures that --reuse reads back from the marker."""

import hashlib
import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from benchmarks import pages as bench
from communities.models import Membership
from core.markdown import markdown_render
from events.models import CalendarFeed, Event, Rsvp
from library.models import Document, DocumentVersion, Folder, Guide, LibrarySpace

ROOT = Path(__file__).resolve().parents[2]


def test_the_docstring_names_only_flags_the_script_has():
    flags = {option for action in bench.arguments()._actions for option in action.option_strings}
    assert set(re.findall(r"--[a-z][a-z-]*", bench.__doc__)) <= flags
    assert "--reuse" in flags


def test_the_defaults_are_the_dataset_the_readme_measured():
    defaults = bench.arguments().parse_args([])
    readme = (ROOT / "README.md").read_text()
    performance = readme[readme.index("`benchmarks/pages.py`") :][:600]
    assert f"{defaults.people:,} people, {defaults.communities:,} communities" in performance
    assert f"[--people {defaults.people}] [--communities {defaults.communities}]" in bench.__doc__


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///var/khub.sqlite3", "SQLite is not supported"),
        ("postgres://postgres@127.0.0.1:5432/khub", "must start with khub_bench"),
    ],
)
def test_the_benchmark_refuses_sqlite_and_databases_it_must_not_drop(monkeypatch, url, message):
    monkeypatch.setattr("sys.argv", ["pages.py", "--database", url])
    with pytest.raises(SystemExit, match=message):
        bench.main()


def test_every_page_answers_on_a_tiny_dataset_and_the_fixtures_survive_the_marker(postgres_only):
    # 1,200 people: the busy story's 300 endorsers, and 1,000 going to an event and 50 waiting. The 5,000
    # stories, the 1,000-post thread, the 500 events and the library of 5,000 documents of the busy
    # community stay.
    fixtures = bench.generate(people=1200, communities=9)
    recalled = bench.recall(bench.remember(fixtures))
    assert recalled == fixtures
    _the_events_keep_their_counts(fixtures)
    _the_libraries_keep_their_counts(fixtures)

    rows = bench.measure(fixtures=recalled, samples=1)

    assert len(rows) >= 25
    # (The visitor's landing page runs none.)
    assert all(queries > 0 for who, path, *_, queries in rows if (who, path) != ("visitor", "/"))
    # The yardstick first: session, member and its one query on a primary key.
    assert rows[0][1].startswith("one indexed query")
    assert rows[0][-1] == 3
    # The facilitator on every page but the visitor's probe; the visitor on the pages visitors see.
    assert {who for who, *_ in rows} == {"facilitator", "visitor"}
    assert {path for who, path, *_ in rows if who == "visitor"} >= {"/", "/practice/", "/healthz"}
    # Every events page is measured.
    paths = {path for _, path, *_ in rows}
    for name, kwargs, query, _ in bench.event_pages(recalled):
        assert reverse(name, kwargs=kwargs) + query in paths, name
    assert recalled["event"].get_absolute_url() in paths
    # Every library page is measured.
    library_pages = bench.library_pages(recalled)
    assert {name for name, *_ in library_pages} >= {
        "library:index", "library:document", "library:download", "library:guide", "library:guide-history",
        "library:guide-diff", "search",
    }  # fmt: skip
    assert ("search", {}, "?q=waste+collection&type=library", bench.MEMBERS) in library_pages
    for name, kwargs, query, _ in library_pages:
        assert reverse(name, kwargs=kwargs) + query in paths, name


def _the_libraries_keep_their_counts(fixtures: dict) -> None:
    """The generated libraries hold what the services would have written, their files are real."""
    community, document, guide = fixtures["community"], fixtures["library_document"], fixtures["guide"]
    assert Document.objects.filter(community=community).count() == 5000
    assert Document.objects.count() == 5000 + 1200 // 2
    assert Folder.objects.filter(community=community).count() == 20
    assert Document.objects.filter(community=community, folder__isnull=False).count() == 4500
    assert Document.objects.values("community").distinct().count() > 3
    assert document.community == community
    assert (
        document.version_count
        == Document.objects.filter(community=community).aggregate(most=Max("version_count"))["most"]
        > 1
    )
    mismatched = Document.objects.annotate(versions_made=Count("versions")).exclude(
        versions_made=F("version_count"),
        current_version__number=F("version_count"),
        current_version__kind=F("kind"),
        current_version__size=F("size"),
        current_version__created_at=F("updated_at"),
    )
    assert not mismatched.exists()
    assert not Document.objects.filter(text_state="extracted", text="").exists()
    assert not Document.objects.exclude(text_state="extracted").exclude(text="").exists()
    assert Document.objects.filter(text__icontains=fixtures["library_query"]).count() > 100
    # Uploaders take part in their community.
    assert not DocumentVersion.objects.exclude(
        Exists(
            Membership.objects.filter(
                community=OuterRef("document__community"), user=OuterRef("uploaded_by"), state="active"
            )
        )
    ).exists()
    used = DocumentVersion.objects.values("document__community").annotate(used=Sum("size")).order_by()
    assert {row["document__community"]: row["used"] for row in used} == dict(
        LibrarySpace.objects.values_list("community_id", "used_bytes")
    )
    # Each version's file is a real file of its kind in the storage, the size and digest the rows say.
    for version in DocumentVersion.objects.distinct("file").order_by("file"):
        with default_storage.open(version.file.name, "rb") as handle:
            data = handle.read()
        assert len(data) == version.size
        assert hashlib.sha256(data).hexdigest() == version.sha256
    assert DocumentVersion.objects.values("file").distinct().count() == 7
    # The guide of 500 revisions, its page showing the newest.
    assert guide.community == community
    assert guide.revision_count == guide.revisions.count() == 500
    newest = guide.revisions.get(number=500)
    assert (guide.body, guide.last_edited_by_id, guide.last_edited_at) == (
        newest.body,
        newest.author_id,
        newest.created_at,
    )
    assert guide.body_html == markdown_render(guide.body)
    assert Guide.objects.exclude(pk=guide.pk).exists()


def _the_events_keep_their_counts(fixtures: dict) -> None:
    """The generated events hold what the services would have written."""
    event, community, viewer = fixtures["event"], fixtures["community"], fixtures["viewer"]

    assert Event.objects.filter(community=community).count() == 500
    in_community = Event.objects.filter(community=community)
    assert in_community.filter(starts_at__lt=timezone.now()).count() == 200
    assert in_community.filter(going_count__gt=0, capacity__isnull=False, going_count=F("capacity")).exists()
    assert in_community.filter(waiting_count__gt=0).exists()
    assert in_community.filter(status="cancelled").exclude(cancel_reason="").exists()
    assert in_community.exclude(notes="").exists()
    assert (event.going_count, event.capacity, event.waiting_count) == (1000, 1000, 50)
    assert event.community.visibility == "open"
    assert event.starts_at > timezone.now()
    assert Event.objects.exclude(community=community).count() == 3 * 8 + 1
    for row in Event.objects.annotate(
        going=Count("rsvps", filter=Q(rsvps__state="going")),
        waiting=Count("rsvps", filter=Q(rsvps__state="waiting")),
    ):
        assert (row.going_count, row.waiting_count) == (row.going, row.waiting)
        assert row.capacity is None or row.going_count <= row.capacity
        assert row.is_online == bool(row.joining_url)
        assert row.is_in_person == bool(row.postcode)
    # Whoever replied takes part in the community, and only once.
    assert not Rsvp.objects.exclude(
        Exists(
            Membership.objects.filter(
                community=OuterRef("event__community"), user=OuterRef("user"), state="active"
            )
        )
    ).exists()
    # The waiting list is behind everyone going, in the order they replied.
    last_going = Rsvp.objects.filter(event=event, state="going").aggregate(last=Max("updated_at"))["last"]
    assert not Rsvp.objects.filter(event=event, state="waiting", updated_at__lte=last_going).exists()
    assert Rsvp.objects.filter(user=viewer, state="going").count() >= 150
    assert CalendarFeed.objects.get(user=viewer).token == fixtures["feed_token"]
