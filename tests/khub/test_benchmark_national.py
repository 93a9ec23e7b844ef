"""benchmarks/national.py: its sizes are the issue's national figures, and on a tiny hub generated into a
database of its own every derived column holds what the services would have written and every page
answers for the member, the facilitator and the visitor."""

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from benchmarks import national as bench
from benchmarks.bulk import Writer, html_of
from core.markdown import markdown_render
from tests.khub.test_benchmark_search import _server_url

ROOT = Path(__file__).resolve().parents[2]


def test_the_docstring_names_only_flags_the_script_has():
    flags = {option for action in bench.arguments()._actions for option in action.option_strings}
    assert set(re.findall(r"--[a-z][a-z-]*", bench.__doc__)) <= flags
    assert {"--reuse", "--people", "--communities"} <= flags


def test_the_default_size_is_the_national_hub():
    defaults = bench.arguments().parse_args([])
    assert bench.sizes(defaults.people, defaults.communities) == {
        "people": 200_000,
        "communities": 3_000,
        "councils": 400,
        "conversations": 200_000,
        "posts": 2_000_000,
        "long thread": 10_000,
        "stories": 50_000,
        "notifications": 2_000_000,
        "documents": 50_000,
    }


def test_the_stored_html_is_what_the_markdown_renders_to():
    writer = Writer(random.Random(3), ["housing", "bins", "Fly-tipping", "care", "roads"])
    for count in (1, 2, 3):
        paragraphs = writer.paragraphs(count, set())
        assert html_of(paragraphs) == markdown_render("\n\n".join(paragraphs))


