"""Daily digests for N members through the real code path, on PostgreSQL (never SQLite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khub_bench_digests \\
        .venv/bin/python benchmarks/digests.py [--members 10000] [--chunk-size 500] [--processes 1]
        [--reuse] [--phase-chunks 3] [--run-chunks K] [--profile] [--database URL]

The database comes from --database, else DATABASE_URL, else the URL above; its name must start with
khub_bench, because the script drops and recreates it (as benchmarks/pages.py does), migrates it and
bulk-loads a dataset shaped like a busy working day, all timed relative to one moment, the "anchor" (when
it was generated; it stands for the 07:00 run and is kept, so --reuse repeats the same day):

- N members who are digest recipients (daily, a verified primary address), plus N/20 people who are not
  (weekly, off, or an unconfirmed address) but who post; councils; interest tags (0 to 6 each).
- N/40 communities, open, restricted and private, with Zipf-like popularity; every member in 1 to 12 of
  them, 12% of those muted, some left; an owner and one or two facilitators in each.
- Before the window: conversations with replies, practice stories (published, archived, drafts; public,
  members or community audience, tagged, some co-authored), adoptions, and each member's digests of the
  last --history-days days (sent or empty), so every window starts at the last digest and yesterday's
  items are remembered.
- In the window (the 24 hours before the anchor): N/40 new conversations with replies, N/5 replies to
  older ones (mostly to a few hot ones, so they are busy), hidden replies, a deleted opening post, N/400
  stories published, N/800 promoted, N/200 adoptions, N/40 join requests, N/200 open reports.

Then, in a fresh process (so that peak memory is the delivery's, not the generator's), with the null mail
backend (django.core.mail.backends.dummy.EmailBackend):

1. Phases, on --phase-chunks chunks spread over the members, writing nothing: members with their history
   (delivery.with_history), content.digests_build, rendering and sending each non-empty digest
   (emails.digest_message(...).send()), and the MIME encoding an SMTP backend would add.
2. The run: every recipient's delivery row for the anchor's period is deleted (so --reuse repeats the same
   day), then delivery.deliver_chunk is called on chunks of --chunk-size member ids, as the Celery chunk
   tasks do, in --processes worker processes (Celery's default concurrency is the number of cores).
3. With --profile, one chunk again under cProfile: where its time goes.

At 200,000 members generation takes about 9 minutes and 2.3 GB; --run-chunks 6 then delivers six chunks
spread over the members instead of all 400, which is enough to measure a chunk at that scale.

It prints members per second, seconds and queries per chunk (min/median/max), digests sent and empty,
peak memory (each process's peak resident set, VmHWM, the figure ru_maxrss reports; tracemalloc's peak
for one chunk's build and render) and what that projects for 200,000 members against the goal of 10
minutes. --reuse skips generation when the database already holds data generated for the same --members
(a marker in the database's comment says so).

The machine is shared: the load average is printed before and after, since other work on its two cores
(tests, a second PostgreSQL client) slows every figure down.
"""

import argparse
import cProfile
import io
import itertools
import os
import pstats
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scratch_database as scratch  # noqa: E402 -- after the path is set

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/khub_bench_digests"
NULL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
FREQUENCY = "daily"
GOAL_MEMBERS = 200_000
GOAL_SECONDS = 600
MARKER = "khub digests benchmark "


# --- The database -----------------------------------------------------------------------------------
def database_url(given: str | None) -> str:
    return scratch.database_url(
        given, default=DEFAULT_DATABASE, script="benchmarks/digests.py", why="PostgreSQL, as production runs"
    )


def read_marker(url: str) -> dict | None:
    return scratch.read_marker(url, MARKER)


def write_marker(url: str, marker: dict) -> None:
    scratch.write_marker(url, MARKER, marker)


def setup_django(url: str) -> None:
    scratch.setup_django(url)


# --- Generation -------------------------------------------------------------------------------------
def _zipf(n: int, rng: random.Random, exponent: float = 0.8) -> list[float]:
    """Cumulative weights: a few popular items, a long tail, in random order."""
    ranks = list(range(n))
    rng.shuffle(ranks)
    return list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in ranks))


def _distinct(rng: random.Random, items: list, cum: list[float], k: int) -> list:
    k = min(k, len(items))
    chosen: dict = {}
    for _ in range(k * 8):
        item = rng.choices(items, cum_weights=cum)[0]
        chosen[id(item)] = item
        if len(chosen) == k:
            break
    return list(chosen.values())


TEXT = (
    "We moved the service to a single online form, trained the contact centre and measured how long "
    "each case took before and after. Residents now get an answer the same day in most cases. "
) * 3


