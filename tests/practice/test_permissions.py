"""practice.permissions: who reads a story, and who may endorse, promote and repeat it.

The rules are written out once here, independently of the module, and compared with every combination of
status, audience, home community visibility and viewer; the queryset filters must agree with the
single-object checks for a generated mix of communities, stories and people.
"""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from communities import permissions as community_permissions
from communities.models import Community, HubSettings, Membership
from communities.services.membership import membership_leave
from practice import permissions
from practice.models import Adoption, PracticeStory
from practice.services.recognition import adoption_record, adoption_withdraw
from practice.services.stories import story_archive, story_publish
from profiles.models import User
from profiles.selectors import standing_annotations as profile_standing
from tests.communities.helpers import RELATIONS
from tests.factories import (
    AdminFactory,
    CommunityFactory,
    CouncilFactory,
    MembershipFactory,
    UserFactory,
    VerifiedMemberFactory,
)
from tests.practice.helpers import author_in, draft_story, person_as, published_story

pytestmark = pytest.mark.django_db

ST = PracticeStory.Status
A = PracticeStory.Audience
V = Community.Visibility
S = Membership.State
STATUSES = (ST.DRAFT, ST.PUBLISHED, ST.ARCHIVED)
AUDIENCES = (A.PUBLIC, A.MEMBERS, A.COMMUNITY)
VIEWERS = ("anonymous", *RELATIONS, "author", "co_author", "site_admin")
ACTIVE = ("member", "facilitator", "owner")


def _allow_many_posts() -> None:
    # Each publication starts a conversation: lift the post rate limit so one author can publish them all.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 1000
    settings_row.save()


def _story_in(
    status: str, *, author, community, audience: str, co_authors=(), title: str = ""
) -> PracticeStory:
    story = draft_story(
        author=author,
        community=community,
        audience=audience,
        co_authors=list(co_authors),
        title=title or f"{status} {audience} {community.visibility}",
    )
    if status != ST.DRAFT:
        story = story_publish(actor=author, story=story)
    if status == ST.ARCHIVED:
        story = story_archive(actor=author, story=story)
    return story


def _fresh(story: PracticeStory) -> PracticeStory:
    # A new object for each check: no co-authors or memberships kept from another viewer's checks.
    return PracticeStory.objects.select_related("community").get(pk=story.pk)


def _may_read(viewer: str, *, status: str, audience: str, visibility: str) -> bool:
    """Who reads a story, as the module's docstring states it."""
    if viewer in ("author", "co_author", "site_admin"):
        return True
    if status == ST.DRAFT:
        return False
    if audience == A.PUBLIC:
        return True
    if viewer == "anonymous":
        return False
    if audience == A.MEMBERS:
        return True
    return visibility == V.OPEN or viewer in ACTIVE


# --- can_read: every status x audience x visibility x viewer ----------------------------------------------
@pytest.mark.parametrize("visibility", [V.OPEN, V.RESTRICTED, V.PRIVATE])
def test_can_read_follows_the_rules_for_every_status_audience_and_viewer(visibility):
    _allow_many_posts()
    place = CommunityFactory(visibility=visibility)
    author = author_in(place)
    co_author = UserFactory()  # no membership anywhere: an author reads their story all the same
    viewers = {relation: person_as(relation, place) for relation in RELATIONS}
    viewers.update(anonymous=AnonymousUser(), author=author, co_author=co_author, site_admin=AdminFactory())
    stories = {
        (status, audience): _story_in(
            status, author=author, community=place, audience=audience, co_authors=[co_author.handle]
        )
        for status, audience in itertools.product(STATUSES, AUDIENCES)
    }
    wrong = []
    for (status, audience), story in stories.items():
        for name in VIEWERS:
            viewer = viewers[name]
            expected = _may_read(name, status=status, audience=audience, visibility=visibility)
            if permissions.can_read(user=viewer, story=_fresh(story)) != expected:
                wrong.append((name, status, audience, visibility, expected))
            if expected:
                permissions.check_read(user=viewer, story=_fresh(story))
            else:
                with pytest.raises(Http404):
                    permissions.check_read(user=viewer, story=_fresh(story))
    assert wrong == []
    assert len(stories) * len(VIEWERS) == 9 * 14


