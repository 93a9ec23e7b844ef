"""Every write to conversations: threads, replies, edits, reactions, answers, watching and reports.

A reply locks its thread's row first: the path sequence, the reply count and the last activity are read and
bumped one writer at a time, so two replies posted at once are both saved with distinct paths and the count
is right. Watchers, mentioned members and the author replied to are told by a Celery task after commit; the
post is a row before any task runs, and a periodic sweep (tasks.notify_unsent_posts) tells anyone a lost
task did not.
"""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from communities import permissions
from communities.models import (
    PATH_MAX_DEPTH,
    PATH_STEP,
    POST_BODY_MAX_LENGTH,
    Community,
    HubSettings,
    Membership,
    Post,
    PostReaction,
    PostReport,
    PostRevision,
    Thread,
    ThreadRead,
    ThreadWatch,
)
from communities.services.communities import clean_labels, clean_title
from core.markdown import markdown_render_with_mentions, mentioned_handles
from profiles.models import User
from profiles.permissions import on_the_hub
from profiles.services import notifications_send_many, tags_resolve

logger = logging.getLogger(__name__)

BODY_MAX_LENGTH = POST_BODY_MAX_LENGTH
TITLE_MAX_LENGTH = Thread._meta.get_field("title").max_length
MAX_TAGS = 10
MAX_MENTIONS = 20
W = ThreadWatch.State


# --- Validation ---------------------------------------------------------------------------------------
def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Enter your message."})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {"body": f"Your message must be {BODY_MAX_LENGTH:,} characters or fewer. It has {len(body):,}."}
        )
    if len(mentioned_handles(body)) > MAX_MENTIONS:  # each mention tells someone: no mass notices
        raise ValidationError({"body": f"You can mention up to {MAX_MENTIONS} people in one post."})
    return body


def _clean_tags(tags: list[str] | None) -> list[str]:
    return clean_labels(tags, field="tags", noun="tag", most=MAX_TAGS)


def _check_rate(author: User) -> None:
    """At most HubSettings.posts_per_minute posts (threads and replies) in any 60 seconds. Counted in the
    database, so the limit holds with Redis down and across every web process."""
    if author.is_staff:
        return
    limit = HubSettings.load().posts_per_minute
    recent = Post.objects.filter(author=author, created_at__gte=timezone.now() - timedelta(seconds=60))
    if recent.count() >= limit:
        raise ValidationError(
            {
                "body": f"You can post {limit} time{pluralize(limit)} a minute. Wait a minute and post "
                "again: your message has not been sent, and it is still here."
            }
        )


def _resolve_mentions(handles: set[str]) -> dict[str, str]:
    """Profile URLs of the members with these handles: one query. Links only; who is told is decided later."""
    people = User.objects.filter(on_the_hub(), handle__in=handles)
    return {
        handle: reverse("profiles:profile", args=[handle])
        for handle in people.values_list("handle", flat=True)
    }


def _render(body: str) -> str:
    return markdown_render_with_mentions(body, _resolve_mentions)


# --- Threads and replies ------------------------------------------------------------------------------
def _segment(sequence: int) -> str:
    return f"{sequence:0{PATH_STEP}d}"


def _touch(thread: Thread, now) -> None:
    Community.objects.filter(pk=thread.community_id).update(last_activity_at=now)


def _watch(user: User, thread: Thread) -> None:
    """Starting or replying watches a thread, unless the member muted it."""
    ThreadWatch.objects.get_or_create(thread=thread, user=user, defaults={"state": W.WATCHING})


