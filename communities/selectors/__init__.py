"""Reads for the community pages, each already filtered through communities.permissions.

Every list runs a fixed number of queries whatever its length (tests/communities/test_browse_pages.py pins
them): the page of rows, one prefetch per related list it shows, one COUNT for the paginator.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Upper
from django.db.models.lookups import Contains, Exact
from taggit.models import Tag

from communities import permissions
from communities.models import Community, Membership, ModerationLogEntry, TopicTag
from core.queries import KeysFirst, WordSimilar
from profiles.models import User
from profiles.permissions import on_the_hub
from profiles.selectors import people_directory

S = Membership.State
R = Membership.Role

SORTS = {
    # Each ends on a unique column so pages never overlap or skip a community.
    "activity": ("-last_activity_at", "name"),
    "members": ("-member_count", "name"),
    "newest": ("-created_at", "-pk"),
}
# "My communities": where the viewer is in, or on the way in (invited, or asked to join).
MINE_STATES = (S.ACTIVE, S.INVITED, S.REQUESTED)
TRIGRAM_THRESHOLD = 0.4  # pg_trgm word similarity from which a name counts as a match, as for people
# What a directory card shows (templates/communities/browse/_card.html), and no more of the wide row.
CARD_FIELDS = ("name", "slug", "description", "visibility", "member_count")


def communities_directory(
    *, viewer: User, query: str = "", topic: str = "", sort: str = "activity", mine: bool = False
) -> QuerySet[Community]:
    """Communities the viewer may see, matching the filters. `topic` is a tag slug; `sort` a key of SORTS.

    "Mine" keeps those where the viewer is active, invited or waiting for approval: where members find
    their private communities. Banned, declined, left and removed memberships are not "mine".
    """
    communities = permissions.visible_communities(viewer)
    if mine:
        communities = communities.filter(
            Exists(Membership.objects.filter(community=OuterRef("pk"), user=viewer, state__in=MINE_STATES))
        )
    if topic:
        # Exists, not a join: a join on the tag table would repeat a community once per matching row.
        communities = communities.filter(
            Exists(TopicTag.objects.filter(content_object=OuterRef("pk"), tag__slug=topic))
        )
    query = " ".join(query.split())
    if query and connection.vendor == "postgresql":
        # Misspelt names still match ("homelesness"): pg_trgm's word similarity of at least
        # TRIGRAM_THRESHOLD (`%>`, whose threshold the settings set to it); any part of a name matches too
        # ("clim"). Both on UPPER(name) (trigrams ignore case), which the trigram index of migration 0010
        # answers instead of every name being scored.
        name = Upper("name")
        communities = communities.filter(
            Q(WordSimilar(name, Upper(Value(query)))) | Q(Contains(name, Upper(Value(query))))
        )
    elif query:
        communities = communities.filter(name__icontains=query)
    # Each sort walks its index (models.Community); cards_decorate adds what else a card shows.
    return communities.only(*CARD_FIELDS).order_by(*SORTS.get(sort, SORTS["activity"]))


def cards_decorate(*, viewer: User, communities: list[Community]) -> None:
    """What each directory card shows besides its row, for a page of them in two queries: `card_topics`,
    its topics by name (each with name and slug), and `viewer_membership`, the viewer's place in it."""
    topics: dict[int, dict[str, dict]] = {community.pk: {} for community in communities}
    if communities:
        # One query for the page's topics, not taggit's prefetch, which builds a queryset per card.
        rows = (
            TopicTag.objects.filter(content_object__in=list(topics))
            .order_by()
            .values_list("content_object_id", "tag__name", "tag__slug")
        )
        for community_id, name, slug in rows:
            topics[community_id][slug] = {"name": name, "slug": slug}
    memberships = viewer_memberships(viewer=viewer, communities=communities)
    for community in communities:
        community.card_topics = sorted(topics[community.pk].values(), key=lambda topic: topic["name"])
        community.viewer_membership = memberships.get(community.pk)


def viewer_memberships(*, viewer: User, communities: Iterable[Community]) -> dict[int, Membership]:
    """The viewer's membership in each of these communities, in one query, keyed by community id.

    Each community also keeps it for the permission checks (permissions.membership_remember), so a page
    of cards asks can_manage or can_read without a query per card.
    """
    communities = list(communities)
    if not communities or not (viewer.is_authenticated and viewer.is_active):
        return {}
    found = {
        membership.community_id: membership
        for membership in Membership.objects.filter(
            user=viewer, community__in=[c.pk for c in communities]
        ).order_by()  # not the model's order, which joins the community and the person to sort
    }
    for community in communities:
        permissions.membership_remember(user=viewer, community=community, membership=found.get(community.pk))
    return found


def community_topics(*, viewer: User) -> list[tuple[str, str]]:
    """(slug, name) of the topics of communities the viewer may see, for the directory's filter."""
    tagged = TopicTag.objects.filter(
        tag=OuterRef("pk"), content_object__in=permissions.visible_communities(viewer)
    )
    return list(Tag.objects.filter(Exists(tagged)).order_by("name").values_list("slug", "name"))


def community_for_page(*, slug: str) -> Community | None:
    """The community behind a URL; the view decides with permissions who may see it."""
    return Community.objects.filter(slug=slug).first()


