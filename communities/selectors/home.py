"""The home page's side column (templates/khub/home/index.html): the member's communities with how many of
their conversations have news the member has not read, and communities to join. One query each, bounded
whatever the hub holds (tests/khub/test_home.py pins them)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from communities.models import Community, Membership, Post, Thread, ThreadRead, TopicTag
from communities.permissions import member_community_ids
from core.providers.feed import id_list
from profiles.models import Council, Dismissal, User
from profiles.selectors import interest_tag_ids

SHOWN_COMMUNITIES = 10  # of the member's communities, the most recently active
UNREAD_CAP = 9  # counts above it read "9+"
UNREAD_WINDOW = 50  # of each community's conversations, those its list shows first are counted
SUGGESTIONS = 3


@dataclass(frozen=True)
class YourCommunity:
    name: str
    slug: str
    unread: int  # at most UNREAD_CAP + 1

    @property
    def unread_label(self) -> str:
        return f"{UNREAD_CAP}+" if self.unread > UNREAD_CAP else str(self.unread)


@cache
def _your_communities_statement() -> str:
    # A conversation is unread when its latest activity came after the member last read it, or (never read)
    # after they joined. Each community looks at its first UNREAD_WINDOW conversations in its list's order
    # (the communities_thread_list index: pinned, then latest activity) and stops counting past the cap: at
    # most UNREAD_WINDOW index entries and read look-ups (the unique (user, thread) index) a community,
    # SHOWN_COMMUNITIES communities. Plain SQL that PostgreSQL and SQLite both run.
    thread, read, post = Thread._meta.db_table, ThreadRead._meta.db_table, Post._meta.db_table
    return f"""
        SELECT c.name, c.slug, (
            SELECT COUNT(*) FROM (
                SELECT 1 FROM (
                    SELECT t.id, t.last_activity_at, t.opening_post_id FROM "{thread}" t
                    WHERE t.community_id = c.id
                    ORDER BY t.pinned DESC, t.last_activity_at DESC
                    LIMIT {UNREAD_WINDOW}) t
                JOIN "{post}" o ON o.id = t.opening_post_id AND o.state = '{Post.State.VISIBLE}'
                LEFT JOIN "{read}" r ON r.thread_id = t.id AND r.user_id = %s
                WHERE t.last_activity_at > COALESCE(r.last_read_at, m.joined_at, m.created_at)
                LIMIT {UNREAD_CAP + 1}) unread)
        FROM "{Membership._meta.db_table}" m
        JOIN "{Community._meta.db_table}" c ON c.id = m.community_id
        WHERE m.user_id = %s AND m.state = '{Membership.State.ACTIVE}'
        ORDER BY c.last_activity_at DESC, c.id DESC
        LIMIT {SHOWN_COMMUNITIES + 1}"""  # noqa: S608 (names from the models; values are parameters)


def your_communities(viewer) -> tuple[list[YourCommunity], bool]:
    """The member's communities (an active membership: they may read every one), the most recently active
    first, each with its count of unread conversations; and whether they have more than these."""
    if not (viewer.is_authenticated and viewer.is_active):
        return [], False
    if member_community_ids(viewer) == []:  # read with their user row: in none, nothing to ask
        return [], False
    with connection.cursor() as cursor:
        cursor.execute(_your_communities_statement(), [viewer.pk, viewer.pk])
        rows = cursor.fetchall()
    shown = [YourCommunity(name=name, slug=slug, unread=unread) for name, slug, unread in rows]
    return shown[:SHOWN_COMMUNITIES], len(shown) > SHOWN_COMMUNITIES


@dataclass(frozen=True)
class Suggestion:
    id: int
    name: str
    slug: str
    description: str
    member_count: int
    reason: str = ""  # in words: "on your interest: housing", "started in your region", "active this week"


ACTIVE_LATELY = timedelta(days=7)  # "active this week"


def _reason(interest: str | None, in_region: int, last_activity_at) -> str:
    if interest:
        return f"on your interest: {interest}"
    if in_region:
        return "started in your region"
    if last_activity_at and timezone.now() - _aware(last_activity_at) <= ACTIVE_LATELY:
        return "active this week"
    return "open to join"


def _aware(moment):
    # SQLite's raw cursor gives text or a naive datetime (UTC); PostgreSQL an aware one.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


SUGGESTION_WINDOW = 200  # the most recently active open communities looked at, and ...
SUGGESTION_INTEREST_WINDOW = 50  # ... the most recently active of those on the member's interests


@cache
def _suggestions_statement(interests: int) -> str:
    # Candidates: the open communities the member has no standing in (not a member, not asked, invited, left
    # or banned), the SUGGESTION_WINDOW most recently active (the communities_visibil index, walked newest
    # first) and the most recently active on their interests (the topic tags' tag index); then ranked on
    # interests, on having been started in the member's council's region, and on activity. A fixed number
    # of index probes a candidate, whatever the hub holds; written for the number of interests (an IN list:
    # PostgreSQL and SQLite both run it).
    community, membership = Community._meta.db_table, Membership._meta.db_table
    topic, user, council = TopicTag._meta.db_table, User._meta.db_table, Council._meta.db_table
    tag, dismissal = TopicTag.tag.field.related_model._meta.db_table, Dismissal._meta.db_table
    # Names from the models and placeholders; every value is a parameter.
    placeholders = ", ".join(f"%(interest{i})s" for i in range(interests))
    on_interest = (
        f'EXISTS (SELECT 1 FROM "{topic}" t WHERE t.content_object_id = c.id AND t.tag_id IN ({placeholders}))'  # noqa: S608, E501
        if interests
        else "1 = 0"
    )
    interest_name = (
        f"""(SELECT g.name FROM "{topic}" t JOIN "{tag}" g ON g.id = t.tag_id
            WHERE t.content_object_id = c.id AND t.tag_id IN ({placeholders}) ORDER BY g.name LIMIT 1)"""  # noqa: S608
        if interests
        else "NULL"
    )
    # Not those the member dismissed (the profiles_dismissal_once index: user, kind, object id).
    open_unknown = f"""c.visibility = '{Community.Visibility.OPEN}' AND NOT EXISTS (
        SELECT 1 FROM "{membership}" m WHERE m.community_id = c.id AND m.user_id = %(viewer)s)
        AND NOT EXISTS (SELECT 1 FROM "{dismissal}" d WHERE d.user_id = %(viewer)s
            AND d.kind = '{Dismissal.Kind.COMMUNITY}' AND d.object_id = c.id)"""  # noqa: S608
    order = "ORDER BY c.last_activity_at DESC, c.id DESC"
    columns = "c.id, c.name, c.slug, c.description, c.member_count, c.last_activity_at, c.created_by_id"
    # The region compared row by row through the starter's primary key (an EXISTS would have PostgreSQL
    # hash every member of the region).
    in_region = f"""CASE WHEN k.region = (SELECT region FROM "{council}" WHERE id = %(council)s)
                THEN 1 ELSE 0 END"""  # noqa: S608
    return f"""
        SELECT c.id, c.name, c.slug, c.description, c.member_count,
            {interest_name}, {in_region}, c.last_activity_at FROM (
            SELECT * FROM (SELECT {columns} FROM "{community}" c WHERE {open_unknown} {order}
                LIMIT {SUGGESTION_WINDOW}) recent
            UNION
            SELECT * FROM (SELECT {columns} FROM "{community}" c
                WHERE {open_unknown} AND {on_interest} {order}
                LIMIT {SUGGESTION_INTEREST_WINDOW}) liked) c
        LEFT JOIN "{user}" u ON u.id = c.created_by_id
        LEFT JOIN "{council}" k ON k.id = u.council_id
        ORDER BY {on_interest} DESC, {in_region} DESC, c.last_activity_at DESC, c.id DESC
        LIMIT %(limit)s"""  # noqa: S608 (names from the models; values are parameters)


def suggested_communities(viewer, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """Open communities to join: first those on the member's interests, then those started in their
    council's region, then the most active; among the most recently active (a suggestion is somewhere
    alive). Only open ones: a private community never exists for an outsider, a restricted one is not for
    joining at a click. One statement (the viewer's interests read with their user row), its answer kept
    settings.SUGGESTIONS_KEPT_SECONDS for the member: twice as many as shown, less those they have joined
    since (their communities are read with their user row), so joining one takes it off at once. Never one
    they dismissed (profiles.models.Dismissal: dismissing forgets the kept answer). Each with its reason."""
    if not (viewer.is_authenticated and viewer.is_active):
        return []
    key, seconds = f"home:suggestions:{viewer.pk}:{limit}", settings.SUGGESTIONS_KEPT_SECONDS
    kept = caches["default"].get(key) if seconds else None
    if kept is None:
        fresh = _suggestions(viewer, limit * 2 if seconds else limit)
        if seconds:
            caches["default"].set(key, fresh, seconds)
        return fresh[:limit]
    joined = member_community_ids(viewer)
    if not isinstance(joined, list):  # a user row read without its communities: a subquery of them
        joined = joined.values_list("community_id", flat=True)
    joined = set(joined)
    return [suggestion for suggestion in kept if suggestion.id not in joined][:limit]


def _suggestions(viewer, limit: int) -> list[Suggestion]:
    interests = id_list(interest_tag_ids(viewer))
    params = {"viewer": viewer.pk, "council": viewer.council_id, "limit": limit}
    params.update({f"interest{i}": tag_id for i, tag_id in enumerate(interests)})
    with connection.cursor() as cursor:
        cursor.execute(_suggestions_statement(len(interests)), params)
        return [
            Suggestion(*row[:5], reason=_reason(interest, in_region, active))
            for *row, interest, in_region, active in cursor.fetchall()
        ]


def suggestions_forget(*, user_id: int) -> None:
    """The member's kept suggestions are worked out afresh on their next visit (a dismissal)."""
    caches["default"].delete(f"home:suggestions:{user_id}:{SUGGESTIONS}")