def test_a_deactivated_author_or_site_admin_reads_nothing_but_what_the_public_reads():
    place = CommunityFactory(visibility=V.PRIVATE)
    author = author_in(place)
    draft = draft_story(author=author, community=place, audience=A.COMMUNITY)
    public = published_story(community=place, audience=A.PUBLIC)
    author.is_active = False
    author.save()
    admin = AdminFactory(is_active=False)
    for person in (author, admin):
        assert not permissions.can_read(user=person, story=_fresh(draft))
        assert permissions.can_read(user=person, story=_fresh(public))
        assert set(permissions.readable_stories(person)) == {public}


def test_only_its_authors_can_edit_a_story_not_even_a_site_admin():
    place = CommunityFactory(visibility=V.OPEN)
    co_author = UserFactory()
    story = _story_in(
        ST.PUBLISHED,
        author=author_in(place),
        community=place,
        audience=A.PUBLIC,
        co_authors=[co_author.handle],
    )
    assert permissions.can_edit(user=story.author, story=_fresh(story))
    assert permissions.can_edit(user=co_author, story=_fresh(story))
    for other in (person_as("owner", place), AdminFactory(), AnonymousUser()):
        assert not permissions.can_edit(user=other, story=_fresh(story))
    with pytest.raises(PermissionDenied):
        permissions.check_edit(user=person_as("member", place), story=_fresh(story))
    with pytest.raises(PermissionDenied):
        permissions.check_edit(user=AdminFactory(), story=_fresh(story))


def test_check_edit_hides_a_draft_from_everyone_but_its_authors():
    story = draft_story()
    with pytest.raises(Http404):
        permissions.check_edit(user=UserFactory(), story=_fresh(story))
    permissions.check_edit(user=story.author, story=_fresh(story))


# --- The queryset filters agree with can_read --------------------------------------------------------------
OPTIONS = list(RELATIONS.values())  # None (no row) and every (state, role)


@pytest.fixture
def mix(db):
    """2 communities of each visibility, each with a story of every status and audience, and people who
    hold every relation to every visibility.

    Person i relates to community j as OPTIONS[(i + j) % len(OPTIONS)]. Each story's author is its
    community's owner; the k-th story of community j has people[(j + k) % len(people)] as co-author, so
    some co-authors cannot read the home community. Site admins, a deactivated member and the anonymous
    visitor complete it."""
    _allow_many_posts()
    communities = [
        CommunityFactory(visibility=v) for v in (V.OPEN, V.RESTRICTED, V.PRIVATE) for _ in range(2)
    ]
    people = [UserFactory() for _ in OPTIONS]
    for (i, person), (j, community) in itertools.product(enumerate(people), enumerate(communities)):
        option = OPTIONS[(i + j) % len(OPTIONS)]
        if option is not None:
            MembershipFactory(community=community, user=person, state=option[0], role=option[1])
    deactivated = UserFactory(is_active=False)
    for community in communities:
        MembershipFactory(community=community, user=deactivated)
    stories = []
    for j, community in enumerate(communities):
        for k, (status, audience) in enumerate(itertools.product(STATUSES, AUDIENCES)):
            co_author = people[(j + k) % len(people)]
            stories.append(
                _story_in(
                    status,
                    author=community.created_by,
                    community=community,
                    audience=audience,
                    co_authors=[co_author.handle],
                    title=f"Story {j}-{k}",
                )
            )
    owners = [community.created_by for community in communities]
    viewers = [*people, *owners, deactivated, AdminFactory(), AdminFactory(is_active=False), AnonymousUser()]
    return {"stories": stories, "viewers": viewers}


def _answers(viewer, stories):
    """(readable, authored, published) story ids by the single-object checks, on new objects per viewer."""
    fresh = PracticeStory.objects.select_related("community").filter(pk__in=[s.pk for s in stories])
    readable, authored = set(), set()
    for story in fresh:
        if permissions.can_read(user=viewer, story=story):
            readable.add(story.pk)
        if permissions.is_author(user=viewer, story=story):
            authored.add(story.pk)
    return readable, authored, {s.pk for s in stories if s.status == ST.PUBLISHED}


