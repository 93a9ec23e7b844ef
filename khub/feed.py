"""The signed-in home page's activity feed: what happened lately that the viewer may read.

Five sources, each one query of at most `limit + 1` rows older than the cursor, merged here by time:

- conversations in the viewer's communities (active memberships) and those started by people they follow
  wherever the viewer may read: one item per thread at its latest activity, "started" or "busy";
- replies by people they follow in other threads they may read ("what they did besides"), the latest per
  thread;
- practice stories published, promoted, and repeated by a council, for stories listed for the viewer whose
  home is one of their communities, whose tags match their interests or whose author they follow.

What the viewer may read is decided in SQL by communities.permissions and practice.permissions when the
page is built: a member who left or was banned stops seeing a private community's activity at once, and
no row is dropped after a query for the viewer's sake. Memberships, follows and interests only choose what
is relevant; they never grant reading. The viewer's own actions are not news to them.

A page is a keyset range on time (`before`), so its queries do not grow with the hub: five for the items,
with the people, councils and communities they name joined in (tests/khub/test_feed.py pins the count).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from communities.models import Community, Membership, Post, Thread
from communities.permissions import readable_community_ids, readable_threads, visible_communities
from practice.models import Adoption, PracticeStory, StoryTag
from practice.permissions import authored_q, listed_stories
from profiles.models import Follow, InterestTag, User

FEED_PAGE_SIZE = 20
PROMOTED = "as practice worth repeating"
CURSOR_MAX_LENGTH = 64  # an ISO 8601 timestamp with microseconds and an offset is 32 characters

# Only the columns the items show: stories and posts carry long Markdown and HTML bodies.
PERSON_NAME = ("display_name", "erased_at")  # User.public_name
PERSON_FIELDS = ("author", *(f"author__{name}" for name in PERSON_NAME))
COMMUNITY_FIELDS = ("community", "community__name", "community__slug")
THREAD_FIELDS = ("title", "last_activity_at", "reply_count", *COMMUNITY_FIELDS, *PERSON_FIELDS)
STORY_FIELDS = ("title", "slug", *COMMUNITY_FIELDS)

LABELS = {
    "thread_started": "Conversation",
    "thread_busy": "Conversation",
    "reply": "Reply",
    "story_published": "Practice",
    "story_promoted": "Practice",
    "story_repeated": "Practice",
}
# Items at the same time keep one order on every page: by kind as listed here, then newest row first.
KIND_ORDER = {kind: rank for rank, kind in enumerate(LABELS)}


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed, read as: <actor> <text> “<title>” <note>, at <when>, in <where>."""

    kind: str  # a key of LABELS
    when: datetime
    title: str
    url: str
    actor: str = ""  # a member's public name or a council's name; "" when nobody in particular
    text: str = ""  # what the actor did, read between the actor and the title
    note: str = ""  # read after the title: "has 12 replies", "as practice worth repeating"
    where: str = ""  # the community it lives in, only if the viewer may see that community
    where_url: str = ""
    pk: int = 0  # the row's id, for a stable order among items at the same time

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def sort_key(self) -> tuple:
        return (self.when, -KIND_ORDER[self.kind], self.pk)


def parse_cursor(raw: str | None) -> datetime | None:
    """The `before` query parameter as an aware UTC datetime; None (the first page) for anything else."""
    if not raw or len(raw) > CURSOR_MAX_LENGTH:
        return None
    try:
        value = parse_datetime(raw.strip())
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    except (ValueError, OverflowError):  # well-formed but impossible, or out of range once in UTC
        return None


# --- Who and where the viewer cares about: subqueries, never lists fetched first -------------------------
def _active_community_ids(viewer: User):
    return Membership.objects.filter(user=viewer, state=Membership.State.ACTIVE).values("community_id")


def _followed_ids(viewer: User):
    return Follow.objects.filter(follower=viewer).values("followed_id")


def _feed_threads(viewer: User) -> QuerySet[Thread]:
    """Threads the feed follows: readable (the permission), in the viewer's communities or started by
    someone they follow (the relevance), and still opened by a visible post: a thread whose opening post
    was hidden or deleted is not news."""
    return Thread.objects.filter(
        Q(community__in=_active_community_ids(viewer)) | Q(author__in=_followed_ids(viewer)),
        community__in=readable_community_ids(viewer),
        opening_post__state=Post.State.VISIBLE,
    )


