"""Who is most likely to know, and what has been said already: the ranking behind Ask the hub, the "People
who can help" and "Related practice" panels, and the "Has this been answered already?" lookup.

Everything here is computed from what the viewer may read (communities.permissions, practice.permissions):
content in a community the viewer cannot read is never a signal and never named in a reason.

FOUNDATION: this first version ranks by expertise tags only (a plain, correct baseline the pages are built
against); the full ranking (related practice, councils that repeated it, answerers, recent activity) replaces
the bodies below, keeping these signatures.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from communities.permissions import listed_threads
from practice.permissions import listed_stories
from profiles.models import ON_THE_HUB, User


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


def suggest_people(
    *, viewer, topic: Topic, limit: int | None = None, exclude_ids=(), for_asking: bool = True
) -> list[PersonSuggestion]:
    """Up to `limit` (settings.ASK_PEOPLE_MOST) people ranked by how likely they are to help with `topic`,
    each with reasons in words; never the viewer or `exclude_ids`. `for_asking` applies the opt-out and the
    weekly cap (the panels on stories and conversations show people without asking them: opted-out people
    are left out there too, the cap is not)."""
    limit = settings.ASK_PEOPLE_MOST if limit is None else limit
    tags = {name.lower() for name in topic.tags}
    if not tags:
        return []
    people = (
        askable(User.objects.all())
        .exclude(pk=getattr(viewer, "pk", None))
        .exclude(pk__in=list(exclude_ids))
        .filter(expertise__name__in=list(topic.tags))
        .annotate(shared=Count("pk"))
        .select_related("council")
        .order_by("-shared", "display_name", "pk")
    )
    if for_asking:
        capped = [pk for pk, n in asked_recently().items() if n >= settings.ASK_WEEKLY_CAP]
        people = people.exclude(pk__in=capped)
    suggestions = []
    for person in people[:limit]:
        held = sorted(tag.name for tag in person.expertise.all() if tag.name.lower() in tags)
        suggestions.append(PersonSuggestion(person, float(person.shared), [f"expertise: {', '.join(held)}"]))
    return suggestions


def councils_that_repeated(*, viewer, topic: Topic, limit: int = 5) -> list[CouncilSuggestion]:
    """Councils that repeated practice related to `topic` that the viewer may read."""
    return []


def related_stories(*, viewer, topic: Topic, limit: int = 5, exclude_ids=()):
    """Up to `limit` published stories the viewer may read, related by shared tags, service area and text."""
    stories = listed_stories(viewer).exclude(pk__in=list(exclude_ids))
    match = Q(tags__name__in=list(topic.tags)) if topic.tags else Q(pk__in=[])
    if topic.service_area:
        match |= Q(service_area=topic.service_area)
    return list(stories.filter(match).distinct().order_by("-published_at", "-pk")[:limit])


def similar_content(*, viewer, title: str, limit: int = 5) -> list[SimilarItem]:
    """Up to `limit` conversations and stories the viewer may read that look like the same question."""
    words = [word for word in title.split() if len(word) > 3][:6]
    if not words:
        return []
    match = Q()
    for word in words:
        match |= Q(title__icontains=word)
    threads = listed_threads(viewer).filter(match).select_related("community").order_by("-created_at")
    items = [
        SimilarItem("conversation", t.title, t.get_absolute_url(), t.answer_id is not None, t.created_at)
        for t in threads[:limit]
    ]
    stories = listed_stories(viewer).filter(match).order_by("-published_at")
    items += [
        SimilarItem("story", s.title, s.get_absolute_url(), False, s.published_at) for s in stories[:limit]
    ]
    return items[:limit]
