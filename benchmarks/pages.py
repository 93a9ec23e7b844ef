"""Server time and queries per page on a generated dataset (PostgreSQL).

    .venv/bin/python benchmarks/pages.py [--people 5000] [--communities 300] [--samples 40]
        [--database postgres://postgres@127.0.0.1:5432/khub_bench] [--keep]

It drops and recreates the benchmark database (never the one in DATABASE_URL), migrates it, bulk-loads
people, follows, tags, notifications, communities and memberships, then requests each page through
Django's test client as a signed-in member and reports p50/p95 of the time spent in Django (middleware,
view, queries, template) and the number of SQL queries. No network or browser time is included.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _recreate_database(url: str) -> None:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("khub_bench"):
        raise SystemExit(
            f"refusing to drop {name!r}: the benchmark database's name must start with khub_bench"
        )
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "khub.settings.test"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def generate(*, people: int, communities: int, seed: int = 7) -> dict:
    from allauth.account.models import EmailAddress
    from django.utils import timezone
    from taggit.models import Tag

    from communities.models import Community, Membership, ModerationLogEntry, TopicTag
    from profiles.models import Council, ExpertiseTag, Follow, Notification, User

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
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    tags = Tag.objects.bulk_create(Tag(name=f"topic {i}", slug=f"topic-{i}") for i in range(200))
    ExpertiseTag.objects.bulk_create(
        ExpertiseTag(content_object=u, tag=t) for u in users for t in rng.sample(tags, 3)
    )
    follows = {(a.pk, b.pk) for a in users for b in rng.sample(users, 8) if a.pk != b.pk}
    Follow.objects.bulk_create(Follow(follower_id=a, followed_id=b) for a, b in follows)
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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"viewer": viewer, "person": users[1], "community": community, "council": councils[0]}


def measure(*, fixtures: dict, samples: int) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    client = Client()
    client.force_login(fixtures["viewer"])
    community, person, council = fixtures["community"], fixtures["person"], fixtures["council"]
    pages = [
        ("home", {}, ""),
        ("profiles:people", {}, ""),
        ("profiles:people", {}, "?q=priya+shah"),
        ("profiles:profile", {"handle": person.handle}, ""),
        ("profiles:followers", {"handle": person.handle}, ""),
        ("profiles:councils", {}, ""),
        ("profiles:council", {"slug": council.slug}, ""),
        ("profiles:notifications", {}, ""),
        ("communities:index", {}, ""),
        ("communities:index", {}, "?tab=mine"),
        ("communities:index", {}, "?q=community+1&sort=members"),
        ("communities:detail", {"slug": community.slug}, ""),
        ("communities:members", {"slug": community.slug}, ""),
        ("communities:manage", {"slug": community.slug}, ""),
        ("communities:manage-members", {"slug": community.slug}, ""),
        ("communities:manage-log", {"slug": community.slug}, ""),
    ]
    rows = []
    for name, kwargs, query in pages:
        try:
            path = reverse(name, kwargs=kwargs) + query
        except NoReverseMatch:
            continue
        for _ in range(3):  # warm caches and connections
            client.get(path)
        timings = []
        for _ in range(samples):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}: HTTP {response.status_code}")
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        rows.append((path, statistics.median(timings), p95, len(queries)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/khub_bench")
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--communities", type=int, default=300)
    parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()

    _recreate_database(args.database)
    _setup_django(args.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fixtures = generate(people=args.people, communities=args.communities)
    elapsed = time.perf_counter() - started
    print(f"generated {args.people} people, {args.communities} communities in {elapsed:.0f} s")
    print("\n| Page | p50 | p95 | Queries |\n| --- | --- | --- | --- |")
    for path, p50, p95, queries in measure(fixtures=fixtures, samples=args.samples):
        print(f"| `{path}` | {p50:.1f} ms | {p95:.1f} ms | {queries} |")


if __name__ == "__main__":
    main()