@pytest.fixture
def national_database():
    name = f"khub_bench_national_test_{os.getpid()}"
    yield _server_url(name)
    with psycopg.connect(_server_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Each counter the services keep, and the rows it counts: no row may disagree.
DISAGREEING = {
    "member counts": """
        SELECT count(*) FROM communities_community c WHERE member_count <> (SELECT count(*)
        FROM communities_membership m WHERE m.community_id = c.id AND m.state = 'active')""",
    "follow counts": """
        SELECT count(*) FROM profiles_user p
        WHERE follower_count <> (SELECT count(*) FROM profiles_follow f
            JOIN profiles_user u ON u.id = f.follower_id
            WHERE f.followed_id = p.id AND u.is_active AND u.erased_at IS NULL)
           OR following_count <> (SELECT count(*) FROM profiles_follow f
            JOIN profiles_user u ON u.id = f.followed_id
            WHERE f.follower_id = p.id AND u.is_active AND u.erased_at IS NULL)""",
    "reply counts": """
        SELECT count(*) FROM communities_thread t WHERE reply_count <> (SELECT count(*)
        FROM communities_post p WHERE p.thread_id = t.id AND p.depth > 0 AND p.state = 'visible')""",
    "post sequences": """
        SELECT count(*) FROM communities_thread t
        WHERE post_sequence <> (SELECT count(*) FROM communities_post p WHERE p.thread_id = t.id)""",
    "opening posts": """
        SELECT count(*) FROM communities_thread t JOIN communities_post p ON p.id = t.opening_post_id
        WHERE p.thread_id <> t.id OR p.depth <> 0""",
    "answers": """
        SELECT count(*) FROM communities_thread t JOIN communities_post p ON p.id = t.answer_id
        WHERE p.thread_id <> t.id OR t.kind <> 'question'""",
    "paths": """
        SELECT count(*) FROM communities_post p LEFT JOIN communities_post parent ON parent.id = p.parent_id
        WHERE p.depth <> length(p.path) / 6 - 1
           OR (p.parent_id IS NOT NULL AND left(p.path, length(parent.path)) <> parent.path)""",
    "helpful counts": """
        SELECT count(*) FROM communities_post p
        WHERE helpful_count <> (SELECT count(*) FROM communities_postreaction r WHERE r.post_id = p.id)""",
    "endorsement counts": """
        SELECT count(*) FROM practice_practicestory s
        WHERE endorsement_count <> (SELECT count(*) FROM practice_endorsement e WHERE e.story_id = s.id)""",
    "adoption counts": """
        SELECT count(*) FROM practice_practicestory s
        WHERE adoption_count <> (SELECT count(*) FROM practice_adoption a WHERE a.story_id = s.id)""",
    "discussions": """
        SELECT count(*) FROM practice_practicestory s JOIN communities_thread t ON t.id = s.discussion_id
        WHERE t.community_id <> s.community_id""",
    "event counts": """
        SELECT count(*) FROM events_event e
        WHERE going_count <> (SELECT count(*) FROM events_rsvp r
                              WHERE r.event_id = e.id AND r.state = 'going')
           OR waiting_count <> (SELECT count(*) FROM events_rsvp r
                                WHERE r.event_id = e.id AND r.state = 'waiting')
           OR going_count > coalesce(capacity, going_count)""",
    "event replies by members": """
        SELECT count(*) FROM events_rsvp r JOIN events_event e ON e.id = r.event_id
        WHERE NOT EXISTS (SELECT 1 FROM communities_membership m JOIN profiles_user u ON u.id = m.user_id
            WHERE m.community_id = e.community_id AND m.user_id = r.user_id AND m.state = 'active'
              AND u.is_active)""",
    "event places": """
        SELECT count(*) FROM events_event
        WHERE (format <> 'in_person') <> (joining_url <> '') OR (format <> 'online') <> (postcode <> '')""",
    "document versions": """
        SELECT count(*) FROM library_document d JOIN library_documentversion v ON v.id = d.current_version_id
        WHERE v.document_id <> d.id OR v.number <> d.version_count OR v.kind <> d.kind OR v.size <> d.size
           OR v.created_at <> d.updated_at OR d.created_at > d.updated_at
           OR version_count <> (SELECT count(*) FROM library_documentversion w WHERE w.document_id = d.id)""",
    "document texts": """
        SELECT count(*) FROM library_document
        WHERE (text_state = 'extracted') <> (text <> '') OR (text_state = 'none') <> (kind = 'png')""",
    "uploaders who take part": """
        SELECT count(*) FROM library_documentversion v JOIN library_document d ON d.id = v.document_id
        WHERE NOT EXISTS (SELECT 1 FROM communities_membership m
            WHERE m.community_id = d.community_id AND m.user_id = v.uploaded_by_id AND m.state = 'active')""",
    "folders of the library": """
        SELECT count(*) FROM library_document d JOIN library_folder f ON f.id = d.folder_id
        WHERE f.community_id <> d.community_id""",
    "library storage": """
        SELECT count(*) FROM library_libraryspace s FULL JOIN (SELECT d.community_id, sum(v.size) AS used
            FROM library_documentversion v JOIN library_document d ON d.id = v.document_id GROUP BY 1) u
            ON u.community_id = s.community_id
        WHERE s.used_bytes IS DISTINCT FROM u.used""",
    "guide revisions": """
        SELECT count(*) FROM library_guide g JOIN library_guiderevision r
            ON r.guide_id = g.id AND r.number = g.revision_count
        WHERE r.body <> g.body OR r.title <> g.title OR r.author_id IS DISTINCT FROM g.last_edited_by_id
           OR r.created_at <> g.last_edited_at
           OR revision_count <> (SELECT count(*) FROM library_guiderevision s WHERE s.guide_id = g.id)""",
    "search documents": """
        SELECT (SELECT count(*) FROM communities_post WHERE search_vector IS NULL)
             + (SELECT count(*) FROM practice_practicestory WHERE search_vector IS NULL)
             + (SELECT count(*) FROM library_document WHERE search_vector IS NULL)
             + (SELECT count(*) FROM library_guide WHERE search_vector IS NULL)""",
}


@pytest.mark.postgres
def test_a_tiny_national_hub_keeps_every_derived_column_and_every_page_answers(
    postgres_only, national_database
):
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    command = [sys.executable, str(ROOT / "benchmarks" / "national.py"), "--people", "1200"]
    command += ["--communities", "30", "--documents", "6000", "--samples", "1"]
    command += ["--database", national_database]
    done = subprocess.run(  # noqa: S603  (the benchmark, with its own arguments)
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900, check=False
    )
    output = done.stdout
    assert done.returncode == 0, output[-3000:] + done.stderr[-3000:]
    assert "indexes rebuilt as migrated" in output
    assert "(pg_database_size)" in output

    with psycopg.connect(national_database) as conn:
        count = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in bench.LOADED
        }
        assert count["profiles_user"] == 1200
        # Measuring the pages adds the question to the hub whose "who to ask" page is measured
        # (benchmarks/pages.py ask_fixture): its thread, opening post and the hub-wide space it lives in.
        assert count["communities_community"] == 30 + 1
        assert count["communities_post"] == 12_000 + 1
        assert count["communities_thread"] == 1200 + 1
        assert count["practice_practicestory"] == 300
        assert count["profiles_notification"] == 12_000
        assert 4_000 < count["communities_membership"] < 8_000
        assert conn.execute(
            "SELECT count(*) FROM communities_thread t WHERE post_sequence = 1000"
        ).fetchone() == (1,)
        private = conn.execute(
            "SELECT count(*) FILTER (WHERE visibility = 'private'), count(*) FILTER (WHERE visibility = "
            "'restricted') FROM communities_community"
        ).fetchone()
        assert private == (3, 6)
        # The member of ten.
        assert conn.execute(
            "SELECT count(*) FROM communities_membership WHERE user_id = 2 AND state = 'active'"
        ).fetchone() == (10,)
        assert (
            conn.execute("SELECT count(*) FROM profiles_user WHERE display_name = 'Priya Shah'").fetchone()[0]
            >= 3
        )
        for what, sql in DISAGREEING.items():
            assert conn.execute(sql).fetchone() == (0,), what
        # The measured community's 500 events, past and upcoming; the crowd's event as full as its
        # community allows (1,000 going at the national size); the member going to many.
        assert conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE starts_at < now()) FROM events_event"
            " WHERE community_id = (SELECT community_id FROM communities_membership"
            " WHERE user_id = 1 AND role = 'owner')"
        ).fetchone() == (500, 200)
        assert conn.execute("SELECT max(going_count) FROM events_event").fetchone()[0] >= 300
        assert (
            conn.execute("SELECT count(*) FROM events_rsvp WHERE user_id = 2 AND state = 'going'").fetchone()[
                0
            ]
            >= 100
        )
        for body, html in conn.execute("SELECT body, body_html FROM communities_post LIMIT 50"):
            assert html == markdown_render(body)
        # The measured library: 5,000 documents in 20 folders, the guide of 500 revisions; the words of the
        # extracted text found by search.
        home = "(SELECT community_id FROM communities_membership WHERE user_id = 1 AND role = 'owner')"
        assert count["library_document"] == 6000
        assert conn.execute("SELECT count(DISTINCT community_id) FROM library_document").fetchone()[0] > 10
        assert conn.execute(
            f"SELECT count(*), count(folder_id), count(DISTINCT folder_id) FROM library_document"  # noqa: S608
            f" WHERE community_id = {home}"
        ).fetchone() == (5000, 4500, 20)
        assert conn.execute(
            f"SELECT revision_count FROM library_guide WHERE community_id = {home}"  # noqa: S608
        ).fetchone() == (500,)
        assert (
            count["library_guiderevision"]
            == 500
            + conn.execute(
                "SELECT coalesce(sum(revision_count), 0) FROM library_guide WHERE revision_count < 500"
            ).fetchone()[0]
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM library_document WHERE search_vector @@ plainto_tsquery('english', %s)",
                ["waste collection"],
            ).fetchone()[0]
            > 300
        )
        for html, body in conn.execute("SELECT body_html, body FROM library_guide"):
            assert html == markdown_render(body)

    rows = [line.split("|")[1:-1] for line in output.splitlines() if line.startswith("| `")]
    viewers = {cells[1].strip() for cells in rows}
    assert viewers == {"member", "facilitator", "visitor"}
    assert sum(1 for cells in rows if cells[1].strip() == "facilitator") > sum(
        1 for cells in rows if cells[1].strip() == "member"
    )  # the manage pages
    assert rows[0][0].strip() == "`one indexed query (the yardstick)`"
    # The crowded event's page, as the member and as the facilitator.
    event_pages = {
        cells[1].strip() for cells in rows if re.fullmatch(r" `/communities/[^/]+/events/\d+/` ", cells[0])
    }
    assert event_pages == {"member", "facilitator"}