def test_readable_stories_are_exactly_those_can_read_allows_for_every_mix(mix):
    assert len(mix["stories"]) == 54
    sizes = set()
    for viewer in mix["viewers"]:
        readable, _, _ = _answers(viewer, mix["stories"])
        found = list(permissions.readable_stories(viewer).values_list("pk", flat=True))
        assert len(found) == len(set(found)), "a story listed twice"
        assert set(found) == readable, getattr(viewer, "email", "anonymous")
        sizes.add(len(readable))
    assert len(sizes) > 5  # the viewers read different amounts: the mix is not trivial


def test_listed_stories_are_the_published_stories_can_read_allows_for_every_mix_apart_from_ones_own(mix):
    for viewer in mix["viewers"]:
        readable, authored, published = _answers(viewer, mix["stories"])
        found = list(permissions.listed_stories(viewer).values_list("pk", flat=True))
        assert len(found) == len(set(found)), "a story listed twice"
        assert set(found) - authored == (readable & published) - authored, getattr(viewer, "email", "anon")


def test_listed_stories_agree_with_can_read_for_its_authors_too(mix):
    wrong = []
    for viewer in mix["viewers"]:
        readable, _, published = _answers(viewer, mix["stories"])
        listed = set(permissions.listed_stories(viewer).values_list("pk", flat=True))
        if listed != readable & published:
            wrong.append(getattr(viewer, "email", "anonymous"))
    assert wrong == []


def test_the_sql_condition_of_listed_stories_agrees_with_the_filter_for_every_mix(mix, postgres_only):
    """The feed's statements name the viewer as parameters (communities.permissions.sql_params): for every
    signed-in viewer, with their standing read as khub.auth reads it and without it, the same stories."""
    condition = permissions.listed_story_sql("s", "c")
    sizes = set()
    for viewer in mix["viewers"]:
        if not (viewer.is_authenticated and viewer.is_active):
            continue  # the feed reads nothing for them
        listed = set(permissions.listed_stories(viewer).values_list("pk", flat=True))
        standing = {**community_permissions.standing_annotations(), **profile_standing()}
        for user in (viewer, User.objects.annotate(**standing).get(pk=viewer.pk)):
            with connection.cursor() as cursor:
                cursor.execute(
                    'SELECT s.id FROM "practice_practicestory" s'  # noqa: S608 (a condition of the module's)
                    f' JOIN "communities_community" c ON c.id = s.community_id WHERE {condition}',
                    community_permissions.sql_params(user),
                )
                found = [pk for (pk,) in cursor.fetchall()]
            assert sorted(found) == sorted(listed), (viewer.email, hasattr(user, "standing_member_of"))
        sizes.add(len(listed))
    assert len(sizes) > 3


def test_an_author_who_left_a_private_community_still_finds_their_published_story_listed():
    place = CommunityFactory(visibility=V.PRIVATE)
    story = published_story(community=place, audience=A.COMMUNITY)
    membership_leave(user=story.author, community=place)
    assert permissions.can_read(user=story.author, story=_fresh(story))
    assert story in permissions.listed_stories(story.author)


def test_listed_stories_leave_out_drafts_and_archived_stories_even_for_site_admins():
    place = CommunityFactory(visibility=V.OPEN)
    author = author_in(place)
    draft = _story_in(ST.DRAFT, author=author, community=place, audience=A.PUBLIC)
    published = _story_in(ST.PUBLISHED, author=author, community=place, audience=A.PUBLIC)
    archived = _story_in(ST.ARCHIVED, author=author, community=place, audience=A.PUBLIC)
    for viewer in (AnonymousUser(), UserFactory(), author, AdminFactory()):
        assert list(permissions.listed_stories(viewer)) == [published]
    assert set(permissions.readable_stories(author)) == {draft, published, archived}
    assert set(permissions.readable_stories(AnonymousUser())) == {published, archived}


