"""Demo conversations (data/conversations.yaml), after the communities: threads in every demo community,
questions answered and still open, replies to replies, helpful marks, pinned and locked threads, a hidden
post, open reports, and two running threads several hundred posts long.

Handwritten threads are made through communities.services, as the site makes them, then moved back in time.
The long threads' generated replies are bulk-inserted instead (hundreds of posts through post_reply would
make the seed slow), keeping the invariants post_reply keeps: Post.path is the parent's path plus the
thread's next sequence number, zero-padded; depth follows the path; the thread's post_sequence, reply_count
(visible replies) and last_activity_at match the rows; every author watches the thread.

Nobody is told about old news: every seeded post gets notified_at, so neither the task queued on commit nor
the sweep sends anything for it, except the few replies marked `notify`, which go through post_notify like a
new post and land in member@'s inbox. Randomness is seeded per thread, so the demo is the same every time.
Once only per thread: a title the community already has is left alone.

In the bodies, "@[member]" or "@[20]" stands for that demo person's handle (see people.Cast.text).
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from communities.models import (
    PATH_MAX_DEPTH,
    PATH_STEP,
    Community,
    Membership,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    PostRevision,
    Thread,
    ThreadWatch,
)
from communities.services import conversations, moderation
from core.markdown import markdown_render_with_mentions
from khub.demo.files import read
from khub.demo.people import Cast, Key
from profiles.models import Notification, User
from profiles.permissions import on_the_hub


class Reply(NamedTuple):
    """A handwritten reply. Level 1 replies to the opening post, level n to the latest reply at level n-1."""

    level: int
    author: Key
    body: str
    helpful: int = 0  # how many other members mark it helpful
    answer: bool = False  # the asker marks it as the answer
    notify: bool = False  # told as a new post is (member@'s inbox); every other seeded post is old news
    report: str = ""  # another member reports it for this reason; left open for the facilitators
    hide: str = ""  # the owner hides it, giving this reason
    edit: str = ""  # the author edits it to this text soon after posting


@dataclass(frozen=True)
class Pool:
    """What a long thread's generated replies are made of."""

    openers: tuple[str, ...]  # may name the author's council: {council}
    updates: tuple[str, ...]
    closers: tuple[str, ...]
    list_intros: tuple[str, ...]
    list_items: tuple[str, ...]
    links: tuple[str, ...]
    questions: tuple[str, ...]
    answers: tuple[str, ...]  # to a post that ends with a question
    reactions: tuple[str, ...]


@dataclass(frozen=True)
class DemoThread:
    title: str
    author: Key
    body: str
    days_ago: tuple[float, float]  # when it was started, and when its latest reply came
    kind: str = Thread.Kind.DISCUSSION
    tags: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()  # after the generated ones, if any
    pinned: bool = False
    locked: str = ""  # the owner locks it after the last reply, giving this reason
    pool: Pool | None = None
    generated: int = 0  # replies generated from the pool
    deleted: int = 0  # generated replies their authors later delete


def _pool(record: dict) -> Pool:
    return Pool(**{name: tuple(sentences) for name, sentences in record.items()})


def threads_from(records: dict[str, list[dict]]) -> dict[str, list[DemoThread]]:
    """Threads by community from their records in a data file (as in data/conversations.yaml)."""
    return {
        community: [
            DemoThread(
                **{
                    **record,
                    "days_ago": tuple(record["days_ago"]),
                    "kind": Thread.Kind(record.get("kind", Thread.Kind.DISCUSSION)),
                    "tags": tuple(record.get("tags", ())),
                    "replies": tuple(Reply(**reply) for reply in record.get("replies", ())),
                    "pool": POOLS[record["pool"]] if "pool" in record else None,
                }
            )
            for record in threads
        ]
        for community, threads in records.items()
    }


_CONVERSATIONS = read("conversations")
POOLS = {name: _pool(record) for name, record in _CONVERSATIONS["pools"].items()}
THREADS = threads_from(_CONVERSATIONS["threads"])