def thread_mark_read(*, user: User, thread: Thread, at=None) -> None:
    """The member has read the thread up to now (or `at`, when they wrote in it then). One statement in
    autocommit (no BEGIN and COMMIT around it), and a write only when it tells something new: a mark never
    moves back, and opening a thread with nothing new since the last read changes no row (so its commit
    does not wait for the disk). `thread.last_activity_at` is the thread's as the page read it."""
    read = ThreadRead._meta.db_table
    moment = at or timezone.now()
    # Moving forward to `moment` is news only if something happened after the last read: the member's own
    # post at `at`, or the thread's latest activity.
    news = at or thread.last_activity_at
    # The NOT EXISTS comes first: PostgreSQL's ON CONFLICT DO UPDATE locks the row it finds even when its
    # WHERE then refuses the update, and a lock is a write (WAL, and a commit that waits for the disk).
    # SQLite needs the SELECT's WHERE too, to read ON CONFLICT as the upsert's.
    moment, news = map(connection.ops.adapt_datetimefield_value, (moment, news))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO "{read}" (user_id, thread_id, last_read_at) SELECT %s, %s, %s
            WHERE NOT EXISTS (SELECT 1 FROM "{read}" r WHERE r.user_id = %s AND r.thread_id = %s
                AND (r.last_read_at >= %s OR r.last_read_at >= %s))
            ON CONFLICT (user_id, thread_id) DO UPDATE SET last_read_at = EXCLUDED.last_read_at
            WHERE "{read}".last_read_at < %s AND "{read}".last_read_at < EXCLUDED.last_read_at""",  # noqa: S608
            [user.pk, thread.pk, moment, user.pk, thread.pk, news, moment, news],
        )


def _queue_notify(post: Post) -> None:
    def enqueue() -> None:
        from communities.tasks import notify_post

        try:
            notify_post.delay(post_id=post.pk)
        except Exception:  # the broker is down: the sweep will tell them, the post is saved
            logger.warning("Could not queue the notices for post %s; the sweep will send them.", post.pk)

    transaction.on_commit(enqueue)


@transaction.atomic
def thread_create(
    *,
    author: User,
    community: Community,
    title: str,
    body: str,
    kind: str = Thread.Kind.DISCUSSION,
    tags: list[str] | None = None,
) -> Thread:
    permissions.check_participate(user=author, community=community)
    title, body, tags = clean_title(title, most=TITLE_MAX_LENGTH), _clean_body(body), _clean_tags(tags)
    if kind not in Thread.Kind.values:
        raise ValidationError({"kind": "Choose a discussion or a question."})
    _check_rate(author)
    now = timezone.now()
    thread = Thread.objects.create(
        community=community,
        title=title,
        kind=kind,
        author=author,
        created_at=now,
        last_activity_at=now,
        post_sequence=1,
    )
    post = Post.objects.create(
        thread=thread,
        author=author,
        path=_segment(1),
        depth=0,
        body=body,
        body_html=_render(body),
        created_at=now,
    )
    thread.opening_post = post
    thread.save(update_fields=["opening_post"])
    thread.tags.set(tags_resolve(tags))
    _watch(author, thread)
    _touch(thread, now)
    thread_mark_read(user=author, thread=thread, at=now)  # their own post is not news to them
    _queue_notify(post)
    return thread


@transaction.atomic
def post_reply(*, author: User, thread: Thread, body: str, parent: Post | None = None) -> Post:
    # The lock makes replies to one thread queue: each reads the sequence and counts the previous one left.
    locked = Thread.objects.select_for_update(of=("self",)).select_related("community").get(pk=thread.pk)
    community = locked.community
    permissions.check_participate(user=author, community=community)
    if not permissions.can_reply(user=author, thread=locked):
        raise ValidationError({"body": "This conversation is locked: nobody can reply to it now."})
    # Read afresh under a lock: a facilitator hiding the parent meanwhile is seen, not raced.
    parent = Post.objects.select_for_update().get(
        pk=parent.pk if parent is not None else locked.opening_post_id
    )
    if parent.thread_id != locked.pk:
        raise ValidationError({"parent": "You can only reply to a post in this conversation."})
    if not parent.is_visible and not parent.is_opening:  # a removed opening post still holds the replies
        raise ValidationError({"parent": "That post was removed. Reply to the conversation instead."})
    body = _clean_body(body)
    _check_rate(author)
    now = timezone.now()
    sequence = locked.post_sequence + 1
    if sequence >= 10**PATH_STEP:  # the path's segments have PATH_STEP digits
        raise ValidationError({"body": "This conversation is full. Start a new one and link to it."})
    # Past the deepest level a reply is filed beside its parent; it still names the post it replies to.
    base = parent.path if parent.depth + 1 < PATH_MAX_DEPTH else parent.path[:-PATH_STEP]
    post = Post.objects.create(
        thread=locked,
        author=author,
        parent=parent,
        path=base + _segment(sequence),
        depth=len(base) // PATH_STEP,
        body=body,
        body_html=_render(body),
        created_at=now,
    )
    Thread.objects.filter(pk=locked.pk).update(
        post_sequence=sequence, reply_count=F("reply_count") + 1, last_activity_at=now
    )
    _touch(locked, now)
    _watch(author, locked)
    thread_mark_read(user=author, thread=locked, at=now)  # their own reply is not news to them
    _queue_notify(post)
    post.thread = locked
    return post


def _locked_post(post: Post) -> Post:
    """The post's row, locked alone (of=self: not the thread or community it is read with)."""
    return Post.objects.select_for_update(of=("self",)).select_related("thread__community").get(pk=post.pk)


def lock_thread_then_post(post: Post) -> Post:
    """Writes that change a post and its thread's counts lock the thread first, then the post: the order
    post_reply takes, so a reply and a delete or hide of its parent queue instead of deadlocking."""
    list(
        Thread.objects.select_for_update(of=("self",)).filter(pk=post.thread_id).values_list("pk", flat=True)
    )
    return _locked_post(post)


