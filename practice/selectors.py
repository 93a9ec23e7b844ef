"""Reads for the practice pages, each already filtered through practice.permissions, and what practice shows
elsewhere (registered in practice/extensions.py): council page sections, a member's stories among their
contributions and their records in the data export."""

from typing import Any

from django.db import connection
from django.db.models import Case, Count, Exists, Func, IntegerField, OuterRef, Q, QuerySet, When, Window

from communities.models import Community, Membership, Post
from communities.permissions import can_participate, can_read, readable_communities, readable_community_ids
from core.dates import iso
from core.queries import pk_among
from practice import permissions
from practice.models import RECORD_SECTIONS, Adoption, Endorsement, PracticeStory
from profiles.extensions import Contribution, ProfileSection
from profiles.models import Council

ENDORSEMENTS_SHOWN = 20
DISCUSSION_REPLIES_SHOWN = 5
COUNCIL_SECTION_SIZE = 10
# "Practice shared" counts a council's stories up to this many ("more than 100"), not every one it shared.
COUNCIL_STORIES_COUNTED = 100
# What "Practice shared" shows of each story.
SHARED_FIELDS = ("title", "slug", "summary", "service_area", "promoted_at", "adoption_count", "published_at")
# What a story's card in the library shows (practice/_card.html).
CARD_FIELDS = (
    "title",
    "slug",
    "summary",
    "service_area",
    "status",
    "council",
    "published_at",
    "promoted_at",
    "endorsement_count",
    "adoption_count",
)
SORT_ORDER = {
    "newest": ("-published_at", "-pk"),
    "endorsed": ("-endorsement_count", "-published_at", "-pk"),
    "repeated": ("-adoption_count", "-published_at", "-pk"),
}


def story_for_page(*, slug: str, viewer=None) -> PracticeStory | None:
    """The story with what its page shows beside the record; the caller checks can_read. For a signed-in
    viewer, `viewer_endorsed` says whether they endorsed it (in the same query, on the practice_endorse_once
    constraint's index)."""
    stories = PracticeStory.objects.select_related(
        "author__council", "council", "community", "promoted_by", "discussion__community"
    ).prefetch_related("co_authors__council", "tags", "measures")  # authors, tags and the measures table
    if viewer is not None and viewer.is_authenticated:
        stories = stories.annotate(
            viewer_endorsed=Exists(Endorsement.objects.filter(story=OuterRef("pk"), user=viewer))
        )
    return stories.filter(slug=slug).first()


def library(*, viewer, sort="newest", **filters) -> QuerySet[PracticeStory]:
    return (
        _library_filtered(permissions.listed_stories(viewer), **filters)
        .select_related("council")  # each card names its council
        .only(*CARD_FIELDS, "council__name")  # not the record: up to 14 long texts each
        .order_by(*SORT_ORDER.get(sort, SORT_ORDER["newest"]))
    )


def library_ids(*, viewer, sort="", **filters) -> QuerySet:
    """The ids of the library's stories in no order (`sort` is ignored), to count up to a cap: the parts of
    permissions.listed_story_parts filtered alike, one after the other (UNION ALL), so that the count stops
    before a member's community stories (and their communities' look-ups) once the stories every member may
    read reach the cap."""
    parts = [
        _library_filtered(part, **filters).order_by().values("pk")
        for part in permissions.listed_story_parts(viewer)
    ]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _library_filtered(
    stories: QuerySet[PracticeStory], *, service_area="", council="", region="", tag="", promoted=False
) -> QuerySet[PracticeStory]:
    if service_area:
        stories = stories.filter(service_area=service_area)
    if council:
        stories = stories.filter(council__slug=council)
    if region:
        stories = stories.filter(council__region=region)
    if tag:
        stories = stories.filter(tags__name__iexact=tag)
    if promoted:
        stories = stories.filter(promoted_at__isnull=False)
    return stories


def library_councils(*, viewer) -> list[tuple[str, str]]:
    """Councils with a story the viewer may read: the library's council filter. Each council is asked
    whether it has one, part by part (permissions.listed_story_parts: a member's community stories only
    for a council with no story every member may read), on the practice_story_listed index, so the cost
    follows the few hundred councils, not the tens of thousands of stories."""
    has_story = Q()
    for part in permissions.listed_story_parts(viewer):
        has_story |= Q(Exists(part.filter(council=OuterRef("pk"))))
    return list(Council.objects.filter(has_story).order_by("name").values_list("slug", "name"))