def _role_rank() -> Case:
    return Case(
        When(role=R.OWNER, then=Value(0)),
        When(role=R.FACILITATOR, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def community_facilitators(*, community: Community) -> QuerySet[Membership]:
    """Owners then facilitators still on the hub, with their council: one query for the community page."""
    return (
        Membership.objects.filter(
            on_the_hub("user__"),
            community=community,
            state=S.ACTIVE,
            role__in=permissions.FACILITATOR_ROLES,
        )
        .select_related("user__council")
        .order_by(_role_rank(), "user__display_name", "pk")
    )


def _member_keys(*, community: Community) -> QuerySet[Membership]:
    """The community's active members in the members lists' order, reading only the index
    communities_member_list (id, role and user of each of the community's active memberships) and each
    member's row by primary key, once: a page of them is cut out of this before any row is joined
    (KeysFirst), so PostgreSQL never hashes the whole users table to join a few thousand memberships.

    The order is one key looked up per membership, (role rank, name) of a member on the hub and NULL for
    anyone else: they come after everyone on the hub, past the last page that the kept member_count (of
    members on the hub) makes, and community_members drops them from a page anyway."""
    if connection.vendor != "postgresql":  # no row values to sort by: the people joined, as the rows are
        return Membership.objects.filter(on_the_hub("user__"), community=community, state=S.ACTIVE).order_by(
            _role_rank(), "user__display_name", "pk"
        )
    role = OuterRef("role")
    rank = Case(
        When(Exact(role, Value(R.OWNER)), then=Value(0)),
        When(Exact(role, Value(R.FACILITATOR)), then=Value(1)),
        default=Value(2),
    )
    key = Func(rank, F("display_name"), function="ROW", output_field=TextField())
    person = User.objects.filter(on_the_hub(), pk=OuterRef("user_id")).order_by()
    return (
        Membership.objects.filter(community=community, state=S.ACTIVE)
        .annotate(member_order=Subquery(person.annotate(key=key).values("key")[:1]))
        .order_by(F("member_order").asc(nulls_last=True), "pk")
    )


def community_members(*, viewer: User, community: Community) -> KeysFirst:
    """Active members still on the hub, owners and facilitators first, for paginate() with the community's
    kept member_count. The caller has run check_read."""
    # The page's rows by primary key (filtering them by community again would have PostgreSQL scan its
    # index entries once more), each with the person and their council; and never anyone off the hub.
    rows = (
        Membership.objects.filter(on_the_hub("user__"))
        .select_related("user__council")
        .order_by(_role_rank(), "user__display_name", "pk")
    )
    return KeysFirst(_member_keys(community=community), rows)


def community_member_list(*, viewer: User, community: Community) -> KeysFirst:
    """community_members with only what the members page shows: the membership's role, the person's name,
    handle, photo, job title and council name."""
    members = community_members(viewer=viewer, community=community)
    members.rows = members.rows.only(
        "role",
        "user",
        "user__display_name",
        "user__erased_at",
        "user__handle",
        "user__avatar",
        "user__job_title",
        "user__council__name",
    )
    return members


def memberships_for_profile(*, viewer: User, person: User) -> QuerySet[Membership]:
    """The person's active memberships in communities whose members the viewer may read: open ones for
    everyone signed in, restricted and private ones only for their members and site admins. A listed
    (restricted) community's members page is members-only, so profiles must not rebuild it either; nor
    may a private community show to someone only invited to it."""
    return (
        Membership.objects.filter(
            user=person,
            state=S.ACTIVE,
            community__in=permissions.readable_communities(viewer),
        )
        .select_related("community")
        .order_by("community__name")
    )


# --- Facilitators' pages (/communities/<slug>/manage/). The caller has run permissions.check_manage. ---
# Each list is one query for its rows, with the people and councils they show, and one COUNT for its
# paginator: tests/communities/test_manage_pages.py pins the pages' query counts.


def pending_requests(*, community: Community) -> QuerySet[Membership]:
    """Requests to join from people still on the hub, whoever has waited longest first."""
    return (
        Membership.objects.filter(on_the_hub("user__"), community=community, state=S.REQUESTED)
        .select_related("user__council")  # each request shows the person and their council
        .order_by("updated_at", "pk")
    )


def open_invitations(*, community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(on_the_hub("user__"), community=community, state=S.INVITED)
        .select_related("user__council", "invited_by")  # who was invited, and by whom
        .order_by("-updated_at", "-pk")
    )


def banned_memberships(*, community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(on_the_hub("user__"), community=community, state=S.BANNED)
        .select_related("user__council")
        .order_by("-updated_at", "-pk")
    )


def membership_of(*, community: Community, user_id: int) -> Membership | None:
    """One person's membership, with the person: the member whose removal or ban is being confirmed."""
    return Membership.objects.filter(community=community, user_id=user_id).select_related("user").first()


def invite_candidates(*, viewer: User, community: Community, query: str = "") -> QuerySet[User]:
    """People on the hub matching the name (the people directory's own matching) who are not members yet.

    Each carries `membership_state`: invited, banned, requested... or None, so the page says why someone
    cannot be invited, without a query per person.
    """
    state = Membership.objects.filter(community=community, user=OuterRef("pk")).values("state")[:1]
    return (
        people_directory(viewer=viewer, query=query)
        .prefetch_related(None)  # the results show name and council, not expertise
        .exclude(Exists(Membership.objects.filter(community=community, user=OuterRef("pk"), state=S.ACTIVE)))
        .annotate(membership_state=Subquery(state))
    )


def moderation_log(*, community: Community) -> QuerySet[ModerationLogEntry]:
    # Each line names who acted and to whom. Newest first, on the (community, -created_at) index.
    return (
        ModerationLogEntry.objects.filter(community=community)
        .select_related("actor", "subject", "thread__community")  # conversation actions link the thread
        .order_by("-created_at", "-pk")
    )