def _older(queryset: QuerySet, field: str, before: datetime | None) -> QuerySet:
    """Rows that happened (a story never promoted has no promoted_at), before the cursor if there is one."""
    happened = queryset.filter(**{f"{field}__isnull": False})
    return happened.filter(**{f"{field}__lt": before}) if before else happened


def _community_link(community: Community) -> tuple[str, str]:
    return community.name, reverse("communities:detail", kwargs={"slug": community.slug})


# --- Conversations ------------------------------------------------------------------------------------------
def _threads(viewer: User, before: datetime | None, rows: int) -> list[FeedItem]:
    # The services set last_activity_at to the newest post's created_at in the same statement, so a post by
    # the viewer at exactly that time means the latest activity is their own: not news to them.
    own_latest = Exists(
        Post.objects.filter(thread=OuterRef("pk"), author=viewer, created_at=OuterRef("last_activity_at"))
    )
    # A story's discussion starts when the story is published: the practice item says so once. Once
    # others reply it is a busy conversation like any other.
    story_discussion = Exists(PracticeStory.objects.filter(discussion=OuterRef("pk")))
    threads = (
        _older(_feed_threads(viewer), "last_activity_at", before)
        .exclude(own_latest)
        .exclude(Q(reply_count=0) & (Q(author=viewer) | story_discussion))
        .select_related("community", "author")  # each item names its community and who started it
        .only(*THREAD_FIELDS)
        .order_by("-last_activity_at", "-pk")[:rows]
    )
    items = []
    for thread in threads:
        where, where_url = _community_link(thread.community)
        url = reverse("communities:thread", kwargs={"slug": thread.community.slug, "thread_id": thread.pk})
        common = {"when": thread.last_activity_at, "title": thread.title, "url": url, "pk": thread.pk}
        if thread.reply_count:
            replies = f"has {thread.reply_count} repl{'y' if thread.reply_count == 1 else 'ies'}"
            items.append(
                FeedItem(kind="thread_busy", note=replies, where=where, where_url=where_url, **common)
            )
        else:
            items.append(
                FeedItem(
                    kind="thread_started",
                    actor=thread.author.public_name,
                    text="started",
                    where=where,
                    where_url=where_url,
                    **common,
                )
            )
    return items