# --- can_endorse ---------------------------------------------------------------------------------------
def test_readers_who_are_not_its_authors_may_endorse_a_published_story():
    place = CommunityFactory(visibility=V.PRIVATE)
    co_author = UserFactory()
    story = published_story(community=place, audience=A.COMMUNITY, co_authors=[co_author.handle])
    expected = {
        "author": False,
        "co_author": False,
        "anonymous": False,
        "outsider": False,  # may not read it
        "requester": False,
        "left": False,
        "banned": False,
        "member": True,
        "facilitator": True,
        "site_admin": True,
    }
    people = {
        "author": story.author,
        "co_author": co_author,
        "anonymous": AnonymousUser(),
        **{
            name: person_as(name, place)
            for name in expected
            if name not in ("author", "co_author", "anonymous")
        },
    }
    actual = {name: permissions.can_endorse(user=people[name], story=_fresh(story)) for name in expected}
    assert actual == expected


@pytest.mark.parametrize("status", [ST.DRAFT, ST.ARCHIVED])
def test_nobody_may_endorse_a_story_that_is_not_published(status):
    place = CommunityFactory(visibility=V.OPEN)
    story = _story_in(status, author=author_in(place), community=place, audience=A.PUBLIC)
    for viewer in (person_as("member", place), person_as("outsider", place), AdminFactory()):
        assert not permissions.can_endorse(user=viewer, story=_fresh(story))


def test_any_signed_in_reader_may_endorse_a_public_story_but_a_visitor_may_not():
    story = published_story(audience=A.PUBLIC, visibility=V.PRIVATE)
    assert permissions.can_endorse(user=UserFactory(), story=_fresh(story))
    assert not permissions.can_endorse(user=AnonymousUser(), story=_fresh(story))


# --- can_promote ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("relation", "allowed"),
    [
        ("facilitator", True),
        ("owner", True),
        ("site_admin", True),
        ("member", False),
        ("outsider", False),
        ("requester", False),
        ("invited", False),
        ("left", False),
        ("removed", False),
        ("banned", False),
    ],
)
def test_the_home_communitys_facilitators_owners_and_site_admins_may_promote(relation, allowed):
    place = CommunityFactory(visibility=V.OPEN)
    story = published_story(community=place, audience=A.PUBLIC)
    assert permissions.can_promote(user=person_as(relation, place), story=_fresh(story)) is allowed


def test_facilitators_of_another_community_and_the_author_may_not_promote():
    place, elsewhere = CommunityFactory(visibility=V.OPEN), CommunityFactory(visibility=V.OPEN)
    story = published_story(community=place, audience=A.PUBLIC)
    assert not permissions.can_promote(user=person_as("facilitator", elsewhere), story=_fresh(story))
    assert not permissions.can_promote(user=story.author, story=_fresh(story))
    assert not permissions.can_promote(user=AnonymousUser(), story=_fresh(story))
    assert not permissions.can_promote(user=AdminFactory(is_active=False), story=_fresh(story))


def test_a_facilitator_who_wrote_the_story_may_not_promote_it_but_may_withdraw_its_promotion():
    """Promotion is the peers' recognition: another facilitator or a site admin gives it."""
    place = CommunityFactory(visibility=V.OPEN)
    story = published_story(community=place, audience=A.PUBLIC, author=place.created_by)
    assert not permissions.can_promote(user=place.created_by, story=_fresh(story))
    assert permissions.can_promote(user=person_as("facilitator", place), story=_fresh(story))
    assert permissions.can_withdraw_promotion(user=place.created_by, story=_fresh(story))


@pytest.mark.parametrize("status", [ST.DRAFT, ST.ARCHIVED])
def test_a_story_that_is_not_published_cannot_be_promoted(status):
    place = CommunityFactory(visibility=V.OPEN)
    story = _story_in(status, author=author_in(place), community=place, audience=A.PUBLIC)
    for relation in ("facilitator", "owner", "site_admin"):
        assert not permissions.can_promote(user=person_as(relation, place), story=_fresh(story))


# --- can_adopt -----------------------------------------------------------------------------------------
def test_a_verified_member_of_another_council_who_may_read_it_may_repeat_a_published_story():
    story = published_story(audience=A.MEMBERS)
    assert permissions.can_adopt(user=VerifiedMemberFactory(), story=_fresh(story))


