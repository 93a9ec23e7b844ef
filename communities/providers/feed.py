"""Conversations in the activity feed: new threads and replies the viewer may list (core.providers.feed)."""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from communities.models import Community, Post, Thread
from communities.permissions import listed_threads_q, member_community_ids
from core.providers.feed import FeedItem, FeedSource, older
from profiles.selectors import PUBLIC_NAME_FIELDS, followed_ids


def active_community_ids(viewer):
    """The communities the viewer takes part in (ids, or a subquery of them): the feed's relevance."""
    return member_community_ids(viewer)


def community_link(community: Community) -> tuple[str, str]:
    return community.name, community.get_absolute_url()


# Only the columns the items show: posts carry long Markdown and HTML bodies.
COMMUNITY_FIELDS = ("community", "community__name", "community__slug")
AUTHOR_FIELDS = ("author", *(f"author__{name}" for name in PUBLIC_NAME_FIELDS))
THREAD_FIELDS = ("title", "last_activity_at", "reply_count", *COMMUNITY_FIELDS, *AUTHOR_FIELDS)


def _relevant_q(viewer, prefix: str = "") -> Q:
    """Threads in the viewer's communities or started by someone they follow (on Thread, or through a
    relation with `prefix`): what the feed finds relevant, never what lets one read."""
    return Q(**{f"{prefix}community__in": active_community_ids(viewer)}) | Q(
        **{f"{prefix}author__in": followed_ids(viewer)}
    )


def _feed_threads(viewer) -> QuerySet[Thread]:
    """Threads the feed follows: listed for the viewer (the permission) and relevant to them."""
    return Thread.objects.filter(_relevant_q(viewer), listed_threads_q(viewer))


def _threads(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """One item per conversation at its latest activity: "started", or "busy" once it has replies."""
    # The services set last_activity_at to the newest post's created_at in the same statement, so a post by
    # the viewer at exactly that time means the latest activity is their own: not news to them.
    own_latest = Exists(
        Post.objects.filter(thread=OuterRef("pk"), author=viewer, created_at=OuterRef("last_activity_at"))
    )
    # A story's discussion starts when the story is published: the practice item says so once. Once
    # others reply it is a busy conversation like any other.
    threads = (
        older(_feed_threads(viewer), "last_activity_at", before)
        .exclude(own_latest)
        .exclude(Q(reply_count=0) & (Q(author=viewer) | Q(story__isnull=False)))
        .select_related("community", "author")  # each item names its community and who started it
        .only(*THREAD_FIELDS)
        .order_by("-last_activity_at", "-pk")[:rows]
    )
    items = []
    for thread in threads:
        where, where_url = community_link(thread.community)
        common = {
            "when": thread.last_activity_at,
            "title": thread.title,
            "url": thread.get_absolute_url(),
            "pk": thread.pk,
            "where": where,
            "where_url": where_url,
        }
        if thread.reply_count:
            replies = f"has {thread.reply_count} repl{'y' if thread.reply_count == 1 else 'ies'}"
            items.append(FeedItem(kind="thread_busy", note=replies, **common))
        else:
            actor = thread.author.public_name
            items.append(FeedItem(kind="thread_started", actor=actor, text="started", **common))
    return items


def _replies(viewer, before: datetime | None, rows: int) -> list[FeedItem]:
    """Replies by people the viewer follows in other conversations they may read, the latest per thread."""
    followed_replies = Post.objects.filter(
        author__in=followed_ids(viewer), depth__gt=0, state=Post.State.VISIBLE
    )
    # One item per thread, at its latest such reply whatever the page: a thread never shows twice.
    latest_in_thread = (
        followed_replies.filter(thread=OuterRef("thread_id")).order_by("-created_at", "-pk").values("pk")[:1]
    )
    posts = (
        older(followed_replies, "created_at", before)
        .filter(listed_threads_q(viewer, "thread__"), pk=Subquery(latest_in_thread))
        # Threads the conversations source shows already (the replies are listed: so are those threads);
        # that item stands for their replies. A condition on the joined thread, not a list of all of them.
        .exclude(_relevant_q(viewer, "thread__"))
        .select_related("author", "thread__community")  # who replied, in which thread and community
        .only(
            "created_at", *AUTHOR_FIELDS, "thread__title", *(f"thread__{name}" for name in COMMUNITY_FIELDS)
        )
        .order_by("-created_at", "-pk")[:rows]
    )
    items = []
    for post in posts:
        where, where_url = community_link(post.thread.community)
        items.append(
            FeedItem(
                kind="reply",
                when=post.created_at,
                title=post.thread.title,
                url=post.get_absolute_url(),
                actor=post.author.public_name,
                text="replied in",
                where=where,
                where_url=where_url,
                pk=post.pk,
            )
        )
    return items


THREADS_IN_FEED = FeedSource(
    items=_threads, labels={"thread_started": "Conversation", "thread_busy": "Conversation"}
)
REPLIES_IN_FEED = FeedSource(items=_replies, labels={"reply": "Reply"})