def stories_of(*, user) -> QuerySet[PracticeStory]:
    """Every story the member wrote or co-wrote, drafts first."""
    return (
        PracticeStory.objects.filter(permissions.authored_q(user))
        .select_related("council", "community")
        .order_by(
            Case(
                When(status=PracticeStory.Status.DRAFT, then=0),
                When(status=PracticeStory.Status.PUBLISHED, then=1),
                default=2,
            ),
            "-updated_at",
            "-pk",
        )
    )


def endorsements_for(*, story: PracticeStory) -> list[Endorsement]:
    return list(story.endorsements.select_related("user__council")[:ENDORSEMENTS_SHOWN])


def adoptions_for(*, viewer, story: PracticeStory) -> list[Adoption]:
    """Every council that repeated it (at most a few hundred councils exist), each follow-up story linked
    only when the viewer may read it (one query for all of them)."""
    adoptions = list(story.adoptions.select_related("council", "recorded_by", "follow_up"))
    follow_ups = {adoption.follow_up_id for adoption in adoptions if adoption.follow_up_id}
    readable = set(
        permissions.listed_stories(viewer).filter(pk__in=follow_ups).values_list("pk", flat=True)
        if follow_ups
        else ()
    )
    for adoption in adoptions:
        adoption.follow_up_readable = adoption.follow_up_id in readable
    return adoptions


def discussion_for(*, viewer, story: PracticeStory) -> dict | None:
    """The story's discussion as the viewer may see it: its latest replies if they can read the home
    community, else None (the page says where it is, if the viewer may know the community)."""
    thread = story.discussion
    if thread is None or not can_read(user=viewer, community=thread.community):
        return None
    replies = list(
        Post.objects.filter(thread=thread, depth__gt=0, state=Post.State.VISIBLE)
        .select_related("author")
        .order_by("-created_at", "-pk")[:DISCUSSION_REPLIES_SHOWN]
    )
    replies.reverse()
    return {
        "thread": thread,
        "replies": replies,
        "can_reply": can_participate(user=viewer, community=story.community) and not thread.locked,
    }


def home_communities(*, user) -> QuerySet:
    """Communities the member may make a story's home: those they take part in."""
    return Community.objects.filter(
        memberships__user=user, memberships__state=Membership.State.ACTIVE
    ).order_by("name")


def follow_up_choices(*, user, story: PracticeStory) -> QuerySet[PracticeStory]:
    """The adopter's own council's published stories they may read, to link as a follow-up."""
    return (
        permissions.listed_stories(user)
        .filter(council_id=user.council_id)
        .exclude(pk=story.pk)
        .order_by("-published_at")
        .only("pk", "title")[:100]
    )


# --- Council pages (practice/extensions.py) ---------------------------------------------------------------
def council_shared(viewer, council) -> ProfileSection:
    """The council's newest published stories the viewer may read, and how many there are up to
    COUNCIL_STORIES_COUNTED: one query (on PostgreSQL the count is of the first ids the same filter finds,
    an InitPlan that stops there; elsewhere a window count over every matching row)."""
    listed = permissions.listed_stories(viewer).filter(council=council)  # the practice_story_council index
    if connection.vendor == "postgresql":
        from django.contrib.postgres.expressions import ArraySubquery

        first = listed.order_by().values("pk")[: COUNCIL_STORIES_COUNTED + 1]
        total = Func(ArraySubquery(first), function="cardinality", output_field=IntegerField())
    else:
        total = Window(Count("pk"))
    stories = list(
        listed.annotate(total=total)
        .only(*SHARED_FIELDS)  # not the record: up to 14 long texts each
        .order_by("-published_at", "-pk")[:COUNCIL_SECTION_SIZE]
    )
    total = stories[0].total if stories else 0
    return ProfileSection(
        title="Practice shared",
        template="practice/_council_shared.html",
        context={
            "stories": stories,
            "total": min(total, COUNCIL_STORIES_COUNTED),
            "over": total > COUNCIL_STORIES_COUNTED,
            "more": total > len(stories),
            "council": council,
        },
    )


def council_repeated(viewer, council) -> ProfileSection:
    """The council's newest adoptions of stories the viewer may read, each with the story's own council:
    one query."""
    adoptions = list(
        Adoption.objects.filter(council=council, story__in=permissions.listed_stories(viewer).values("pk"))
        .select_related("story__council")  # each row links the story and names the council it came from
        .only(
            "outcome",
            "started_on",
            "story__title",
            "story__slug",
            "story__council__name",
            "story__council__slug",
        )
        .order_by("-started_on", "-pk")[:COUNCIL_SECTION_SIZE]
    )
    return ProfileSection(
        title="Practice repeated",
        template="practice/_council_repeated.html",
        context={"adoptions": adoptions, "council": council},
    )


