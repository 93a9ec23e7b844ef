"""Every page of benchmarks/pages.py on a national hub: 200,000 members, measured as three people.

    .venv/bin/python benchmarks/national.py [--people 200000] [--communities 3000] [--documents 50000]
        [--samples 20] [--reuse] [--generate-only] [--explain MS]
        [--database postgres://postgres@127.0.0.1:5432/khub_bench_national]

It drops and recreates the benchmark database (named khub_bench...; never the one in DATABASE_URL),
migrates it and streams into it with COPY, at the default size:

- 400 councils; 200,000 people with realistic names (a few of them Priya Shah), job titles, bios,
  expertise and interests, ~800,000 follows of Zipf-popular people.
- 3,000 communities of Zipf popularity (10 % private, 20 % restricted), ~1,000,000 memberships (most
  active; owners, facilitators, requests, invitations, leavers), topics and a moderation log.
- 50,000 practice stories in every status and audience, with endorsements, adoptions by other councils,
  measured outcomes, co-authors and tags; each published story has its discussion thread.
- 200,000 conversations with 2,000,000 posts (one thread of 10,000 posts), helpful marks, watches, thread
  tags and open reports.
- 2,000,000 notifications about posts, stories, communities and follows, most of them read.
- Events (benchmarks/event_data.py): 500 in the measured community, past and upcoming; one with 1,000
  going and a waiting list in the most popular open community; 3 in every other community; their replies,
  the member of ten going to a couple of hundred, with a calendar feed address.
- Libraries (benchmarks/library_data.py): 5,000 documents in 20 folders in the measured community's
  library, 50,000 documents with extracted text in all (for search; --documents, whatever --people), a
  guide of 500 revisions there and a small guide in one community in ten; every version's file one small
  real file of its kind in MEDIA_ROOT.

--people scales everything but the communities (--communities, default 3 per 200 people) with it: 10
posts, 5 memberships, 10 notifications and a conversation per person, a story per four, a council per
500, the long thread a two-hundredth of the posts (at least 1,000). Text is sentences of Zipf-distributed
words (benchmarks/bulk.Writer) drawn from a pool of up to 300,000, and every derived column the app keeps
is written as the services would: the rendered HTML beside each Markdown field, the counters (members,
replies, endorsements, adoptions, helpful marks), post paths and depths, opening posts, answers, last
activity; PostgreSQL computes the stored search documents as each row arrives. Plain indexes are dropped
for the load and rebuilt after it, the foreign keys checked in bulk, then VACUUM ANALYZE. It prints how
long each step took and the database's size (pg_database_size).

Then it requests every page of benchmarks/pages.py through Django's test client as a member of ten
communities, as a facilitator of a restricted community with a few thousand members (the one holding
the long thread and the busy story) and as a visitor who is not signed in (the pages a visitor may see),
and prints p50/p95 of the server time, the p50 of its time in SQL, the SQL queries, and each page's p50
as a multiple of the one-query yardstick (benchmarks/baseline.py) measured in the same run, with the load
average before and after.

--reuse skips generation when the database already holds data made for the same --people and
--communities (a marker in its comment, as benchmarks/pages.py keeps) and measures that data again;
--generate-only stops after generating; --skip-pages leaves out pages by their URL names; --explain 50
then prints EXPLAIN (ANALYZE, BUFFERS) of the two slowest statements of every page whose p95 is over
50 ms.
"""

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pages  # noqa: E402 -- after the path is set
from benchmarks import scratch_database as scratch  # noqa: E402
from benchmarks.bulk import (  # noqa: E402
    COMMUNITY_NOUNS,
    COUNCIL_SUFFIXES,
    JOB_TITLES,
    LOCAL_GOV,
    PLACES,
    PooledWriter,
    Stopwatch,
    copy_rows,
    count_council_members,
    count_follows,
    distinct,
    html_of,
    load_begin,
    load_end,
    vocabulary,
    words,
    zipf_cum,
)
from benchmarks.event_data import plan_events  # noqa: E402
from benchmarks.library_data import filename_of, plan_library, sample_files  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/khub_bench_national"
DEFAULT_PEOPLE = 200_000
DEFAULT_DOCUMENTS = 50_000  # the figure for search over extracted text, whatever --people
BUSY_DOCUMENTS = 5_000  # in the measured community's library
MARKER = "khub national benchmark "
YEARS = 3  # the span of the generated conversations and stories

# Names as a national register has them: the common ones first (drawn with Zipf weights), so a full name
# like "Priya Shah" belongs to a handful of people among 200,000 and a first name to hundreds.
FIRST_NAMES = words(
    "James Sarah David Emma John Claire Michael Helen Paul Rachel Andrew Laura Mark Emily Richard Jane "
    "Daniel Sophie Chris Rebecca Thomas Hannah Mohammed Lucy Peter Amy Steven Katie Matthew Louise Priya "
    "Gareth Fatima Tom Aisha Kwame Siobhan Mei Oliver Chloe Rhys Amara Liam Grace Owen Zainab Ben Niamh "
    "Adebayo Callum Ewa Harry Ruth Imran Joanne Simon Nicola Stuart Gemma Ian Kirsty Graham Alison Neil "
    "Deborah Kevin Angela Martin Samantha Gary Fiona Lee Karen Adam Julie Jason Natalie Robert Victoria "
    "Anil Deepa Ravi Sunita Yusuf Ayesha Tariq Nadia Oluwaseun Chiamaka Tendai Wei Ling Hiroshi Marta "
    "Piotr Agnieszka Tomasz Ioana Dimitri Eleni Giuseppe Francesca Sean Aoife Ciaran Eilidh Fraser Morag "
    "Dylan Cerys Iwan Ffion Bethan Geraint"
)
LAST_NAMES = words(
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson "
    "Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin "
    "Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson "
    "Shah Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey "
    "Collins Bell Khan Begum Singh Ahmed Hussain Ali Kaur Chen Wang Nowak Kowalski Okafor Mensah Osei "
    "Adeyemi Mahmood Iqbal Chaudhry Rahman Akhtar Malik Sharma Gupta Kumar Murphy Kelly Walsh Byrne "
    "Ryan Doyle McCarthy Campbell Stewart Anderson MacDonald Reid Murray Ross Fraser Whitaker Pritchard "
    "Rees Pugh Lloyd Jenkins Howells Llewellyn Nguyen Tran Kim Costa Silva Santos Rossi Russo Ferrari "
    "Novak Horvat Petrov Ivanova Popescu Schmidt Muller Dubois Laurent"
)
COUNCIL_KINDS = {
    "City Council": "unitary",
    "Borough Council": "metropolitan",
    "District Council": "district",
    "County Council": "county",
}
REGIONS = [
    "north_east", "north_west", "yorkshire", "east_midlands", "west_midlands", "east", "london",
    "south_east", "south_west", "wales", "scotland", "northern_ireland",
]  # fmt: skip
SERVICE_AREAS = [
    "adult_social_care", "childrens_services", "education", "housing", "planning", "environment",
    "transport", "public_health", "digital", "finance", "workforce", "community_safety", "culture",
    "democracy", "customer_services", "economic_development", "other",
]  # fmt: skip
MODERATION_ACTIONS = ("request_approved", "invited", "promoted", "pinned", "post_hidden", "report_dismissed")

