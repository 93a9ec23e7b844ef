"""Reads for conversations, each filtered through communities.permissions by the caller or by itself.

A page of a thread is a keyset range on (thread, path): the same few queries whether the thread holds ten
posts or ten thousand (tests/communities/test_conversation_pages.py pins them).
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from communities import permissions
from communities.models import Community, Post, PostReaction, PostReport, Thread, ThreadWatch
from profiles.models import User

REPLIES_PAGE_SIZE = 50


def threads_for_community(*, community: Community, unanswered: bool = False) -> QuerySet[Thread]:
    """The community's conversations, pinned first, then latest activity. The caller checked can_read."""
    threads = (
        Thread.objects.filter(community=community)
        .select_related("author")  # each row names who started it
        .prefetch_related("tags")  # and shows its tags
        .order_by("-pinned", "-last_activity_at", "-pk")
    )
    if unanswered:
        threads = threads.filter(kind=Thread.Kind.QUESTION, answer__isnull=True)
    return threads


def recent_threads(*, community: Community, limit: int = 5) -> list[Thread]:
    """The community page's "Recent conversations": latest activity first."""
    return list(
        Thread.objects.filter(community=community)
        .select_related("author")
        .order_by("-last_activity_at", "-pk")[:limit]
    )


def thread_for_page(*, thread_id: int) -> Thread | None:
    # The page shows the community, the opening post with its author and council, and the chosen answer.
    return (
        Thread.objects.select_related(
            "community", "author", "opening_post__author__council", "answer__author"
        )
        .prefetch_related("tags")
        .filter(pk=thread_id)
        .order_by("pk")  # one row: not Thread's default ordering, three more terms to compile and sort
        .first()
    )


def post_in_thread(*, thread: Thread, post_id: int) -> Post | None:
    post = Post.objects.select_related("author__council").filter(thread=thread, pk=post_id).first()
    if post is not None:
        post.thread = thread
    return post


# What a page of replies draws (communities/conversations/_post.html): no Markdown source, and of the
# authors (and the authors of the posts replied to) only their names, handles, photos, job titles and
# councils' names.
REPLY_FIELDS = (
    "thread_id", "author_id", "parent_id", "path", "depth", "body_html", "state", "moderation_reason",
    "created_at", "edited_at", "helpful_count",
    "author__display_name", "author__handle", "author__erased_at", "author__avatar", "author__job_title",
    "author__council__name",
    "parent__author_id", "parent__author__display_name", "parent__author__erased_at",
)  # fmt: skip


@dataclass
class RepliesPage:
    posts: list[Post]
    previous_before: str | None  # ?before= for the previous page, if there is one
    next_after: str | None  # ?after= for the next page, if there is one


def replies_page(
    *, thread: Thread, after: str = "", before: str = "", size: int = REPLIES_PAGE_SIZE
) -> RepliesPage:
    """One page of replies in reading order, starting after the path `after` (or ending before `before`)."""
    replies = (
        Post.objects.filter(thread=thread, depth__gt=0)
        # Each reply shows its author and council; deep ones name the post they reply to.
        .select_related("author__council", "parent__author")
        .only(*REPLY_FIELDS)
    )
    if before:
        rows = list(replies.filter(path__lt=before).order_by("-path")[: size + 1])
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        page = RepliesPage(rows, rows[0].path if more_before else None, rows[-1].path if rows else None)
    else:
        if after:
            replies = replies.filter(path__gt=after)
        rows = list(replies.order_by("path")[: size + 1])
        more_after = len(rows) > size
        rows = rows[:size]
        page = RepliesPage(
            rows, rows[0].path if after and rows else None, rows[-1].path if more_after else None
        )
    for post in page.posts:
        post.thread = thread
    return page


def helpful_post_ids(*, viewer: User, posts: list[Post]) -> set[int]:
    if not viewer.is_authenticated or not posts:
        return set()
    ids = [post.pk for post in posts]
    return set(PostReaction.objects.filter(user=viewer, post_id__in=ids).values_list("post_id", flat=True))


def watch_state(*, viewer: User, thread: Thread) -> str:
    if not viewer.is_authenticated:
        return ""
    return (
        ThreadWatch.objects.filter(thread=thread, user=viewer).values_list("state", flat=True).first() or ""
    )


def open_reports(*, community: Community) -> QuerySet[PostReport]:
    # Each report shows the post (its author, text and thread) and who reported it.
    return (
        PostReport.objects.filter(state=PostReport.State.OPEN, community=community)
        .select_related("post__author", "post__thread", "reporter")
        .order_by("-created_at", "-pk")
    )


def open_report_count(*, community: Community) -> int:
    return PostReport.objects.filter(state=PostReport.State.OPEN, community=community).count()


def post_revisions(*, post: Post):
    return post.revisions.select_related("edited_by").order_by("-created_at", "-pk")


def move_targets(*, viewer: User, thread: Thread) -> QuerySet[Community]:
    return permissions.managed_communities(viewer).exclude(pk=thread.community_id).order_by("name")


def posts_by(*, viewer: User, person: User, limit: int) -> list[Post]:
    """The person's newest visible posts in threads the viewer may read, for their profile."""
    return list(
        Post.objects.filter(
            author=person,
            state=Post.State.VISIBLE,
            thread__community__in=permissions.readable_community_ids(viewer),
        )
        .select_related("thread__community")
        .order_by("-created_at", "-pk")[:limit]
    )
