"""What facilitators do to conversations: pin, lock, hide and restore posts, move threads, decide reports.

Each starts with permissions.check_manage (404 for a private community's outsiders, 403 for others) and
writes the moderation log in the same transaction: no action without its line, no line without its action.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from communities import permissions
from communities.models import Community, ModerationLogEntry, Post, PostReport, Thread
from communities.services.conversations import lock_thread_then_post
from communities.services.log import moderation_log_write
from communities.services.notices import community_notify
from profiles.models import User

A = ModerationLogEntry.Action


def _locked_thread(thread: Thread) -> Thread:
    return Thread.objects.select_for_update(of=("self",)).select_related("community").get(pk=thread.pk)


@transaction.atomic
def thread_set_pinned(*, actor: User, thread: Thread, pinned: bool) -> Thread:
    thread = _locked_thread(thread)
    permissions.check_manage(user=actor, community=thread.community)
    if thread.pinned != pinned:
        thread.pinned = pinned
        thread.save(update_fields=["pinned"])
        moderation_log_write(
            community=thread.community, actor=actor, action=A.PINNED if pinned else A.UNPINNED, thread=thread
        )
    return thread


@transaction.atomic
def thread_set_locked(*, actor: User, thread: Thread, locked: bool, reason: str = "") -> Thread:
    thread = _locked_thread(thread)
    permissions.check_manage(user=actor, community=thread.community)
    if thread.locked != locked:
        thread.locked = locked
        thread.save(update_fields=["locked"])
        action = A.LOCKED if locked else A.UNLOCKED
        moderation_log_write(
            community=thread.community, actor=actor, action=action, thread=thread, reason=reason.strip()
        )
    return thread


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason: the author is told it, and it goes in the log."})
    return reason


def _log_post(post: Post, *, actor: User, action: str, reason: str) -> None:
    """A log line about a post: its author is the subject; the thread and post are linked from the log."""
    moderation_log_write(
        community=post.thread.community,
        actor=actor,
        action=action,
        subject=post.author,
        reason=reason,
        thread=post.thread,
        post=post,
    )


def _locked_post(post: Post) -> Post:
    # The thread first, as post_reply locks it (see conversations.lock_thread_then_post); then the post alone.
    post = lock_thread_then_post(post)
    return Post.objects.select_related("thread__community", "author").get(pk=post.pk)


def _decide_reports(post: Post, actor: User, state: str) -> int:
    return PostReport.objects.filter(post=post, state=PostReport.State.OPEN).update(
        state=state, decided_by=actor, decided_at=timezone.now()
    )


@transaction.atomic
def post_hide(*, actor: User, post: Post, reason: str) -> Post:
    """Replace the post's text with a notice for readers; the text stays for the log and the facilitators."""
    post = _locked_post(post)
    community = post.thread.community
    permissions.check_manage(user=actor, community=community)
    reason = _reason(reason)
    if not post.is_visible:
        # Hidden already, or its author deleted it: restoring it later must not undo the author's choice.
        raise ValidationError({"reason": f"This post is already {post.get_state_display().lower()}."})
    post.state, post.moderation_reason, post.moderated_by = Post.State.HIDDEN, reason, actor
    post.save(update_fields=["state", "moderation_reason", "moderated_by"])
    if not post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(reply_count=F("reply_count") - 1)
    Thread.objects.filter(pk=post.thread_id, answer=post).update(answer=None)
    _decide_reports(post, actor, PostReport.State.RESOLVED)
    _log_post(post, actor=actor, action=A.POST_HIDDEN, reason=reason)
    # After a move the author may no longer read the community: then its name must not reach them.
    if permissions.can_read(user=post.author, community=community):
        community_notify(
            recipient=post.author,
            kind="post_hidden",
            text=f"A facilitator hid your post in “{post.thread.title}”: {reason}",
            community=community,
            actor=actor,
            url=post.get_absolute_url(),
            about=post,
        )
    return post


@transaction.atomic
def post_unhide(*, actor: User, post: Post, reason: str = "") -> Post:
    post = _locked_post(post)
    community = post.thread.community
    permissions.check_manage(user=actor, community=community)
    if post.state != Post.State.HIDDEN:
        raise ValidationError({"reason": "Only a hidden post can be restored."})
    post.state, post.moderated_by = Post.State.VISIBLE, actor
    post.save(update_fields=["state", "moderated_by"])
    if not post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(reply_count=F("reply_count") + 1)
    _log_post(post, actor=actor, action=A.POST_UNHIDDEN, reason=(reason or "").strip())
    return post


@transaction.atomic
def thread_move(*, actor: User, thread: Thread, to: Community, reason: str = "") -> Thread:
    """Move a conversation to another community the actor manages. Both communities' logs say so."""
    thread = _locked_thread(thread)
    source = thread.community
    permissions.check_manage(user=actor, community=source)
    if to.pk == source.pk:
        raise ValidationError({"community": "The conversation is already in that community."})
    if not permissions.can_manage(user=actor, community=to):
        raise ValidationError({"community": "Choose a community you facilitate."})
    reason = (reason or "").strip()
    thread.community = to
    thread.save(update_fields=["community"])
    PostReport.objects.filter(post__thread=thread).update(community=to)  # its posts' reports go with it
    Community.objects.filter(pk=to.pk, last_activity_at__lt=thread.last_activity_at).update(
        last_activity_at=thread.last_activity_at
    )
    moderation_log_write(
        community=source,
        actor=actor,
        action=A.MOVED_OUT,
        reason=reason,
        thread=thread,
    )
    moderation_log_write(
        community=to,
        actor=actor,
        action=A.MOVED_IN,
        reason=reason,
        thread=thread,
    )
    if permissions.can_read(user=thread.author, community=to):
        community_notify(
            recipient=thread.author,
            kind="thread_moved",
            text=f"A facilitator moved your conversation “{thread.title}” to {to.name}",
            community=to,
            actor=actor,
            url=thread.get_absolute_url(),
        )
    return thread


@transaction.atomic
def report_dismiss(*, actor: User, report: PostReport, reason: str = "") -> PostReport:
    report = (
        PostReport.objects.select_for_update(of=("self",))
        .select_related("post__thread__community")
        .get(pk=report.pk)
    )
    post = report.post
    permissions.check_manage(user=actor, community=post.thread.community)
    if report.state != PostReport.State.OPEN:
        raise ValidationError("That report was already decided.")
    _decide_reports(post, actor, PostReport.State.DISMISSED)
    _log_post(post, actor=actor, action=A.REPORT_DISMISSED, reason=(reason or "").strip())
    report.refresh_from_db()
    return report