# Every table the load writes, in an order that lets load_end rebuild their indexes.
LOADED = [
    "profiles_council",
    "profiles_user",
    "account_emailaddress",
    "taggit_tag",
    "profiles_expertisetag",
    "profiles_interesttag",
    "profiles_follow",
    "communities_community",
    "communities_topictag",
    "communities_membership",
    "communities_moderationlogentry",
    "communities_thread",
    "communities_post",
    "communities_threadtag",
    "communities_postreaction",
    "communities_threadwatch",
    "communities_postreport",
    "practice_practicestory",
    "practice_practicestory_co_authors",
    "practice_storytag",
    "practice_endorsement",
    "practice_adoption",
    "practice_measuredoutcome",
    "profiles_notification",
    "events_event",
    "events_eventtag",
    "events_rsvp",
    "events_calendarfeed",
    "library_folder",
    "library_document",
    "library_documentversion",
    "library_documenttag",
    "library_guide",
    "library_guiderevision",
]


def sizes(people: int, communities: int | None = None, documents: int = DEFAULT_DOCUMENTS) -> dict[str, int]:
    """What --people makes: the national figures at 200,000, in proportion below."""
    posts = 10 * people
    return {
        "people": people,
        "communities": communities or max(12, people * 3 // 200),
        "councils": max(12, min(len(PLACES) * len(COUNCIL_SUFFIXES), people // 500)),
        "conversations": people,
        "posts": posts,
        "long thread": max(1000, posts // 200),
        "stories": people // 4,
        "notifications": 10 * people,
        "documents": max(documents, BUSY_DOCUMENTS),
    }


def generate(
    url: str,
    *,
    people: int,
    communities: int | None = None,
    documents: int = DEFAULT_DOCUMENTS,
    seed: int = 7,
) -> dict:
    """Bulk-loads the hub described in the module docstring into a migrated, empty database. Returns the
    marker: what was made, how long it took, and the fixtures the pages are measured with."""
    from django.utils.text import slugify

    size = sizes(people, communities, documents)
    rng = random.Random(seed)
    anchor = datetime.now(UTC).replace(microsecond=0)
    start = anchor - timedelta(days=365 * YEARS)
    watch = Stopwatch()
    made: dict[str, int] = {}
    conn = psycopg.connect(url)
    content_type = dict(
        conn.execute("SELECT app_label || '.' || model, id FROM django_content_type").fetchall()
    )
    plain = load_begin(conn, LOADED)
    vocab = vocabulary(conn, rng, min(200_000, max(5_000, size["posts"] // 10)))
    writer = PooledWriter(rng, vocab, pool=min(300_000, 30 * people))
    watch.lap(
        f"vocabulary: {len(vocab):,} words with distinct lexemes, {len(writer.pool):,} sentences of them"
    )

    def moment(low: datetime = start, high: datetime = anchor) -> datetime:
        return low + (high - low) * rng.random()

    # --- Councils and people -------------------------------------------------------------------------
    council_count = size["councils"]
    council_names = [f"{place} {suffix}" for suffix in COUNCIL_SUFFIXES for place in PLACES][:council_count]
    made["councils"] = copy_rows(
        conn,
        "profiles_council",
        ("id", "name", "slug", "kind", "region", "website", "member_count"),
        (
            (
                pk, name, slugify(name), COUNCIL_KINDS[name.split(" ", 1)[1]],
                REGIONS[PLACES.index(name.split()[0]) % len(REGIONS)], f"https://www.{slugify(name)}.gov.uk",
                0,
            )
            for pk, name in enumerate(council_names, start=1)
        ),
    )  # fmt: skip
    council_cum = zipf_cum(council_count, 0.5)
    first_cum, last_cum = zipf_cum(len(FIRST_NAMES), 1.0), zipf_cum(len(LAST_NAMES), 1.0)
    # User 1 facilitates the measured community, user 2 is the member of ten; users 3 to 5 are named
    # Priya Shah whatever the draw (at 10,000 people the draw alone would name few or none).
    council_of: list[int | None] = [None] * (people + 1)
    active: list[bool] = [True] * (people + 1)
    names: list[str] = [""] * (people + 1)
    handles: list[str] = [""] * (people + 1)

    def user_rows():
        for pk in range(1, people + 1):
            first, last = (
                rng.choices(FIRST_NAMES, cum_weights=first_cum)[0],
                rng.choices(LAST_NAMES, cum_weights=last_cum)[0],
            )
            if 3 <= pk <= 5:
                first, last = "Priya", "Shah"
            linked = pk <= 2 or rng.random() < 0.9
            council = rng.choices(range(1, council_count + 1), cum_weights=council_cum)[0] if linked else None
            council_of[pk] = council
            erased = None if pk <= 5 or rng.random() > 0.005 else moment()
            active[pk] = pk <= 5 or (erased is None and rng.random() > 0.02)
            names[pk] = f"{first} {last}"
            handles[pk] = f"{first}-{last}-{pk}".lower()
            bio = writer.paragraphs(1, set()) if rng.random() < 0.3 else []
            yield (
                pk, "!", None, False, f"{first}.{last}.{pk}@bench.test".lower(), names[pk], handles[pk],
                rng.choice(JOB_TITLES), "email" if linked else "", False, active[pk],
                moment(start - timedelta(days=365)), council, "", "\n\n".join(bio), html_of(bio), erased,
                rng.random() < 0.1, rng.choices(("weekly", "daily", "off"), weights=(60, 25, 15))[0],
                rng.random() < 0.8,
            )  # fmt: skip

    made["people"] = copy_rows(
        conn,
        "profiles_user",
        (
            "id", "password", "last_login", "is_superuser", "email", "display_name", "handle", "job_title",
            "council_linked_via", "is_staff", "is_active", "date_joined", "council_id", "avatar", "bio",
            "bio_html", "erased_at", "show_email", "digest_frequency", "email_immediately",
        ),
        user_rows(),
    )  # fmt: skip
    count_council_members(conn)
    copy_rows(
        conn,
        "account_emailaddress",
        ("id", "email", "verified", "primary", "user_id"),
        (
            (pk, f"{names[pk].replace(' ', '.')}.{pk}@bench.test".lower(), True, True, pk)
            for pk in range(1, people + 1)
        ),
    )
    # Tags: the local-government topics first (the most used), then made-up ones.
    tag_names = [phrase.capitalize() for phrase in LOCAL_GOV]
    tag_names += [word.capitalize() for word in vocab[40 : 40 + max(0, 300 - len(tag_names))]]
    copy_rows(
        conn,
        "taggit_tag",
        ("id", "name", "slug"),
        ((pk, name, slugify(name)) for pk, name in enumerate(tag_names, start=1)),
    )
    tag_cum = zipf_cum(len(tag_names), 1.0)

    def tag_rows(keys, choices):
        pk = 0
        for key in keys:
            for tag in distinct(rng, len(tag_names), tag_cum, rng.choice(choices)):
                pk += 1
                yield (pk, key, tag + 1)

    people_range = range(1, people + 1)
    made["expertise tags"] = copy_rows(
        conn,
        "profiles_expertisetag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(people_range, (0, 1, 2, 3)),
    )
    made["interests"] = copy_rows(
        conn,
        "profiles_interesttag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(people_range, (0, 1, 2, 3)),
    )
    # Follows: of Zipf-popular people (popularity in a shuffled order of the people).
    popular = list(people_range)
    rng.shuffle(popular)
    person_cum = zipf_cum(people, 1.0)

    def follow_rows():
        pk = 0
        for follower in people_range:
            for index in distinct(rng, people, person_cum, rng.choice((0, 1, 2, 3, 4, 4, 5, 6, 8, 10))):
                followed = popular[index]
                if followed != follower:
                    pk += 1
                    yield (pk, moment(anchor - timedelta(days=700)), followed, follower)

    made["follows"] = copy_rows(
        conn, "profiles_follow", ("id", "created_at", "followed_id", "follower_id"), follow_rows()
    )
    count_follows(conn)
    conn.commit()
    watch.lap(
        f"{council_count} councils, {people:,} people, {made['follows']:,} follows, "
        f"{made['expertise tags'] + made['interests']:,} expertise and interest tags"
    )

    # --- Communities and memberships ----------------------------------------------------------------
    community_count = size["communities"]
    visibility = ["private"] * (community_count // 10) + ["restricted"] * (community_count // 5)
    visibility += ["open"] * (community_count - len(visibility))
    rng.shuffle(visibility)
    visibility.insert(0, "")  # visibility[pk]
    # The measured community: the most popular restricted one from the twentieth on (a few thousand
    # members at the national size).
    home = next(
        pk
        for pk in range(min(20, community_count - 1), community_count + 1)
        if visibility[pk] == "restricted"
    )
    community_cum = zipf_cum(community_count, 0.8)
    members_of: dict[int, list[int]] = defaultdict(list)
    membership = {}  # (community, user) -> [role, state, joined]

    def join(community: int, user: int, state: str = "active", role: str = "member") -> None:
        if (community, user) in membership:
            return
        joined = moment(start - timedelta(days=200), anchor - timedelta(days=30))
        membership[(community, user)] = [role, state, joined]
        if state == "active":
            members_of[community].append(user)

    # The member of ten: the measured community and nine more of every visibility.
    member_communities = [home]
    for kind, count in (("open", 5), ("restricted", 2), ("private", 2)):
        member_communities += [
            pk for pk in range(1, community_count + 1) if visibility[pk] == kind and pk != home
        ][:count]
    for community in member_communities:
        join(community, 2)
    join(home, 1, role="owner")
    for community in distinct(rng, community_count, community_cum, 5):
        join(community + 1, 1)
    states = ("active", "left", "requested", "invited", "banned")
    for user in range(3, people + 1):
        for index in distinct(
            rng,
            community_count,
            community_cum,
            rng.choice((1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 10)),
        ):
            state = "active" if not active[user] else rng.choices(states, weights=(92, 4, 2, 1, 1))[0]
            join(index + 1, user, state)
    for community in range(1, community_count + 1):
        while len(members_of[community]) < 3:
            join(community, rng.randrange(3, people + 1))
    # An owner and facilitators (one per thousand members, at least one) in each.
    owner_of = {}
    for community in range(1, community_count + 1):
        members = members_of[community]
        owner = 1 if community == home else next(u for u in members if u > 2)
        owner_of[community] = owner
        membership[(community, owner)][0] = "owner"
        for user in rng.sample(members, min(len(members), 1 + len(members) // 1000)):
            if user not in (owner, 2):
                membership[(community, user)][0] = "facilitator"
    made["memberships"] = copy_rows(
        conn,
        "communities_membership",
        (
            "id", "role", "state", "message", "created_at", "updated_at", "joined_at", "community_id",
            "user_id", "in_digest",
        ),
        (
            (pk, role, state, "Please let me join." if state == "requested" else "", joined, joined,
             joined if state == "active" else None, community, user, rng.random() < 0.95)
            for pk, ((community, user), (role, state, joined)) in enumerate(membership.items(), start=1)
        ),
    )  # fmt: skip
    membership.clear()
    community_names = {}
    for pk in range(1, community_count + 1):
        topic = LOCAL_GOV[(pk - 1) % len(LOCAL_GOV)]
        community_names[pk] = (
            f"{topic[0].upper()}{topic[1:]} {COMMUNITY_NOUNS[pk % len(COMMUNITY_NOUNS)]} {pk}"
        )
    slug_of = {pk: slugify(name) for pk, name in community_names.items()}
    made["community topics"] = copy_rows(
        conn,
        "communities_topictag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, community_count + 1), (1, 2, 3)),
    )

    def log_rows():
        pk = 0
        for community in range(1, community_count + 1):
            for _ in range(20):
                pk += 1
                yield (pk, rng.choice(MODERATION_ACTIONS), "", moment(anchor - timedelta(days=365)),
                       owner_of[community], community, rng.choice(members_of[community]), None, None, "",
                       "")  # fmt: skip

    copy_rows(
        conn,
        "communities_moderationlogentry",
        (
            "id", "action", "reason", "created_at", "actor_id", "community_id", "subject_id", "post_id",
            "thread_id", "about_title", "about_url",
        ),
        log_rows(),
    )  # fmt: skip
    conn.commit()
    watch.lap(
        f"{community_count:,} communities ({visibility.count('private')} private, "
        f"{visibility.count('restricted')} restricted), {made['memberships']:,} memberships"
    )

    # --- Practice stories (planned first: each published one has a discussion thread) ------------------
    story_count = size["stories"]
    stories = []  # [community, author, status, audience, published, title]
    for pk in range(1, story_count + 1):
        community = (
            home if pk == 1 else rng.choices(range(1, community_count + 1), cum_weights=community_cum)[0]
        )
        author = 1 if pk == 1 else rng.choice(members_of[community])
        status = (
            "published"
            if pk == 1
            else rng.choices(("published", "archived", "draft"), weights=(85, 5, 10))[0]
        )
        audience = (
            "public" if pk == 1 else rng.choices(("public", "members", "community"), weights=(40, 35, 25))[0]
        )
        stories.append(
            [
                community,
                author,
                status,
                audience,
                moment(start, anchor - timedelta(days=3)),
                writer.title(set()),
            ]
        )
    stories.insert(0, None)  # stories[pk]

    # --- Conversations ------------------------------------------------------------------------------
    # Threads: the long one first, then a discussion for each published story, then the rest; sizes
    # drawn so that the posts add up to the total exactly.
    total_posts, thread_count, long_size = size["posts"], size["conversations"], size["long thread"]
    discussed = [pk for pk in range(1, story_count + 1) if stories[pk][2] != "draft"]
    plans = []  # [started, community, opener, kind, size, story, title]
    plans.append([stories[1][4] - timedelta(days=400), home, 1, "discussion", long_size, 1, stories[1][5]])
    for pk in discussed[1:]:
        community, author, _, _, published, title = stories[pk]
        plans.append([published, community, author, "discussion", 1, pk, title])
    while len(plans) < thread_count:
        community = rng.choices(range(1, community_count + 1), cum_weights=community_cum)[0]
        plans.append([moment(start, anchor - timedelta(days=1)), community, rng.choice(members_of[community]),
                      "question" if rng.random() < 0.33 else "discussion", 1, None, None])  # fmt: skip
    rest = total_posts - long_size - (len(plans) - 1)
    mean_extra = rest / max(1, len(plans) - 1)
    for plan in plans[1:]:
        extra = min(400, int(rng.expovariate(1 / mean_extra))) if mean_extra > 0 else 0
        plan[4] += extra
        rest -= extra
    while rest != 0:  # the exact total
        plan = plans[rng.randrange(1, len(plans))]
        if rest > 0:
            plan[4] += 1
            rest -= 1
        elif plan[4] > 1:
            plan[4] -= 1
            rest += 1
    # Thread ids in the order started; posts planned, then numbered in the order written.
    order = sorted(range(len(plans)), key=lambda i: plans[i][0])
    thread_id = [0] * len(plans)
    for pk, index in enumerate(order, start=1):
        thread_id[index] = pk
    latest = (anchor - timedelta(minutes=1)).timestamp()
    planned = []  # (timestamp, thread index, number, author, parent number, path, state)
    for index, (started, community, opener, _kind, count, _story, _title) in enumerate(plans):
        authors = members_of[community]
        when = started.timestamp()
        gap = min(300 * 60, (latest - when) / count)  # a long thread still ends before now
        paths = [f"{1:06d}"]
        planned.append((when, index, 1, opener, None, paths[0], "visible"))
        for number in range(2, count + 1):
            when = min(latest, when + rng.expovariate(1 / gap))
            parent = 1 if rng.random() < 0.7 or len(paths[-1]) >= 6 * 12 else number - 1
            paths.append(f"{paths[parent - 1]}{number:06d}")
            roll = rng.random()
            state = "visible" if roll < 0.975 else "deleted" if roll < 0.99 else "hidden"
            planned.append((when, index, number, rng.choice(authors), parent, paths[-1], state))
    planned.sort(key=lambda post: (post[0], thread_id[post[1]], post[2]))
    post_ids: list[list[int]] = [[0] * plan[4] for plan in plans]
    for post_id, post in enumerate(planned, start=1):
        post_ids[post[1]][post[2] - 1] = post_id
    watch.lap(f"{len(plans):,} conversations and {len(planned):,} posts planned")

    # Per thread, what its row keeps: visible replies, last activity, answer; per post, its helpful marks.
    replies = [0] * len(plans)
    last_activity = [plan[0].timestamp() for plan in plans]
    first_reply: list[int | None] = [None] * len(plans)
    reactions = []  # (post, user)
    watchers = defaultdict(set)  # thread index -> authors
    reports = []  # (post, reporter, community)
    long_paths = []
    post_thread = [0] * (len(planned) + 1)  # post id -> thread index, for notices

    def post_rows():
        for post_id, (stamp, index, number, author, parent, path, state) in enumerate(planned, start=1):
            community = plans[index][1]
            post_thread[post_id] = index
            watchers[index].add(author)
            if state == "visible" and number > 1:
                replies[index] += 1
                last_activity[index] = stamp
                if first_reply[index] is None:
                    first_reply[index] = post_id
            if index == 0 and number > 1:
                long_paths.append(path)
            fans = []
            if state == "visible" and rng.random() < (0.2 if index == 0 else 0.05):
                fans = {rng.choice(members_of[community]) for _ in range(rng.randint(1, 3))} - {author}
                reactions.extend((post_id, fan) for fan in fans)
            if number > 1 and state == "visible" and rng.random() < (0.004 if community == home else 0.0002):
                reporter = rng.choice(members_of[community])
                if reporter != author:
                    reports.append((post_id, reporter, community))
            paragraphs = writer.paragraphs(rng.randint(1, 3) if number == 1 else rng.randint(1, 2), set())
            when = datetime.fromtimestamp(stamp, UTC)
            edited = when + timedelta(minutes=rng.randint(1, 90)) if rng.random() < 0.03 else None
            hidden = state == "hidden"
            yield (
                post_id, thread_id[index], author, post_ids[index][parent - 1] if parent else None, path,
                len(path) // 6 - 1, "\n\n".join(paragraphs), html_of(paragraphs), state,
                "Off topic for this community." if hidden else "", when, edited, len(fans), when,
                owner_of[community] if hidden else None,
            )  # fmt: skip

    made["posts"] = copy_rows(
        conn,
        "communities_post",
        (
            "id", "thread_id", "author_id", "parent_id", "path", "depth", "body", "body_html", "state",
            "moderation_reason", "created_at", "edited_at", "helpful_count", "notified_at", "moderated_by_id",
        ),
        post_rows(),
    )  # fmt: skip
    conn.commit()
    planned.clear()
    watch.lap(f"{made['posts']:,} posts (COPY, the search documents computed on insert)")
    titles = [plan[6] or writer.title(set()) for plan in plans]

    def thread_rows():
        for index in order:
            started, community, opener, kind, count, _story, _title = plans[index]
            ids = post_ids[index]
            answer = first_reply[index] if kind == "question" and rng.random() < 0.5 else None
            yield (
                thread_id[index], titles[index], kind, rng.random() < 0.002, rng.random() < 0.005, started,
                datetime.fromtimestamp(last_activity[index], UTC), replies[index], count, answer, opener,
                community, ids[0],
            )  # fmt: skip

    made["conversations"] = copy_rows(
        conn,
        "communities_thread",
        (
            "id", "title", "kind", "pinned", "locked", "created_at", "last_activity_at", "reply_count",
            "post_sequence", "answer_id", "author_id", "community_id", "opening_post_id",
        ),
        thread_rows(),
    )  # fmt: skip
    made["thread tags"] = copy_rows(
        conn,
        "communities_threadtag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, len(plans) + 1), (0, 0, 0, 1, 1, 2, 3)),
    )
    made["helpful marks"] = copy_rows(
        conn,
        "communities_postreaction",
        ("id", "created_at", "post_id", "user_id"),
        ((pk, anchor, post, user) for pk, (post, user) in enumerate(reactions, start=1)),
    )
    made["watches"] = copy_rows(
        conn,
        "communities_threadwatch",
        ("id", "state", "created_at", "thread_id", "user_id"),
        (
            (pk, "muted" if rng.random() < 0.02 else "watching", anchor, thread_id[index], user)
            for pk, (index, user) in enumerate(
                ((i, u) for i, users in watchers.items() for u in users), start=1
            )
        ),
    )
    made["open reports"] = copy_rows(
        conn,
        "communities_postreport",
        ("id", "reason", "state", "created_at", "post_id", "reporter_id", "community_id"),
        (
            (pk, "This is off topic.", "open", anchor, post, user, community)
            for pk, (post, user, community) in enumerate(dict.fromkeys(reports), start=1)
        ),
    )  # fmt: skip
    reactions.clear()
    watchers.clear()
    last_in = defaultdict(float)
    for index, plan in enumerate(plans):
        last_in[plan[1]] = max(last_in[plan[1]], last_activity[index])
    made["communities"] = copy_rows(
        conn,
        "communities_community",
        (
            "id", "name", "slug", "description", "about", "about_html", "visibility", "created_at",
            "member_count", "last_activity_at", "created_by_id",
        ),
        (
            (pk, community_names[pk], slug_of[pk], writer.sentence(set())[:200], "\n\n".join(about),
             html_of(about), visibility[pk], moment(start - timedelta(days=365), start), len(members_of[pk]),
             datetime.fromtimestamp(last_in[pk], UTC) if pk in last_in else start, owner_of[pk])
            for pk in range(1, community_count + 1)
            for about in [writer.paragraphs(2, set())]
        ),
    )  # fmt: skip
    conn.commit()
    watch.lap(
        f"{made['conversations']:,} conversations, {made['thread tags']:,} thread tags, "
        f"{made['helpful marks']:,} helpful marks, {made['watches']:,} watches"
    )

    # --- Practice stories ---------------------------------------------------------------------------
    discussion_of = {plan[5]: thread_id[index] for index, plan in enumerate(plans) if plan[5]}
    area_cum = zipf_cum(len(SERVICE_AREAS), 0.7)
    endorsements, adoptions, co_authors = [], [], []
    counts = {}

    def story_rows():
        for pk in range(1, story_count + 1):
            community, author, status, audience, published_at, title = stories[pk]
            published = None if status == "draft" else published_at
            sections = [
                writer.paragraphs(rng.randint(1, 2), set(), (2, 4)),
                writer.paragraphs(rng.randint(2, 3), set(), (2, 4)),
                writer.paragraphs(rng.randint(1, 2), set(), (2, 4)),
                writer.paragraphs(rng.randint(0, 1), set(), (2, 4)),
                writer.paragraphs(rng.randint(0, 1), set(), (2, 4)),
                writer.paragraphs(1, set(), (2, 4)),
                writer.paragraphs(rng.randint(0, 1), set(), (2, 4)),
            ]
            texts = []
            for paragraphs in sections:
                texts += ["\n\n".join(paragraphs), html_of(paragraphs)]
            authors = {author}
            if rng.random() < 0.1:
                co_author = rng.choice(members_of[community])
                if co_author != author:
                    co_authors.append((pk, co_author))
                    authors.add(co_author)
            endorsed = adopted = 0
            if published:
                fans = rng.sample(
                    range(1, people + 1), 300 if pk == 1 else min(people, int(rng.expovariate(1 / 6)))
                )
                for fan in fans:
                    if fan not in authors:
                        endorsements.append((pk, fan, published))
                        endorsed += 1
                repeaters = distinct(
                    rng, council_count, council_cum, 40 if pk == 1 else rng.choice((0, 0, 0, 0, 1, 1, 2, 3))
                )
                for index in repeaters:
                    if index + 1 != council_of[author]:
                        adoptions.append((pk, index + 1, published))
                        adopted += 1
            counts[pk] = (endorsed, adopted)
            promoted = published if published and (pk == 1 or rng.random() < 0.1) else None
            yield (
                pk, title, f"{slugify(title)[:200]}-{pk}", writer.sentence(set())[:280],
                "housing" if pk == 1 else rng.choices(SERVICE_AREAS, cum_weights=area_cum)[0],
                *texts[:8], "[]", *texts[8:], status, audience, published_at, published_at,
                published, promoted, endorsed, adopted, author, community, council_of[author],
                discussion_of.get(pk), owner_of[community] if promoted else None, "{}",
            )  # fmt: skip

    made["practice stories"] = copy_rows(
        conn,
        "practice_practicestory",
        (
            "id", "title", "slug", "summary", "service_area",
            "challenge", "challenge_html", "what_we_did", "what_we_did_html", "outcomes", "outcomes_html",
            "evidence", "evidence_html", "evidence_links", "cost_and_resources", "cost_and_resources_html",
            "lessons_learned", "lessons_learned_html", "do_differently", "do_differently_html",
            "status", "audience", "created_at", "updated_at", "published_at", "promoted_at",
            "endorsement_count", "adoption_count", "author_id", "community_id", "council_id", "discussion_id",
            "promoted_by_id", "sections_saved",
        ),
        story_rows(),
    )  # fmt: skip
    made["co-authors"] = copy_rows(
        conn,
        "practice_practicestory_co_authors",
        ("id", "practicestory_id", "user_id"),
        ((pk, story, user) for pk, (story, user) in enumerate(co_authors, start=1)),
    )
    made["story tags"] = copy_rows(
        conn,
        "practice_storytag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, story_count + 1), (0, 1, 1, 2, 2, 3)),
    )
    made["endorsements"] = copy_rows(
        conn,
        "practice_endorsement",
        ("id", "comment", "created_at", "user_id", "story_id"),
        (
            (pk, "We would do this again." if pk % 3 == 0 else "", when + timedelta(days=rng.uniform(0, 30)),
             user, story)
            for pk, (story, user, when) in enumerate(endorsements, start=1)
        ),
    )  # fmt: skip
    made["adoptions"] = copy_rows(
        conn,
        "practice_adoption",
        (
            "id", "outcome", "started_on", "notes", "created_at", "council_id", "recorded_by_id",
            "follow_up_id", "story_id",
        ),
        (
            (pk, rng.choice(("adopted", "adapted", "stopped")), (when + timedelta(days=60)).date(),
             "It worked for us.",
             when + timedelta(days=90), council, None, None, story)
            for pk, (story, council, when) in enumerate(adoptions, start=1)
        ),
    )  # fmt: skip
    made["measured outcomes"] = copy_rows(
        conn,
        "practice_measuredoutcome",
        ("id", "metric", "before", "after", "unit", "position", "story_id"),
        (
            (pk, f"Measure {n}", 20 + n, 8 + n, "days", n, story)
            for pk, (story, n) in enumerate(
                ((story, n) for story in range(1, story_count + 1) if story == 1 or story % 2
                 for n in range(3 if story == 1 else story % 3)),
                start=1,
            )
        ),
    )  # fmt: skip
    conn.commit()
    endorsements.clear()
    adoptions.clear()
    watch.lap(
        f"{made['practice stories']:,} practice stories, {made['endorsements']:,} endorsements, "
        f"{made['adoptions']:,} adoptions"
    )

    # --- Notifications ------------------------------------------------------------------------------
    post_type, story_type = content_type["communities.post"], content_type["practice.practicestory"]
    community_type, user_type = content_type["communities.community"], content_type["profiles.user"]
    post_count = made["posts"]

    def notice(recipient: int, created: datetime, unread: bool):
        roll = rng.random()
        actor = rng.randrange(1, people + 1)
        if roll < 0.65:
            post = rng.randrange(1, post_count + 1)
            index = post_thread[post]
            kind = (
                "community.thread_reply"
                if roll < 0.4
                else "community.reply"
                if roll < 0.55
                else "community.mention"
            )
            text = f"{names[actor]} replied in “{titles[index][:120]}”"
            url = f"/communities/{slug_of[plans[index][1]]}/conversations/{thread_id[index]}/posts/{post}/"
            target = (post_type, post)
        elif roll < 0.8:
            kind, text, url, target = (
                "follow",
                f"{names[actor]} followed you",
                f"/people/{handles[actor]}/",
                (user_type, actor),
            )
        elif roll < 0.9:
            story = rng.randrange(1, story_count + 1)
            kind, text = "practice.endorsed", f"{names[actor]} endorsed “{stories[story][5][:120]}”"
            url, target = f"/practice/{slugify(stories[story][5])[:200]}-{story}/", (story_type, story)
        else:
            community = rng.randrange(1, community_count + 1)
            kind = rng.choice(("community.request_approved", "community.role_changed"))
            text = f"News from {community_names[community]}"
            url, target = f"/communities/{slug_of[community]}/", (community_type, community)
        emailed = kind in ("community.reply", "community.mention")
        return (
            kind, target[1], text, url, created,
            None if unread else created + timedelta(hours=rng.uniform(1, 48)),
            actor, recipient, target[0], 1 if emailed else 0, "", None, "sent" if emailed else "",
            created + timedelta(minutes=1) if emailed else None,
        )  # fmt: skip

    def notification_rows():
        pk = 0
        # The facilitator's inbox as a busy member's (as benchmarks/pages.py): 2,000 unread notices about
        # things all over the hub, many out of their reach; the member's, 300 with 50 unread.
        for recipient, count, unread in ((1, 2000, 2000), (2, 300, 50)):
            for i in range(count):
                pk += 1
                yield (pk, *notice(recipient, anchor - timedelta(minutes=7 * i), i < unread))
        while pk < size["notifications"]:
            pk += 1
            created = moment(anchor - timedelta(days=120))
            yield (
                pk,
                *notice(
                    rng.randrange(3, people + 1),
                    created,
                    created > anchor - timedelta(days=7) and rng.random() < 0.6,
                ),
            )

    made["notifications"] = copy_rows(
        conn,
        "profiles_notification",
        (
            "id", "kind", "target_id", "text", "url", "created_at", "read_at", "actor_id", "recipient_id",
            "target_type_id", "email_attempts", "email_error", "email_retry_at", "email_state", "emailed_at",
        ),
        notification_rows(),
    )  # fmt: skip
    conn.commit()
    watch.lap(f"{made['notifications']:,} notifications")

    # --- Events (last: the draws above are the same with or without them) ----------------------------
    taking_part = {
        community: [user for user in members if active[user]] for community, members in members_of.items()
    }
    opens = [pk for pk in range(1, community_count + 1) if visibility[pk] == "open"]
    crowd_community = max(opens, key=lambda pk: len(taking_part[pk]))
    events, crowd_event = plan_events(
        rng, now=anchor, members_of=taking_part, organiser_of=owner_of, busy=home,
        crowd_community=crowd_community, fan=2,
    )  # fmt: skip
    event_id = {id(event): pk for pk, event in enumerate(events, start=1)}
    # The crowd's questions: a conversation of its community (one that is no story's discussion).
    crowd_discussion = next(
        (thread_id[index] for index, plan in enumerate(plans) if plan[1] == crowd_community and not plan[5]),
        None,
    )

    def event_rows():
        for pk, event in enumerate(events, start=1):
            paragraphs = writer.paragraphs(rng.randint(1, 3), set())
            yield (
                pk, event.community, event.title, "\n\n".join(paragraphs), html_of(paragraphs),
                event.starts_at, event.ends_at, event.format, event.joining_url, event.venue, event.address,
                event.postcode, event.region, event.capacity, None, event.organiser, event.status,
                event.cancelled_at, event.cancel_reason, event.notes, event.notes_html,
                crowd_discussion if event is crowd_event else None, event.sequence, event.going_count,
                event.waiting_count, event.created_at, event.cancelled_at or event.created_at,
            )  # fmt: skip

    made["events"] = copy_rows(
        conn,
        "events_event",
        (
            "id", "community_id", "title", "description", "description_html", "starts_at", "ends_at",
            "format", "joining_url", "venue", "address", "postcode", "region", "capacity", "rsvp_deadline",
            "organiser_id", "status", "cancelled_at", "cancel_reason", "notes", "notes_html",
            "discussion_id", "sequence", "going_count", "waiting_count", "created_at", "updated_at",
        ),
        event_rows(),
    )  # fmt: skip
    copy_rows(
        conn,
        "events_eventtag",
        ("id", "content_object_id", "tag_id"),
        tag_rows(range(1, len(events) + 1), (0, 1, 1, 2)),
    )
    made["event replies"] = copy_rows(
        conn,
        "events_rsvp",
        ("id", "state", "created_at", "updated_at", "event_id", "user_id"),
        (
            (pk, state, when, when, event_id[id(event)], user)
            for pk, (event, user, state, when) in enumerate(
                ((event, user, state, when) for event in events for user, state, when in event.replies),
                start=1,
            )
        ),
    )
    # The member's calendar address (events:feed): they go to a couple of hundred events.
    feed_token = f"{rng.getrandbits(256):064x}"
    copy_rows(
        conn, "events_calendarfeed", ("id", "token", "created_at", "user_id"), [(1, feed_token, anchor, 2)]
    )
    conn.commit()
    watch.lap(
        f"{made['events']:,} events ({sum(e.community == home for e in events)} in the measured community, "
        f"{crowd_event.going_count:,} going to one), {made['event replies']:,} replies"
    )

    library = generate_library(
        conn, rng, now=anchor, members_of=taking_part, busy=home, writer=writer, tags=len(tag_names),
        documents=size["documents"], busy_documents=BUSY_DOCUMENTS, made=made,
    )  # fmt: skip
    watch.lap(
        f"{made['documents']:,} documents ({made['document versions']:,} versions, "
        f"{sum(d.community == home for d in library.documents):,} in the measured library), "
        f"{made['guides']:,} guides ({made['guide revisions']:,} revisions)"
    )

    load_end(conn, LOADED, plain, watch)
    count_library_space(conn)
    conn.commit()
    conn.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        watch.lap("VACUUM ANALYZE")
        disk = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    seconds = round(time.perf_counter() - watch.started)
    print(
        f"Generated in {seconds} s ({seconds / 60:.1f} min); "
        f"database {disk / 1024**3:.2f} GB (pg_database_size)"
    )
    long_paths.sort()
    return {
        **{key: value for key, value in size.items() if key in ("people", "communities", "documents")},
        "seed": seed,
        "seconds": seconds,
        "bytes": disk,
        "made": made,
        "fixtures": {
            "viewer": ["profiles.User", 1],
            "member": ["profiles.User", 2],
            # The tenth most followed member still on the hub.
            "person": ["profiles.User", [pk for pk in popular if active[pk]][9]],
            "community": ["communities.Community", home],
            "council": ["profiles.Council", 1],
            "thread": ["communities.Thread", thread_id[0]],
            "after": long_paths[int(len(long_paths) * 0.8)],
            "story": ["practice.PracticeStory", 1],
            "event": ["events.Event", event_id[id(crowd_event)]],
            "feed_token": feed_token,
            "library_document": ["library.Document", library_document(library, home)],
            "guide": ["library.Guide", 1],
            "library_query": pages.LIBRARY_QUERY,
        },
    }


def library_document(library, home: int) -> int:
    """The id of the measured library's document with the most versions (the most downloaded of those)."""
    return max(
        (pk for pk, document in enumerate(library.documents, start=1) if document.community == home),
        key=lambda pk: (len(library.documents[pk - 1].versions), library.documents[pk - 1].download_count),
    )


def generate_library(
    conn, rng, *, now, members_of, busy, writer, tags: int, documents: int, busy_documents: int, made: dict
):
    """The libraries of benchmarks/library_data.py, streamed with COPY: folders, documents with their
    extracted text (search_vector, a generated column, is computed by PostgreSQL as each row arrives),
    versions pointing at the sample file of their kind, tags, guides and their revisions. Returns the plan."""
    from core.markdown import markdown_render

    library = plan_library(
        rng, now=now, members_of=members_of, busy=busy, tags=tags, documents=documents,
        busy_documents=busy_documents, write=lambda count: writer.paragraphs(count, set()),
    )  # fmt: skip
    samples = sample_files()
    made["library folders"] = copy_rows(
        conn,
        "library_folder",
        ("id", "community_id", "name", "created_at"),
        (
            (pk, folder.community, folder.name, folder.created_at)
            for pk, folder in enumerate(library.folders, start=1)
        ),
    )
    version_ids = []  # each document's versions' ids, in number order
    next_version = 1
    for document in library.documents:
        version_ids.append(range(next_version, next_version + len(document.versions)))
        next_version += len(document.versions)

    def document_rows():
        for pk, document in enumerate(library.documents, start=1):
            sample = samples[document.kind]
            text = "\n\n".join(writer.paragraphs(document.paragraphs, set()))
            yield (
                pk, document.community, document.folder, document.title, writer.sentence(set())[:1000],
                document.uploader, version_ids[pk - 1][-1], document.kind, sample.size,
                len(document.versions), document.download_count, text, document.text_state,
                document.created_at, document.updated_at, "",
            )  # fmt: skip

    made["documents"] = copy_rows(
        conn,
        "library_document",
        (
            "id", "community_id", "folder_id", "title", "description", "uploaded_by_id", "current_version_id",
            "kind", "size", "version_count", "download_count", "text", "text_state", "created_at",
            "updated_at", "removed_reason",
        ),
        document_rows(),
    )  # fmt: skip

    def version_rows():
        for pk, document in enumerate(library.documents, start=1):
            sample, filename = samples[document.kind], filename_of(document)
            for number, (version_id, version) in enumerate(
                zip(version_ids[pk - 1], document.versions, strict=True), start=1
            ):
                yield (
                    version_id, pk, number, sample.name, filename, document.kind, sample.content_type,
                    sample.size, sample.sha256, version.note, version.uploader, version.created_at,
                    document.text_state, document.text_error, "", 0 if document.text_state == "none" else 1,
                )  # fmt: skip

    made["document versions"] = copy_rows(
        conn,
        "library_documentversion",
        (
            "id", "document_id", "number", "file", "filename", "kind", "content_type", "size", "sha256",
            "note", "uploaded_by_id", "created_at", "text_state", "text_error", "claim", "attempts",
        ),
        version_rows(),
    )  # fmt: skip
    made["document tags"] = copy_rows(
        conn,
        "library_documenttag",
        ("id", "content_object_id", "tag_id"),
        (
            (pk, document, tag + 1)
            for pk, (document, tag) in enumerate(
                (
                    (pk, tag)
                    for pk, document in enumerate(library.documents, start=1)
                    for tag in document.tags
                ),
                start=1,
            )
        ),
    )
    made["guides"] = copy_rows(
        conn,
        "library_guide",
        (
            "id", "community_id", "slug", "title", "body", "body_html", "locked", "revision_count",
            "created_by_id", "created_at", "last_edited_by_id", "last_edited_at", "removed_reason",
        ),
        (
            (pk, guide.community, guide.slug, guide.newest.title, guide.newest.body,
             markdown_render(guide.newest.body), False, len(guide.revisions), guide.revisions[0].author,
             guide.revisions[0].created_at, guide.newest.author, guide.newest.created_at, "")
            for pk, guide in enumerate(library.guides, start=1)
        ),
    )  # fmt: skip
    made["guide revisions"] = copy_rows(
        conn,
        "library_guiderevision",
        ("id", "guide_id", "number", "title", "body", "note", "author_id", "created_at"),
        (
            (pk, guide, revision.number, revision.title, revision.body, revision.note, revision.author,
             revision.created_at)
            for pk, (guide, revision) in enumerate(
                (
                    (number, revision)
                    for number, guide in enumerate(library.guides, start=1)
                    for revision in guide.revisions
                ),
                start=1,
            )
        ),
    )  # fmt: skip
    conn.commit()
    return library


def count_library_space(conn) -> None:
    """Each library's storage used (LibrarySpace.used_bytes), as library.services.documents keeps it: every
    version of every document not removed."""
    conn.execute(
        "INSERT INTO library_libraryspace (community_id, quota_bytes, used_bytes)"
        " SELECT d.community_id, NULL, sum(v.size) FROM library_documentversion v"
        " JOIN library_document d ON d.id = v.document_id WHERE d.removed_at IS NULL GROUP BY d.community_id"
    )


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help="dropped and recreated: its name must start with khub_bench",
    )
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--communities", type=int, help="default: 3 per 200 people")
    parser.add_argument(
        "--documents",
        type=int,
        default=DEFAULT_DOCUMENTS,
        help="library documents in all, the measured library's 5,000 among them",
    )
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="skip generation if the data exists")
    parser.add_argument("--generate-only", action="store_true", help="stop after generating")
    parser.add_argument(
        "--skip-pages",
        default="",
        metavar="NAMES",
        help="leave out the pages of these URL names (comma-separated), e.g. views not built yet",
    )
    parser.add_argument(
        "--explain",
        type=float,
        metavar="MS",
        help="then EXPLAIN (ANALYZE, BUFFERS) the slowest statements of each page slower than this at p95",
    )
    return parser


def main() -> None:
    args = arguments().parse_args()
    url = scratch.database_url(
        args.database, default=DEFAULT_DATABASE, script="benchmarks/national.py", why="pages on PostgreSQL"
    )
    size = sizes(args.people, args.communities, args.documents)
    wanted = {"people": size["people"], "communities": size["communities"], "documents": size["documents"]}
    marker = scratch.read_marker(url, MARKER)
    # (Data generated before the events and the libraries were added to it is generated again.)
    has_events = bool(marker) and {"event", "library_document"} <= set(marker.get("fixtures", {}))
    if args.reuse and has_events and all(marker.get(key) == value for key, value in wanted.items()):
        print(f"Reusing {marker['people']:,} people, {marker['communities']:,} communities, generated in "
              f"{marker['seconds']} s; database {marker['bytes'] / 1024**3:.2f} GB")  # fmt: skip
    else:
        if args.reuse:
            print(f"No data generated with {wanted}: generating it.")
        scratch.recreate_database(url)
        scratch.setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        marker = generate(url, people=args.people, communities=args.communities, documents=args.documents)
        scratch.write_marker(url, MARKER, marker)
        print(", ".join(f"{what}: {count:,}" for what, count in marker["made"].items()))
    if args.generate_only:
        return
    scratch.setup_django(url)
    fixtures = pages.recall(marker["fixtures"])
    viewers = {"member": fixtures["member"], "facilitator": fixtures["viewer"], "visitor": None}
    print(f"\nShared buffers {scratch.prewarm()}")
    print(f"Load average (1, 5, 15 min) before: {load_average()}")
    skip = frozenset(name for name in args.skip_pages.split(",") if name)
    rows = pages.measure(fixtures=fixtures, samples=args.samples, viewers=viewers, skip=skip)
    print(f"Load average (1, 5, 15 min) after: {load_average()}")
    print(
        f"\n{marker['people']:,} people, {marker['communities']:,} communities; {args.samples} samples a page"
    )
    pages.print_table(rows)
    if args.explain:
        slow = [
            (who, path) for who, path, _, p95, _, _ in rows if p95 > args.explain and path != pages.YARDSTICK
        ]
        pages.explain(viewers=viewers, pages=slow)


if __name__ == "__main__":
    main()