# --- Seeding -----------------------------------------------------------------------------------------
NOTICE_DELAY = timedelta(minutes=20)  # how long after a post its notices, reports and edits came


@dataclass
class _Seeding:
    """What every thread's seeding shares: the demo people, the clock, and what is left to do at the end."""

    now: datetime
    cast: Cast
    handles: dict[int, str] = field(default_factory=dict)  # user id -> handle, for generated mentions
    profile_urls: dict[str, str | None] = field(default_factory=dict)
    to_notify: list[int] = field(default_factory=list)
    post_times: dict[int, datetime] = field(default_factory=dict)  # handwritten posts: when they were posted

    def soon_after(self, moment: datetime) -> datetime:
        return min(moment + NOTICE_DELAY, self.now)

    def render(self, body: str) -> str:
        """The HTML post_reply would store: mentions of active members linked to their profiles."""
        return markdown_render_with_mentions(body, self._resolve)

    def _resolve(self, handles: set[str]) -> dict[str, str]:
        unknown = handles - self.profile_urls.keys()
        if unknown:
            self.profile_urls.update(dict.fromkeys(unknown))
            people = User.objects.filter(on_the_hub(), handle__in=unknown)
            for handle in people.values_list("handle", flat=True):
                self.profile_urls[handle] = reverse("profiles:profile", args=[handle])
        return {handle: self.profile_urls[handle] for handle in handles if self.profile_urls[handle]}


@transaction.atomic
def seed_conversations(*, threads_by_community: dict[str, list[DemoThread]] | None = None) -> int:
    """Create the demo conversations (THREADS unless others are given, as recent.py does) that do not
    exist yet; returns how many of them there are."""
    seeding = _Seeding(now=timezone.now(), cast=Cast.load())
    titles = []
    for name, threads in (THREADS if threads_by_community is None else threads_by_community).items():
        titles += [spec.title for spec in threads]
        community = Community.objects.filter(slug=slugify(name)).first()
        if community is None:
            continue
        existing = set(Thread.objects.filter(community=community).values_list("title", flat=True))
        new = [spec for spec in threads if spec.title not in existing]
        if not new:
            continue
        active = Membership.objects.filter(community=community, state=Membership.State.ACTIVE)
        members = list(User.objects.filter(memberships__in=active).select_related("council").order_by("pk"))
        owner = active.filter(role=Membership.Role.OWNER).select_related("user").order_by("pk").first().user
        seeding.handles.update((member.pk, member.handle) for member in members)
        for spec in new:
            _seed_thread(seeding, community=community, members=members, owner=owner, spec=spec)
        latest = community.threads.aggregate(latest=Max("last_activity_at"))["latest"]
        Community.objects.filter(pk=community.pk).update(last_activity_at=latest)
    # The few notices meant to be seen (member@'s inbox), sent as the task would have sent them.
    for post_id in seeding.to_notify:
        conversations.post_notify(post_id=post_id)
    _backdate_notices(seeding)
    return Thread.objects.filter(title__in=titles).count()