def test_who_may_not_repeat_a_story():
    place = CommunityFactory(visibility=V.PRIVATE)
    story = published_story(community=place, audience=A.COMMUNITY)
    same_council = VerifiedMemberFactory(council=story.author.council)
    MembershipFactory(community=place, user=same_council)
    unverified = UserFactory()
    MembershipFactory(community=place, user=unverified)
    outsider = VerifiedMemberFactory()  # verified, another council, but cannot read the private community
    for person in (same_council, unverified, outsider, story.author, AnonymousUser()):
        assert not permissions.can_adopt(user=person, story=_fresh(story)), person
    reader = VerifiedMemberFactory()
    MembershipFactory(community=place, user=reader)
    assert permissions.can_adopt(user=reader, story=_fresh(story))


@pytest.mark.parametrize("status", [ST.DRAFT, ST.ARCHIVED])
def test_a_story_that_is_not_published_cannot_be_repeated(status):
    place = CommunityFactory(visibility=V.OPEN)
    story = _story_in(status, author=author_in(place), community=place, audience=A.PUBLIC)
    assert not permissions.can_adopt(user=VerifiedMemberFactory(), story=_fresh(story))
    assert not permissions.can_adopt(user=VerifiedMemberFactory(is_staff=True), story=_fresh(story))


# --- can_withdraw_adoption ---------------------------------------------------------------------------------
def test_its_recorder_a_verified_colleague_or_a_site_admin_withdraw_a_repeat_and_the_page_agrees(client):
    story = published_story(audience=A.PUBLIC)
    today = timezone.localdate()
    recorder = VerifiedMemberFactory()
    adoption = adoption_record(user=recorder, story=story, outcome="adopted", started_on=today)
    moved = VerifiedMemberFactory()  # recorded it for their council, then moved to another
    moved_record = adoption_record(user=moved, story=story, outcome="adopted", started_on=today)
    moved.council = CouncilFactory()
    moved.save()
    unverified = UserFactory(council=recorder.council, council_linked_via="")  # claims the council
    people = {
        "recorder": (recorder, adoption, True),
        "verified colleague": (VerifiedMemberFactory(council=recorder.council), adoption, True),
        "site admin": (AdminFactory(), adoption, True),
        "recorder since moved": (moved, moved_record, True),
        "unverified colleague": (unverified, adoption, False),
        "another council": (VerifiedMemberFactory(), adoption, False),
        "its author": (story.author, adoption, False),
        "home community owner": (person_as("owner", story.community), adoption, False),
        "deactivated site admin": (AdminFactory(is_active=False), adoption, False),
        "visitor": (AnonymousUser(), adoption, False),
    }
    page = reverse("practice:detail", args=[story.slug])
    for name, (person, record, allowed) in people.items():
        assert permissions.can_withdraw_adoption(user=person, adoption=record) == allowed, name
        if person.is_authenticated and person.is_active:
            client.force_login(person)
            button = reverse("practice:adoption-withdraw", args=[story.slug, record.pk])
            assert (button in client.get(page).content.decode()) == allowed, name
            with transaction.atomic():  # the service agrees: it refuses exactly those the check refuses
                if allowed:
                    adoption_withdraw(actor=person, adoption=record)
                    transaction.set_rollback(True)
                else:
                    with pytest.raises(PermissionDenied):
                        adoption_withdraw(actor=person, adoption=record)
    assert Adoption.objects.filter(story=story).count() == 2


# --- can_publish ---------------------------------------------------------------------------------------
def test_only_the_verified_author_who_takes_part_in_the_home_community_may_publish():
    place = CommunityFactory(visibility=V.RESTRICTED)
    co_author = VerifiedMemberFactory()
    MembershipFactory(community=place, user=co_author)
    story = draft_story(community=place, co_authors=[co_author.handle])
    assert permissions.can_publish(user=story.author, story=_fresh(story))
    assert not permissions.can_publish(user=co_author, story=_fresh(story))
    assert not permissions.can_publish(user=AdminFactory(), story=_fresh(story))
    assert not permissions.can_publish(user=AnonymousUser(), story=_fresh(story))
    membership_leave(user=story.author, community=place)
    assert not permissions.can_publish(user=story.author, story=_fresh(story))

    unverified_author = UserFactory()
    MembershipFactory(community=place, user=unverified_author)
    other = draft_story(community=place, author=unverified_author)
    assert not permissions.can_publish(user=unverified_author, story=_fresh(other))
