"""Server time and queries per page on a generated dataset (PostgreSQL).

    .venv/bin/python benchmarks/pages.py [--people 10000] [--communities 500] [--samples 40] [--reuse]
        [--database postgres://postgres@127.0.0.1:5432/khub_bench]

It drops and recreates the benchmark database (named khub_bench...; never the one in DATABASE_URL),
migrates it, bulk-loads people, follows, tags, notifications, communities, memberships, conversations (a
few threads in every community; in the viewer's, 60 threads, one of them 1,000 posts long, and open
reports), 5,000 practice stories with endorsements and adoptions, events (benchmarks/event_data.py:
500 in the viewer's community, one with 1,000 going in an open one, a few in every other) and libraries
(benchmarks/library_data.py: 5,000 documents in 20 folders in the viewer's community and one per two
people elsewhere, with extracted text; a guide of 500 revisions). Then it requests
each page through Django's test client as a signed-in facilitator of that community (the landing page, the
practice library, a story and the calendar feed also as a visitor who is not signed in) and reports p50/p95
of the time spent in Django (middleware, view, queries, template), the p50 of the time in SQL and the number
of SQL queries. No network or browser time is included. benchmarks/national.py measures the same pages on
a national hub.

The database is left in place: --reuse skips generation when it already holds data made for the same
--people and --communities (a marker in its comment, as benchmarks/search.py and digests.py keep) and
measures that data again.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scratch_database as scratch  # noqa: E402 -- after the path is set

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/khub_bench"
DEFAULT_PEOPLE = 10_000  # the dataset README.md's figures are measured on
DEFAULT_COMMUNITIES = 500
MARKER = "khub pages benchmark "


def generate(*, people: int, communities: int, seed: int = 7) -> dict:
    from allauth.account.models import EmailAddress
    from django.utils import timezone
    from taggit.models import Tag

    from communities.models import Community, Membership, ModerationLogEntry, TopicTag
    from profiles.models import Council, ExpertiseTag, Follow, Notification, User
    from profiles.services import councils_recount, follows_recount

    rng = random.Random(seed)
    now = timezone.now()
    regions = [choice for choice, _ in Council.Region.choices]
    councils = Council.objects.bulk_create(
        Council(name=f"Bench Council {i}", slug=f"bench-council-{i}", kind="unitary", region=regions[i % 12])
        for i in range(60)
    )
    first = ["Priya", "Tom", "Aisha", "Gareth", "Hannah", "Kwame", "Siobhan", "Daniel", "Mei", "Oliver"]
    last = ["Shah", "Whitaker", "Okafor", "Pritchard", "Nowak", "Mensah", "Doyle", "Hughes", "Chen"]
    users = User.objects.bulk_create(
        User(
            email=f"bench{i}@bench.test",
            display_name=f"{rng.choice(first)} {rng.choice(last)} {i}",
            handle=f"bench-{i}",
            job_title="Service Manager",
            council=councils[i % len(councils)],
            council_linked_via="admin",
            bio_html="<p>Ten years in local government.</p>",
            password="!",  # noqa: S106  (an unusable password: Django's marker)
            date_joined=now,
        )
        for i in range(people)
    )
    councils_recount(council_ids=[council.pk for council in councils])  # bulk_create sends no signals
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    tags = Tag.objects.bulk_create(Tag(name=f"topic {i}", slug=f"topic-{i}") for i in range(200))
    ExpertiseTag.objects.bulk_create(
        ExpertiseTag(content_object=u, tag=t) for u in users for t in rng.sample(tags, 3)
    )
    follows = {(a.pk, b.pk) for a in users for b in rng.sample(users, 8) if a.pk != b.pk}
    Follow.objects.bulk_create(Follow(follower_id=a, followed_id=b) for a, b in follows)
    follows_recount()  # bulk_create sends no signals
    visibilities = ["open", "restricted", "private"]
    comms = Community.objects.bulk_create(
        Community(
            name=f"Bench community {i}",
            slug=f"bench-community-{i}",
            description="A community of practice for benchmarking.",
            about_html="<p>About this community.</p>",
            visibility=visibilities[i % 3],
            created_at=now,
            last_activity_at=now,
        )
        for i in range(communities)
    )
    TopicTag.objects.bulk_create(
        TopicTag(content_object=c, tag=t) for c in comms for t in rng.sample(tags, 2)
    )
    memberships = {}
    for u in users:
        for c in rng.sample(comms, 6):
            memberships[(c.pk, u.pk)] = Membership(
                community=c, user=u, role="member", state="active", joined_at=now
            )
    for c in comms:  # an owner and a facilitator each
        for role, u in (("owner", rng.choice(users)), ("facilitator", rng.choice(users))):
            memberships[(c.pk, u.pk)] = Membership(
                community=c, user=u, role=role, state="active", joined_at=now
            )
        for u in rng.sample(users, 3):
            memberships.setdefault(
                (c.pk, u.pk), Membership(community=c, user=u, state="requested", message="Hi")
            )
    Membership.objects.bulk_create(memberships.values(), batch_size=5000)
    for c in comms:
        c.member_count = sum(1 for (cid, _), m in memberships.items() if cid == c.pk and m.state == "active")
    Community.objects.bulk_update(comms, ["member_count"], batch_size=1000)
    ModerationLogEntry.objects.bulk_create(
        ModerationLogEntry(community=c, actor=rng.choice(users), action="invited", subject=rng.choice(users))
        for c in comms
        for _ in range(40)
    )
    Notification.objects.bulk_create(
        (
            Notification(
                recipient=u, kind="follow", actor=rng.choice(users), text="Someone followed you", url="/"
            )
            for u in users
            for _ in range(10)
        ),
        batch_size=5000,
    )
    # The viewer: a facilitator of a restricted community with many members.
    viewer = users[0]
    community = next(c for c in comms if c.visibility == "restricted")
    Membership.objects.update_or_create(
        community=community, user=viewer, defaults={"role": "owner", "state": "active", "joined_at": now}
    )
    members_of: dict[int, list] = {}
    for (cid, uid), m in memberships.items():
        if m.state == "active":
            members_of.setdefault(cid, []).append(uid)
    if viewer.pk not in members_of[community.pk]:
        members_of[community.pk].append(viewer.pk)
    long_thread = generate_conversations(
        rng=rng, communities=comms, members_of=members_of, community=community, now=now
    )
    # A keyset page deep in the long thread, four fifths of the way through (what "Next" links carry).
    replies = long_thread.posts.filter(depth__gt=0).order_by("path").values_list("path", flat=True)
    after = replies[int(replies.count() * 0.8)]
    story = generate_practice(
        rng=rng,
        communities=comms,
        members_of=members_of,
        councils=councils,
        community=community,
        thread=long_thread,
        users=users,
        now=now,
        author=viewer,
    )
    generate_viewer_notices(rng=rng, viewer=viewer, users=users, now=now)
    event, feed_token = generate_events(
        rng=rng, communities=comms, community=community, viewer=viewer, users=users
    )
    document, guide = generate_library(rng=rng, community=community, documents=5_000 + people // 2)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "story": story,
        "viewer": viewer,
        "person": users[1],
        "community": community,
        "council": councils[0],
        "thread": long_thread,
        "after": after,
        "event": event,
        "feed_token": feed_token,
        "library_document": document,
        "guide": guide,
        "library_query": LIBRARY_QUERY,
    }


def generate_viewer_notices(*, rng, viewer, users, now, count: int = 2000):
    """The viewer's inbox as a busy member's: `count` unread notices about posts all over the hub (many in
    communities they may not read), communities, stories and followers, so the inbox page and the header's
    unread count re-check what each is about (profiles.extensions.notices_available_q)."""
    from datetime import timedelta

    from django.contrib.contenttypes.models import ContentType

    from communities.models import Community, Post
    from practice.models import PracticeStory
    from profiles.models import Notification

    targets = {
        "community.mention": list(Post.objects.order_by("?").values_list("pk", flat=True)[: count // 2]),
        "community.role_changed": list(Community.objects.values_list("pk", flat=True)),
        "practice.endorsed": list(PracticeStory.objects.order_by("?").values_list("pk", flat=True)[:500]),
        "follow": [user.pk for user in users[1:1000]],
    }
    models = {
        "community.mention": Post,
        "community.role_changed": Community,
        "practice.endorsed": PracticeStory,
        "follow": type(viewer),
    }
    kinds = list(targets)
    Notification.objects.bulk_create(
        (
            Notification(
                recipient=viewer,
                kind=(kind := kinds[i % len(kinds)]),
                actor=rng.choice(users),
                text="Something happened about something",
                url="/",
                target_type=ContentType.objects.get_for_model(models[kind]),
                target_id=rng.choice(targets[kind]),
                created_at=now - timedelta(minutes=i),
            )
            for i in range(count)
        ),
        batch_size=5000,
    )


def generate_events(*, rng, communities, community, viewer, users, crowd: int = 1000):
    """The events of benchmarks/event_data.py, bulk-inserted: 500 in `community` (the viewer's), a few in
    every other one, and one with `crowd` going in an open community, whose members are topped up to
    `crowd` and its waiting list (as many as there are people). The viewer goes to a couple of hundred and
    has a calendar feed address. Returns the crowded event and that address's token."""
    from django.utils import timezone
    from taggit.models import Tag

    from benchmarks.event_data import plan_events
    from communities.models import Community, Membership
    from core.markdown import markdown_render
    from events.models import CalendarFeed, Event, EventTag, Rsvp

    now = timezone.now()
    crowd_community = next(c for c in communities if c.visibility == "open" and c.pk != community.pk)
    joined = set(Membership.objects.filter(community=crowd_community).values_list("user_id", flat=True))
    Membership.objects.bulk_create(
        Membership(community=crowd_community, user=user, role="member", state="active", joined_at=now)
        for user in users[: crowd + crowd // 20]
        if user.pk not in joined
    )
    active = Membership.objects.filter(state="active").values_list("community_id", "user_id", "role")
    members_of: dict[int, list[int]] = {}
    organiser_of = {community.pk: viewer.pk}
    for community_id, user_id, role in active.order_by("pk"):
        members_of.setdefault(community_id, []).append(user_id)
        if role in ("owner", "facilitator"):
            organiser_of.setdefault(community_id, user_id)
    for community_id, members in members_of.items():
        organiser_of.setdefault(community_id, members[0])
    Community.objects.filter(pk=crowd_community.pk).update(member_count=len(members_of[crowd_community.pk]))
    planned, crowd_event = plan_events(
        rng, now=now, members_of=members_of, organiser_of=organiser_of, busy=community.pk,
        crowd_community=crowd_community.pk, fan=viewer.pk,
    )  # fmt: skip
    description = "We compare **notes** on what worked, and what we would do again."
    description_html = markdown_render(description)
    rows = [
        Event(
            community_id=event.community,
            organiser_id=event.organiser,
            title=event.title,
            description=description,
            description_html=description_html,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            format=event.format,
            joining_url=event.joining_url,
            venue=event.venue,
            address=event.address,
            postcode=event.postcode,
            region=event.region,
            capacity=event.capacity,
            status=event.status,
            cancelled_at=event.cancelled_at,
            cancel_reason=event.cancel_reason,
            notes=event.notes,
            notes_html=event.notes_html,
            sequence=event.sequence,
            going_count=event.going_count,
            waiting_count=event.waiting_count,
            created_at=event.created_at,
            updated_at=event.cancelled_at or event.created_at,
        )
        for event in planned
    ]
    Event.objects.bulk_create(rows, batch_size=2000)
    tags = list(Tag.objects.order_by("pk")[:20])
    EventTag.objects.bulk_create(
        (EventTag(content_object=row, tag=tag) for row in rows for tag in rng.sample(tags, 2)),
        batch_size=5000,
    )
    Rsvp.objects.bulk_create(
        (
            Rsvp(event=row, user_id=user, state=state, created_at=when, updated_at=when)
            for row, event in zip(rows, planned, strict=True)
            for user, state, when in event.replies
        ),
        batch_size=5000,
    )
    feed = CalendarFeed.objects.create(user=viewer, token=f"{rng.getrandbits(256):064x}")
    return next(row for row, event in zip(rows, planned, strict=True) if event is crowd_event), feed.token


LIBRARY_QUERY = "waste collection"  # a local-government phrase in many documents' titles and text


def generate_library(*, rng, community, documents: int):
    """The libraries of benchmarks/library_data.py, bulk-inserted: 5,000 documents in `community`'s library
    (in 20 folders) and the rest of `documents` spread over the others, with text written from a small
    vocabulary; every version pointing at the sample file of its kind; a guide of 500 revisions in
    `community`, a small one in one community in ten; each library's storage used. Returns the busy
    library's document with the most versions (the most downloaded of those) and the guide."""
    from django.db.models import Sum
    from django.utils import timezone
    from taggit.models import Tag

    from benchmarks.bulk import HEAD_WORDS, Writer, pseudo_words
    from benchmarks.library_data import filename_of, plan_library, sample_files
    from communities.models import Membership
    from core.markdown import markdown_render
    from library.models import (
        Document,
        DocumentTag,
        DocumentVersion,
        Folder,
        Guide,
        GuideRevision,
        LibrarySpace,
    )

    now = timezone.now()
    writer = Writer(rng, HEAD_WORDS + pseudo_words(rng, 3000))
    members_of: dict[int, list[int]] = {}
    active = Membership.objects.filter(state="active", user__is_active=True)
    for community_id, user_id in active.order_by("pk").values_list("community_id", "user_id"):
        members_of.setdefault(community_id, []).append(user_id)
    tags = list(Tag.objects.order_by("pk")[:60])
    plan = plan_library(
        rng, now=now, members_of=members_of, busy=community.pk, tags=len(tags), documents=documents,
        write=lambda count: writer.paragraphs(count, set()),
    )  # fmt: skip
    samples = sample_files()
    folders = Folder.objects.bulk_create(
        Folder(community_id=folder.community, name=folder.name, created_at=folder.created_at)
        for folder in plan.folders
    )
    rows = Document.objects.bulk_create(
        (
            Document(
                community_id=planned.community,
                folder=folders[planned.folder - 1] if planned.folder else None,
                title=planned.title,
                description=writer.sentence(set()),
                uploaded_by_id=planned.uploader,
                kind=planned.kind,
                size=samples[planned.kind].size,
                version_count=len(planned.versions),
                download_count=planned.download_count,
                text="\n\n".join(writer.paragraphs(planned.paragraphs, set())),
                text_state=planned.text_state,
                created_at=planned.created_at,
                updated_at=planned.updated_at,
            )
            for planned in plan.documents
        ),
        batch_size=2000,
    )
    versions = DocumentVersion.objects.bulk_create(
        (
            DocumentVersion(
                document=row,
                number=number,
                file=samples[planned.kind].name,
                filename=filename_of(planned),
                kind=planned.kind,
                content_type=samples[planned.kind].content_type,
                size=samples[planned.kind].size,
                sha256=samples[planned.kind].sha256,
                note=version.note,
                uploaded_by_id=version.uploader,
                created_at=version.created_at,
                text_state=planned.text_state,
                text_error=planned.text_error,
                attempts=0 if planned.text_state == "none" else 1,
            )
            for row, planned in zip(rows, plan.documents, strict=True)
            for number, version in enumerate(planned.versions, start=1)
        ),
        batch_size=5000,
    )
    newest = {version.document_id: version.pk for version in versions}  # in number order: the last wins
    for row in rows:
        row.current_version_id = newest[row.pk]
    Document.objects.bulk_update(rows, ["current_version"], batch_size=2000)
    DocumentTag.objects.bulk_create(
        (
            DocumentTag(content_object=row, tag=tags[index])
            for row, planned in zip(rows, plan.documents, strict=True)
            for index in planned.tags
        ),
        batch_size=5000,
    )
    used = DocumentVersion.objects.values("document__community").annotate(used=Sum("size")).order_by()
    LibrarySpace.objects.bulk_create(
        LibrarySpace(community_id=row["document__community"], used_bytes=row["used"]) for row in used
    )
    guides = Guide.objects.bulk_create(
        Guide(
            community_id=planned.community,
            slug=planned.slug,
            title=planned.newest.title,
            body=planned.newest.body,
            body_html=markdown_render(planned.newest.body),
            revision_count=len(planned.revisions),
            created_by_id=planned.revisions[0].author,
            created_at=planned.revisions[0].created_at,
            last_edited_by_id=planned.newest.author,
            last_edited_at=planned.newest.created_at,
        )
        for planned in plan.guides
    )
    GuideRevision.objects.bulk_create(
        (
            GuideRevision(
                guide=guide,
                number=revision.number,
                title=revision.title,
                body=revision.body,
                note=revision.note,
                author_id=revision.author,
                created_at=revision.created_at,
            )
            for guide, planned in zip(guides, plan.guides, strict=True)
            for revision in planned.revisions
        ),
        batch_size=2000,
    )
    busiest = max(
        (row for row in rows if row.community_id == community.pk),
        key=lambda row: (row.version_count, row.download_count),
    )
    return busiest, guides[0]


def generate_conversations(*, rng, communities, members_of, community, now, long_posts: int = 1000):
    """Threads and replies, bulk-inserted with the invariants the services keep (Post.path is the parent's
    path plus the thread's sequence number, zero-padded; reply_count counts visible replies). Every
    community gets 4 short threads; `community` gets 60, one of them `long_posts` posts long, with
    helpful marks, and 30 open reports. Returns the long thread."""
    from datetime import timedelta

    from communities.models import PATH_STEP, Post, PostReaction, PostReport, Thread

    specs = []  # (community, thread, number of posts)
    for c in communities:
        count = 60 if c.pk == community.pk else 4
        for i in range(count):
            size = long_posts if (c.pk == community.pk and i == 0) else rng.randint(1, 12)
            started = now - timedelta(days=rng.uniform(1, 300))
            thread = Thread(
                community=c,
                title=f"Bench conversation {i} about {rng.choice(['housing', 'waste', 'data'])}",
                kind="question" if i % 3 == 1 else "discussion",
                author_id=rng.choice(members_of[c.pk]),
                pinned=i == 2,
                created_at=started,
                last_activity_at=started,
                post_sequence=size,
                reply_count=size - 1,
            )
            specs.append((c, thread, size))
    Thread.objects.bulk_create([thread for _, thread, _ in specs], batch_size=2000)
    body = "We tried this last year. " * 8
    html = f"<p>{body.strip()}</p>"
    posts = []  # every post, with its parent's index in `posts` (None for an opening post)
    for c, thread, size in specs:
        start = len(posts)
        moment = thread.created_at
        for number in range(1, size + 1):
            if number == 1:
                parent = None
            elif rng.random() < 0.5 or number < 4:
                parent = start
            else:  # a conversation within the thread: one of the last ten posts, at most 12 deep
                parent = rng.randrange(max(start + 1, start + number - 11), start + number - 1)
                parent = parent if posts[parent][0].depth < 12 else start
            path = (posts[parent][0].path if parent is not None else "") + f"{number:0{PATH_STEP}d}"
            moment += timedelta(minutes=rng.randint(5, 600))
            post = Post(
                thread=thread,
                author_id=thread.author_id if number == 1 else rng.choice(members_of[c.pk]),
                path=path,
                depth=len(path) // PATH_STEP - 1,
                body=body,
                body_html=html,
                created_at=moment,
                notified_at=moment,
            )
            posts.append((post, parent))
        thread.last_activity_at = moment
    # Parents first (replies need their ids): one batch per depth.
    for depth in range(max(post.depth for post, _ in posts) + 1):
        level = [(post, parent) for post, parent in posts if post.depth == depth]
        for post, parent in level:
            post.parent_id = posts[parent][0].pk if parent is not None else None
        Post.objects.bulk_create([post for post, _ in level], batch_size=5000)
    openings = {post.thread_id: post.pk for post, parent in posts if parent is None}
    threads = [thread for _, thread, _ in specs]
    first_replies = {}
    for post, _ in posts:
        if post.depth == 1:
            first_replies.setdefault(post.thread_id, post.pk)
    for thread in threads:
        thread.opening_post_id = openings[thread.pk]
    questions = [t for t in threads if t.kind == "question"]
    for thread in questions[::2]:  # half the questions answered: their first reply
        thread.answer_id = first_replies.get(thread.pk)
    Thread.objects.bulk_update(threads, ["opening_post", "answer", "last_activity_at"], batch_size=2000)
    long_thread = threads[next(i for i, (c, _, _) in enumerate(specs) if c.pk == community.pk)]
    long_posts_rows = [p for p, _ in posts if p.thread_id == long_thread.pk]
    reactions = []
    for post in rng.sample(long_posts_rows, len(long_posts_rows) // 5):
        fans = {u for u in rng.sample(members_of[community.pk], 3) if u != post.author_id}
        post.helpful_count = len(fans)
        reactions += [PostReaction(post=post, user_id=u) for u in fans]
    PostReaction.objects.bulk_create(reactions, batch_size=5000)
    Post.objects.bulk_update(long_posts_rows, ["helpful_count"], batch_size=2000)
    reported = rng.sample([p for p, _ in posts if p.thread.community_id == community.pk and p.depth], 30)
    reporters = members_of[community.pk]
    PostReport.objects.bulk_create(
        PostReport(
            post=p,
            community_id=community.pk,
            reporter_id=rng.choice([u for u in reporters if u != p.author_id]),
            reason="Off topic.",
        )
        for p in reported
    )
    return long_thread


def generate_practice(
    *, rng, communities, members_of, councils, community, thread, users, now, author, stories=5000
):
    """Published stories in every community (audiences mixed), endorsements and adoptions, counts kept as
    the services keep them. One story in the viewer's community is the busy one the story page shows: 300
    endorsements, 40 councils repeating it, and the long thread as its discussion; `author` wrote it (its
    writing pages are measured as them). Returns that story."""
    from datetime import date, timedelta

    from practice.models import Adoption, Endorsement, MeasuredOutcome, PracticeStory, ServiceArea

    areas = ServiceArea.values
    audiences = ["public", "members", "community"]
    text = "We changed how the service works and measured it. " * 6
    html = f"<p>{text.strip()}</p>"
    council_of = {user.pk: user.council_id for user in users}
    rows = []
    for i in range(stories):
        c = community if i == 0 else communities[i % len(communities)]
        author_id = author.pk if i == 0 else rng.choice(members_of[c.pk])
        published = now - timedelta(days=rng.uniform(1, 700))
        rows.append(
            PracticeStory(
                title=f"Bench story {i} about {rng.choice(['bins', 'housing', 'care', 'roads'])}",
                slug=f"bench-story-{i}",
                summary="What we did and how it went, in a sentence or two for the library card.",
                service_area=areas[i % len(areas)],
                challenge=text,
                challenge_html=html,
                what_we_did=text,
                what_we_did_html=html,
                outcomes=text,
                outcomes_html=html,
                lessons_learned=text,
                lessons_learned_html=html,
                author_id=author_id,
                council_id=council_of[author_id],
                community=c,
                status="published",
                audience="public" if i == 0 else audiences[i % 3],
                created_at=published,
                updated_at=published,
                published_at=published,
                promoted_at=published if i % 9 == 0 else None,
                discussion=thread if i == 0 else None,
            )
        )
    PracticeStory.objects.bulk_create(rows, batch_size=2000)
    busy = rows[0]
    MeasuredOutcome.objects.bulk_create(
        MeasuredOutcome(
            story=busy, metric=f"Measure {n}", before=20 + n, after=8 + n, unit="days", position=n
        )
        for n in range(3)
    )
    endorsements, adoptions = [], []
    for story in rows:
        size = 300 if story is busy else rng.randint(0, 8)
        fans = rng.sample(range(len(users)), size)
        endorsements += [
            Endorsement(story=story, user=users[f], comment="We would do this again.", created_at=now)
            for f in fans
        ]
        story.endorsement_count = size
        repeaters = rng.sample(councils[1:], 40 if story is busy else rng.randint(0, 2))
        adoptions += [
            Adoption(
                story=story,
                council=council,
                outcome="adapted",
                started_on=date(2025, 3, 1),
                notes="It worked.",
            )
            for council in repeaters
            if council.pk != story.council_id
        ]
        story.adoption_count = sum(1 for council in repeaters if council.pk != story.council_id)
    Endorsement.objects.bulk_create(endorsements, batch_size=5000)
    Adoption.objects.bulk_create(adoptions, batch_size=5000)
    PracticeStory.objects.bulk_update(rows, ["endorsement_count", "adoption_count"], batch_size=2000)
    return busy


YARDSTICK = "one indexed query (the yardstick)"
# Who may see each page: any signed-in member, only the community's facilitators, or visitors too.
MEMBERS, FACILITATORS, EVERYONE = (
    ("member", "facilitator"),
    ("facilitator",),
    ("member", "facilitator", "visitor"),
)
AUTHOR = ("facilitator",)  # the facilitator wrote the busy story (in both benchmarks' data)


def page_list(fixtures: dict) -> list[tuple[str, dict, str, tuple[str, ...]]]:
    """Every page measured: (URL name, its arguments, query string, who may see it)."""
    community, person, council = fixtures["community"], fixtures["person"], fixtures["council"]
    thread, after, story = fixtures["thread"], fixtures["after"], fixtures["story"]
    in_community = {"slug": community.slug}
    in_thread = {"slug": community.slug, "thread_id": thread.pk}
    return [
        ("home", {}, "", EVERYONE),  # a visitor gets the landing page
        ("profiles:people", {}, "", MEMBERS),
        ("profiles:people", {}, "?q=priya+shah", MEMBERS),
        ("profiles:profile", {"handle": person.handle}, "", MEMBERS),
        ("profiles:followers", {"handle": person.handle}, "", MEMBERS),
        ("profiles:councils", {}, "", MEMBERS),
        ("profiles:council", {"slug": council.slug}, "", MEMBERS),
        ("profiles:notifications", {}, "", MEMBERS),
        ("communities:index", {}, "", MEMBERS),
        ("communities:index", {}, "?tab=mine", MEMBERS),
        ("communities:index", {}, "?q=community+1&sort=members", MEMBERS),
        ("communities:detail", in_community, "", MEMBERS),
        ("communities:members", in_community, "", MEMBERS),
        ("communities:manage", in_community, "", FACILITATORS),
        ("communities:manage-members", in_community, "", FACILITATORS),
        ("communities:manage-log", in_community, "", FACILITATORS),
        ("communities:threads", in_community, "", MEMBERS),
        ("communities:threads", in_community, "?show=unanswered", MEMBERS),
        ("communities:thread", in_thread, "", MEMBERS),
        ("communities:thread", in_thread, f"?after={after}", MEMBERS),
        ("communities:manage-reports", in_community, "", FACILITATORS),
        ("practice:index", {}, "", EVERYONE),
        ("practice:index", {}, "?sort=endorsed&service_area=housing", EVERYONE),
        ("practice:index", {}, "?promoted=on&region=london&sort=repeated", MEMBERS),
        ("practice:detail", {"slug": story.slug}, "", EVERYONE),
        # Writing it: the task list, a section's page (the one with measured outcomes), check your answers.
        ("practice:write", {"slug": story.slug}, "", AUTHOR),
        ("practice:write-step", {"slug": story.slug, "step": "outcomes"}, "", AUTHOR),
        ("practice:check", {"slug": story.slug}, "", AUTHOR),
        # What a load balancer probes: the broker's answer is kept a few seconds.
        ("healthz", {}, "", ("visitor",)),
        # Ask the hub: the form and the "Has this been answered already?" lookup as the title is typed.
        ("ask:ask", {}, "", MEMBERS),
        ("ask:similar", {}, "?title=temporary+accommodation+costs", MEMBERS),
        *ask_pages(fixtures),
        *event_pages(fixtures),
        *library_pages(fixtures),
    ]


def ask_pages(fixtures: dict) -> list[tuple[str, dict, str, tuple[str, ...]]]:
    """Who to ask about a question the facilitator asked (ask_fixture): the ranking's ten for its topic."""
    if "question" not in fixtures:
        return []
    return [("ask:people", {"question_id": fixtures["question"].pk}, "", AUTHOR)]


def ask_fixture(fixtures: dict) -> dict:
    """A question to the hub by the facilitator on the busy story's topic, asked once (the people page
    measured is the asker's before they confirm who to ask); nothing if they may not ask."""
    from ask.models import Question
    from ask.permissions import can_ask
    from ask.services.questions import question_create

    viewer, story = fixtures["viewer"], fixtures["story"]
    if not can_ask(user=viewer):
        return {}
    title = f"Who has done this before: {story.title}"[:200]
    question = Question.objects.filter(asker=viewer, thread__title=title).first()
    if question is None:
        question = question_create(
            asker=viewer,
            title=title,
            body=story.summary or story.title,
            service_area=story.service_area,
            tags=[tag.name for tag in story.tags.all()][:10],
        )
    return {"question": question}


def event_pages(fixtures: dict) -> list[tuple[str, dict, str, tuple[str, ...]]]:
    """The events pages: the busy community's 500 events, /events/, the event with 1,000 going, its
    guest list, the form to announce one, its .ics, and the calendar feed of a member going to a couple of
    hundred (fetched by a calendar application, signed in as nobody). None for data made before events."""
    if "event" not in fixtures:
        return []
    event = fixtures["event"]
    in_community = {"slug": fixtures["community"].slug}
    in_event = {"slug": event.community.slug, "event_id": event.pk}
    return [
        ("events:community", in_community, "", MEMBERS),
        ("events:index", {}, "", MEMBERS),
        ("events:detail", in_event, "", MEMBERS),
        ("events:going", in_event, "", MEMBERS),
        ("events:create", in_community, "", FACILITATORS),
        ("events:ics", in_event, "", MEMBERS),
        ("events:feed", {"token": fixtures["feed_token"]}, "", ("visitor",)),
    ]


def library_pages(fixtures: dict) -> list[tuple[str, dict, str, tuple[str, ...]]]:
    """The library pages (benchmarks/library_data.py): the busy community's library of 5,000 documents
    newest first and by name, its most downloaded document's page and download, the guide of 500 revisions,
    its history, the diff from its first revision to its newest, and search's Library tab over every
    document's extracted text. None for data made before the libraries."""
    if "library_document" not in fixtures:
        return []
    document, guide = fixtures["library_document"], fixtures["guide"]
    in_document = {"slug": document.community.slug, "document_id": document.pk}
    in_guide = {"slug": guide.community.slug, "guide_slug": guide.slug}
    query = urlencode({"q": fixtures["library_query"], "type": "library"})
    return [
        ("library:index", {"slug": document.community.slug}, "?sort=newest", MEMBERS),
        ("library:index", {"slug": document.community.slug}, "?sort=name", MEMBERS),
        ("library:document", in_document, "", MEMBERS),
        ("library:download", in_document, "", MEMBERS),
        ("library:guide", in_guide, "", MEMBERS),
        ("library:guide-history", in_guide, "", MEMBERS),
        ("library:guide-diff", in_guide, f"?from=1&to={guide.revision_count}", MEMBERS),
        ("search", {}, f"?{query}", MEMBERS),
    ]


def measure(
    *, fixtures: dict, samples: int, viewers: dict | None = None, skip: frozenset[str] = frozenset()
) -> list[tuple[str, str, float, float, float, int]]:
    """(who, path, p50 ms, p95 ms, p50 ms in SQL, queries) for each page each viewer may see, viewer by
    viewer, each viewer's pages after the one-query yardstick requested as them. `viewers` maps each role of
    page_list to its member (None for the visitor): by default the fixtures' viewer as facilitator, and a
    visitor. The pages whose URL names are in `skip` are left out."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import NoReverseMatch, reverse

    from benchmarks.baseline import BASELINE_PATH

    if viewers is None:
        viewers = {"facilitator": fixtures["viewer"], "visitor": None}
    fixtures = {**fixtures, **ask_fixture(fixtures)}
    clients = {}
    for role, user in viewers.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)

    def sample(browser, path: str) -> tuple[float, float, float, int]:
        for _ in range(3):  # warm caches and connections
            browser.get(path)
        timings, in_sql = [], []
        for _ in range(samples):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = browser.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            in_sql.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        return statistics.median(timings), p95, statistics.median(in_sql), len(queries)

    rows = []
    # The header's unread count, the directory's expertise filter and the home page's communities to join
    # kept between pages as in production (the test settings read them every time);
    # /notifications/ counts afresh whatever the setting, so it shows what a page pays when nothing is kept.
    with override_settings(
        ROOT_URLCONF="benchmarks.baseline",
        INBOX_UNREAD_KEPT_SECONDS=60,
        EXPERTISE_CHOICES_KEPT_SECONDS=300,
        SUGGESTIONS_KEPT_SECONDS=300,
        CALENDAR_EVENT_KEPT_SECONDS=24 * 60 * 60,
        LIBRARY_TAGS_KEPT_SECONDS=300,
        ASK_PANEL_KEPT_SECONDS=600,
    ):
        for role, user in viewers.items():
            # The yardstick again before each signed-in viewer's pages: the load on a shared machine
            # drifts. (It needs a member: a visitor's pages are set against the last one measured.)
            if user is not None:
                rows.append((role, YARDSTICK, *sample(clients[role], BASELINE_PATH)))
            for name, kwargs, query, audience in page_list(fixtures):
                if role not in audience or name in skip:
                    continue
                try:
                    path = reverse(name, kwargs=kwargs) + query
                except NoReverseMatch:
                    continue
                rows.append((role, path, *sample(clients[role], path)))
    return rows


def explain(*, viewers: dict, pages: list[tuple[str, str]], top: int = 2) -> None:
    """For each (who, path): the page requested once more as that viewer, and EXPLAIN (ANALYZE, BUFFERS)
    of its `top` slowest statements, with each one's time in the request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(ROOT_URLCONF="benchmarks.baseline", INBOX_UNREAD_KEPT_SECONDS=60):
        for who, path in pages:
            browser = Client()
            if viewers[who] is not None:
                browser.force_login(viewers[who])
            browser.get(path)
            with CaptureQueriesContext(connection) as queries:
                browser.get(path)
            slowest = sorted(queries.captured_queries, key=lambda query: -float(query["time"]))[:top]
            for query in slowest:
                print(f"\n### {path} ({who}): {float(query['time']) * 1000:.1f} ms\n{query['sql'][:600]}")
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                    print("\n".join(line for (line,) in cursor.fetchall()))


def print_table(rows: list[tuple[str, str, float, float, float, int]]) -> None:
    """The rows of measure() as a Markdown table, each p50 also as a multiple of the yardstick measured
    just before it."""
    print("\n| Page | Viewer | p50 | p95 | p50 / one query | SQL p50 | Queries |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for who, path, p50, p95, sql, queries in rows:
        if path == YARDSTICK:
            yardstick = p50
        times = f"{p50:.1f} ms | {p95:.1f} ms | {p50 / yardstick:.1f} | {sql:.1f} ms"
        print(f"| `{path}` | {who} | {times} | {queries} |")


def remember(fixtures: dict) -> dict:
    """The fixtures as JSON for the database's marker: each row as its model's label and primary key."""
    from django.db.models import Model

    return {
        name: [value._meta.label, value.pk] if isinstance(value, Model) else value
        for name, value in fixtures.items()
    }


def recall(remembered: dict) -> dict:
    """The fixtures remember() wrote, read back from the database."""
    from django.apps import apps

    return {
        name: apps.get_model(value[0]).objects.get(pk=value[1]) if isinstance(value, list) else value
        for name, value in remembered.items()
    }


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
    parser.add_argument("--communities", type=int, default=DEFAULT_COMMUNITIES)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="skip generation if the data exists")
    return parser


def main() -> None:
    args = arguments().parse_args()
    url = scratch.database_url(
        args.database, default=DEFAULT_DATABASE, script="benchmarks/pages.py", why="pages on PostgreSQL"
    )
    wanted = {"people": args.people, "communities": args.communities}
    marker = scratch.read_marker(url, MARKER)
    # (Data generated before the events and the libraries were added to it is generated again.)
    has_events = bool(marker) and {"event", "library_document"} <= set(marker.get("fixtures", {}))
    if args.reuse and has_events and all(marker.get(key) == value for key, value in wanted.items()):
        scratch.setup_django(url)
        fixtures = recall(marker["fixtures"])
        print(f"reusing {args.people} people, {args.communities} communities")
    else:
        if args.reuse:
            print(f"No data generated with {wanted}: generating it.")
        scratch.recreate_database(url)
        scratch.setup_django(url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        fixtures = generate(people=args.people, communities=args.communities)
        elapsed = time.perf_counter() - started
        print(f"generated {args.people} people, {args.communities} communities in {elapsed:.0f} s")
        scratch.write_marker(url, MARKER, {**wanted, "fixtures": remember(fixtures)})
    print_table(measure(fixtures=fixtures, samples=args.samples))


if __name__ == "__main__":
    main()
