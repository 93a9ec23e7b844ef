"""Who is most likely to know, and what has been said already: the ranking behind Ask the hub, the "People
who can help" and "Related practice" panels, and the "Has this been answered already?" lookup.

Everything here is computed from what the viewer may read (communities.permissions, practice.permissions):
content in a community the viewer cannot read is never a signal and never named in a reason.

"Related" content shares a tag with the topic, or its words: on PostgreSQL a full-text match (the GIN
indexes on search_vector) of at least two of the topic's significant title words (one when it has only
one), ranked with ts_rank; the service area adds to a story's score. On SQLite, the embedded default, it is
a plain tag overlap, or the same service area for stories.

suggest_people runs a fixed number of statements, whatever the size of the hub: the topic's tags, the
related stories (with their co-authors and the councils that repeated them), the answers in related
conversations, the experts, then the candidates' rows. Each list is capped (RELATED_STORIES,
RELATED_THREADS) so the work per call stays flat as the hub grows; benchmarks/routing.py measures how well
it ranks against known answerers and how long it takes.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import zip_longest

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from taggit.models import Tag

from communities.models import Post, Thread
from communities.permissions import listed_threads
from core.queries import pk_among
from core.search import SEARCH_CONFIG
from practice.models import Adoption, PracticeStory, StoryTag
from practice.permissions import listed_stories
from profiles.models import ON_THE_HUB, ExpertiseTag, User

RELATED_STORIES = 40  # the related stories whose authors and adopting councils are signals
RELATED_THREADS = 60  # the related conversations whose answers are signals
ACTIVE_DAYS = 90  # recent activity: posts in the last three months
MOST_WORDS = 6  # significant title words in a text query (15 pairs at most)

# How much each signal counts (benchmarks/routing.py measures the ranking they make against known answerers).
WEIGHT = {
    "expertise": 3.0,  # per matching tag, at most two
    "wrote": 5.0,  # an author of the most related story (less for a story less related)
    "co_wrote": 3.5,
    "recorded_adoption": 3.0,  # recorded that their council repeated a related story (as related)
    "council_repeated": 1.0,  # works at a council that repeated one (added to people with another signal)
    "accepted": 2.0,  # per accepted answer in a related conversation, at most three
    "helpful": 1.0,  # per answer marked helpful, at most three
    "active": 0.5,  # recent posts, up to ACTIVE_POSTS of them
}
ACTIVE_POSTS = 10
CANDIDATES = 100  # related stories ranked at most, from each source (tags, words): the work stays flat
AREA_CANDIDATES = 50  # and the newest in the topic's service area (a weaker sign: one point, not two)
MIN_SHARE = 0.4  # a story less than this related than the most related one is no signal
COMMON_TAG = 10  # holders of a tag from which its expertise counts less (a broad tag says less)
SHORTLIST = 30  # candidates whose rows are read at least (those no longer suggestable drop out there)
BROAD_HOLDERS = 100  # a tag held by more is broad: its holders without another signal are read this many

# English words that say nothing about a topic (PostgreSQL's english configuration drops most of them too,
# which would turn a pair with one of them into a single word).
_STOP_WORDS = """a about above after again all also am an and any anyone are as at be because been before
being below between both but by can could did do does doing done down during each few for from further get
got had has have having he her here hers him his how i if in into is it its just me more most my no nor not
now of off on once only or other our ours out over own same she should so some such than that the their
them then there these they this those through to too under until up us very was way we were what when
where which while who whom why will with would you your yours help need needs best good work working ways
council councils anybody someone experience advice tips know"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Topic:
    """What a question (or a story, or a conversation) is about: its words, tags and service area."""

    title: str
    text: str = ""
    tags: tuple[str, ...] = ()  # tag names as typed or stored
    service_area: str = ""


@dataclass
class PersonSuggestion:
    person: User  # with council selected
    score: float
    reasons: list[str] = field(default_factory=list)  # in words, strongest first


