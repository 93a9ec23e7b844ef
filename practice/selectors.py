"""Reads for the practice pages, each already filtered through practice.permissions."""

from django.db.models import Case, QuerySet, When

from communities.models import Community, Membership, Post
from communities.permissions import can_participate, readable_communities
from practice import permissions
from practice.models import Adoption, Endorsement, PracticeStory
from profiles.models import Council

ENDORSEMENTS_SHOWN = 20
DISCUSSION_REPLIES_SHOWN = 5
SORT_ORDER = {
    "newest": ("-published_at", "-pk"),
    "endorsed": ("-endorsement_count", "-published_at", "-pk"),
    "repeated": ("-adoption_count", "-published_at", "-pk"),
}


def story_for_page(*, slug: str) -> PracticeStory | None:
    """The story with what its page shows beside the record; the caller checks can_read."""
    return (
        PracticeStory.objects.select_related(
            "author__council", "council", "community", "promoted_by", "discussion__community"
        )
        .prefetch_related("co_authors__council", "tags", "measures")  # authors, tags and the measures table
        .filter(slug=slug)
        .first()
    )


def library(
    *, viewer, service_area="", council="", region="", tag="", promoted=False, sort="newest"
) -> QuerySet[PracticeStory]:
    stories = permissions.listed_stories(viewer)
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
    return (
        stories.select_related("council")  # each card names its council
        .prefetch_related("tags")
        .order_by(*SORT_ORDER.get(sort, SORT_ORDER["newest"]))
    )


def library_councils(*, viewer) -> list[tuple[str, str]]:
    """Councils with a story the viewer may read: the library's council filter."""
    ids = permissions.listed_stories(viewer).values("council_id")
    return list(Council.objects.filter(pk__in=ids).order_by("name").values_list("slug", "name"))


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
    if thread is None or not readable_communities(viewer).filter(pk=thread.community_id).exists():
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
