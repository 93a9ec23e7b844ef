"""Search (/search/) on a generated hub the size of a busy year, through the real view, on PostgreSQL.

    .venv/bin/python benchmarks/search.py [--posts 1000000] [--stories 50000] [--users N] [--samples 40]
        [--reuse] [--explain [CLASS]] [--seed 7] [--database URL]

The database comes from --database, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/
khub_bench_search; its name must start with khub_bench, because the script drops and recreates it (as
benchmarks/digests.py does), migrates it and bulk-loads:

- councils in every region; --users people (default 20,000, or posts/50 if fewer), most linked to a
  council, a few deactivated or erased; expertise tags.
- users/40 communities, open, restricted and private, with Zipf-like popularity, topics and memberships
  (everyone active in 1 to 12, a few invited, requested or left; an owner each).
- --posts posts in conversations of several posts each (replies to the opening post or to each other),
  over three years; a few hidden or deleted; thread titles, questions with answers, thread tags.
- --stories practice stories in every status (published, archived, draft) and audience (public,
  members, community), with co-authors and tags.

Text is words drawn from a Zipf distribution (s = 1) over a vocabulary of up to 200,000 words (real
local-government words at the head, made-up words after them), with English stop words between and UK
local-government words and phrases ("housing", "adult social care", "discharge to assess") mixed in, so
there are genuinely rare, mid-frequency and very frequent terms. Rows are streamed with COPY, the stored
tsvector columns computed by PostgreSQL as each row arrives; the plain indexes of the loaded tables are
dropped first and rebuilt after the load from their own definitions (the end state is the migrated
schema: the script checks), foreign keys are checked in bulk afterwards, then VACUUM ANALYZE.

Then, in a fresh process (the generator's heap would slow every request down), it requests /search/
through Django's test client, signed in as a member of five communities and as a visitor who is not
signed in: middleware, permission filters, candidates, facets, headlines and the template are all in
the figures; the network and the browser are not. Each query class (rare, mid-frequency and very
frequent terms, two frequent words, quoted phrases, faceted queries, sort=newest, one type) gets its
own terms from its frequency band, warm-up requests first, then --samples requests each, interleaved
across classes so load from other processes falls on all of them alike. It prints p50/p95/max, the SQL
time and the queries per page per class and viewer against the goal (p95 <= 100 ms), the statements
that take the time, and how many matches a frequent term has against the 1,000 cap. --explain prints
EXPLAIN (ANALYZE, BUFFERS) of the slowest statements of the slowest class (or of the class named).

At the default scale generation takes about ten minutes and the database about 4 GB. --reuse skips
generation when the database already holds data made with the same arguments (a marker in its comment).
The machine is shared: the load average is printed before and after, as other work on its two cores
slows every figure down.
"""

import argparse
import math
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scratch_database as scratch  # noqa: E402 -- after the path is set
from benchmarks.bulk import (  # noqa: E402
    COMMUNITY_NOUNS,
    COUNCIL_SUFFIXES,
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    LOCAL_GOV,
    PLACES,
    Stopwatch,
    Writer,
    copy_rows,
    count_council_members,
    distinct,
    html_of,
    load_begin,
    load_end,
    vocabulary,
    zipf_cum,
)

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/khub_bench_search"
MARKER = "khub search benchmark "
GOAL_MS = 100
WARMUP = 3  # requests per class and viewer before the measured ones
YEARS = 3  # the span of the generated conversations and stories


# --- The database -----------------------------------------------------------------------------------
def database_url(given: str | None) -> str:
    return scratch.database_url(
        given, default=DEFAULT_DATABASE, script="benchmarks/search.py", why="PostgreSQL's full-text search"
    )


def read_marker(url: str) -> dict | None:
    return scratch.read_marker(url, MARKER)


def write_marker(url: str, marker: dict) -> None:
    scratch.write_marker(url, MARKER, marker)


def setup_django(url: str) -> None:
    # One connection for the whole run, as a busy worker keeps it (the default 60 s would reconnect in the
    # middle of the measurements).
    scratch.setup_django(url, conn_max_age=3600)


LOADED = [
    "profiles_council",
    "profiles_user",
    "taggit_tag",
    "profiles_expertisetag",
    "communities_community",
    "communities_topictag",
    "communities_membership",
    "communities_thread",
    "communities_post",
    "communities_threadtag",
    "practice_practicestory",
    "practice_practicestory_co_authors",
    "practice_storytag",
]


