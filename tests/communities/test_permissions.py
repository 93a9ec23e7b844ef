"""communities.permissions: the single-object checks and the queryset filters agree, for every mix."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404

from communities import permissions, selectors
from communities.models import Community, HubSettings, Membership, Post
from communities.services.conversations import thread_create
from profiles.models import User
from tests.communities.helpers import RELATIONS
from tests.factories import (
    AdminFactory,
    CommunityFactory,
    MembershipFactory,
    UserFactory,
    VerifiedMemberFactory,
)

pytestmark = pytest.mark.django_db

V = Community.Visibility
S = Membership.State
OPTIONS = list(RELATIONS.values())  # None (no row) and every (state, role)


@pytest.fixture
def mix(db):
    """3 communities of each visibility, and people holding every relation to every visibility.

    Person i relates to community j as OPTIONS[(i + j) % len(OPTIONS)]: each community sees every
    relation, and each person holds different relations to different communities. Site admins (active and
    deactivated), a deactivated member with active memberships and the anonymous visitor complete it."""
    communities = [
        CommunityFactory(visibility=v) for v in (V.OPEN, V.RESTRICTED, V.PRIVATE) for _ in range(3)
    ]
    people = [UserFactory() for _ in OPTIONS]
    for (i, person), (j, community) in itertools.product(enumerate(people), enumerate(communities)):
        option = OPTIONS[(i + j) % len(OPTIONS)]
        if option is not None:
            MembershipFactory(community=community, user=person, state=option[0], role=option[1])
    deactivated = UserFactory(is_active=False)
    for community in communities:
        MembershipFactory(community=community, user=deactivated, state=S.ACTIVE, role="facilitator")
    owners = [community.created_by for community in communities]
    viewers = [
        *people,
        *owners,
        deactivated,
        AdminFactory(),
        AdminFactory(is_active=False),
        AnonymousUser(),
    ]
    return {"communities": communities, "viewers": viewers}


def _fresh(communities):
    # New objects for each viewer: no membership kept from another viewer's checks.
    return list(Community.objects.filter(pk__in=[c.pk for c in communities]))


def test_single_object_checks_agree_with_the_queryset_filters_for_every_mix(mix):
    checked = 0
    for viewer in mix["viewers"]:
        visible = set(permissions.visible_communities(viewer).values_list("pk", flat=True))
        readable = set(permissions.readable_communities(viewer).values_list("pk", flat=True))
        managed = set(permissions.managed_communities(viewer).values_list("pk", flat=True))
        readable_ids = set(
            Community.objects.filter(pk__in=permissions.readable_community_ids(viewer)).values_list(
                "pk", flat=True
            )
        )
        assert readable_ids == readable
        for community in _fresh(mix["communities"]):
            who = (getattr(viewer, "email", "anonymous"), community.name, community.visibility)
            assert permissions.can_see(user=viewer, community=community) == (community.pk in visible), who
            assert permissions.can_read(user=viewer, community=community) == (community.pk in readable), who
            assert permissions.can_manage(user=viewer, community=community) == (community.pk in managed), who
            checked += 1
    assert checked == len(mix["viewers"]) * 9


COMMUNITIES = '"communities_community" c'
THREADS = '"communities_thread" t JOIN "communities_community" c ON c.id = t.community_id'


def _ids_where(condition: str, viewer, tables: str = COMMUNITIES, alias: str = "c") -> set[int]:
    """The ids of the rows the SQL condition lets through, with the viewer as the parameters."""
    with connection.cursor() as cursor:
        statement = f"SELECT {alias}.id FROM {tables} WHERE {condition}"  # noqa: S608 (the module's)
        cursor.execute(statement, permissions.sql_params(viewer))
        return {pk for (pk,) in cursor.fetchall()}


def test_the_sql_conditions_agree_with_the_queryset_filters_for_every_mix(mix, postgres_only):
    """The feed's statements name the viewer as parameters: for every signed-in viewer, read without their
    standing (sql_params asks) and with it (as khub.auth reads it), the same rows as the filters."""
    for place in mix["communities"]:  # a listed thread in each, and one whose opening post was hidden
        thread_create(author=place.created_by, community=place, title="Listed", body="Hello")
        hidden = thread_create(author=place.created_by, community=place, title="Unlisted", body="Hello")
        Post.objects.filter(pk=hidden.opening_post_id).update(state=Post.State.HIDDEN)
    signed_in = [viewer for viewer in mix["viewers"] if viewer.is_authenticated and viewer.is_active]
    sizes = set()
    for viewer in signed_in:
        visible = set(permissions.visible_communities(viewer).values_list("pk", flat=True))
        readable = set(permissions.readable_communities(viewer).values_list("pk", flat=True))
        listed = set(permissions.listed_threads(viewer).values_list("pk", flat=True))
        with_standing = User.objects.annotate(**permissions.standing_annotations()).get(pk=viewer.pk)
        for user in (viewer, with_standing):
            who = (viewer.email, hasattr(user, "standing_member_of"))
            assert _ids_where(permissions.visible_community_sql("c"), user) == visible, who
            assert _ids_where(permissions.readable_community_sql("c"), user) == readable, who
            listed_sql = permissions.listed_thread_sql("t", "c")
            assert _ids_where(listed_sql, user, THREADS, "t") == listed, who
        assert len(listed) == len(readable)  # one listed thread in each readable community
        sizes.add((len(visible), len(readable)))
    assert len(sizes) > 3  # the viewers see and read different amounts: the mix is not trivial


def test_readers_of_a_community_are_the_people_can_read_allows(mix):
    """The notices' filter over people agrees with can_read for each of them: deactivated people (members,
    facilitators, site admins) read nothing, site admins who are active read everything."""
    people = [viewer for viewer in mix["viewers"] if viewer.is_authenticated]
    everyone = User.objects.filter(pk__in=[person.pk for person in people])
    answers = set()
    for community in _fresh(mix["communities"]):
        readers = permissions.readers_of(community=community, people=everyone)
        reader_ids = set(readers.values_list("pk", flat=True))
        for person in people:
            can_read = permissions.can_read(user=person, community=community)
            assert can_read == (person.pk in reader_ids), (person.email, community.visibility)
            answers.add((can_read, person.is_active, person.is_staff))
    assert (True, True, True) in answers  # an active site admin reads every community
    assert (False, False, True) in answers  # a deactivated one none
    assert (False, False, False) in answers  # nor a deactivated facilitator
    assert {(True, True, False), (False, True, False)} <= answers  # members read, outsiders do not


def test_readers_of_keeps_to_the_people_given():
    place = CommunityFactory(visibility=V.OPEN)
    reader, other = UserFactory(), UserFactory()
    chosen = permissions.readers_of(community=place, people=User.objects.filter(pk=reader.pk))
    assert list(chosen) == [reader]
    assert other not in chosen


def test_owners_and_site_admins_manage_owners_and_nobody_else(mix):
    for viewer in mix["viewers"]:
        for community in _fresh(mix["communities"]):
            membership = (
                Membership.objects.filter(community=community, user=viewer).first()
                if viewer.is_authenticated
                else None
            )
            signed_in = viewer.is_authenticated and viewer.is_active
            owner = membership is not None and membership.state == S.ACTIVE and membership.role == "owner"
            expected = signed_in and (viewer.is_staff or owner)
            actual = permissions.can_manage_owners(user=viewer, community=community)
            assert actual == expected, (getattr(viewer, "email", "anonymous"), community.visibility)
            if actual:
                assert permissions.can_manage(user=viewer, community=community)


def test_the_raising_checks_hide_private_communities_and_refuse_restricted_ones(mix):
    for viewer in mix["viewers"]:
        for community in _fresh(mix["communities"]):
            see = permissions.can_see(user=viewer, community=community)
            read = permissions.can_read(user=viewer, community=community)
            manage = permissions.can_manage(user=viewer, community=community)
            if not see:
                with pytest.raises(Http404):
                    permissions.check_see(user=viewer, community=community)
                with pytest.raises(Http404):
                    permissions.check_read(user=viewer, community=community)
                with pytest.raises(Http404):
                    permissions.check_manage(user=viewer, community=community)
                continue
            permissions.check_see(user=viewer, community=community)
            if read:
                permissions.check_read(user=viewer, community=community)
            else:
                with pytest.raises(PermissionDenied):
                    permissions.check_read(user=viewer, community=community)
            if not manage:
                with pytest.raises(PermissionDenied):
                    permissions.check_manage(user=viewer, community=community)


def _expected(viewer, community):
    """The rules of the issue, written out independently of the module."""
    if not (viewer.is_authenticated and viewer.is_active):
        return False, False, False
    if viewer.is_staff:
        return True, True, True
    membership = Membership.objects.filter(community=community, user=viewer).first()
    state = membership.state if membership else None
    active = state == S.ACTIVE
    see = community.visibility != V.PRIVATE or state in (S.ACTIVE, S.INVITED)
    read = community.visibility == V.OPEN or active
    manage = active and membership.role in ("facilitator", "owner")
    return see, read, manage


def test_the_rules_match_the_issue_for_every_mix(mix):
    for viewer in mix["viewers"]:
        for community in _fresh(mix["communities"]):
            actual = (
                permissions.can_see(user=viewer, community=community),
                permissions.can_read(user=viewer, community=community),
                permissions.can_manage(user=viewer, community=community),
            )
            assert actual == _expected(viewer, community), (
                getattr(viewer, "email", "anon"),
                community.visibility,
            )


def test_the_directory_lists_only_visible_communities_and_mine_only_the_viewers_own(mix):
    for viewer in mix["viewers"]:
        if not viewer.is_authenticated:
            continue
        visible = set(permissions.visible_communities(viewer).values_list("pk", flat=True))
        listed = {c.pk for c in selectors.communities_directory(viewer=viewer)}
        assert listed == visible
        mine = {c.pk for c in selectors.communities_directory(viewer=viewer, mine=True)}
        own = set(
            Membership.objects.filter(user=viewer, state__in=(S.ACTIVE, S.INVITED, S.REQUESTED)).values_list(
                "community_id", flat=True
            )
        )
        assert mine == own & visible


def test_a_private_communitys_requester_and_banned_member_cannot_see_it():
    private = CommunityFactory(visibility=V.PRIVATE)
    for state in (S.REQUESTED, S.BANNED, S.DECLINED, S.LEFT, S.REMOVED):
        person = UserFactory()
        MembershipFactory(community=private, user=person, state=state)
        assert not permissions.can_see(user=person, community=Community.objects.get(pk=private.pk)), state
        assert private not in permissions.visible_communities(person)


def test_invited_people_see_a_private_community_but_cannot_read_it():
    private = CommunityFactory(visibility=V.PRIVATE)
    person = UserFactory()
    MembershipFactory(community=private, user=person, state=S.INVITED)
    assert permissions.can_see(user=person, community=private)
    assert not permissions.can_read(user=person, community=private)


def test_members_with_a_verified_council_may_create_communities_unless_admins_only():
    verified, unverified, admin = VerifiedMemberFactory(), UserFactory(), AdminFactory()
    assert permissions.can_create_community(user=verified)
    assert not permissions.can_create_community(user=unverified)
    assert permissions.can_create_community(user=admin)
    assert not permissions.can_create_community(user=AnonymousUser())
    HubSettings.objects.update_or_create(pk=1, defaults={"community_creation": "admins"})
    assert not permissions.can_create_community(user=verified)
    assert permissions.can_create_community(user=admin)


def test_memberships_fetched_in_bulk_answer_the_checks_without_another_query(django_assert_num_queries):
    person = UserFactory()
    communities = [CommunityFactory(visibility=V.RESTRICTED) for _ in range(3)]
    MembershipFactory(community=communities[0], user=person)
    fresh = _fresh(communities)
    with django_assert_num_queries(1):
        selectors.viewer_memberships(viewer=person, communities=fresh)
        answers = [permissions.can_read(user=person, community=c) for c in fresh]
    assert sorted(answers) == [False, False, True]