def _replies(viewer: User, before: datetime | None, rows: int) -> list[FeedItem]:
    followed_replies = Post.objects.filter(
        author__in=_followed_ids(viewer), depth__gt=0, state=Post.State.VISIBLE
    )
    # One item per thread, at its latest such reply whatever the page: a thread never shows twice.
    latest_in_thread = (
        followed_replies.filter(thread=OuterRef("thread_id")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    posts = (
        _older(followed_replies, "created_at", before)
        .filter(
            thread__in=readable_threads(viewer),
            thread__opening_post__state=Post.State.VISIBLE,
            pk=Subquery(latest_in_thread),
        )
        # Threads the conversations source shows already; that item stands for their replies.
        .exclude(thread__in=_feed_threads(viewer))
        .select_related("author", "thread__community")  # who replied, in which thread and community
        .only(
            "created_at", *PERSON_FIELDS, "thread__title", *(f"thread__{name}" for name in COMMUNITY_FIELDS)
        )
        .order_by("-created_at", "-pk")[:rows]
    )
    items = []
    for post in posts:
        thread = post.thread
        where, where_url = _community_link(thread.community)
        url = reverse(
            "communities:post",
            kwargs={"slug": thread.community.slug, "thread_id": thread.pk, "post_id": post.pk},
        )
        items.append(
            FeedItem(
                kind="reply",
                when=post.created_at,
                title=thread.title,
                url=url,
                actor=post.author.public_name,
                text="replied in",
                where=where,
                where_url=where_url,
                pk=post.pk,
            )
        )
    return items


# --- Practice -----------------------------------------------------------------------------------------------
def _stories(viewer: User) -> QuerySet[PracticeStory]:
    """Listed stories (the permission) from the viewer's communities, on their interests or by people they
    follow (the relevance)."""
    interests = InterestTag.objects.filter(content_object=viewer).values("tag_id")
    on_interest = Exists(StoryTag.objects.filter(content_object=OuterRef("pk"), tag_id__in=interests))
    return listed_stories(viewer).filter(
        Q(community__in=_active_community_ids(viewer)) | on_interest | Q(author__in=_followed_ids(viewer))
    )


def _home_visible(viewer: User, field: str = "community_id") -> Exists:
    # A story may be readable where its home is not (a public story from a private community): the item
    # then names no community.
    return Exists(visible_communities(viewer).filter(pk=OuterRef(field)))


def _story_item(story: PracticeStory, **fields) -> FeedItem:
    where, where_url = _community_link(story.community) if story.home_visible else ("", "")
    url = reverse("practice:detail", kwargs={"slug": story.slug})
    return FeedItem(title=story.title, url=url, where=where, where_url=where_url, **fields)


def _published(viewer: User, before: datetime | None, rows: int) -> list[FeedItem]:
    stories = (
        _older(_stories(viewer), "published_at", before)
        .exclude(authored_q(viewer))
        .annotate(home_visible=_home_visible(viewer))
        .select_related("author", "community")
        .only("published_at", *STORY_FIELDS, *PERSON_FIELDS)
        .order_by("-published_at", "-pk")[:rows]
    )
    return [
        _story_item(
            story,
            kind="story_published",
            when=story.published_at,
            actor=story.author.public_name,
            text="published",
            pk=story.pk,
        )
        for story in stories
    ]


def _promoted(viewer: User, before: datetime | None, rows: int) -> list[FeedItem]:
    stories = (
        _older(_stories(viewer), "promoted_at", before)
        .exclude(promoted_by=viewer)
        .annotate(home_visible=_home_visible(viewer))
        .select_related("promoted_by", "community")
        .only("promoted_at", *STORY_FIELDS, "promoted_by", *(f"promoted_by__{name}" for name in PERSON_NAME))
        .order_by("-promoted_at", "-pk")[:rows]
    )
    items = []
    for story in stories:
        # The facilitator who promoted it may have left the hub since (the link is then empty).
        if story.promoted_by:
            said = {"actor": story.promoted_by.public_name, "text": "promoted", "note": PROMOTED}
        else:
            said = {"note": f"was promoted {PROMOTED}"}
        items.append(_story_item(story, kind="story_promoted", when=story.promoted_at, pk=story.pk, **said))
    return items


def _repeated(viewer: User, before: datetime | None, rows: int) -> list[FeedItem]:
    adoptions = (
        _older(Adoption.objects.filter(story__in=_stories(viewer)), "created_at", before)
        .exclude(recorded_by=viewer)
        .annotate(home_visible=_home_visible(viewer, "story__community_id"))
        .select_related("council", "story__community")
        .only("created_at", "council__name", *(f"story__{name}" for name in STORY_FIELDS))
        .order_by("-created_at", "-pk")[:rows]
    )
    items = []
    for adoption in adoptions:
        story = adoption.story
        story.home_visible = adoption.home_visible
        items.append(
            _story_item(
                story,
                kind="story_repeated",
                when=adoption.created_at,
                actor=adoption.council.name,
                text="repeated",
                pk=adoption.pk,
            )
        )
    return items


SOURCES = (_threads, _replies, _published, _promoted, _repeated)


def activity_feed(
    *, viewer: User, before: datetime | None = None, limit: int = FEED_PAGE_SIZE
) -> tuple[list[FeedItem], datetime | None]:
    """One page of the viewer's feed, newest first, strictly older than `before`; and the cursor of the
    next (older) page, or None on the last one."""
    if not (viewer.is_authenticated and viewer.is_active):
        return [], None
    # Any one source holds at most `limit` of the page: limit + 1 rows each say whether more follow.
    merged = sorted(
        (item for source in SOURCES for item in source(viewer, before, limit + 1)),
        key=FeedItem.sort_key,
        reverse=True,
    )
    if len(merged) <= limit:
        return merged, None
    # The cursor is a time: items at the time of the first one left over go to the next page together,
    # unless the whole page is that one instant (then the page shows as many of them as it holds).
    cut = limit
    while cut and merged[cut - 1].when == merged[limit].when:
        cut -= 1
    page = merged[:cut] or merged[:limit]
    return page, page[-1].when