def _seed_thread(
    seeding: _Seeding, *, community: Community, members: list[User], owner: User, spec: DemoThread
) -> None:
    # Each thread has its own random stream: the same replies and marks whichever threads are skipped.
    rng = random.Random(f"{community.slug}/{spec.title}")
    start, end = (seeding.now - timedelta(days=days) for days in spec.days_ago)
    times = _timeline(rng, start, end, 1 + spec.generated + len(spec.replies))
    author = seeding.cast.person(spec.author)
    thread = conversations.thread_create(
        author=author,
        community=community,
        title=spec.title,
        body=seeding.cast.text(spec.body),
        kind=spec.kind,
        tags=list(spec.tags),
    )
    opening = thread.opening_post
    if spec.generated:
        _generate_replies(
            seeding,
            thread=thread,
            opening=opening,
            members=members,
            spec=spec,
            times=times[1 : 1 + spec.generated],
        )
    # Handwritten replies, through the service: each one moved back in time below, so that the rate limit
    # (posts in the last minute) never counts more than one thread's worth.
    made, latest = [opening], {0: opening}
    for reply, moment in zip(spec.replies, times[1 + spec.generated :], strict=True):
        post = conversations.post_reply(
            author=seeding.cast.person(reply.author),
            thread=thread,
            body=seeding.cast.text(reply.body),
            parent=latest[reply.level - 1],
        )
        post.created_at = moment
        latest[reply.level] = post
        made.append(post)
    opening.created_at = times[0]
    for post in made:
        post.notified_at = post.created_at
    for reply, post in zip(spec.replies, made[1:], strict=True):
        _act_on(seeding, reply=reply, post=post, thread=thread, members=members, owner=owner, rng=rng)
    if spec.pinned:
        moderation.thread_set_pinned(actor=owner, thread=thread, pinned=True)
    if spec.locked:
        moderation.thread_set_locked(actor=owner, thread=thread, locked=True, reason=spec.locked)
    Post.objects.bulk_update(made, ["created_at", "notified_at", "edited_at"])
    Thread.objects.filter(pk=thread.pk).update(created_at=times[0], last_activity_at=times[-1])
    if spec.pinned or spec.locked or any(reply.hide for reply in spec.replies):
        ModerationLogEntry.objects.filter(thread=thread).update(created_at=seeding.soon_after(times[-1]))
    seeding.post_times.update((post.pk, post.created_at) for post in made)


def _act_on(
    seeding: _Seeding,
    *,
    reply: Reply,
    post: Post,
    thread: Thread,
    members: list[User],
    owner: User,
    rng: random.Random,
) -> None:
    """What others did with a handwritten reply: helpful marks, the answer, an edit, a report, hiding it."""
    others = [member for member in members if member.pk != post.author_id]
    for member in rng.sample(others, min(reply.helpful, len(others))):
        conversations.post_helpful_toggle(user=member, post=post)
    if reply.answer:
        conversations.thread_mark_answer(actor=thread.author, thread=thread, post=post)
    if reply.edit:
        conversations.post_edit(actor=post.author, post=post, body=seeding.cast.text(reply.edit))
        post.edited_at = seeding.soon_after(post.created_at)
        PostRevision.objects.filter(post=post).update(created_at=post.edited_at)
    if reply.report:
        reporter = rng.choice([member for member in others if member.pk != owner.pk])
        conversations.post_report(reporter=reporter, post=post, reason=reply.report)
        PostReport.objects.filter(post=post).update(created_at=seeding.soon_after(post.created_at))
    if reply.hide:
        moderation.post_hide(actor=owner, post=post, reason=reply.hide)
    if reply.notify:
        post.notified_at = None  # post_notify claims it at the end
        seeding.to_notify.append(post.pk)