@dataclass
class CouncilSuggestion:
    council_id: int
    name: str
    slug: str
    stories: int  # related practice the council repeated


@dataclass
class SimilarItem:
    """A conversation or story that looks like the same question ("Has this been answered already?")."""

    kind: str  # "conversation" or "story"
    title: str
    url: str
    answered: bool = False  # a conversation with an accepted answer
    when: object = None


# --- Matching -------------------------------------------------------------------------------------------
def _postgres() -> bool:
    return connection.vendor == "postgresql"


def significant_words(text: str) -> list[str]:
    """The title's words that may say what it is about, in order, without repeats or stop words."""
    seen = []
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if len(word) > 2 and word not in STOP_WORDS and word not in seen:
            seen.append(word)
    return seen[:MOST_WORDS]


def text_query(text: str) -> SearchQuery | None:
    """PostgreSQL: documents holding at least two of the significant words (any pair of them), or the one
    word there is. Two words in common say "the same subject" far more often than one, and the GIN index
    answers a pair with few rows where a frequent word alone would match most of the hub."""
    words = significant_words(text)
    if not words:
        return None
    if len(words) == 1:
        raw = words[0]
    else:
        raw = " | ".join(f"({a} & {b})" for i, a in enumerate(words) for b in words[i + 1 :])
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)  # words are [a-z0-9]+: nothing to escape


def topic_tag_ids(topic: Topic) -> list[int]:
    """The stored tags the topic names, whatever their case (by name or slug: both unique, both indexed)."""
    names = [name.strip() for name in topic.tags if name and name.strip()][:20]
    if not names:
        return []
    from django.utils.text import slugify

    slugs = [slugify(name) for name in names]
    return list(Tag.objects.filter(Q(name__in=names) | Q(slug__in=slugs)).values_list("pk", flat=True))


def _counted(rows, by: str) -> Coalesce:
    """How many of `rows` (filtered on OuterRef) the outer row has, 0 for none: `by` is their field that
    points at it."""
    rows = rows.order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _tag_overlap(through, tag_ids: list[int]) -> Coalesce:
    """How many of the tags a row holds (through: the taggit table whose content_object is the row)."""
    return _counted(
        through.objects.filter(content_object=OuterRef("pk"), tag_id__in=tag_ids), "content_object"
    )