def generate(url: str, *, posts: int, stories: int, users: int, seed: int = 7) -> dict:
    """Bulk-loads the hub described in the module docstring into a migrated, empty database. Returns the
    marker: what was made, the member who searches, and the terms of each frequency band."""
    from django.utils.text import slugify

    rng = random.Random(seed)
    anchor = datetime.now(UTC).replace(microsecond=0)
    start = anchor - timedelta(days=365 * YEARS)
    watch = Stopwatch()
    made: dict[str, int] = {}
    conn = psycopg.connect(url)
    plain = load_begin(conn, LOADED)

    vocab = vocabulary(conn, rng, min(200_000, max(5_000, posts // 5)))
    writer = Writer(rng, vocab)
    watch.lap(f"vocabulary: {len(vocab):,} words with distinct lexemes")

    def moment(low: datetime = start, high: datetime = anchor) -> datetime:
        return low + (high - low) * rng.random()

    # Councils in every region.
    regions = [
        "north_east", "north_west", "yorkshire", "east_midlands", "west_midlands", "east", "london",
        "south_east", "south_west", "wales", "scotland", "northern_ireland",
    ]  # fmt: skip
    council_names = [f"{place} {suffix}" for suffix in COUNCIL_SUFFIXES for place in PLACES]
    council_count = max(12, min(len(council_names), users // 50))
    region_of_place = {place: regions[n % len(regions)] for n, place in enumerate(PLACES)}
    made["councils"] = copy_rows(
        conn,
        "profiles_council",
        ("id", "name", "slug", "kind", "region", "website", "member_count"),
        (
            (i + 1, name, slugify(name), "unitary", region_of_place[name.split()[0]], "", 0)
            for i, name in enumerate(council_names[:council_count])
        ),
    )
    council_cum = zipf_cum(council_count, 0.5)

    # People: user 1 is the member who searches.
    council_of: dict[int, int | None] = {}
    user_rows = []
    for pk in range(1, users + 1):
        council = rng.choices(range(1, council_count + 1), cum_weights=council_cum)[0]
        linked = pk == 1 or rng.random() < 0.85
        council_of[pk] = council if linked else None
        active = pk == 1 or rng.random() > 0.02
        erased = None if pk == 1 or rng.random() > 0.01 else moment()
        name = "Bench Viewer" if pk == 1 else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        user_rows.append(
            (
                pk, "!", False, f"member{pk}@bench.test", name, f"member-{pk}", rng.choice(JOB_TITLES),
                council_of[pk], "admin" if linked else "", "", "", "", False, "weekly", True, erased,
                False, active, moment(start - timedelta(days=365)),
            )
        )  # fmt: skip
    made["people"] = copy_rows(
        conn,
        "profiles_user",
        (
            "id", "password", "is_superuser", "email", "display_name", "handle", "job_title", "council_id",
            "council_linked_via", "bio", "bio_html", "avatar", "show_email", "digest_frequency",
            "email_immediately", "erased_at", "is_staff", "is_active", "date_joined",
        ),
        user_rows,
    )  # fmt: skip
    del user_rows
    count_council_members(conn)

    # Tags: the local-government topics first (the most used), then made-up ones.
    tag_names = [phrase.capitalize() for phrase in LOCAL_GOV]
    tag_names += [word.capitalize() for word in vocab[40 : 40 + max(0, 300 - len(tag_names))]]
    tag_slugs = [slugify(name) for name in tag_names]
    copy_rows(
        conn,
        "taggit_tag",
        ("id", "name", "slug"),
        ((i + 1, name, slug) for i, (name, slug) in enumerate(zip(tag_names, tag_slugs, strict=True))),
    )
    tag_cum = zipf_cum(len(tag_names), 1.0)

    def tag_rows(keys, choices):
        pk = 0
        for key in keys:
            for tag in distinct(rng, len(tag_names), tag_cum, rng.choice(choices)):
                pk += 1
                yield (pk, key, tag + 1)

    made["expertise tags"] = copy_rows(
        conn,
        "profiles_expertisetag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, users + 1), (0, 0, 1, 2, 3)),
    )
    watch.lap(f"{council_count} councils, {users:,} people, {len(tag_names)} tags")

    # Communities, most popular first: a Zipf share of conversations, stories and members each.
    community_count = max(12, users // 40)
    visibility = ["open", "restricted", "private"][:3] + rng.choices(
        ["open", "restricted", "private"], weights=[5, 3, 2], k=community_count - 3
    )
    community_cum = zipf_cum(community_count, 0.8)
    members_of: dict[int, list[int]] = defaultdict(list)
    membership_rows = []

    def join(community: int, user: int, state: str = "active") -> None:
        joined = moment(start - timedelta(days=200), anchor - timedelta(days=30))
        if state == "active":
            members_of[community].append(user)
        membership_rows.append(
            [community, user, "member", state, "", joined, joined, joined if state == "active" else None]
        )

    # The member who searches: in five of the thirty most popular communities, two of them open, two
    # restricted and one private (so permission filters have work to do).
    picks: dict[str, int] = {"open": 2, "restricted": 2, "private": 1}
    popular = min(30, community_count)
    viewer_communities = []
    for index in [*rng.sample(range(popular), popular), *range(popular, community_count)]:
        if picks.get(visibility[index], 0):
            picks[visibility[index]] -= 1
            viewer_communities.append(index + 1)
    for community in viewer_communities:
        join(community, 1)
    for user in range(2, users + 1):
        for index in distinct(
            rng, community_count, community_cum, rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10, 12))
        ):
            roll = rng.random()
            join(index + 1, user, "active" if roll < 0.9 else "left" if roll < 0.94 else "requested")
    for community in range(1, community_count + 1):
        while len(members_of[community]) < 3:
            user = rng.randrange(2, users + 1)
            if user not in members_of[community]:
                join(community, user)
    owner_of = {community: next(u for u in members if u != 1) for community, members in members_of.items()}
    seen_pairs = set()
    rows = []
    for row in membership_rows:
        if (row[0], row[1]) in seen_pairs:
            continue
        seen_pairs.add((row[0], row[1]))
        if owner_of.get(row[0]) == row[1] and row[3] == "active":
            row[2] = "owner"
        rows.append((len(rows) + 1, *row, True))
    made["memberships"] = copy_rows(
        conn,
        "communities_membership",
        (
            "id", "community_id", "user_id", "role", "state", "message", "created_at", "updated_at",
            "joined_at", "in_digest",
        ),
        rows,
    )  # fmt: skip
    community_rows = []
    for pk in range(1, community_count + 1):
        topic = LOCAL_GOV[(pk - 1) % len(LOCAL_GOV)]
        name = f"{topic[0].upper()}{topic[1:]} {COMMUNITY_NOUNS[pk % len(COMMUNITY_NOUNS)]} {pk}"
        about = writer.paragraphs(2, set())
        created = moment(start - timedelta(days=365), start)
        community_rows.append(
            (
                pk, name, slugify(name), writer.sentence(set())[:200], "\n\n".join(about), html_of(about),
                visibility[pk - 1], owner_of[pk], created, len(members_of[pk]), anchor,
            )
        )  # fmt: skip
    made["communities"] = copy_rows(
        conn,
        "communities_community",
        (
            "id", "name", "slug", "description", "about", "about_html", "visibility", "created_by_id",
            "created_at", "member_count", "last_activity_at",
        ),
        community_rows,
    )  # fmt: skip
    slug_of = {row[0]: row[2] for row in community_rows}
    made["community topics"] = copy_rows(
        conn,
        "communities_topictag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, community_count + 1), (1, 2, 3)),
    )
    conn.commit()
    watch.lap(
        f"{community_count} communities ({Counter(visibility)['open']} open, "
        f"{Counter(visibility)['restricted']} restricted, {Counter(visibility)['private']} private), "
        f"{made['memberships']:,} memberships"
    )

    # Conversations, planned first and then written in time order with ids rising with it, as a hub
    # writes them: a newest-first scan then reads neighbouring pages, as it would in production. Posts go
    # in before their threads (the foreign keys are checked at the end), which take their counts, opening
    # posts and answers from them.
    post_df: Counter = Counter()
    sizes = []
    total = 0
    while total < posts:
        size = min(posts - total, 1 + min(300, int(rng.expovariate(1 / 7))))
        sizes.append(size)
        total += size
    threads = []  # [started, community, opener, kind, ended, visible replies] in the order started
    planned = []  # (timestamp, thread index, number in the thread, author, parent's number, path, state)
    latest = (anchor - timedelta(minutes=1)).timestamp()
    for size in sizes:
        community = rng.choices(range(1, community_count + 1), cum_weights=community_cum)[0]
        authors = members_of[community]
        when = moment(start, anchor - timedelta(days=2)).timestamp()
        opener = rng.choice(authors)
        thread = [when, community, opener, "question" if rng.random() < 0.33 else "discussion", when, 0]
        paths = [f"{1:06d}"]
        planned.append(
            (when, len(threads), 1, opener, None, paths[0], "visible" if rng.random() < 0.985 else "deleted")
        )
        for number in range(2, size + 1):
            when = min(latest, when + rng.expovariate(1 / 300) * 60)
            parent = 1 if rng.random() < 0.7 or len(paths[-1]) >= 6 * 12 else number - 1
            paths.append(f"{paths[parent - 1]}{number:06d}")
            roll = rng.random()
            state = "visible" if roll < 0.97 else "deleted" if roll < 0.99 else "hidden"
            thread[5] += state == "visible"
            planned.append((when, len(threads), number, rng.choice(authors), parent, paths[-1], state))
        thread[4] = when
        threads.append(thread)
    # Thread ids in the order they were started, post ids in the order written.
    thread_ids = [0] * len(threads)
    for pk, index in enumerate(sorted(range(len(threads)), key=lambda i: threads[i][0]), start=1):
        thread_ids[index] = pk
    planned.sort(key=lambda post: (post[0], thread_ids[post[1]], post[2]))
    post_ids: list[list[int]] = [[0] * size for size in sizes]
    pair_every = max(1, posts // 400)

    def post_rows():
        for post_id, (stamp, index, number, author, parent, path, state) in enumerate(planned, start=1):
            post_ids[index][number - 1] = post_id
            seen: set[int] = set()
            writer.want_pair = post_id % pair_every == 0
            paragraphs = writer.paragraphs(rng.randint(1, 3) if number == 1 else rng.randint(1, 2), seen)
            post_df.update(seen)
            when = datetime.fromtimestamp(stamp, UTC)
            yield (
                post_id, thread_ids[index], author, post_ids[index][parent - 1] if parent else None, path,
                len(path) // 6 - 1, "\n\n".join(paragraphs), html_of(paragraphs), state, "", when, None, 0,
                when,
            )  # fmt: skip

    def thread_rows():
        for index in sorted(range(len(threads)), key=thread_ids.__getitem__):
            started, community, opener, kind, ended, replies = threads[index]
            ids = post_ids[index]
            answer = ids[1] if kind == "question" and len(ids) > 1 and rng.random() < 0.5 else None
            yield (
                thread_ids[index], community, writer.title(set()), kind, opener, rng.random() < 0.002, False,
                datetime.fromtimestamp(started, UTC), datetime.fromtimestamp(ended, UTC), replies, len(ids),
                ids[0], answer,
            )  # fmt: skip

    made["posts"] = copy_rows(
        conn,
        "communities_post",
        (
            "id", "thread_id", "author_id", "parent_id", "path", "depth", "body", "body_html", "state",
            "moderation_reason", "created_at", "edited_at", "helpful_count", "notified_at",
        ),
        post_rows(),
    )  # fmt: skip
    watch.lap(f"{made['posts']:,} posts (COPY, the tsvector computed on insert)")
    made["conversations"] = copy_rows(
        conn,
        "communities_thread",
        (
            "id", "community_id", "title", "kind", "author_id", "pinned", "locked", "created_at",
            "last_activity_at", "reply_count", "post_sequence", "opening_post_id", "answer_id",
        ),
        thread_rows(),
    )  # fmt: skip
    made["thread tags"] = copy_rows(
        conn,
        "communities_threadtag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, len(threads) + 1), (0, 0, 0, 1, 1, 2, 3)),
    )
    conn.commit()
    planned.clear()
    watch.lap(f"{len(threads):,} conversations, {made['thread tags']:,} thread tags")

    # Practice stories in every status and audience.
    story_df: Counter = Counter()
    areas = [
        "adult_social_care", "childrens_services", "education", "housing", "planning", "environment",
        "transport", "public_health", "digital", "finance", "workforce", "community_safety", "culture",
        "democracy", "customer_services", "economic_development", "other",
    ]  # fmt: skip
    area_cum = zipf_cum(len(areas), 0.7)
    co_authors: list[tuple[int, int, int]] = []

    written = sorted(moment() for _ in range(stories))  # ids rising with time, as for posts

    def story_rows():
        for pk in range(1, stories + 1):
            community = rng.choices(range(1, community_count + 1), cum_weights=community_cum)[0]
            author = rng.choice(members_of[community])
            status = rng.choices(("published", "archived", "draft"), weights=(80, 8, 12))[0]
            audience = rng.choices(("public", "members", "community"), weights=(40, 35, 25))[0]
            created = written[pk - 1]
            published = None if status == "draft" else created
            seen: set[int] = set()
            title = writer.title(seen)
            summary = writer.sentence(seen)[:280]
            sections = {
                "challenge": writer.paragraphs(rng.randint(1, 2), seen, (2, 4)),
                "what_we_did": writer.paragraphs(rng.randint(2, 3), seen, (2, 4)),
                "outcomes": writer.paragraphs(rng.randint(1, 2), seen, (2, 4)),
                "evidence": writer.paragraphs(rng.randint(0, 1), seen, (2, 4)),
                "cost_and_resources": writer.paragraphs(rng.randint(0, 1), seen, (2, 4)),
                "lessons_learned": writer.paragraphs(1, seen, (2, 4)),
                "do_differently": writer.paragraphs(rng.randint(0, 1), seen, (2, 4)),
            }
            story_df.update(seen)
            texts = []
            for paragraphs in sections.values():
                texts += ["\n\n".join(paragraphs), html_of(paragraphs)]
            for co_author in rng.sample(members_of[community], min(len(members_of[community]), 2)):
                if co_author != author and rng.random() < 0.1:
                    co_authors.append((len(co_authors) + 1, pk, co_author))
            promoted = published if published and rng.random() < 0.1 else None
            yield (
                pk, title, f"{slugify(title)[:200]}-{pk}", summary,
                areas[rng.choices(range(len(areas)), cum_weights=area_cum)[0]], *texts, "[]", author,
                council_of.get(author), community, status, audience, created, created, published,
                promoted, owner_of[community] if promoted else None, rng.randint(0, 12), rng.randint(0, 3),
                "{}",
            )  # fmt: skip

    made["practice stories"] = copy_rows(
        conn,
        "practice_practicestory",
        (
            "id", "title", "slug", "summary", "service_area",
            "challenge", "challenge_html", "what_we_did", "what_we_did_html", "outcomes", "outcomes_html",
            "evidence", "evidence_html", "cost_and_resources", "cost_and_resources_html",
            "lessons_learned", "lessons_learned_html", "do_differently", "do_differently_html",
            "evidence_links", "author_id", "council_id", "community_id", "status", "audience",
            "created_at", "updated_at", "published_at", "promoted_at", "promoted_by_id",
            "endorsement_count", "adoption_count", "sections_saved",
        ),
        story_rows(),
    )  # fmt: skip
    made["co-authors"] = copy_rows(
        conn, "practice_practicestory_co_authors", ("id", "practicestory_id", "user_id"), co_authors
    )
    made["story tags"] = copy_rows(
        conn,
        "practice_storytag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, stories + 1), (0, 1, 1, 2, 2, 3, 4, 5)),
    )
    conn.commit()
    watch.lap(f"{made['practice stories']:,} practice stories, {made['story tags']:,} story tags")

    load_end(conn, LOADED, plain, watch)
    conn.close()

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        watch.lap("VACUUM ANALYZE")
        extras = {}
        for text in LOCAL_GOV:
            query = f'"{text}"' if " " in text else text
            extras[text] = conn.execute(
                "SELECT count(*) FROM communities_post WHERE search_vector @@ "
                "websearch_to_tsquery('english', %s)",
                [query],
            ).fetchone()[0]
        watch.lap("local-government words and phrases counted")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]

    print(f"Generated in {time.perf_counter() - watch.started:.0f} s; database {size / 1024**3:.2f} GB")
    return {
        "posts": posts,
        "stories": stories,
        "users": users,
        "seed": seed,
        "anchor": anchor.isoformat(),
        "seconds": round(time.perf_counter() - watch.started),
        "made": made,
        "viewer": 1,
        "viewer_communities": [slug_of[pk] for pk in viewer_communities],
        "open_communities": [slug_of[pk] for pk in range(1, popular + 1) if visibility[pk - 1] == "open"][:5],
        "tags": tag_slugs[:20],
        **term_bands(post_df, story_df, vocab, extras, writer.pairs, posts=posts, rng=rng),
    }


def term_bands(
    post_df: Counter,
    story_df: Counter,
    vocab: list[str],
    extras: dict[str, int],
    pairs: list[str],
    *,
    posts: int,
    rng: random.Random,
    keep: int = 150,
) -> dict:
    """The words of each band, by the number of posts that hold them: rare (at most 1 in 10,000 posts),
    mid-frequency (1 in 1,000 to 1 in 100: above the cap, far from every post) and very frequent (1 in
    10 or more); phrases (local-government ones and adjacent common words). Each as [text, posts,
    stories]; a band the corpus is too small for takes the words nearest to it."""
    rows = [(vocab[index], count, story_df.get(index, 0)) for index, count in post_df.items()]
    rows += [(text, count, None) for text, count in extras.items() if " " not in text and count]

    def band(low: float, high: float) -> list:
        inside = [row for row in rows if low <= row[1] <= high]
        if len(inside) < 10:
            middle = math.sqrt(max(low, 1) * max(high, 1))
            inside = sorted(rows, key=lambda row: abs(math.log(row[1] / middle)))[:10]
        inside.sort(key=lambda row: row[0])
        return rng.sample(inside, min(keep, len(inside)))

    return {
        "rare": band(3, max(3, posts / 10_000)),
        "mid": band(posts / 1000, posts / 100),
        "frequent": band(posts / 10, posts),
        "phrases": [[f'"{text}"', count, None] for text, count in extras.items() if " " in text],
        "pairs": [[f'"{pair}"', None, None] for pair in dict.fromkeys(pairs)],
    }


# --- Measurement ------------------------------------------------------------------------------------
CLASSES = (
    ("rare", "rare term"),
    ("mid", "mid-frequency term"),
    ("frequent", "very frequent term"),
    ("two_words", "two frequent words"),
    ("phrase", "quoted phrase"),
    ("facet_community", "frequent + community filter (visitor: service area)"),
    ("facet_tag", "frequent + tag filter"),
    ("facet_region", "mid-frequency + region + since"),
    ("newest", "frequent, sort=newest"),
    ("one_type", "frequent, type=conversations (visitor: practice)"),
)
AREAS_FOR_FACETS = ("housing", "adult_social_care", "planning", "environment", "digital", "transport")
REGIONS_FOR_FACETS = ("london", "north_west", "yorkshire", "south_east", "west_midlands", "wales")


def query_plan(marker: dict, samples: int, seed: int) -> dict[str, list[dict]]:
    """For each class, WARMUP + samples query strings (the member's form; `for_visitor` adapts them)."""
    rng = random.Random(seed)
    anchor = datetime.fromisoformat(marker["anchor"])
    n = WARMUP + samples

    def terms(band: str) -> list[str]:
        words = [row[0] for row in marker[band]]
        return [words[i % len(words)] for i in range(n)] if len(words) >= n else rng.choices(words, k=n)

    frequent = terms("frequent")
    communities = marker["viewer_communities"] + marker["open_communities"]
    plan = {
        "rare": [{"q": word} for word in terms("rare")],
        "mid": [{"q": word} for word in terms("mid")],
        "frequent": [{"q": word} for word in frequent],
        "two_words": [{"q": f"{word} {frequent[(i + 7) % n]}"} for i, word in enumerate(frequent)],
        # Half local-government phrases, half two common words seen side by side in some post.
        "phrase": [{"q": rng.choice(marker["phrases" if i % 2 else "pairs"])[0]} for i in range(n)],
        "facet_community": [{"q": word, "community": rng.choice(communities)} for word in frequent],
        "facet_tag": [{"q": word, "tag": rng.choice(marker["tags"])} for word in frequent],
        "facet_region": [
            {
                "q": word,
                "region": rng.choice(REGIONS_FOR_FACETS),
                "since": (anchor - timedelta(days=rng.randint(30, 700))).strftime("%d/%m/%Y"),
            }
            for word in terms("mid")
        ],
        "newest": [{"q": word, "sort": "newest"} for word in frequent],
        "one_type": [{"q": word, "type": "conversations"} for word in frequent],
    }
    for queries in plan.values():
        rng.shuffle(queries)
    return plan


def for_visitor(params: dict, rng: random.Random) -> dict:
    """Visitors search the public library only: no community filter or conversations tab for them."""
    params = dict(params)
    if "community" in params:
        del params["community"]
        params["service_area"] = rng.choice(AREAS_FOR_FACETS)
    if params.get("type") == "conversations":
        params["type"] = "practice"
    return params


TABLE_LABELS = {
    "communities_post": "posts",
    "communities_thread": "thread titles",
    "practice_practicestory": "stories",
    "communities_community": "communities",
    "profiles_user": "people",
    "practice_storytag": "tags",
    "communities_threadtag": "tags",
    "communities_topictag": "tags",
    "profiles_expertisetag": "tags",
    "django_session": "session",
}
HEADING = re.compile(r'id="results-heading">\s*(?:([\d,]+)(\+?) results?|No results)')


def statement_label(sql: str) -> str:
    """What a statement of the search page does, from its SQL: whose candidates, hits or tags."""
    # The table of the first column selected (a FROM may come first inside a subquery in the SELECT list).
    match = re.match(r'SELECT (?:DISTINCT )?"(\w+)"\.', sql) or re.search(r'\bFROM "(\w+)"', sql)
    table = match.group(1) if match else "?"
    name = TABLE_LABELS.get(table, table)
    if name == "people" and "LIMIT 21" in sql:
        return "signed-in user"
    if name in ("tags", "session", table):
        return name
    if "ts_headline" in sql:
        return f"{name}: hits"
    limit = re.search(r"LIMIT (\d+)\s*$", sql)
    if limit and int(limit.group(1)) > 21:  # a kind's capped matches (21: Django's .get())
        return f"{name}: candidates"
    if "unnest(" in sql:  # looked up by an array of ids: labels for the matches kept
        return f"{name}: labels"
    return f"{name}: hits"


@dataclass
class Sample:
    params: dict
    ms: float
    queries: int
    sql_ms: float
    matches: str
    statements: list[tuple[str, float, str]] = field(default_factory=list)  # (label, ms, sql)


def fetch(client, params: dict) -> Sample:
    """One request to /search/, timed from the test client (middleware, view, queries, template)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get("/search/", params)
        ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"/search/ with {params}: HTTP {response.status_code}")
    heading = HEADING.search(response.content.decode())
    matches = "?" if not heading else f"{heading.group(1)}{heading.group(2)}" if heading.group(1) else "0"
    statements = [
        (statement_label(query["sql"]), float(query["time"]) * 1000, query["sql"])
        for query in captured.captured_queries
    ]
    return Sample(
        params=params,
        ms=ms,
        queries=len(statements),
        sql_ms=sum(ms for _, ms, _ in statements),
        matches=matches,
        statements=statements,
    )


def measure(
    marker: dict, *, samples: int, seed: int, only: tuple[str, ...] = ()
) -> dict[tuple[str, str], list[Sample]]:
    """Every class (or those named in `only`) as the member and as the visitor: warm-up requests first,
    then `samples` each, round-robin over the classes."""
    from django.test import Client
    from django.test.utils import override_settings

    from profiles.models import User

    member = Client()
    member.force_login(User.objects.get(pk=marker["viewer"]))
    viewers = {"member": member, "visitor": Client()}
    # The header's unread count kept between pages as in production (the test settings count it each time).
    kept = override_settings(INBOX_UNREAD_KEPT_SECONDS=60)
    kept.enable()
    plan = query_plan(marker, samples, seed)
    rng = random.Random(seed)
    requests = {
        (key, who): [params if who == "member" else for_visitor(params, rng) for params in plan[key]]
        for key, _ in CLASSES
        if not only or key in only
        for who in viewers
    }
    results: dict[tuple[str, str], list[Sample]] = defaultdict(list)
    # The yardstick (benchmarks/baseline.py: one query on a primary key behind the same middleware),
    # requested by the member once per round, between the classes, so that it sees the same load.
    with override_settings(ROOT_URLCONF="benchmarks.baseline"):
        for (_key, who), queries in requests.items():
            for params in queries[:WARMUP]:
                fetch(viewers[who], params)
        for _ in range(WARMUP):
            yardstick(member)
        for i in range(WARMUP, WARMUP + samples):
            results[YARDSTICK].append(yardstick(member))
            for (key, who), queries in requests.items():
                results[key, who].append(fetch(viewers[who], queries[i]))
    kept.disable()
    return results


YARDSTICK = ("yardstick", "member")


def yardstick(client) -> Sample:
    from benchmarks.baseline import BASELINE_PATH

    started = time.perf_counter()
    response = client.get(BASELINE_PATH)
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{BASELINE_PATH}: HTTP {response.status_code}")
    return Sample(params={}, ms=ms, queries=1, sql_ms=0, matches="", statements=[])


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value at least `share` of the values are at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _matches_median(samples: list[Sample]) -> str:
    def number(text: str) -> float:
        return float(text.rstrip("+").replace(",", "")) if text[0].isdigit() else -1

    ordered = sorted((s.matches for s in samples), key=number)
    return ordered[(len(ordered) - 1) // 2]


def report(results: dict[tuple[str, str], list[Sample]]) -> list[tuple[str, str, float]]:
    """The per-class table; returns (class, viewer, p95) for each."""
    labels = dict(CLASSES)
    results = dict(results)
    ruler = [s.ms for s in results.pop(YARDSTICK)]
    ruler_p50 = statistics.median(ruler)
    print(
        f"\nThe yardstick (one indexed query behind the same middleware, benchmarks/baseline.py), in the "
        f"same run: p50 {ruler_p50:.1f} ms, p95 {percentile(ruler, 0.95):.1f} ms"
    )
    print(
        "\n| Query class | Viewer | p50 ms | p95 ms | max ms | SQL ms (p50) | Queries | Matches (median) "
        f"| p95 <= {GOAL_MS} ms | p50 / yardstick | p95 / yardstick |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    rows = []
    for (key, who), samples in results.items():
        times = [s.ms for s in samples]
        p95 = percentile(times, 0.95)
        counts = sorted({s.queries for s in samples})
        queries = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        print(
            f"| {labels[key]} | {who} | {statistics.median(times):.0f} | {p95:.0f} | {max(times):.0f} "
            f"| {statistics.median(s.sql_ms for s in samples):.0f} | {queries} | {_matches_median(samples)} "
            f"| {'yes' if p95 <= GOAL_MS else 'NO'} | {statistics.median(times) / ruler_p50:.1f} "
            f"| {p95 / ruler_p50:.1f} |"
        )
        rows.append((key, who, p95))
    print("\nWhere the SQL time goes: per statement, median ms over the samples (the three largest)\n")
    print("| Query class | Viewer | Statements |\n| --- | --- | --- |")
    for (key, who), samples in results.items():
        by_label: dict[str, list[float]] = defaultdict(list)
        for sample in samples:
            per_sample: Counter = Counter()
            for label, ms, _ in sample.statements:
                per_sample[label] += ms
            for label, ms in per_sample.items():
                by_label[label].append(ms)
        top = sorted(
            ((statistics.median(values + [0] * (len(samples) - len(values))), label))
            for label, values in by_label.items()
        )[::-1][:3]
        print(f"| {labels[key]} | {who} | " + ", ".join(f"{label} {ms:.0f}" for ms, label in top) + " |")
    return rows


def cap_report(marker: dict) -> None:
    """How many matches the most frequent terms have, against what the page counts (CAP per kind)."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from communities.models import Post
    from communities.permissions import readable_community_ids
    from core.search_query import Terms
    from khub.search import engine
    from practice.permissions import listed_stories
    from profiles.models import User

    member = User.objects.get(pk=marker["viewer"])
    visitor = AnonymousUser()
    frequent = sorted(marker["frequent"], key=lambda row: -row[1])[:3]
    print(f"\nThe cap: each kind counts, facets and ranks at most its newest {engine.CAP:,} matches\n")
    print(
        "| Term | Posts holding it | Posts the member may read | Stories listed (member / visitor) "
        "| The member's page | The visitor's page |"
    )
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for word, _, _ in frequent:
        terms = Terms(word)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM communities_post WHERE search_vector @@ "
                "websearch_to_tsquery('english', %s)",
                [word],
            )
            total = cursor.fetchone()[0]
        readable = Post.objects.filter(
            state=Post.State.VISIBLE,
            thread__community__in=readable_community_ids(member),
            search_vector=terms.postgres,
        ).count()
        stories = [listed_stories(v).filter(search_vector=terms.postgres).count() for v in (member, visitor)]
        pages = []
        for viewer in (member, visitor):
            found = engine.search(viewer=viewer, terms=terms, filters=engine.Filters())
            pages.append(
                ", ".join(
                    f"{k.label} {k.count:,}{'+' if k.capped else ''}" for k in found.kinds if k.candidates
                )
            )
        print(f"| {word} | {total:,} | {readable:,} | {stories[0]:,} / {stories[1]:,} ", end="")
        print(f"| {pages[0]} | {pages[1]} |")


def explain(marker: dict, results: dict[tuple[str, str], list[Sample]], wanted: str, top: int = 3) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest statements of one request: the slowest sample of the
    class named (or of the class with the highest p95), requested again."""
    from django.db import connection
    from django.test import Client

    from profiles.models import User

    candidates = [
        (key, who, samples)
        for (key, who), samples in results.items()
        if (key, who) != YARDSTICK and (wanted in ("slowest", key) or wanted == f"{key}:{who}")
    ]
    if not candidates:
        raise SystemExit(f"--explain: no class {wanted!r} (one of {', '.join(k for k, _ in CLASSES)})")
    key, who, samples = max(candidates, key=lambda c: percentile([s.ms for s in c[2]], 0.95))
    slowest = max(samples, key=lambda s: s.ms)
    client = Client()
    if who == "member":
        client.force_login(User.objects.get(pk=marker["viewer"]))
    again = fetch(client, slowest.params)
    print(
        f"\nEXPLAIN (ANALYZE, BUFFERS): {dict(CLASSES)[key]}, as the {who}, the slowest sample "
        f"({slowest.ms:.0f} ms, {slowest.sql_ms:.0f} ms of SQL) requested again with {slowest.params}: "
        f"{again.ms:.0f} ms, {again.sql_ms:.0f} ms of SQL in {again.queries} queries. Its {top} slowest "
        "statements:"
    )
    for label, ms, sql in sorted(again.statements, key=lambda s: -s[1])[:top]:
        print(f"\n-- {label}: {ms:.1f} ms\n{sql}\n")
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            print("\n".join(row[0] for row in cursor.fetchall()))


# --- Report -----------------------------------------------------------------------------------------
SEARCH_CODE = (
    "khub/search",
    "templates/khub/search",
    "core/search.py",
    "core/search_query.py",
    "core/providers/search.py",
    "communities/providers/search.py",
    "practice/providers/search.py",
    "profiles/providers.py",
    "communities/permissions.py",
    "practice/permissions.py",
    "profiles/permissions.py",
)


def code_version() -> str:
    """The commit measured, and which search files differ from it (others may be editing the checkout)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603, S607
        return done.stdout

    # Each line is "XY path": the status takes the first three characters, a leading space among them.
    changed = [line[3:] for line in git("status", "--porcelain", "--", *SEARCH_CODE).splitlines()]
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    return head + (f", with uncommitted changes to {', '.join(changed)}" if changed else "")


GIN_SIZE = (
    "(SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
    "WHERE i.indrelid = %s::regclass AND a.amname = 'gin')"
)


def describe_database(marker: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pg_database_size(current_database()),
                   pg_total_relation_size('communities_post'), %s,
                   pg_total_relation_size('practice_practicestory'), %s,
                   current_setting('shared_buffers'), current_setting('work_mem'), current_setting('jit')
            """.replace("%s", GIN_SIZE),
            ["communities_post", "practice_practicestory"],
        )
        size, posts, posts_gin, stories, stories_gin, buffers, work_mem, jit = cursor.fetchone()
    gb = 1024**3
    print(
        f"Database: {size / gb:.2f} GB (posts {posts / gb:.2f} GB with their GIN index of "
        f"{posts_gin / gb:.2f} GB; stories {stories / gb:.2f} GB, GIN {stories_gin / gb:.2f} GB); "
        f"generated in {marker['seconds']} s; PostgreSQL shared_buffers {buffers}, work_mem {work_mem}, "
        f"jit {jit}"
    )
    made = ", ".join(f"{n:,} {what}" for what, n in marker["made"].items())
    print(f"Made: {made}")
    bands = ", ".join(
        f"{band} {len(marker[band])} words ({min(r[1] for r in marker[band]):,}-"
        f"{max(r[1] for r in marker[band]):,} posts each)"
        for band in ("rare", "mid", "frequent")
    )
    print(
        f"Terms: {bands}; {len(marker['phrases'])} local-government phrases and {len(marker['pairs'])} pairs "
        "of common words seen side by side"
    )
    print(
        f"The member: user {marker['viewer']}, active in {', '.join(marker['viewer_communities'])} "
        "(two open, two restricted, one private)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help=f"default: DATABASE_URL, else {DEFAULT_DATABASE}")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--stories", type=int, default=50_000)
    parser.add_argument(
        "--users", type=int, help="default: 20,000, or posts/50 if that is fewer (100 at least)"
    )
    parser.add_argument("--samples", type=int, default=40, help="measured requests per class and viewer")
    parser.add_argument("--reuse", action="store_true", help="skip generation if the data exists")
    parser.add_argument(
        "--explain",
        "--profile",
        nargs="?",
        const="slowest",
        metavar="CLASS",
        help="EXPLAIN (ANALYZE, BUFFERS) the slowest class's statements (or CLASS's, e.g. phrase:member)",
    )
    parser.add_argument(
        "--classes", help=f"only these classes, comma-separated (of {', '.join(key for key, _ in CLASSES)})"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    only = tuple(key for key in (args.classes or "").split(",") if key)
    if unknown := set(only) - {key for key, _ in CLASSES}:
        parser.error(f"--classes: no class {', '.join(sorted(unknown))}")
    url = database_url(args.database)
    users = args.users or min(20_000, max(100, args.posts // 50))
    wanted = {"posts": args.posts, "stories": args.stories, "users": users, "seed": args.seed}

    marker = read_marker(url)
    if not (args.reuse and marker and all(marker.get(k) == v for k, v in wanted.items())):
        if args.reuse:
            print(f"No data generated with {wanted} in {urlparse(url).path[1:]}: generating it.")
        scratch.recreate_database(url)
        setup_django(url)
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        connections.close_all()
        print(
            f"Generating {args.posts:,} posts, {args.stories:,} stories, {users:,} people "
            "(load average {:.2f} {:.2f} {:.2f}):".format(*os.getloadavg())
        )
        marker = generate(url, posts=args.posts, stories=args.stories, users=users, seed=args.seed)
        write_marker(url, marker)
        # Measure in a fresh process: the generator's millions of objects would slow every request down.
        argv = [sys.executable, __file__, *sys.argv[1:]]
        if "--reuse" not in argv:
            argv.append("--reuse")
        raise SystemExit(subprocess.call(argv))  # noqa: S603  (this script, with its own arguments)

    setup_django(url)
    print(f"Database {urlparse(url).path[1:]}: {marker['posts']:,} posts, {marker['stories']:,} stories")
    describe_database(marker)
    print(f"Shared buffers {scratch.prewarm()}")
    print(f"Code: {code_version()}")
    print(f"{args.samples} samples per class and viewer after {WARMUP} warm-up requests")
    print("Load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    started = time.perf_counter()
    results = measure(marker, samples=args.samples, seed=args.seed, only=only)
    elapsed = time.perf_counter() - started
    print("Load average (1, 5, 15 min) after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"Measured in {elapsed:.0f} s")
    rows = report(results)
    missed = [f"{dict(CLASSES)[key]} ({who}, {p95:.0f} ms)" for key, who, p95 in rows if p95 > GOAL_MS]
    print(
        f"\nGoal p95 <= {GOAL_MS} ms: met by {len(rows) - len(missed)} of {len(rows)} classes and viewers"
        + (f"; missed by {'; '.join(missed)}" if missed else "")
    )
    cap_report(marker)
    if args.explain:
        explain(marker, results, args.explain)


if __name__ == "__main__":
    main()
