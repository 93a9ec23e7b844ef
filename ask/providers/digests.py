"""Ask the hub in activity digests (core.providers.digests): "Questions you may know about", the questions
to the hub asked in the member's window that nobody has replied to yet, whose tags match the member's
expertise, not their own. Three queries for the whole chunk (the members' expertise, the open questions, their
tags), whatever the number of members or questions."""

from dataclasses import dataclass

from django.db.models import Q

from ask.models import SPACE_SLUG, Question
from communities.permissions import can_read, listed_threads
from core.providers.digests import Candidates, Digest, DigestChunk, DigestProvider, DigestSection, digest_item
from profiles.models import ExpertiseTag

MOST_NEW = 500  # the open questions a chunk reads, whatever the activity: the newest win


@dataclass(frozen=True)
class _Open:
    question_id: int
    thread_id: int
    title: str
    path: str
    when: object
    asker_id: int
    tag_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        return f"question:{self.thread_id}"


@dataclass
class _Collected:
    expertise: dict[int, set[int]]  # member id -> their expertise tag ids
    questions: Candidates[_Open]  # filed by tag id, the newest first
    space: object  # the questions' community (None before anyone asked)


def _collect(chunk: DigestChunk) -> _Collected:
    expertise: dict[int, set[int]] = {pk: set() for pk in chunk.user_ids}
    for user_id, tag_id in ExpertiseTag.objects.filter(content_object_id__in=chunk.user_ids).values_list(
        "content_object_id", "tag_id"
    ):
        expertise[user_id].add(tag_id)
    wanted = set().union(*expertise.values()) if expertise else set()
    rows: list[_Open] = []
    space = None
    if wanted:
        questions = (
            Question.objects.filter(
                Q(thread__tags__in=wanted),
                thread__community__slug=SPACE_SLUG,
                thread__reply_count=0,
                **chunk.window("created_at"),
            )
            .select_related("thread__community")
            .prefetch_related("thread__tags")  # one query for every question's tags
            .distinct()
            .order_by("-created_at", "-pk")[:MOST_NEW]
        )
        for question in questions:
            thread = question.thread
            space = thread.community
            rows.append(
                _Open(
                    question.pk,
                    thread.pk,
                    thread.title,
                    chunk.path(thread),
                    question.created_at,
                    question.asker_id,
                    tuple(tag.pk for tag in thread.tags.all()),
                )
            )
    return _Collected(expertise, Candidates(rows, lambda row: row.tag_ids), space)


def _pick(digest: Digest, chunk: DigestChunk, collected: _Collected, fresh) -> dict[str, list[dict]]:
    """Questions tagged with the member's expertise, asked in their window, not theirs, while they may read
    the space (open: every member)."""
    user = digest.user
    space = collected.space
    if space is None or not can_read(user=user, community=space):
        return {"questions": []}
    items = []
    for row in collected.questions.under(collected.expertise.get(user.pk, ())):
        if digest.covers(row.when) and row.asker_id != user.pk and fresh(row.key):
            items.append(chunk.once(row.key, lambda row=row: _item(row, space, chunk)))
    return {"questions": items}


def _item(row: _Open, space, chunk: DigestChunk) -> dict:
    return digest_item(
        key=row.key,
        title=row.title,
        path=row.path,
        when=row.when,
        where=space.name,
        where_path=chunk.path(space),
        detail="No replies yet",
        thread=row.thread_id,
    )


def _still_readable(user, items: list[dict]) -> set[str]:
    threads = {item["thread"] for item in items if item.get("thread")}
    if not threads:
        return set()
    readable = set(listed_threads(user).filter(pk__in=threads).values_list("pk", flat=True))
    return {item["key"] for item in items if item.get("thread") in readable}


QUESTIONS_IN_DIGESTS = DigestProvider(
    sections=(
        DigestSection(
            name="questions",
            heading="Questions you may know about",
            one="open question",
            many="open questions",
            order=25,
        ),
    ),
    collect=_collect,
    pick=_pick,
    still_readable=_still_readable,
)
