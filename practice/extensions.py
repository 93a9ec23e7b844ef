"""What practice adds to the rest of the hub through profiles.extensions (registered from apps.ready()): the
"Practice shared" and "Practice repeated" sections of a council's page, a member's stories among "Recent
contributions", the data export and account erasure; and, through a signal, endorsement counts that follow
a site admin deleting someone outright.

Every read goes through practice.permissions.listed_stories, so a council page, a profile and the library
show the same stories to the same viewer.
"""

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from communities import permissions as community_permissions
from practice import permissions
from practice.models import RECORD_SECTIONS, Adoption, Endorsement, PracticeStory
from practice.services import story_url
from profiles.extensions import (
    Contribution,
    ProfileSection,
    register_contributions,
    register_council_section,
    register_erasure,
    register_notice_filter,
    register_personal_data,
)
from profiles.models import User

COUNCIL_SECTION_SIZE = 10
# What "Practice shared" shows of each story.
SHARED_FIELDS = ("title", "slug", "summary", "service_area", "promoted_at", "adoption_count", "published_at")


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


# --- Council pages -------------------------------------------------------------------------------------
@register_council_section
def council_shared(viewer, council) -> ProfileSection:
    """The council's newest published stories the viewer may read, and how many there are: one query (the
    total rides along as a window count, computed over every matching row before the LIMIT)."""
    stories = list(
        permissions.listed_stories(viewer)
        .filter(council=council)  # the practice_story_council index
        .annotate(total=Window(Count("pk")))
        .only(*SHARED_FIELDS)  # not the record: up to 14 long texts each
        .order_by("-published_at", "-pk")[:COUNCIL_SECTION_SIZE]
    )
    total = stories[0].total if stories else 0
    return ProfileSection(
        title="Practice shared",
        template="practice/_council_shared.html",
        context={"stories": stories, "total": total, "more": total > len(stories), "council": council},
    )


@register_council_section
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


# --- Profiles -------------------------------------------------------------------------------------------
def _stories_by(person) -> QuerySet[PracticeStory]:
    """Every story the person wrote or co-wrote, without the duplicate rows a join on co-authors makes."""
    return PracticeStory.objects.filter(permissions.authored_q(person))


@register_contributions
def story_contributions(viewer, person, limit: int) -> list[Contribution]:
    """The person's newest published stories (as author or co-author) that the viewer may read: one query.
    The home community is named only to a viewer who may read it: a public story from a private community
    must not reveal the community."""
    stories = (
        permissions.listed_stories(viewer)
        .filter(pk__in=_stories_by(person).values("pk"))
        .select_related("community")
        .only("title", "slug", "published_at", "community__name")
        .annotate(community_readable=Q(community__in=community_permissions.readable_community_ids(viewer)))
        .order_by("-published_at", "-pk")[:limit]
    )
    return [
        Contribution(
            kind="Story",
            title=story.title,
            url=story_url(story),
            created_at=story.published_at,
            where=story.community.name if story.community_readable else "",
        )
        for story in stories
    ]


# --- Data export ----------------------------------------------------------------------------------------
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
    readable_communities = set(community_permissions.readable_communities(user).values_list("pk", flat=True))
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
                if story.community_id in readable_communities
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
                "created_at": _iso(story.created_at),
                "updated_at": _iso(story.updated_at),
                "published_at": _iso(story.published_at),
                "promoted_at": _iso(story.promoted_at),
            }
            for story in stories
        ],
        "endorsements": [
            {"story": title_of(e.story), "comment": e.comment, "created_at": _iso(e.created_at)}
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
                "created_at": _iso(a.created_at),
            }
            for a in adoptions.order_by("created_at", "pk")
        ],
    }


register_personal_data("practice", practice_personal_data)
register_notice_filter("practice.practicestory", permissions.notices_about_stories_q)


# --- Erasure --------------------------------------------------------------------------------------------
def _recount_endorsements(story_ids: list[int], *, without: User | None = None) -> None:
    """Set each story's endorsement_count from its rows (less `without`'s, about to be deleted)."""
    rows = Endorsement.objects.filter(story=OuterRef("pk"))
    if without is not None:
        rows = rows.exclude(user=without)
    counted = rows.order_by().values("story").annotate(n=Count("pk")).values("n")
    PracticeStory.objects.filter(pk__in=story_ids).update(
        endorsement_count=Coalesce(Subquery(counted), Value(0))
    )


def _lock_endorsed_stories(user) -> list[int]:
    """Lock the stories the member endorsed, in one order, as the recognition services lock a story before
    they change its endorsements: an endorsement made meanwhile lands before we count, or after."""
    return list(
        PracticeStory.objects.select_for_update()
        .filter(pk__in=Endorsement.objects.filter(user=user).values("story_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@register_erasure
def erase_endorsements(user) -> None:
    """Endorsements go: each says what they think, often with a comment in their words. The counts are
    recounted from what remains.

    What they wrote and recorded stays: their stories (shown as by "Former member" once profiles anonymises
    the user row) and the adoptions they recorded, which are their council's record (recorded_by is kept, so
    the story's page says a former member recorded it).
    """
    story_ids = _lock_endorsed_stories(user)
    if story_ids:
        Endorsement.objects.filter(user=user).delete()
        _recount_endorsements(story_ids)


@receiver(pre_delete, sender=User, dispatch_uid="practice_endorsements_leave_with_their_user")
def endorsements_leave_with_their_user(sender, instance, **kwargs) -> None:
    """A site admin deleting someone outright (not erasing them) cascades their endorsements away: the
    counts must drop with them, as erasure makes them. (Someone who wrote a story cannot be deleted: the
    story protects its author, and Django refuses before this runs.)"""
    story_ids = _lock_endorsed_stories(instance)
    if story_ids:
        _recount_endorsements(story_ids, without=instance)