# --- Profiles (practice/extensions.py) --------------------------------------------------------------------
def _stories_by(person) -> QuerySet[PracticeStory]:
    """Every story the person wrote or co-wrote, without the duplicate rows a join on co-authors makes: the
    co-written ones as an array, so that both halves are index lookups (a BitmapOr), not a scan of every
    story testing a hashed subplan."""
    co_written = PracticeStory.co_authors.through.objects.filter(user=person).values("practicestory_id")
    return PracticeStory.objects.filter(Q(author=person) | pk_among(co_written)).order_by()


def story_contributions(viewer, person, limit: int) -> list[Contribution]:
    """The person's newest published stories (as author or co-author) that the viewer may read: one query.
    The home community is named only to a viewer who may read it: a public story from a private community
    must not reveal the community."""
    stories = (
        permissions.listed_stories(viewer)
        # The person's few stories looked up by primary key (as IN, the planner walks every published story
        # newest first and tests each: a second on a national hub for someone who wrote none).
        .filter(pk_among(_stories_by(person).values("pk")))
        .select_related("community")
        .only("title", "slug", "published_at", "community__name")
        .annotate(community_readable=Q(community__in=readable_community_ids(viewer)))
        .order_by("-published_at", "-pk")[:limit]
    )
    return [
        Contribution(
            kind="Story",
            title=story.title,
            url=story.get_absolute_url(),
            created_at=story.published_at,
            where=story.community.name if story.community_readable else "",
        )
        for story in stories
    ]


# --- Data export (practice/extensions.py) -----------------------------------------------------------------
def _readable_story_ids(user) -> set[int]:
    return set(permissions.readable_stories(user).values_list("pk", flat=True))


def practice_personal_data(user) -> dict[str, Any]:
    """Their stories (as author or co-author: every field of the record, its measures and links, in every
    status), what they endorsed and the adoptions they recorded for their council.

    A story's home community is named only while they may still read it, and another story (one they
    endorsed, adopted or linked as a follow-up) only while they may still read that story: either may have
    moved out of their reach, and the export must not reveal it. Their own stories keep their titles: they
    wrote them. Others' names (co-authors, who promoted a story) stay out: that is their data.
    """
    communities_readable = set(readable_communities(user).values_list("pk", flat=True))
    readable_stories = _readable_story_ids(user)
    stories = (
        _stories_by(user)
        .select_related("community", "council")
        .prefetch_related("tags", "measures")
        .order_by("created_at", "pk")
    )
    endorsements = Endorsement.objects.filter(user=user).select_related("story")
    adoptions = Adoption.objects.filter(recorded_by=user).select_related("story", "council", "follow_up")

    def title_of(story: PracticeStory | None) -> str | None:
        return story.title if story is not None and story.pk in readable_stories else None

    return {
        "stories": [
            {
                "title": story.title,
                "slug": story.slug,
                "role": "author" if story.author_id == user.pk else "co-author",
                "community": {"name": story.community.name, "slug": story.community.slug}
                if story.community_id in communities_readable
                else None,
                "council": {"name": story.council.name, "slug": story.council.slug}
                if story.council
                else None,
                "status": story.status,
                "audience": story.audience,
                "summary": story.summary,
                "service_area": story.service_area,
                **{name: getattr(story, name) for name, _ in RECORD_SECTIONS},
                "evidence_links": story.evidence_links,
                "measures": [
                    {
                        "metric": measure.metric,
                        "before": str(measure.before),
                        "after": str(measure.after),
                        "unit": measure.unit,
                    }
                    for measure in story.measures.all()
                ],
                "tags": sorted(tag.name for tag in story.tags.all()),
                "endorsement_count": story.endorsement_count,
                "adoption_count": story.adoption_count,
                "created_at": iso(story.created_at),
                "updated_at": iso(story.updated_at),
                "published_at": iso(story.published_at),
                "promoted_at": iso(story.promoted_at),
            }
            for story in stories
        ],
        "endorsements": [
            {"story": title_of(e.story), "comment": e.comment, "created_at": iso(e.created_at)}
            for e in endorsements.order_by("created_at", "pk")
        ],
        "adoptions_recorded": [
            {
                "story": title_of(a.story),
                "council": {"name": a.council.name, "slug": a.council.slug},
                "outcome": a.outcome,
                "started_on": a.started_on.isoformat(),
                "notes": a.notes,
                "follow_up": title_of(a.follow_up),
                "created_at": iso(a.created_at),
            }
            for a in adoptions.order_by("created_at", "pk")
        ],
    }