def generate(*, members: int, anchor: datetime, seed: int = 7, history_days: int = 7) -> dict[str, int]:
    """Bulk-loads the day described in the module docstring; returns how many of each thing it made."""
    from allauth.account.models import EmailAddress
    from django.db import connection
    from taggit.models import Tag

    from communities.models import Community, Membership, Post, PostReport, Thread
    from khub.digests.delivery import period_for
    from khub.models import DigestDelivery
    from practice.models import Adoption, PracticeStory, StoryTag
    from profiles.models import Council, InterestTag, User
    from profiles.services import councils_recount

    rng = random.Random(seed)
    window_start = anchor - timedelta(days=1)  # where yesterday's digest ended

    def today(after: datetime | None = None) -> datetime:
        low = max(window_start, after or window_start) + timedelta(seconds=60)
        return low + (anchor - timedelta(seconds=60) - low) * rng.random()

    def earlier(low_days: float, high_days: float) -> datetime:
        return window_start - timedelta(days=rng.uniform(low_days, high_days))

    made: dict[str, int] = {}
    regions = [choice for choice, _ in Council.Region.choices]
    councils = Council.objects.bulk_create(
        Council(name=f"Bench Council {i}", slug=f"bench-council-{i}", kind="unitary", region=regions[i % 12])
        for i in range(max(10, min(400, members // 25)))
    )
    council_cum = _zipf(len(councils), rng, 0.5)

    # People: the recipients first, then those who post but get no daily digest.
    others = max(5, members // 20)
    first = ["Priya", "Tom", "Aisha", "Gareth", "Hannah", "Kwame", "Siobhan", "Daniel", "Mei", "Oliver"]
    last = ["Shah", "Whitaker", "Okafor", "Pritchard", "Nowak", "Mensah", "Doyle", "Hughes", "Chen"]
    people = []
    for i in range(members + others):
        council = rng.choices(councils, cum_weights=council_cum)[0]
        linked = rng.random() < 0.85
        people.append(
            User(
                email=f"digest{i}@bench.test",
                display_name=f"{rng.choice(first)} {rng.choice(last)} {i}",
                handle=f"digest-{i}",
                job_title="Service Manager",
                council=council if linked else None,
                council_linked_via="admin" if linked else "",
                password="!",  # noqa: S106  (an unusable password: Django's marker)
                digest_frequency="daily" if i < members else rng.choice(["weekly", "off", "daily"]),
                date_joined=earlier(30, 900),
            )
        )
    User.objects.bulk_create(people, batch_size=5000)
    councils_recount(council_ids=[council.pk for council in councils])  # bulk_create sends no signals
    recipients, everyone = people[:members], people
    # The last of the others chose daily digests but never confirmed their address: not recipients.
    EmailAddress.objects.bulk_create(
        (
            EmailAddress(
                user=u, email=u.email, primary=True, verified=i < members or u.digest_frequency != "daily"
            )
            for i, u in enumerate(people)
        ),
        batch_size=5000,
    )
    made["members (daily digest, confirmed address)"] = members
    made["other people (weekly, off or unconfirmed)"] = others

    tags = Tag.objects.bulk_create(Tag(name=f"bench topic {i}", slug=f"bench-topic-{i}") for i in range(300))
    tag_cum = _zipf(len(tags), rng)
    interests = [
        InterestTag(content_object=u, tag=t)
        for u in recipients
        for t in _distinct(rng, tags, tag_cum, rng.choice([0, 0, 1, 2, 2, 3, 3, 4, 5, 6]))
    ]
    InterestTag.objects.bulk_create(interests, batch_size=5000)
    made["interest tags"] = len(interests)

    # Communities: Zipf-like sizes; about half open, a third restricted, a fifth private.
    count = max(6, members // 40)
    visibilities = ["open", "restricted", "private"]
    communities = Community.objects.bulk_create(
        Community(
            name=f"Bench community {i}",
            slug=f"bench-community-{i}",
            description="A community of practice for benchmarking digests.",
            about_html="<p>About this community.</p>",
            visibility=visibilities[i] if i < 3 else rng.choices(visibilities, weights=[5, 3, 2])[0],
            created_at=earlier(200, 1000),
            last_activity_at=anchor,
        )
        for i in range(count)
    )
    community_cum = _zipf(len(communities), rng)
    memberships: dict[tuple[int, int], Membership] = {}
    for person in everyone:
        k = rng.choice([1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10, 12])
        for community in _distinct(rng, communities, community_cum, k):
            joined = earlier(1, 600)
            memberships[(community.pk, person.pk)] = Membership(
                community=community,
                user=person,
                state="left" if rng.random() < 0.03 else "active",
                in_digest=rng.random() >= 0.12,
                created_at=joined,
                updated_at=joined,
                joined_at=joined,
            )
    members_of: dict[int, list[int]] = defaultdict(list)
    for (community_id, user_id), membership in memberships.items():
        if membership.state == "active":
            members_of[community_id].append(user_id)
    for community in communities:  # at least three active members, an owner and one or two facilitators
        while len(members_of[community.pk]) < 3:
            person = rng.choice(everyone)
            if (community.pk, person.pk) not in memberships:
                memberships[(community.pk, person.pk)] = Membership(
                    community=community, user=person, state="active", joined_at=earlier(1, 600)
                )
                members_of[community.pk].append(person.pk)
        leaders = rng.sample(members_of[community.pk], min(len(members_of[community.pk]), rng.choice([2, 3])))
        for n, user_id in enumerate(leaders):
            memberships[(community.pk, user_id)].role = "owner" if n == 0 else "facilitator"
        community.member_count = len(members_of[community.pk])
    # Join requests to restricted and private communities: the window's, and older ones.
    closed = [c for c in communities if c.visibility != "open"]
    requests_today = 0
    for n in range(2 * max(3, members // 40)):
        community, person = rng.choice(closed), rng.choice(everyone)
        if (community.pk, person.pk) in memberships:
            continue
        moment = today() if n % 2 == 0 else earlier(1, 60)
        requests_today += n % 2 == 0
        memberships[(community.pk, person.pk)] = Membership(
            community=community,
            user=person,
            state="requested",
            message="I lead this service at my council and would like to join.",
            created_at=moment,
            updated_at=moment,
        )
    Membership.objects.bulk_create(memberships.values(), batch_size=5000)
    Community.objects.bulk_update(communities, ["member_count"], batch_size=2000)
    made["communities"] = len(communities)
    made["memberships (active)"] = sum(len(ids) for ids in members_of.values())
    made["muted memberships"] = sum(
        1 for m in memberships.values() if m.state == "active" and not m.in_digest
    )
    made["facilitator and owner memberships"] = sum(1 for m in memberships.values() if m.role != "member")
    made["join requests in the window"] = requests_today

    # Conversations: older ones (some get busy today), and the window's new ones.
    threads: list[Thread] = []
    posts: dict[int, list[Post]] = {}  # by index in `threads`: the opening post first

    def thread_add(community: Community, started: datetime, *, replies: list[datetime]) -> int:
        author = rng.choice(members_of[community.pk])
        threads.append(
            Thread(
                community=community,
                title=f"How do you handle {rng.choice(['void', 'missed', 'late', 'shared'])} "
                f"{rng.choice(['bin collections', 'housing repairs', 'care assessments', 'FOI requests'])}?",
                kind=rng.choice(["discussion", "question"]),
                author_id=author,
                created_at=started,
                last_activity_at=started,
            )
        )
        index = len(threads) - 1
        posts[index] = [_post(author, started, 1)]
        for moment in sorted(replies):
            reply_add(index, moment)
        return index

    def _post(author_id: int, moment: datetime, number: int) -> Post:
        return Post(
            author_id=author_id,
            path=f"{1:06d}" if number == 1 else f"{1:06d}{number:06d}",
            depth=0 if number == 1 else 1,
            body=TEXT,
            body_html=f"<p>{TEXT.strip()}</p>",
            created_at=moment,
            notified_at=moment,
        )

    def reply_add(index: int, moment: datetime, state: str = "visible") -> None:
        community = threads[index].community
        post = _post(rng.choice(members_of[community.pk]), moment, len(posts[index]) + 1)
        post.state = state
        posts[index].append(post)

    old_threads = []
    for community in [
        *communities * 2,
        *rng.choices(communities, cum_weights=community_cum, k=members // 4),
    ]:
        started = earlier(1, 120)
        replies = [started + (window_start - started) * rng.random() for _ in range(rng.randint(0, 8))]
        old_threads.append(thread_add(community, started, replies=replies))
    new_count = max(5, members // 40)
    for _ in range(new_count):
        community = rng.choices(communities, cum_weights=community_cum)[0]
        started = today()
        thread_add(
            community, started, replies=[today(started) for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 6]))]
        )
    hot = rng.sample(old_threads, max(1, len(old_threads) // 7))
    replies_today = max(10, members // 5)
    for _ in range(replies_today):
        index = rng.choice(hot) if rng.random() < 0.8 else rng.choice(old_threads)
        reply_add(index, today(), "hidden" if rng.random() < 0.02 else "visible")
    for index in rng.sample(range(len(old_threads), len(threads)), max(1, new_count // 100)):
        posts[index][0].state = "deleted"  # its author deleted the opening post: not in digests
    for thread_posts in posts.values():
        thread_posts[1:] = sorted(thread_posts[1:], key=lambda p: p.created_at)
        for number, post in enumerate(thread_posts[1:], start=2):
            post.path = f"{1:06d}{number:06d}"
    Thread.objects.bulk_create(threads, batch_size=5000)
    for index, thread_posts in posts.items():
        for post in thread_posts:
            post.thread = threads[index]
    Post.objects.bulk_create((p[0] for p in posts.values()), batch_size=5000)
    for thread_posts in posts.values():
        for post in thread_posts[1:]:
            post.parent_id = thread_posts[0].pk
    Post.objects.bulk_create((p for ps in posts.values() for p in ps[1:]), batch_size=5000)
    for index, thread in enumerate(threads):
        thread_posts = posts[index]
        thread.opening_post_id = thread_posts[0].pk
        thread.post_sequence = len(thread_posts)
        thread.reply_count = sum(1 for p in thread_posts[1:] if p.state == "visible")
        thread.last_activity_at = thread_posts[-1].created_at
    Thread.objects.bulk_update(
        threads, ["opening_post", "post_sequence", "reply_count", "last_activity_at"], batch_size=5000
    )
    made["conversations started before the window"] = len(old_threads)
    made["conversations started in the window"] = new_count
    made["replies in the window (to older conversations)"] = replies_today
    made["posts in all"] = sum(len(p) for p in posts.values())

    # Practice: a library of older stories, and the window's publications, promotions and adoptions.
    council_of = {u.pk: u.council_id for u in everyone}
    stories = []
    for i in range(max(20, members // 10) + max(3, members // 400)):
        in_window = i < max(3, members // 400)
        community = rng.choices(communities, cum_weights=community_cum)[0]
        author_id = rng.choice(members_of[community.pk])
        status = "published" if in_window else rng.choices(["published", "archived", "draft"], [85, 10, 5])[0]
        published = today() if in_window else earlier(1, 700) if status != "draft" else None
        stories.append(
            PracticeStory(
                title=f"Bench story {i}: {rng.choice(['bins', 'housing', 'care', 'roads', 'libraries'])}",
                slug=f"bench-story-{i}",
                summary="What we did and how it went, in a sentence or two for the library card.",
                service_area=rng.choice(["housing", "environment", "adult_social_care", "digital"]),
                **dict.fromkeys(("challenge", "what_we_did", "outcomes", "lessons_learned"), TEXT),
                **{
                    f"{f}_html": f"<p>{TEXT.strip()}</p>"
                    for f in ("challenge", "what_we_did", "outcomes", "lessons_learned")
                },
                author_id=author_id,
                council_id=council_of[author_id],
                community=community,
                status=status,
                audience=rng.choices(["public", "members", "community"], [3, 3, 4])[0],
                created_at=published or earlier(1, 60),
                updated_at=published or earlier(0, 1),
                published_at=published,
                promoted_at=earlier(0, 300) if status != "draft" and rng.random() < 0.1 else None,
            )
        )
    promoted_today = rng.sample(
        [s for s in stories[max(3, members // 400) :] if s.status == "published"], max(2, members // 800)
    )
    for story in promoted_today:
        story.promoted_at = today()
    PracticeStory.objects.bulk_create(stories, batch_size=2000)
    StoryTag.objects.bulk_create(
        (
            StoryTag(content_object=s, tag=t)
            for s in stories
            for t in _distinct(rng, tags, tag_cum, rng.randint(1, 3))
        ),
        batch_size=5000,
    )
    PracticeStory.co_authors.through.objects.bulk_create(
        PracticeStory.co_authors.through(practicestory_id=s.pk, user_id=rng.choice(everyone).pk)
        for s in stories
        if rng.random() < 0.1
    )
    readable = [s for s in stories if s.status != "draft"]
    adoptions: dict[tuple[int, int], Adoption] = {}
    adoptions_today = max(3, members // 200)
    for n in range(adoptions_today + max(5, members // 50)):
        story, council = rng.choice(readable), rng.choice(councils)
        if council.pk == story.council_id or (story.pk, council.pk) in adoptions:
            continue
        adoptions[(story.pk, council.pk)] = Adoption(
            story=story,
            council=council,
            outcome=rng.choice(["adopted", "adapted", "stopped"]),
            started_on=date(2025, 3, 1),
            notes="It worked for us too.",
            created_at=today() if n < adoptions_today else earlier(1, 300),
        )
    Adoption.objects.bulk_create(adoptions.values(), batch_size=5000)
    made["stories (published, archived, drafts)"] = len(stories)
    made["stories published in the window"] = max(3, members // 400)
    made["stories promoted in the window"] = len(promoted_today)
    made["adoptions in the window"] = sum(1 for a in adoptions.values() if a.created_at > window_start)

    # Reports: open ones in the window, some older and dismissed.
    reports: dict[tuple[int, int], PostReport] = {}
    all_posts = [p for ps in posts.values() for p in ps if p.state == "visible"]
    reports_today = max(3, members // 200)
    for n in range(2 * reports_today):
        post = rng.choice(all_posts)
        reporter = rng.choice(members_of[post.thread.community_id])
        if reporter == post.author_id or (post.pk, reporter) in reports:
            continue
        reports[(post.pk, reporter)] = PostReport(
            post=post,
            community_id=post.thread.community_id,
            reporter_id=reporter,
            reason="This names a resident.",
            state="open" if n < reports_today else "dismissed",
            created_at=today() if n < reports_today else earlier(1, 90),
        )
    PostReport.objects.bulk_create(reports.values(), batch_size=5000)
    made["open reports in the window"] = sum(1 for r in reports.values() if r.state == "open")

    # Each member's last digests: sent (with what they listed) or empty. Yesterday's lists some of
    # today's busy conversations, which must not be listed as busy again.
    deliveries = []
    old_ids = [threads[i].pk for i in old_threads]
    hot_ids = [threads[i].pk for i in hot]
    for user in recipients:
        if rng.random() < 0.05:
            continue  # new to daily digests: their first window is the last 24 hours
        for days in range(1, history_days + 1):
            until = anchor - timedelta(days=days)
            delivery = DigestDelivery(
                user=user,
                frequency=FREQUENCY,
                period=period_for(frequency=FREQUENCY, moment=until),
                state="empty",
                covered_from=until - timedelta(days=1),
                covered_to=until,
                created_at=until,
                claimed_at=until,
            )
            if rng.random() < 0.65:
                keys = [f"thread:{pk}" for pk in rng.sample(old_ids, min(len(old_ids), rng.randint(1, 6)))]
                keys += [f"busy:{pk}" for pk in rng.sample(hot_ids, min(len(hot_ids), rng.randint(0, 3)))]
                items = [
                    {
                        "key": key,
                        "title": "How do you handle missed bin collections?",
                        "path": f"/communities/bench-community-1/conversations/{key.split(':')[1]}/",
                        "when": until.isoformat(),
                        "where": "Bench community 1",
                        "where_path": "/communities/bench-community-1/",
                        "detail": "Started by Priya Shah",
                        "community": 1,
                        "story": None,
                    }
                    for key in keys
                ]
                delivery.state, delivery.sent_at, delivery.attempts = "sent", until, 1
                delivery.subject = f"Your daily digest: {len(items)} new conversations"
                delivery.item_keys = keys
                delivery.sections = [
                    {
                        "name": "new",
                        "heading": "New conversations",
                        "summary": f"{len(items)} new conversations",
                        "items": items,
                        "more": 0,
                    }
                ]
            deliveries.append(delivery)
    DigestDelivery.objects.bulk_create(deliveries, batch_size=5000)
    made["earlier digest deliveries"] = len(deliveries)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return made


# --- Measurement ------------------------------------------------------------------------------------
def _rss_mb() -> float:
    """Peak resident memory of this process's address space (VmHWM), in MB. Unlike ru_maxrss it starts
    again at exec, so the generator's memory (this script re-runs itself to measure) is not counted."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # Not Linux: ru_maxrss, in kilobytes (in bytes on macOS).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _spread(chunks: list, k: int) -> list:
    """k chunks spread over the list (the first, the last and between)."""
    if k >= len(chunks):
        return list(chunks)
    return [chunks[round(i * (len(chunks) - 1) / max(1, k - 1))] for i in range(k)]


def _deliver_one(job: tuple[str, date, datetime, list[int]]) -> dict:
    """One deliver_chunk call, as a Celery chunk task makes it: timed, its queries counted."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from khub.digests.delivery import deliver_chunk

    frequency, period, anchor, user_ids = job
    reset_queries()  # the query log keeps 9,000 at most: a chunk counts from an empty one
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = deliver_chunk(frequency=frequency, period=period, user_ids=user_ids, now=anchor)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    kinds, kind_seconds = Counter(), Counter()  # statements, and seconds waiting for them, by kind
    for query in queries.captured_queries:
        kind = query["sql"].split(None, 1)[0].upper()
        if kind == "UPDATE" and "(CASE WHEN " in query["sql"]:
            kind = "UPDATE (bulk_update)"
        elif kind == "UPDATE" and " FROM (VALUES " in query["sql"]:
            kind = "UPDATE (FROM VALUES)"
        kinds[kind] += 1
        kind_seconds[kind] += float(query["time"])
    return {
        "members": len(user_ids),
        "seconds": elapsed,
        "cpu": cpu,
        "queries": len(queries),
        "kinds": kinds,
        "kind_seconds": kind_seconds,
        "result": dict(result),
        "pid": os.getpid(),
        "rss_mb": _rss_mb(),
    }


def recipient_ids(*, frequency: str = FREQUENCY) -> tuple[list[int], float]:
    """The fan-out's query (khub.tasks.send_digests), timed."""
    from khub.digests.delivery import recipients

    started = time.perf_counter()
    ids = list(recipients(frequency=frequency).values_list("pk", flat=True))
    return ids, time.perf_counter() - started


def phases(*, anchor: datetime, ids: list[int], chunk_size: int, samples: int) -> list[dict]:
    """Build, render and encode a few chunks without writing anything: where a chunk's time goes. Then
    the first of them again under tracemalloc (which slows Python down, so it is not timed)."""
    from django.test.utils import override_settings

    chunks = _spread(_chunks(ids, chunk_size), samples)
    with override_settings(EMAIL_BACKEND=NULL_BACKEND):
        rows = [_phase_chunk(chunk, anchor=anchor) for chunk in chunks]
        tracemalloc.start()
        _phase_chunk(chunks[0], anchor=anchor)
        rows[0]["tracemalloc_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return rows


def _phase_chunk(chunk: list[int], *, anchor: datetime) -> dict:
    """What deliver_chunk does, less its writes: the delivery objects are unsaved (their ids made up)."""
    from django.core.mail import get_connection
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from khub.digests.content import digests_build, subject_for
    from khub.digests.delivery import period_for, recipients, with_history
    from khub.digests.emails import digest_message
    from khub.models import DigestDelivery

    period = period_for(frequency=FREQUENCY, moment=anchor)
    row = {"members": len(chunk)}
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        users = list(with_history(recipients(frequency=FREQUENCY)).filter(pk__in=chunk))
        row["history"], row["history_cpu"] = time.perf_counter() - started, time.process_time() - cpu
        row["history_queries"] = len(queries)
        started, cpu = time.perf_counter(), time.process_time()
        digests = digests_build(users=users, frequency=FREQUENCY, until=anchor)
        row["build"], row["build_cpu"] = time.perf_counter() - started, time.process_time() - cpu
        row["build_queries"] = len(queries) - row["history_queries"]
    ready = [d for d in digests.values() if not d.is_empty]
    row["sent"], row["empty"] = len(ready), len(digests) - len(ready)
    row["items"] = sum(len(d.item_keys) for d in ready)
    row["distinct_items"] = len({key for d in ready for key in d.item_keys})
    started, cpu = time.perf_counter(), time.process_time()
    messages = []
    fragments = {}  # each item's lines rendered once, as a worker's first chunk of a run does
    with get_connection() as mail:
        for fake_pk, digest in enumerate(ready, start=10**9):
            delivery = DigestDelivery(
                pk=fake_pk,
                user=digest.user,
                frequency=FREQUENCY,
                period=period,
                subject=subject_for(frequency=FREQUENCY, sections=digest.sections),
                sections=digest.sections,
                item_keys=digest.item_keys,
            )
            message = digest_message(
                delivery=delivery, user=digest.user, connection=mail, fragments=fragments
            )
            message.send()
            messages.append(message)
    row["render"], row["render_cpu"] = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    row["mime_bytes"] = sum(len(m.message().as_bytes()) for m in messages)
    row["mime"], row["mime_cpu"] = time.perf_counter() - started, time.process_time() - cpu
    return row


def reset_period(*, anchor: datetime) -> date:
    """Delete the anchor period's delivery rows (a previous run's): the members are owed that day again."""
    from khub.digests.delivery import period_for
    from khub.models import DigestDelivery

    period = period_for(frequency=FREQUENCY, moment=anchor)
    DigestDelivery.objects.filter(frequency=FREQUENCY, period=period).delete()
    return period


def deliver_all(
    *,
    anchor: datetime,
    chunk_size: int,
    processes: int = 1,
    ids: list[int] | None = None,
    only_chunks: int | None = None,
) -> dict:
    """Every recipient's digest for the anchor's period through delivery.deliver_chunk, in chunks, into the
    null mail backend (or only `only_chunks` chunks spread over them, to sample a large hub). Deletes that
    period's delivery rows first, so a rerun repeats the same day."""
    from django.db import connections
    from django.test.utils import override_settings

    from khub.models import DigestDelivery

    period = reset_period(anchor=anchor)
    fanout = 0.0
    if ids is None:
        ids, fanout = recipient_ids()
    all_chunks = _chunks(ids, chunk_size)
    picked = _spread(all_chunks, only_chunks) if only_chunks else all_chunks
    ids = [pk for chunk in picked for pk in chunk]
    jobs = [(FREQUENCY, period, anchor, chunk) for chunk in picked]
    with override_settings(EMAIL_BACKEND=NULL_BACKEND):
        started = time.perf_counter()
        if processes <= 1:
            chunks = [_deliver_one(job) for job in jobs]
        else:
            import multiprocessing

            connections.close_all()  # each forked worker opens its own connection
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                chunks = list(pool.imap_unordered(_deliver_one, jobs))
        wall = time.perf_counter() - started
    result = Counter()
    for chunk in chunks:
        result.update(chunk["result"])
    return {
        "members": len(ids),
        "of_chunks": len(all_chunks),
        "period": period,
        "fanout": fanout,
        "wall": wall,
        "chunks": chunks,
        "result": result,
        "rows": DigestDelivery.objects.filter(frequency=FREQUENCY, period=period).count(),
    }


def profile_chunk(*, anchor: datetime, ids: list[int], chunk_size: int, top: int = 25) -> str:
    """deliver_chunk on the middle chunk again (its delivery rows deleted first) under cProfile."""
    from django.test.utils import override_settings

    from khub.digests.delivery import deliver_chunk, period_for
    from khub.models import DigestDelivery

    chunks = _chunks(ids, chunk_size)
    chunk = chunks[len(chunks) // 2]
    period = period_for(frequency=FREQUENCY, moment=anchor)
    DigestDelivery.objects.filter(frequency=FREQUENCY, period=period, user_id__in=chunk).delete()
    profiler = cProfile.Profile()
    with override_settings(EMAIL_BACKEND=NULL_BACKEND):
        profiler.enable()
        deliver_chunk(frequency=FREQUENCY, period=period, user_ids=chunk, now=anchor)
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt

    def cumulative(path_part: str, name: str) -> float:
        return sum(
            ct
            for (path, _, function), (_, _, _, ct, _) in stats.stats.items()
            if function == name and path_part in path
        )

    groups = [
        ("deliver_chunk, all of it", cumulative("khub/digests/delivery.py", "deliver_chunk")),
        (
            "  SQL: sent and fetched (CursorWrapper.execute)",
            cumulative("django/db/backends/utils.py", "execute"),
        ),
        ("  digests_build", cumulative("khub/digests/content.py", "digests_build")),
        ("    providers' collect (the chunk's rows)", cumulative("/providers/digests.py", "_collect")),
        ("      DigestMemberships (memberships)", cumulative("communities/providers/digests.py", "__init__")),
        ("    providers' pick (Python, per member)", cumulative("/providers/digests.py", "_pick")),
        (
            "  _batch_send (claim a batch; render and send it; record it)",
            cumulative("khub/digests/delivery.py", "_batch_send"),
        ),
        ("    render_to_string (txt + html)", cumulative("django/template/loader.py", "render_to_string")),
        ("    unsubscribe_url (signing)", cumulative("profiles/emails.py", "unsubscribe_url")),
        ("  reverse() anywhere", cumulative("django/urls/base.py", "reverse")),
        ("  model instances from rows (from_db)", cumulative("django/db/models/base.py", "from_db")),
    ]
    out = io.StringIO()
    out.write(f"cProfile of one deliver_chunk ({len(chunk)} members), {total:.2f} s under the profiler\n\n")
    out.write("| Where | Cumulative | Share |\n| --- | --- | --- |\n")
    for label, seconds in groups:
        out.write(f"| {label} | {seconds:.2f} s | {seconds / total:.0%} |\n")
    out.write("\n")
    stats.stream = out
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- Report -----------------------------------------------------------------------------------------
DIGEST_CODE = (
    "khub/digests",
    "core/providers/digests.py",
    "communities/providers/digests.py",
    "practice/providers/digests.py",
    "khub/models.py",
    "core/email.py",
    "profiles/emails.py",
    "templates/emails",
    "templates/khub/digests",
)


def code_version() -> str:
    """The commit measured, and which digest files differ from it (others may be editing the checkout)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603, S607
        return done.stdout.strip()

    changed = [line[3:] for line in git("status", "--porcelain", "--", *DIGEST_CODE).splitlines()]
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (f", with uncommitted changes to {', '.join(changed)}" if changed else "")


def _three(values: list[float], fmt: str) -> str:
    middle = statistics.median_low(values) if fmt == "d" else statistics.median(values)
    return " / ".join(format(v, fmt) for v in (min(values), middle, max(values)))


def report_phases(rows: list[dict]) -> None:
    members = [r["members"] for r in rows]
    print(f"\nPhases on {len(rows)} chunks of {max(members)} members (nothing written; null mail backend)")
    print(
        "\n| Phase | s per chunk (min / median / max) | CPU s per chunk (median) | ms per member (median) "
        "| Queries |"
    )
    print("| --- | --- | --- | --- | --- |")
    for key, label, queries in (
        ("history", "members with their last digest (with_history)", "history_queries"),
        ("build", "digests_build (queries + picking in Python)", "build_queries"),
        ("render", "render and send each non-empty digest (digest_message)", None),
        ("mime", "MIME encoding (the SMTP backend does it, the null one not)", None),
    ):
        seconds = [r[key] for r in rows]
        per_member = statistics.median(r[key] / r["members"] * 1000 for r in rows)
        counted = _three([r[queries] for r in rows], "d") if queries else "0"
        cpu = statistics.median(r[f"{key}_cpu"] for r in rows)
        print(f"| {label} | {_three(seconds, '.2f')} | {cpu:.2f} | {per_member:.2f} | {counted} |")
    sent = sum(r["sent"] for r in rows)
    print(
        f"\nIn these chunks: {sent} digests to send, {sum(r['empty'] for r in rows)} empty; "
        f"{sum(r['items'] for r in rows) / max(sent, 1):.1f} items per digest; "
        f"{statistics.median(r['distinct_items'] for r in rows):.0f} distinct items per chunk (median); "
        f"{sum(r['mime_bytes'] for r in rows) / max(sent, 1) / 1024:.1f} KB per encoded email."
    )
    print(f"tracemalloc peak while building and rendering one chunk: {rows[0]['tracemalloc_mb']:.1f} MB")


SHOWN = ("sent", "empty", "failed", "skipped")  # deliver_chunk's outcomes; any others are listed as counted


def report_run(run: dict, *, processes: int, baseline_mb: float) -> None:
    chunks, result, members = run["chunks"], run["result"], run["members"]
    rate = members / run["wall"]
    print(
        f"\nThe run: deliver_chunk for {members:,} members in {len(chunks)} chunks"
        + (f" (of {run['of_chunks']}, spread over all members)" if run["of_chunks"] > len(chunks) else "")
        + f" of up to "
        f"{max(c['members'] for c in chunks)}, {processes} process{'es' if processes > 1 else ''}, "
        f"period {run['period']}"
    )
    if run["fanout"]:
        print(f"  fan-out query (recipient ids):  {run['fanout']:.2f} s")
    print(f"  wall time:                      {run['wall']:.1f} s")
    print(f"  members per second:             {rate:.1f}")
    print(
        f"  seconds per chunk:              {_three([c['seconds'] for c in chunks], '.2f')} (min/median/max)"
    )
    print(
        f"  CPU s per chunk (this process): {_three([c['cpu'] for c in chunks], '.2f')} (min/median/max; "
        "the rest is waiting for PostgreSQL or for a core)"
    )
    print(f"  queries per chunk:              {_three([c['queries'] for c in chunks], 'd')} (min/median/max)")
    kinds = sorted({kind for c in chunks for kind in c["kinds"]})

    def median(kind: str) -> str:
        count = statistics.median_low([c["kinds"][kind] for c in chunks])
        return f"{kind} {count} ({statistics.median([c['kind_seconds'][kind] for c in chunks]):.2f} s)"

    print("    by statement (median count, s waiting): " + ", ".join(median(kind) for kind in kinds))
    print(
        f"  digests:                        {result['sent']:,} sent, {result['empty']:,} empty (no email), "
        f"{result['failed']:,} failed, {result['skipped']:,} skipped"
        + "".join(f", {n:,} {what}" for what, n in sorted(result.items()) if what not in SHOWN and n)
        + f"; {run['rows']:,} delivery rows"
    )
    workers = sorted({(c["pid"], c["rss_mb"]) for c in chunks})
    if processes > 1:
        peak = max(rss for _, rss in workers)
        print(
            f"  peak memory (VmHWM, as maxrss): {peak:.0f} MB per worker process at most "
            f"(parent after setup {baseline_mb:.0f} MB; workers are forked from it)"
        )
    else:
        print(
            f"  peak memory (VmHWM, as maxrss): {_rss_mb():.0f} MB (after Django setup: {baseline_mb:.0f} MB)"
        )
    projected = GOAL_MEMBERS / rate
    verdict = "meets" if projected <= GOAL_SECONDS else f"misses by {projected / GOAL_SECONDS:.1f}x"
    print(
        f"  projected for {GOAL_MEMBERS:,} members: {projected / 60:.1f} min at this rate, with {processes} "
        f"worker process{'es' if processes > 1 else ''} (goal {GOAL_SECONDS / 60:.0f} min: {verdict})"
    )
    cpu_per_member = sum(c["cpu"] for c in chunks) / members
    print(
        f"  Python's CPU alone: {cpu_per_member * 1000:.1f} ms per member, {GOAL_MEMBERS:,} members in "
        f"{GOAL_MEMBERS * cpu_per_member / max(processes, 1) / 60:.1f} min on {max(processes, 1)} "
        "core(s) if nothing were ever waited for"
    )
    print(
        "  (linear in members: it assumes a chunk costs as much at 200,000 as here, but a chunk's\n"
        "   candidates (bounded: the newest win) and each member's share of them grow with the hub)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help=f"default: DATABASE_URL, else {DEFAULT_DATABASE}")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, help="default: khub.digests.delivery.CHUNK_SIZE")
    parser.add_argument("--processes", type=int, default=1, help="worker processes delivering chunks")
    parser.add_argument("--reuse", action="store_true", help="skip generation if the data exists")
    parser.add_argument("--history-days", type=int, default=7)
    parser.add_argument("--phase-chunks", type=int, default=3, help="chunks timed phase by phase (0: none)")
    parser.add_argument("--profile", action="store_true", help="profile one chunk with cProfile")
    parser.add_argument(
        "--run-chunks", type=int, help="deliver only this many chunks, spread over the members (default: all)"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = database_url(args.database)

    marker = read_marker(url)
    if not (args.reuse and marker and marker.get("members") == args.members):
        if args.reuse:
            print(
                f"No data generated for {args.members:,} members in {urlparse(url).path[1:]}: generating it."
            )
        scratch.recreate_database(url)
        setup_django(url)
        from django.core.management import call_command
        from django.db import connections
        from django.utils import timezone

        call_command("migrate", verbosity=0)
        anchor = timezone.now().replace(microsecond=0)
        started = time.perf_counter()
        made = generate(members=args.members, anchor=anchor, seed=args.seed, history_days=args.history_days)
        print(f"Generated in {time.perf_counter() - started:.0f} s (anchor {anchor.isoformat()}):")
        for what, n in made.items():
            print(f"  {n:>9,}  {what}")
        connections.close_all()
        write_marker(url, {"members": args.members, "anchor": anchor.isoformat(), "made": made})
        # Measure in a fresh process: its peak memory is then the delivery's, not the generator's.
        argv = [sys.executable, __file__, *sys.argv[1:]]
        if "--reuse" not in argv:
            argv.append("--reuse")
        raise SystemExit(subprocess.call(argv))  # noqa: S603  (this script, with its own arguments)

    setup_django(url)
    from django.utils.dateparse import parse_datetime

    from khub.digests.delivery import CHUNK_SIZE

    args.chunk_size = args.chunk_size or CHUNK_SIZE
    anchor = parse_datetime(marker["anchor"])
    print(
        f"Database {urlparse(url).path[1:]}: data for {marker['members']:,} members, anchor "
        f"{anchor.isoformat()}; chunks of {args.chunk_size}"
    )
    baseline_mb = _rss_mb()
    print(f"Code: {code_version()}")
    print("Load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    reset_period(anchor=anchor)
    ids, fanout = recipient_ids()
    if args.phase_chunks:
        phases(anchor=anchor, ids=ids[:5], chunk_size=5, samples=1)  # warm up: templates, URL resolver
        report_phases(phases(anchor=anchor, ids=ids, chunk_size=args.chunk_size, samples=args.phase_chunks))
    run = deliver_all(
        anchor=anchor,
        chunk_size=args.chunk_size,
        processes=args.processes,
        ids=ids,
        only_chunks=args.run_chunks,
    )
    run["fanout"] = fanout
    report_run(run, processes=args.processes, baseline_mb=baseline_mb)
    print("Load average (1, 5, 15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.profile:
        print()
        print(profile_chunk(anchor=anchor, ids=ids, chunk_size=args.chunk_size))


if __name__ == "__main__":
    main()