@transaction.atomic
def post_edit(*, actor: User, post: Post, body: str) -> Post:
    post = _locked_post(post)
    permissions.check_thread_read(user=actor, thread=post.thread)
    if not permissions.can_edit_post(user=actor, post=post):
        raise PermissionDenied("You can only edit your own posts while the conversation is open.")
    body = _clean_body(body)
    if body == post.body:
        return post
    # Everyone the post ever mentioned was told once: removing and re-adding a mention tells nobody again.
    before = mentioned_handles(post.body).union(
        *(mentioned_handles(old) for old in post.revisions.values_list("body", flat=True))
    )
    PostRevision.objects.create(post=post, body=post.body, edited_by=actor)
    post.body, post.body_html, post.edited_at = body, _render(body), timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    newly = mentioned_handles(body) - before
    # Before the post's own notices went out (notified_at), post_notify will read this text and tell them:
    # telling them here too would tell them twice. The row lock above orders this with post_notify's claim.
    if newly and post.notified_at is not None:
        transaction.on_commit(lambda: _notify_mentions(post, newly))
    return post


def _count_change(post: Post, delta: int) -> None:
    if not post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(reply_count=F("reply_count") + delta)


def _clear_answer(post: Post) -> None:
    Thread.objects.filter(pk=post.thread_id, answer=post).update(answer=None)


@transaction.atomic
def post_delete(*, actor: User, post: Post) -> Post:
    """The author takes their post down: readers see a notice; the text stays for the moderation log."""
    post = lock_thread_then_post(post)
    permissions.check_thread_read(user=actor, thread=post.thread)
    if not permissions.can_delete_post(user=actor, post=post):
        raise PermissionDenied("You can only delete your own posts.")
    post.state = Post.State.DELETED
    post.save(update_fields=["state"])
    _count_change(post, -1)
    _clear_answer(post)
    return post


@transaction.atomic
def post_helpful_toggle(*, user: User, post: Post) -> bool:
    """Mark the post helpful, or take that back. Returns whether the user now finds it helpful."""
    post = _locked_post(post)  # one toggle at a time per post: the count follows the rows
    permissions.check_participate(user=user, community=post.thread.community)
    if not permissions.can_react(user=user, post=post):
        raise ValidationError("You cannot mark your own post, or a removed one, as helpful.")
    deleted, _ = PostReaction.objects.filter(post=post, user=user).delete()
    if deleted:
        Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") - 1)
        return False
    PostReaction.objects.create(post=post, user=user)
    Post.objects.filter(pk=post.pk).update(helpful_count=F("helpful_count") + 1)
    return True


@transaction.atomic
def thread_mark_answer(*, actor: User, thread: Thread, post: Post | None) -> Thread:
    """Mark a reply as the answer to a question (None: unmark). The asker or a facilitator."""
    thread = Thread.objects.select_for_update(of=("self",)).select_related("community").get(pk=thread.pk)
    permissions.check_thread_read(user=actor, thread=thread)
    if not thread.is_question:
        raise ValidationError("Only a question has an answer to mark.")
    if not permissions.can_mark_answer(user=actor, thread=thread):
        raise PermissionDenied("Only the person who asked, or a facilitator, can choose the answer.")
    if post is not None:
        post = (
            Post.objects.select_for_update(of=("self",)).select_related("author").get(pk=post.pk)
        )  # as it is now
    if post is not None and (post.thread_id != thread.pk or post.is_opening or not post.is_visible):
        raise ValidationError("Choose a reply in this conversation that has not been removed.")
    thread.answer = post
    thread.save(update_fields=["answer"])
    if post is not None:
        post.thread = thread
        _notify_one(
            recipient=post.author,
            kind="answer",
            text=f"{actor.public_name} marked your reply as the answer to “{thread.title}”",
            post=post,
            actor=actor,
        )
    return thread


@transaction.atomic
def thread_watch_set(*, user: User, thread: Thread, state: str) -> str:
    """Watch, mute, or go back to the default ("": told only when mentioned or replied to)."""
    permissions.check_thread_read(user=user, thread=thread)
    if state not in ("", *W.values):
        raise ValidationError("Choose to watch or mute the conversation.")
    if state:
        ThreadWatch.objects.update_or_create(thread=thread, user=user, defaults={"state": state})
    else:
        ThreadWatch.objects.filter(thread=thread, user=user).delete()
    return state