def _related_story_rows(viewer, topic: Topic, tag_ids: list[int], limit: int, exclude_ids=()):
    """Published stories the viewer may read that share a tag or the words, best first, with `relevance`:
    two per shared tag, one for the service area, the text's rank (PostgreSQL) on top."""
    stories = listed_stories(viewer).exclude(pk__in=list(exclude_ids)).order_by()
    query = text_query(topic.title) if _postgres() else None
    if _postgres():
        # Candidates first, a bounded window from each source (a broad tag or two common words can match
        # most stories): the newest CANDIDATES holding a tag (the tag's index), CANDIDATES matching the
        # words (the GIN index) and the newest AREA_CANDIDATES in the service area; only those are ranked.
        # Their ids are read first (one statement), so that the ranking reads those rows by primary key.
        windows = []
        if tag_ids:
            tagged = StoryTag.objects.filter(tag_id__in=tag_ids).order_by("-content_object_id")
            # An array of the newest tagged ids, looked up by primary key (pk_among): as a plain IN, the
            # planner read every listed story's permission columns to hash-join them (18 ms at 50,000).
            windows.append(
                stories.filter(pk_among(tagged.values("content_object")[:CANDIDATES])).values_list("pk")
            )
        if query is not None:
            windows.append(stories.filter(search_vector=query).values_list("pk")[:CANDIDATES])
        if topic.service_area:  # the newest in the same service area (the practice_story_area index)
            same_area = stories.filter(service_area=topic.service_area).order_by("-published_at", "-pk")
            windows.append(same_area.values_list("pk")[:AREA_CANDIDATES])
        ids = [] if not windows else windows[0].union(*windows[1:]) if len(windows) > 1 else windows[0]
        ids = [pk for (pk,) in ids]
        match = Q(pk__in=ids) if ids else Q()
    else:  # SQLite: a plain tag overlap, or the same service area (ranked below a shared tag)
        match = Q()
        if tag_ids:
            match |= Q(pk__in=StoryTag.objects.filter(tag_id__in=tag_ids).values("content_object"))
        if topic.service_area:
            match |= Q(service_area=topic.service_area)
    if not match:
        return PracticeStory.objects.none().annotate(relevance=Value(0.0, output_field=FloatField()))
    relevance = Value(0.0, output_field=FloatField())
    if tag_ids:
        relevance = relevance + 2.0 * _tag_overlap(StoryTag, tag_ids)
    if topic.service_area:
        relevance = relevance + Case(
            When(service_area=topic.service_area, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    if query is not None:
        relevance = relevance + 4.0 * SearchRank(F("search_vector"), query)
    return (
        stories.filter(match)
        .annotate(relevance=relevance)
        .order_by("-relevance", "-published_at", "-pk")[:limit]
    )


# --- The weekly cap and who may be asked ---------------------------------------------------------------
def asked_recently(people_ids=None):
    """{person id: how many times asked in the last seven days} (the weekly cap)."""
    from ask.models import QuestionAsk

    since = timezone.now() - timezone.timedelta(days=7)
    rows = QuestionAsk.objects.filter(created_at__gte=since)
    if people_ids is not None:
        rows = rows.filter(person_id__in=people_ids)
    return dict(rows.values_list("person_id").annotate(n=Count("pk")).values_list("person_id", "n"))


def askable(people):
    """People who may be suggested as someone to ask: on the hub and not opted out."""
    return people.filter(**ON_THE_HUB, accepts_questions=True)


# --- People who can help --------------------------------------------------------------------------------
class _Evidence:
    """What one candidate has going for them, and the reasons in words."""

    def __init__(self):
        self.expertise: list[str] = []
        self.expertise_weight: float = 0.0
        self.wrote: list[tuple[float, str]] = []  # (share of the best story's relevance, title)
        self.co_wrote: list[tuple[float, str]] = []
        self.recorded: float = 0.0  # the shares of the stories their council repeated
        self.councils_repeated: bool = False
        self.accepted: int = 0
        self.helpful: int = 0

    def score(self) -> float:
        w = WEIGHT
        score = self.expertise_weight
        for weight, stories in ((w["wrote"], self.wrote), (w["co_wrote"], self.co_wrote)):
            shares = sorted((share for share, _title in stories), reverse=True)[:3]
            score += sum(weight * share / (1 + i) for i, share in enumerate(shares))  # more: less each
        score += w["recorded_adoption"] * min(self.recorded, 2.0)
        score += w["council_repeated"] if self.councils_repeated else 0.0
        score += w["accepted"] * min(self.accepted, 3) + w["helpful"] * min(self.helpful, 3)
        return score

    def reasons(self) -> list[str]:
        """In words, strongest first."""
        weighted = []
        written = sorted(self.wrote + self.co_wrote, reverse=True)
        if len(written) == 1:
            weighted.append((4.5, f"wrote “{written[0][1]}”"))
        elif written:
            weighted.append((4.5 + len(written), f"wrote {len(written)} stories on this"))
        if self.expertise:
            weighted.append((3.0 * len(self.expertise), f"expertise: {', '.join(sorted(self.expertise))}"))
        if self.recorded:
            weighted.append((3.0, "their council repeated a related practice"))
        elif self.councils_repeated:
            weighted.append((1.0, "their council repeated a related practice"))
        if self.accepted:
            plural = "question" if self.accepted == 1 else "questions"
            weighted.append((2.0 * self.accepted, f"answered {self.accepted} {plural} on this topic"))
        if self.helpful:
            plural = "answer" if self.helpful == 1 else "answers"
            weighted.append((1.0 * self.helpful, f"gave {self.helpful} helpful {plural} on this topic"))
        return [text for _weight, text in sorted(weighted, key=lambda pair: -pair[0])]


def _related_thread_ids(viewer, topic: Topic, tag_ids: list[int]):
    """The newest RELATED_THREADS conversations the viewer may list that share a tag or the title's words:
    candidates first, a bounded window from each source (the newest holding a tag, read from the
    communities_threadtag_newest index alone; the newest matching the words, from the GIN index), then
    those the viewer may list. A broad tag is held by tens of thousands of conversations: reading them all
    to keep the newest took 124-141 ms at 1,000,000 posts (benchmarks/routing.py --latency)."""
    from communities.models import ThreadTag

    query = text_query(topic.title) if _postgres() else None
    if not tag_ids and query is None:
        return None
    windows = []  # one statement: the windows' ids
    if tag_ids:
        tagged = ThreadTag.objects.filter(tag_id__in=tag_ids).order_by("-content_object_id")
        windows.append(tagged.values_list("content_object_id")[:RELATED_THREADS])
    if query is not None:
        matching = Thread.objects.filter(search_vector=query).order_by("-created_at", "-pk")
        windows.append(matching.values_list("pk")[:RELATED_THREADS])
    candidates = [pk for (pk,) in (windows[0].union(*windows[1:]) if len(windows) > 1 else windows[0])]
    if not candidates:
        return []
    listed = listed_threads(viewer).filter(pk__in=candidates).order_by("-created_at", "-pk")
    return listed.values("pk")[:RELATED_THREADS]  # a subquery of the statement that reads their answers


def suggest_people(
    *, viewer, topic: Topic, limit: int | None = None, exclude_ids=(), for_asking: bool = True
) -> list[PersonSuggestion]:
    """Up to `limit` (settings.ASK_PEOPLE_MOST) people ranked by how likely they are to help with `topic`,
    each with reasons in words; never the viewer or `exclude_ids`. `for_asking` applies the opt-out and the
    weekly cap (the panels on stories and conversations show people without asking them: opted-out people
    are left out there too, the cap is not)."""
    limit = settings.ASK_PEOPLE_MOST if limit is None else limit
    if limit <= 0:
        return []
    tag_ids = topic_tag_ids(topic)
    stories = list(
        _related_story_rows(viewer, topic, tag_ids, RELATED_STORIES).values_list(
            "pk", "title", "author_id", "relevance"
        )
    )
    adoptions = _adoptions([pk for pk, *_rest in stories])
    return _rank_people(
        viewer,
        topic,
        tag_ids,
        stories,
        adoptions,
        limit=limit,
        exclude_ids=exclude_ids,
        for_asking=for_asking,
    )


def _adoptions(story_ids: list[int]) -> list[tuple[int, int, int | None]]:
    """(story, council, recorded by) of every repeat of these stories."""
    if not story_ids:
        return []
    rows = Adoption.objects.filter(story_id__in=story_ids).order_by()
    return list(rows.values_list("story_id", "council_id", "recorded_by_id"))


def _rank_people(viewer, topic, tag_ids, stories, adoptions, *, limit, exclude_ids, for_asking):
    """The ranking from the related stories already read ((id, title, author, relevance), best first) and
    their repeats: their co-authors, the answers in related conversations, the experts, then the
    candidates' rows (five statements)."""
    evidence: dict[int, _Evidence] = defaultdict(_Evidence)

    # Authors and co-authors of related stories the viewer may read, and who recorded that their council
    # repeated one: named only by titles the viewer may read.
    best = max((relevance for *_rest, relevance in stories), default=0.0)
    by_story = {
        pk: (title, relevance / best)
        for pk, title, _author, relevance in stories
        if best > 0 and relevance / best >= MIN_SHARE
    }
    for pk, title, author_id, _relevance in stories:
        if pk in by_story:
            evidence[author_id].wrote.append((by_story[pk][1], title))
    repeating_councils: set[int] = set()
    if by_story:
        co_authors = PracticeStory.co_authors.through.objects.filter(practicestory_id__in=list(by_story))
        for story_id, user_id in co_authors.values_list("practicestory_id", "user_id"):
            title, relevance = by_story[story_id]
            evidence[user_id].co_wrote.append((relevance, title))
        for story_id, council_id, recorded_by in adoptions:
            if story_id not in by_story:
                continue
            repeating_councils.add(council_id)
            if recorded_by is not None:
                evidence[recorded_by].recorded += by_story[story_id][1]

    # Accepted and helpful answers in related conversations the viewer may list.
    threads = _related_thread_ids(viewer, topic, tag_ids)  # a subquery, or an empty list, or None
    if threads is not None:
        answers = (
            Post.objects.filter(thread_id__in=threads, state=Post.State.VISIBLE, depth__gt=0)
            .filter(Q(pk=F("thread__answer_id")) | Q(helpful_count__gt=0))
            .order_by()
            .values_list("author_id", F("thread__answer_id"), "pk")
        )
        for author_id, answer_id, pk in answers:
            if answer_id == pk:
                evidence[author_id].accepted += 1
            else:
                evidence[author_id].helpful += 1

    # Expertise: the topic's tags among theirs, each weighed by how many hold it. A broad tag's holders
    # (thousands hold "Housing") are read only when they have another signal, or as the first BROAD_HOLDERS
    # of them (the ones a ranking of equals would shortlist anyway): its weight is a fraction of a point.
    if tag_ids:
        rows = (
            ExpertiseTag.objects.filter(tag_id__in=tag_ids)
            .annotate(
                holders=Window(Count("pk"), partition_by=F("tag_id")),
                nth=Window(RowNumber(), partition_by=F("tag_id"), order_by=F("content_object_id").asc()),
            )
            .filter(
                Q(holders__lte=BROAD_HOLDERS)
                | Q(nth__lte=BROAD_HOLDERS)
                | Q(content_object_id__in=list(evidence))
            )
            .values_list("content_object_id", "tag__name", "holders")
        )
        for user_id, name, holders in rows:
            evidence[user_id].expertise.append(name)
            evidence[user_id].expertise_weight += WEIGHT["expertise"] * min(
                1.0, (COMMON_TAG / holders) ** 0.5
            )

    excluded = {getattr(viewer, "pk", None), *exclude_ids}
    ranked = sorted(
        ((item.score(), pk) for pk, item in evidence.items() if pk not in excluded),
        key=lambda p: (-p[0], p[1]),
    )
    if not ranked:
        return []
    # The best few dozen, their rows read in one statement: those no longer on the hub, opted out or (when
    # asking) asked as often as the week allows drop out here; recent activity breaks ties.
    shortlist = {pk: score for score, pk in ranked[: max(limit * 5, SHORTLIST)]}
    since = timezone.now() - timezone.timedelta(days=ACTIVE_DAYS)
    people = _still_suggestable(list(shortlist), for_asking=for_asking).annotate(
        active=RawSQL(_RECENT_POSTS, [since])  # noqa: S611 (names from the models; since a parameter)
    )
    suggestions = []
    for person in people:
        item = evidence[person.pk]
        item.councils_repeated = person.council_id in repeating_councils
        score = item.score() + WEIGHT["active"] * min(person.active or 0, ACTIVE_POSTS) / ACTIVE_POSTS
        suggestions.append(PersonSuggestion(person, round(score, 3), item.reasons()))
    suggestions.sort(key=lambda s: (-s.score, s.person.display_name, s.person.pk))
    return suggestions[:limit]


def _still_suggestable(people_ids: list[int], *, for_asking: bool):
    """These people with their councils, less those no longer on the hub or opted out and (`for_asking`)
    those asked as often as the week allows (settings.ASK_WEEKLY_CAP)."""
    people = askable(User.objects.filter(pk__in=people_ids)).select_related("council")
    if not for_asking:
        return people
    from ask.models import QuestionAsk

    week = timezone.now() - timezone.timedelta(days=7)
    asked = _counted(QuestionAsk.objects.filter(person=OuterRef("pk"), created_at__gte=week), "person")
    return people.annotate(asked=asked).filter(asked__lt=settings.ASK_WEEKLY_CAP)


def suggestions_kept(suggestions: list[PersonSuggestion]) -> list[list]:
    """The ranking's suggestions as a JSON value to keep ([person id, score, reasons], best first): read
    back by suggestions_read without ranking again."""
    return [[s.person.pk, s.score, list(s.reasons)] for s in suggestions]


def suggestions_read(kept: list[list], *, for_asking: bool = True) -> list[PersonSuggestion]:
    """Suggestions kept by suggestions_kept, in their order, less those who may no longer be suggested
    (gone from the hub, opted out, asked as often as the week allows since): one statement."""
    if not kept:
        return []
    people = {
        person.pk: person for person in _still_suggestable([row[0] for row in kept], for_asking=for_asking)
    }
    return [PersonSuggestion(people[pk], score, list(reasons)) for pk, score, reasons in kept if pk in people]


# A candidate's recent posts, counted up to ACTIVE_POSTS (a LIMIT in the count: the busiest poster costs
# ten entries of the communities_post_author index, not their thousands).
_RECENT_POSTS = (
    f'SELECT COUNT(*) FROM (SELECT 1 FROM "{Post._meta.db_table}" recent '  # noqa: S608 (names from the models)
    f'WHERE recent.author_id = "{User._meta.db_table}"."id" AND recent.created_at >= %s '
    f"LIMIT {ACTIVE_POSTS}) counted"
)


@dataclass
class HelpPanel:
    """What the "People who can help" and "Related practice" panels show."""

    people: list[PersonSuggestion]
    councils: list[CouncilSuggestion]
    stories: list[PracticeStory]


STORY_PANEL_FIELDS = (
    "title",
    "slug",
    "author_id",
    "service_area",
    "council__name",
    "council__slug",
    "published_at",
)


def help_panel(
    *, viewer, topic: Topic, people: int = 5, councils: int = 5, stories: int = 5, exclude_people=(),
    exclude_stories=(), with_people: bool = True,
) -> HelpPanel:  # fmt: skip
    """The three lists of the panels beside a story or a conversation, from one reading of the related
    stories (suggest_people, councils_that_repeated and related_stories would each read them again: the
    costliest part at a national hub's size). `with_people` False (a visitor): the related stories only."""
    tag_ids = topic_tag_ids(topic)
    related = list(
        _related_story_rows(viewer, topic, tag_ids, RELATED_STORIES)
        .select_related("council")
        .only(*STORY_PANEL_FIELDS)
    )
    itself = set(exclude_stories)
    shown = [story for story in related if story.pk not in itself][:stories]
    if not with_people:
        return HelpPanel([], [], shown)
    adoptions = _adoptions([story.pk for story in related])
    rows = [(story.pk, story.title, story.author_id, story.relevance) for story in related]
    suggested = _rank_people(
        viewer, topic, tag_ids, rows, adoptions, limit=people, exclude_ids=exclude_people, for_asking=False
    )
    return HelpPanel(suggested, _councils(adoptions, councils), shown)


def _councils(adoptions, limit: int) -> list[CouncilSuggestion]:
    """The councils of these repeats, those that repeated the most first (one statement for their names)."""
    from profiles.models import Council

    counted = Counter(council_id for _story, council_id, _recorded in adoptions)
    if not counted:
        return []
    councils = Council.objects.filter(pk__in=list(counted)).values_list("pk", "name", "slug")
    names = {pk: (name, slug) for pk, name, slug in councils}
    ranked = sorted(counted.items(), key=lambda item: (-item[1], names.get(item[0], ("", ""))[0], item[0]))
    return [CouncilSuggestion(pk, *names[pk], n) for pk, n in ranked if pk in names][:limit]


# --- Councils that repeated related practice, related stories ------------------------------------------
def councils_that_repeated(*, viewer, topic: Topic, limit: int = 5) -> list[CouncilSuggestion]:
    """Councils that repeated practice related to `topic` that the viewer may read, those that repeated the
    most first."""
    from profiles.models import Council

    tag_ids = topic_tag_ids(topic)
    stories = _related_story_rows(viewer, topic, tag_ids, RELATED_STORIES).values("pk")
    rows = (
        Council.objects.filter(adoptions__story__in=stories)
        .annotate(repeated=Count("adoptions", distinct=True))
        .order_by("-repeated", "name", "pk")
        .values_list("pk", "name", "slug", "repeated")[:limit]
    )
    return [CouncilSuggestion(pk, name, slug, n) for pk, name, slug, n in rows]


def related_stories(*, viewer, topic: Topic, limit: int = 5, exclude_ids=()):
    """Up to `limit` published stories the viewer may read, related by shared tags, service area and text."""
    tag_ids = topic_tag_ids(topic)
    return list(_related_story_rows(viewer, topic, tag_ids, limit, exclude_ids))


# --- Has this been answered already? ------------------------------------------------------------------
SIMILAR_CANDIDATES = 500  # matching rows ranked at most, per kind: the lookup runs as the asker types


def similar_content(*, viewer, title: str, limit: int = 5) -> list[SimilarItem]:
    """Up to `limit` conversations and stories the viewer may read that look like the same question: those
    sharing the most of its words (PostgreSQL: ranked full-text matches of two of its words; SQLite: titles
    holding one of them), conversations with an accepted answer first among equals."""
    if limit <= 0:
        return []
    words = significant_words(title)
    if not words:
        return []
    if _postgres():
        query = text_query(title)
        # A story's discussion is the story: it is listed once, as the story.
        window_t = (
            listed_threads(viewer).filter(search_vector=query, story__isnull=True).order_by().values("pk")
        )
        threads = (
            Thread.objects.filter(pk__in=window_t[:SIMILAR_CANDIDATES])
            .annotate(rank=SearchRank(F("search_vector"), query))
            .select_related("community")
            .order_by("-rank", "-created_at", "-pk")[:limit]
        )
        window_s = listed_stories(viewer).filter(search_vector=query).order_by().values("pk")
        stories = (
            PracticeStory.objects.filter(pk__in=window_s[:SIMILAR_CANDIDATES])
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-published_at", "-pk")[:limit]
        )
    else:
        match = Q()
        for word in words:
            match |= Q(title__icontains=word)
        zero = Value(0.0, output_field=FloatField())
        threads = (
            listed_threads(viewer)
            .filter(match, story__isnull=True)
            .annotate(rank=zero)
            .select_related("community")
        ).order_by("-created_at", "-pk")[:limit]
        stories = (
            listed_stories(viewer).filter(match).annotate(rank=zero).order_by("-published_at", "-pk")[:limit]
        )
    conversations = [
        SimilarItem("conversation", t.title, t.get_absolute_url(), t.answer_id is not None, t.created_at)
        for t in threads
    ]
    conversations_rank = [t.rank for t in threads]
    found = [SimilarItem("story", s.title, s.get_absolute_url(), False, s.published_at) for s in stories]
    ranked = list(zip(conversations_rank, conversations, strict=True))
    ranked += [(s.rank, item) for s, item in zip(stories, found, strict=True)]
    if _postgres():  # the closest first; among equals an answered conversation first
        ranked.sort(key=lambda pair: (-pair[0], not pair[1].answered, pair[1].kind))
        return [item for _rank, item in ranked][:limit]
    # SQLite has no rank: conversations and stories in turn, the newest of each first.
    return [item for pair in zip_longest(conversations, found) for item in pair if item is not None][:limit]
