"""The home page's side column (templates/khub/home/index.html): the member's communities with how many of
their conversations have news the member has not read, and communities to join. One query each, bounded
whatever the hub holds (tests/khub/test_home.py pins them)."""

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from communities.models import Community, Membership, Post, Thread, ThreadRead, TopicTag
from communities.permissions import member_community_ids
from profiles.models import Council, User
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


def suggested_communities(viewer, limit: int = SUGGESTIONS) -> QuerySet[Community]:
    """Open communities the member has no standing in (not a member, not asked, invited, left or banned):
    first those on their interests, then those started in their council's region, then the most active.
    Only open ones: a private community never exists for an outsider, a restricted one is not for joining
    at a click. One query (the viewer's region read in it)."""
    if not (viewer.is_authenticated and viewer.is_active):
        return Community.objects.none()
    on_interest = Exists(
        TopicTag.objects.filter(content_object=OuterRef("pk"), tag_id__in=interest_tag_ids(viewer))
    )
    region = Council.objects.filter(pk=viewer.council_id).values("region")
    in_region = Exists(User.objects.filter(pk=OuterRef("created_by_id"), council__region__in=region))
    standing = Membership.objects.filter(community=OuterRef("pk"), user=viewer)
    return (
        Community.objects.filter(visibility=Community.Visibility.OPEN)
        .exclude(Exists(standing))
        .annotate(on_interest=on_interest, in_region=in_region)
        .order_by("-on_interest", "-in_region", "-last_activity_at", "-pk")
        .only("name", "slug", "description", "member_count")[:limit]
    )