def _timeline(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` moments in order: the opening post at `start`, the latest reply at `end`."""
    if count == 1:
        return [start]
    middle = sorted(start + (end - start) * rng.random() for _ in range(count - 2))
    return [start, *middle, end]


def _generate_replies(
    seeding: _Seeding,
    *,
    thread: Thread,
    opening: Post,
    members: list[User],
    spec: DemoThread,
    times: list[datetime],
) -> None:
    """A long thread's replies from its pool, inserted in bulk with the invariants post_reply keeps."""
    rng = random.Random(f"{thread.community.slug}/{spec.title}/generated")
    thread = Thread.objects.select_for_update().get(pk=thread.pk)  # as post_reply: the sequence is ours
    chattiness = [rng.choice((1, 1, 2, 3, 5)) for _ in members]
    sequence = thread.post_sequence
    posts, reactions = [opening], []
    # How many unsaved ancestors each post has (by id(): unsaved models are unhashable); one INSERT per level.
    generation = {id(opening): 0}
    for moment in times:
        parent = _pick_parent(posts, rng)
        author = rng.choices(members, weights=chattiness)[0]
        while author.pk == parent.author_id:
            author = rng.choices(members, weights=chattiness)[0]
        sequence += 1
        # Past the deepest level a reply is filed beside its parent (as post_reply does).
        base = parent.path if parent.depth + 1 < PATH_MAX_DEPTH else parent.path[:-PATH_STEP]
        body = _compose(
            spec.pool, rng, author=author, parent=parent, parent_handle=seeding.handles[parent.author_id]
        )
        fans = (
            rng.sample([m for m in members if m.pk != author.pk], rng.randint(1, 4))
            if rng.random() < 0.2
            else []
        )
        post = Post(
            thread=thread,
            author=author,
            parent=parent,
            path=base + f"{sequence:0{PATH_STEP}d}",
            depth=len(base) // PATH_STEP,
            body=body,
            body_html=seeding.render(body),
            created_at=moment,
            notified_at=moment,
            helpful_count=len(fans),
        )
        posts.append(post)
        generation[id(post)] = generation[id(parent)] + 1
        reactions += [PostReaction(post=post, user=fan, created_at=moment) for fan in fans]
    # Parents before their replies, which need their ids; the paths, not the ids, give the reading order.
    for level in range(1, max(generation.values()) + 1):
        Post.objects.bulk_create([post for post in posts[1:] if generation[id(post)] == level])
    PostReaction.objects.bulk_create(reactions)
    ThreadWatch.objects.bulk_create(
        [
            ThreadWatch(thread=thread, user_id=pk, state=ThreadWatch.State.WATCHING)
            for pk in {p.author_id for p in posts}
        ],
        ignore_conflicts=True,  # the opening post's author watches already
    )
    Thread.objects.filter(pk=thread.pk).update(
        post_sequence=sequence, reply_count=F("reply_count") + len(times), last_activity_at=times[-1]
    )
    # A few authors took theirs down afterwards; the service keeps the count of visible replies.
    for post in rng.sample(posts[1:], spec.deleted):
        conversations.post_delete(actor=post.author, post=post)


def _pick_parent(posts: list[Post], rng: random.Random) -> Post:
    """Mostly the opening post; often one of the last few (a conversation within the thread); now and then
    anything earlier. Chains stay readable: nothing deeper than eight levels."""
    roll = rng.random()
    if roll < 0.5 or len(posts) < 4:
        return posts[0]
    parent = rng.choice(posts[-5:]) if roll < 0.9 else rng.choice(posts[1:])
    return parent if parent.depth < 8 else posts[0]


def _compose(pool: Pool, rng: random.Random, *, author: User, parent: Post, parent_handle: str) -> str:
    if parent.depth == 0:  # news for the whole thread
        council = author.council.name if author.council else "us"
        parts = [rng.choice(pool.openers).format(council=council)] if rng.random() < 0.5 else []
        parts += rng.sample(pool.updates, rng.choice((1, 1, 2)))
        if rng.random() < 0.35:
            parts.append(rng.choice(pool.closers))
        text = " ".join(parts)
        if rng.random() < 0.12:
            items = "\n".join(f"- {item}" for item in rng.sample(pool.list_items, 3))
            text += f"\n\n{rng.choice(pool.list_intros)}\n\n{items}"
        if rng.random() < 0.08:
            text += "\n\n" + rng.choice(pool.links)
        return text
    if parent.body.rstrip().endswith("?"):
        text = rng.choice(pool.answers)
    elif rng.random() < 0.5:
        text = rng.choice(pool.questions)
    else:
        text = rng.choice(pool.reactions)
        if rng.random() < 0.4:
            text += " " + rng.choice(pool.updates)
    return f"@{parent_handle} {text}" if rng.random() < 0.4 else text


def _backdate_notices(seeding: _Seeding) -> None:
    """Notices about handwritten posts (replies, mentions, answers, reports) date from just after the post."""
    if not seeding.post_times:
        return
    notices = list(
        Notification.objects.filter(
            target_type=ContentType.objects.get_for_model(Post), target_id__in=seeding.post_times.keys()
        )
    )
    for notice in notices:
        notice.created_at = seeding.soon_after(seeding.post_times[notice.target_id])
    Notification.objects.bulk_update(notices, ["created_at"])