@transaction.atomic
def post_report(*, reporter: User, post: Post, reason: str) -> PostReport:
    post = Post.objects.select_related("thread__community").get(pk=post.pk)
    community = post.thread.community
    permissions.check_participate(user=reporter, community=community)
    if not permissions.can_report(user=reporter, post=post):
        raise ValidationError({"reason": "You cannot report your own post, or one that was removed."})
    reason = (reason or "").strip()
    limit = PostReport._meta.get_field("reason").max_length
    if not reason:
        raise ValidationError({"reason": "Say what is wrong with the post."})
    if len(reason) > limit:
        raise ValidationError({"reason": f"The reason must be {limit} characters or fewer."})
    try:
        with transaction.atomic():
            report = PostReport.objects.create(
                post=post, community=community, reporter=reporter, reason=reason
            )
    except IntegrityError as error:
        raise ValidationError(
            {"reason": "You have already reported this post. The facilitators will look at it."}
        ) from error
    url = reverse("communities:manage-reports", kwargs={"slug": community.slug})
    facilitators = User.objects.filter(
        memberships__community=community,
        memberships__state=Membership.State.ACTIVE,
        memberships__role__in=permissions.FACILITATOR_ROLES,
    )
    notifications_send_many(
        recipients=facilitators,
        kind="community.post_reported",
        text=f"A post in “{post.thread.title}” was reported",
        url=url,
        actor=None,
        target=post,
    )
    return report


# --- Notices ------------------------------------------------------------------------------------------
def _not_muted(people: QuerySet[User], thread: Thread) -> QuerySet[User]:
    muted = ThreadWatch.objects.filter(thread=thread, user=OuterRef("pk"), state=W.MUTED)
    return people.exclude(Exists(muted))


def _notify_one(
    *, recipient: User, kind: str, text: str, post: Post, actor: User, email: bool = False
) -> None:
    one = User.objects.filter(pk=recipient.pk)
    readers = permissions.readers_of(community=post.thread.community, people=one)
    people = _not_muted(readers, post.thread)
    notifications_send_many(
        recipients=people,
        kind=f"community.{kind}",
        text=text,
        url=post.get_absolute_url(),
        actor=actor,
        target=post,
        email=email,
    )


def _notify_mentions(post: Post, handles: set[str]) -> set[int]:
    thread = post.thread
    mentioned = User.objects.filter(handle__in=handles)
    readers = permissions.readers_of(community=thread.community, people=mentioned)
    people = _not_muted(readers, thread)
    ids = set(people.exclude(pk=post.author_id).values_list("pk", flat=True))
    notifications_send_many(
        recipients=User.objects.filter(pk__in=ids),
        kind="community.mention",
        text=f"{post.author.public_name} mentioned you in “{thread.title}”",
        url=post.get_absolute_url(),
        actor=post.author,
        target=post,
        email=True,  # mentions are emailed at once to those who want it
    )
    return ids


@transaction.atomic
def post_notify(*, post_id: int) -> bool:
    """Tell everyone concerned about a new post, once: mentioned members, the author replied to, and the
    thread's watchers, each only if they may read the thread now and have not muted it. Claims the post
    first (notified_at), so a task and the sweep running together tell nobody twice."""
    claimed = Post.objects.filter(pk=post_id, notified_at__isnull=True).update(notified_at=timezone.now())
    if not claimed:
        return False
    post = Post.objects.select_related("thread__community", "author", "parent").get(pk=post_id)
    if not post.is_visible:
        return True
    thread, name = post.thread, post.author.public_name
    told = _notify_mentions(post, mentioned_handles(post.body))
    told.add(post.author_id)
    if post.parent is not None and post.parent.author_id not in told:
        yours = "conversation" if post.parent.is_opening else "post in"
        _notify_one(
            recipient=post.parent.author,
            kind="reply",
            text=f"{name} replied to your {yours} “{thread.title}”",
            post=post,
            actor=post.author,
            email=True,  # a direct reply: emailed at once to those who want it
        )
        told.add(post.parent.author_id)
    watchers = User.objects.filter(thread_watches__thread=thread, thread_watches__state=W.WATCHING).exclude(
        pk__in=told
    )
    verb = "started" if post.is_opening else "replied in"
    notifications_send_many(
        recipients=permissions.readers_of(community=thread.community, people=watchers),
        kind="community.thread_reply",
        text=f"{name} {verb} “{Truncator(thread.title).chars(120)}”",
        url=post.get_absolute_url(),
        actor=post.author,
        target=post,
    )
    return True


def posts_notify_unsent(*, older_than: timedelta = timedelta(minutes=2), limit: int = 500) -> int:
    """The sweep: notices for posts whose task never ran (a worker or Redis was down). Returns how many."""
    cutoff = timezone.now() - older_than
    ids = list(
        Post.objects.filter(notified_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    told = 0
    for pk in ids:
        try:
            told += post_notify(post_id=pk)
        except Exception:  # one bad post must not hold up the others every time the sweep runs
            logger.exception("Could not send the notices for post %s.", pk)
    return told
