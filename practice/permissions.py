"""Who may read a practice story and what they may do with it: the one place every surface asks.

A published story is read by its audience: public (anyone, signed in or not), members (anyone signed in) or
community (whoever may read its home community, communities.permissions.can_read). Its authors always read
it; a draft is theirs alone. Site admins read everything. An archived story keeps its page for its audience
but leaves the library and the council pages.

Pages answer 404 to a signed-in member who may not read a story, whatever the reason, so a story in a
private community does not exist for outsiders; a visitor who is not signed in is sent to sign in.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from communities import permissions as community_permissions
from practice.models import Adoption, PracticeStory

A = PracticeStory.Audience
ST = PracticeStory.Status


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_author(*, user, story: PracticeStory) -> bool:
    """The author or a co-author. Co-authors are fetched once per story object."""
    if not _signed_in(user):
        return False
    if story.author_id == user.pk:
        return True
    if "_co_author_ids" not in story.__dict__:
        story.__dict__["_co_author_ids"] = {person.pk for person in story.co_authors.all()}
    return user.pk in story.__dict__["_co_author_ids"]


def _audience_allows(user, story: PracticeStory) -> bool:
    if story.audience == A.PUBLIC:
        return True
    if not _signed_in(user):
        return False
    if story.audience == A.MEMBERS:
        return True
    return community_permissions.can_read(user=user, community=story.community)


def can_read(*, user, story: PracticeStory) -> bool:
    if _signed_in(user) and (user.is_staff or is_author(user=user, story=story)):
        return True
    return story.status != ST.DRAFT and _audience_allows(user, story)


def can_edit(*, user, story: PracticeStory) -> bool:
    return is_author(user=user, story=story)


def can_publish(*, user, story: PracticeStory) -> bool:
    """Its author, with a verified council affiliation, who takes part in the home community (the
    discussion starts there)."""
    return (
        _signed_in(user)
        and story.author_id == user.pk
        and user.has_verified_affiliation
        and community_permissions.can_participate(user=user, community=story.community)
    )


def can_endorse(*, user, story: PracticeStory) -> bool:
    return (
        _signed_in(user)
        and story.is_published
        and not is_author(user=user, story=story)
        and can_read(user=user, story=story)
    )


def can_promote(*, user, story: PracticeStory) -> bool:
    """Facilitators of the home community (and site admins), for a published story they did not write:
    promotion is the peers' recognition, not the author's."""
    return (
        story.is_published
        and not is_author(user=user, story=story)
        and can_withdraw_promotion(user=user, story=story)
    )


def can_withdraw_promotion(*, user, story: PracticeStory) -> bool:
    """The same people; an archived story's promotion can still be withdrawn."""
    return (
        _signed_in(user)
        and not story.is_draft
        and community_permissions.can_manage(user=user, community=story.community)
    )


def can_adopt(*, user, story: PracticeStory) -> bool:
    """A verified member of another council, who may read the published story."""
    return (
        _signed_in(user)
        and story.is_published
        and user.has_verified_affiliation
        and user.council_id != story.council_id
        and not is_author(user=user, story=story)  # a co-author from another council wrote it: not a repeat
        and can_read(user=user, story=story)
    )


def can_withdraw_adoption(*, user, adoption: Adoption) -> bool:
    """The member who recorded that their council repeated a story, another verified member of that
    council, or a site admin."""
    if not _signed_in(user):
        return False
    same_council = user.has_verified_affiliation and user.council_id == adoption.council_id
    return user.is_staff or adoption.recorded_by_id == user.pk or same_council


def check_read(*, user, story: PracticeStory) -> None:
    if not can_read(user=user, story=story):
        raise Http404("No such story")


def check_edit(*, user, story: PracticeStory) -> None:
    check_read(user=user, story=story)
    if not can_edit(user=user, story=story):
        raise PermissionDenied("Only the story's authors can change it.")


# --- Queryset filters ---------------------------------------------------------------------------------
def _audience_q(viewer) -> Q:
    if not _signed_in(viewer):
        return Q(audience=A.PUBLIC)
    return Q(audience__in=(A.PUBLIC, A.MEMBERS)) | Q(
        community_permissions.readable_community_q(viewer), audience=A.COMMUNITY
    )


def authored_q(viewer) -> Q:
    """Stories the viewer wrote or co-wrote (a subquery on the co-author table: no join, no duplicates)."""
    co_written = PracticeStory.co_authors.through.objects.filter(user=viewer).values("practicestory_id")
    return Q(author=viewer) | Q(pk__in=co_written)


def readable_stories(viewer) -> QuerySet[PracticeStory]:
    """Every story the viewer may read (can_read): published or archived for their audience, and their own."""
    stories = PracticeStory.objects.all()
    if not _signed_in(viewer):
        return stories.filter(~Q(status=ST.DRAFT) & _audience_q(viewer))
    if viewer.is_staff:
        return stories
    return stories.filter((~Q(status=ST.DRAFT) & _audience_q(viewer)) | authored_q(viewer))


def listed_stories(viewer) -> QuerySet[PracticeStory]:
    """Published stories the viewer may read: the library, council pages, profiles and (later) search."""
    return readable_stories(viewer).filter(status=ST.PUBLISHED)


def listed_story_parts(viewer) -> list[QuerySet[PracticeStory]]:
    """listed_stories(viewer) as disjoint querysets, the cheap one first: the stories every viewer of their
    kind may read (a visitor: the public ones; a member: the public and members' ones), read from the
    practice_story_listed index alone, then for a member the community stories they may read, which need
    their home community looked up. Counting them in this order with a cap (UNION ALL under a LIMIT), or
    asking whether any exists, seldom reaches the second part."""
    published = PracticeStory.objects.filter(status=ST.PUBLISHED)
    if not _signed_in(viewer):
        return [published.filter(audience=A.PUBLIC)]
    if viewer.is_staff:
        return [published]
    return [
        published.filter(audience__in=(A.PUBLIC, A.MEMBERS)),
        published.filter(
            Q(audience=A.COMMUNITY)
            & (community_permissions.readable_community_q(viewer) | authored_q(viewer))
        ),
    ]


# --- The same filters as SQL text, for statements written once (communities.permissions.sql_params) ---
def authored_sql(story: str) -> str:
    """authored_q as a condition on the story table aliased `story`."""
    co_authors = PracticeStory.co_authors.through
    return (
        f"({story}.author_id = %(viewer)s OR EXISTS (SELECT 1 FROM {co_authors._meta.db_table} {story}_co"  # noqa: S608
        f" WHERE {story}_co.practicestory_id = {story}.id AND {story}_co.user_id = %(viewer)s))"
    )


def listed_story_sql(story: str, community: str) -> str:
    """listed_stories as a condition on the story aliased `story` joined to its home community aliased
    `community`, for a signed-in, active viewer (communities.permissions.sql_params)."""
    readable_home = community_permissions.readable_community_sql(community)
    return (
        f"{story}.status = '{ST.PUBLISHED}' AND (%(viewer_is_staff)s"
        f" OR {story}.audience IN ('{A.PUBLIC}', '{A.MEMBERS}')"
        f" OR ({story}.audience = '{A.COMMUNITY}' AND {readable_home}) OR {authored_sql(story)})"
    )
