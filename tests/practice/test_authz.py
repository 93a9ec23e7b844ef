"""Who may open each practice page and take each action on a story, for every status, audience and home
community visibility, and every relation to the story and its community; that a refusal changes nothing
and, for a story someone may not read, gives nothing away; and that the library, the council pages and the
story's discussion show a story to exactly those who may read it.

The module-scoped worlds hold a story for each status, audience and visibility (27). Who may read,
endorse, promote or repeat a story is written once (`may_read` and its neighbours), as
practice.permissions' docstring states it; what each page or action needs on top is written once per
surface (SURFACES); `expected` joins them. Each case is one viewer going through the nine stories of one
world, collecting every mismatch, so a failure lists them all.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import reverse

from communities.models import Community, ModerationLogEntry, Thread
from practice.models import Adoption, Endorsement, PracticeStory
from practice.services.recognition import adoption_record, endorsement_create, story_promote
from practice.services.stories import story_archive, story_publish
from profiles.models import Council, Notification, User
from tests.factories import (
    CommunityFactory,
    CouncilFactory,
    UserFactory,
    VerifiedMemberFactory,
)
from tests.practice.helpers import author_in, draft_story, person_as

pytestmark = pytest.mark.django_db

ST = PracticeStory.Status
A = PracticeStory.Audience
STATUSES = (ST.DRAFT, ST.PUBLISHED, ST.ARCHIVED)
AUDIENCES = (A.PUBLIC, A.MEMBERS, A.COMMUNITY)
VISIBILITIES = ("open", "restricted", "private")
REGIONS = {
    "open": Council.Region.SOUTH_WEST,
    "restricted": Council.Region.LONDON,
    "private": Council.Region.NORTH_EAST,
}
SERVICE_AREAS = {A.PUBLIC: "environment", A.MEMBERS: "housing", A.COMMUNITY: "digital"}
LOGIN = "login"  # a visitor's expected outcome: a redirect to sign in

# Relations to the home community (tests.communities.helpers.RELATIONS), to the story (author, co-author:
# a colleague from the author's council who is not a member of the home community) and to the hub.
# Everyone signed in has a verified council of their own except "unverified" (and authors share theirs).
ROLES = (
    "anonymous",
    "outsider",
    "unverified",
    "requester",
    "left",
    "banned",
    "member",
    "facilitator",
    "author",
    "co_author",
    "site_admin",
)
AUTHORS = {"author", "co_author"}
ACTIVE = {"member", "facilitator", "author"}  # the author is an active member of the home community
SEES_PRIVATE = ACTIVE | {"site_admin"}  # a private community exists for its active members (and admins)


def title_of(status: str, audience: str, visibility: str) -> str:
    return f"Zebra crossing trial {status} {audience} {visibility}"


def name_of(visibility: str) -> str:
    return f"Quiet Streets Network {visibility}"


# --- Who may do what: the rules, once ------------------------------------------------------------------
@dataclass
class Case:
    """One story of the world, with the people and rows the surfaces act on."""

    status: str
    audience: str
    visibility: str
    story: PracticeStory
    author: User
    co_author: User
    adoption: Adoption | None = None  # the adopter's record (published and archived stories)

    @property
    def title(self) -> str:
        return self.story.title

    @property
    def label(self) -> str:
        return f"{self.status}/{self.audience}/{self.visibility}"


def may_read(role: str, case: Case) -> bool:
    if role in AUTHORS or role == "site_admin":
        return True
    if case.status == ST.DRAFT:
        return False
    if case.audience == A.PUBLIC:
        return True
    if role == "anonymous":
        return False
    if case.audience == A.MEMBERS:
        return True
    return case.visibility == "open" or role in ACTIVE


def listed(role: str, case: Case) -> bool:
    """The library and the council pages: published stories the viewer may read."""
    return case.status == ST.PUBLISHED and may_read(role, case)


def may_endorse(role: str, case: Case) -> bool:
    return case.status == ST.PUBLISHED and role not in AUTHORS | {"anonymous"} and may_read(role, case)


def may_promote(role: str, case: Case) -> bool:
    return case.status == ST.PUBLISHED and role in ("facilitator", "site_admin")


def may_withdraw_promotion(role: str, case: Case) -> bool:
    """The same people, for an archived story too."""
    return case.status != ST.DRAFT and role in ("facilitator", "site_admin")


def may_adopt(role: str, case: Case) -> bool:
    """A verified member of another council: the authors share the story's council."""
    return (
        case.status == ST.PUBLISHED
        and role not in AUTHORS | {"anonymous", "unverified"}
        and may_read(role, case)
    )


def is_author(role: str, case: Case) -> bool:
    return role in AUTHORS


def is_verified(role: str, case: Case) -> bool:
    return role != "unverified"


def anyone(role: str, case: Case) -> bool:
    return True


# --- The world ----------------------------------------------------------------------------------------
@dataclass
class World:
    visibility: str
    community: Community
    council: Council  # every author's council here: the stories' council
    adopter: User  # a verified member of another council and of the home community
    cases: list[Case] = field(default_factory=list)

    def case(self, status: str, audience: str) -> Case:
        return next(c for c in self.cases if (c.status, c.audience) == (status, audience))


def _world(visibility: str) -> World:
    place = CommunityFactory(visibility=visibility, name=name_of(visibility))
    council = CouncilFactory(name=f"Zebra Borough Council {visibility}", region=REGIONS[visibility])
    adopter = author_in(place, council=CouncilFactory(name=f"Repeating Council {visibility}"))
    world = World(visibility, place, council, adopter)
    for status in STATUSES:
        for audience in AUDIENCES:
            author = author_in(place, council=council)
            co_author = VerifiedMemberFactory(council=council)
            story = draft_story(
                author=author,
                community=place,
                title=title_of(status, audience, visibility),
                audience=audience,
                service_area=SERVICE_AREAS[audience],
                tags=["road safety", f"{audience} stories"],
                co_authors=[co_author.handle],
            )
            case = Case(status, audience, visibility, story, author, co_author)
            if status != ST.DRAFT:
                story_publish(actor=author, story=story)
                case.adoption = adoption_record(
                    user=adopter, story=story, outcome="adopted", started_on=story.created_at.date()
                )
            if status == ST.ARCHIVED:  # promoted first: its promotion can still be withdrawn
                story_promote(actor=place.created_by, story=story)
                story_archive(actor=author, story=story)
            case.story = PracticeStory.objects.get(pk=story.pk)
            world.cases.append(case)
    return world


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker) -> dict[str, World]:
    """One world per visibility, built once for the module in a transaction rolled back at its end. Each
    case runs in its own savepoint (pytest-django's `db`), so no case sees another's changes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield {visibility: _world(visibility) for visibility in VISIBILITIES}
        transaction.set_rollback(True)


def _person(role: str, world: World) -> User | None:
    """A new viewer in this relation to the world's home community (None: a visitor; the authors are the
    story's own, chosen per case)."""
    if role in AUTHORS or role == "anonymous":
        return None
    if role == "unverified":
        return UserFactory()
    return person_as(
        role, world.community, council=CouncilFactory(), council_linked_via=User.CouncilLink.ADMIN
    )


def _viewer(role: str, case: Case, person: User | None) -> User | None:
    if role == "author":
        return case.author
    if role == "co_author":
        return case.co_author
    return person


def _fresh(story: PracticeStory) -> PracticeStory:
    return PracticeStory.objects.get(pk=story.pk)


def _snapshot() -> dict:
    """Everything a practice page or action could change. (A story's tags, measures and co-authors change
    only through their own sections' pages, which are never posted here.)"""
    return {
        "stories": list(PracticeStory.objects.order_by("pk").values()),
        "endorsements": list(Endorsement.objects.order_by("pk").values_list("pk", "story_id", "user_id")),
        "adoptions": list(Adoption.objects.order_by("pk").values_list("pk", "story_id", "council_id")),
        "log": list(ModerationLogEntry.objects.order_by("pk").values_list("pk", "action")),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "recipient_id")),
        "threads": Thread.objects.count(),
    }


def _check(response, outcome, case: Case) -> list[str]:
    """What is wrong with this response, if anything: its status, and what a refusal must not show."""
    status = response.status_code
    to_login = status == 302 and response["Location"].startswith("/accounts/login/")
    if outcome == LOGIN:
        return [] if to_login else [f"{case.label}: expected sign-in, got {status}"]
    if status != outcome or to_login:
        return [f"{case.label}: expected {outcome}, got {status} {response.get('Location', '')}"]
    problems = []
    if status in (403, 404) and case.title in response.text:
        problems.append(f"{case.label}: the {status} page shows the story's title")
    if status == 404 and case.visibility == "private" and name_of("private") in response.text:
        problems.append(f"{case.label}: the 404 page names the private community")
    return problems


# --- Surfaces -----------------------------------------------------------------------------------------
NEXT_AUDIENCE = {A.PUBLIC: A.MEMBERS, A.MEMBERS: A.COMMUNITY, A.COMMUNITY: A.PUBLIC}


def _endorse_first(world: World, case: Case, viewer: User | None, role: str) -> None:
    if may_endorse(role, case):
        endorsement_create(user=viewer, story=_fresh(case.story))


def _promote_first(world: World, case: Case, viewer: User | None, role: str) -> None:
    if case.status == ST.PUBLISHED:
        story_promote(actor=world.community.created_by, story=_fresh(case.story))


AUTHORING = ("member", "author", "co_author", "site_admin")  # a reader, the authors and an admin
# Writing a story, section by section: the authors only, whoever else reads it or manages its community.
WRITING = ("outsider", "member", "facilitator", "author", "co_author", "site_admin")
REWRITTEN = "Zebra crossings were trialled at three schools."


@dataclass(frozen=True)
class Surface:
    """A page or action: its method and form; what it needs beyond reading the story (else 403); its
    status once allowed; for an action, whether it takes effect and how to tell that it did.

    `roles` and `visibilities` are the signed-in viewers and worlds it is tried with (every surface is
    tried with visitors and every story). The page and what readers do with a story (endorse, promote,
    repeat, and withdraw each) are tried with every relation (but see LAPSED); the authors' own pages and
    actions with a reader, the authors and an admin. The page is tried in every world, the rest in an open
    and a private one: for reading a story, a restricted community is a private one (only its active
    members read it), as the page's cases show."""

    method: str = "get"
    needs: Callable[[str, Case], bool] = anyone
    success: Callable[[str, Case], int] = lambda role, case: 200
    takes_effect: Callable[[str, Case], bool] | None = None
    happened: Callable[[World, Case, User], bool] | None = None
    data: Callable[[Case], dict] = lambda case: {}
    setup: Callable | None = None  # what the action acts on, made for this viewer before the first request
    kwargs: Callable[[World, Case], dict] = lambda world, case: {}
    roles: tuple[str, ...] = AUTHORING
    visibilities: tuple[str, ...] = ("open", "private")


def _adoption_kwargs(world: World, case: Case) -> dict:
    # A draft has no adoption: its address carries a published sibling's, which is not this story's.
    adoption = case.adoption or world.case(ST.PUBLISHED, case.audience).adoption
    return {"adoption_id": adoption.pk}


EVERYONE = tuple(role for role in ROLES if role != "anonymous")
SURFACES: dict[str, Surface] = {
    "detail": Surface(roles=EVERYONE, visibilities=VISIBILITIES),
    "edit": Surface(needs=is_author, success=lambda role, case: 302, roles=WRITING),  # to the task list
    "write": Surface(needs=is_author, roles=WRITING),
    "write-step": Surface(needs=is_author, kwargs=lambda world, case: {"step": "challenge"}, roles=WRITING),
    "check": Surface(needs=is_author, roles=WRITING),
    "write-step:post": Surface(
        method="post",
        needs=is_author,
        success=lambda role, case: 302,
        takes_effect=is_author,
        happened=lambda world, case, person: _fresh(case.story).challenge == REWRITTEN,
        data=lambda case: {"challenge": REWRITTEN, "action": "return"},
        kwargs=lambda world, case: {"step": "challenge"},
        roles=WRITING,
    ),
    "preview": Surface(needs=is_author),
    "audience": Surface(needs=is_author),
    "adopt": Surface(
        needs=is_verified,
        success=lambda role, case: 200 if may_adopt(role, case) else 302,  # else a message on the story
        roles=EVERYONE,
    ),
    "promote-withdraw": Surface(needs=may_withdraw_promotion, setup=_promote_first, roles=EVERYONE),
    "publish:post": Surface(
        method="post",
        needs=is_author,
        success=lambda role, case: 302,
        takes_effect=lambda role, case: role == "author" and case.status != ST.PUBLISHED,
        happened=lambda world, case, person: _fresh(case.story).status == ST.PUBLISHED,
    ),
    "archive:post": Surface(
        method="post",
        needs=is_author,
        success=lambda role, case: 302,
        takes_effect=lambda role, case: case.status == ST.PUBLISHED,
        happened=lambda world, case, person: _fresh(case.story).status == ST.ARCHIVED,
    ),
    "audience:post": Surface(
        method="post",
        needs=is_author,
        success=lambda role, case: 200 if case.status == ST.DRAFT else 302,  # a draft's: on its form
        takes_effect=lambda role, case: case.status != ST.DRAFT,
        happened=lambda world, case, person: _fresh(case.story).audience == NEXT_AUDIENCE[case.audience],
        data=lambda case: {"audience": NEXT_AUDIENCE[case.audience], "confirm": "on"},
    ),
    "endorse:post": Surface(
        method="post",
        success=lambda role, case: 302,
        takes_effect=may_endorse,
        happened=lambda world, case, person: (
            Endorsement.objects.filter(story=case.story, user=person, comment="Worth it").exists()
            and _fresh(case.story).endorsement_count == 1
        ),
        data=lambda case: {"comment": "Worth it"},
        roles=EVERYONE,
    ),
    "endorse-withdraw:post": Surface(
        method="post",
        success=lambda role, case: 302,
        takes_effect=may_endorse,
        happened=lambda world, case, person: (
            not Endorsement.objects.filter(story=case.story).exists()
            and _fresh(case.story).endorsement_count == 0
        ),
        setup=_endorse_first,
        roles=EVERYONE,
    ),
    "promote:post": Surface(
        method="post",
        success=lambda role, case: 302,
        takes_effect=may_promote,
        happened=lambda world, case, person: _fresh(case.story).promoted_by_id == person.pk,
        roles=EVERYONE,
    ),
    "promote-withdraw:post": Surface(
        method="post",
        needs=may_withdraw_promotion,
        success=lambda role, case: 302,
        takes_effect=may_withdraw_promotion,
        happened=lambda world, case, person: _fresh(case.story).promoted_at is None,
        data=lambda case: {"reason": "Superseded by newer guidance"},
        setup=_promote_first,
        roles=EVERYONE,
    ),
    "adopt:post": Surface(
        method="post",
        needs=is_verified,
        success=lambda role, case: 302,
        takes_effect=may_adopt,
        happened=lambda world, case, person: (
            Adoption.objects.filter(story=case.story, council=person.council, recorded_by=person).exists()
            and _fresh(case.story).adoption_count == 2
        ),
        data=lambda case: {"outcome": "adapted", "month": "3", "year": "2024", "notes": "", "follow_up": ""},
        roles=EVERYONE,
    ),
    "adoption-withdraw:post": Surface(
        method="post",
        success=lambda role, case: 404 if case.status == ST.DRAFT else 302,
        # The member who recorded it, a verified colleague from their council, or a site admin.
        takes_effect=lambda role, case: role == "site_admin" and case.status != ST.DRAFT,
        happened=lambda world, case, person: not Adoption.objects.filter(pk=case.adoption.pk).exists(),
        kwargs=_adoption_kwargs,
        roles=EVERYONE,
    ),
}


def expected(surface: str, role: str, case: Case):
    """The one rule: a visitor signs in first (a readable story's page aside); a member who may not read
    the story gets 404; then what the surface needs decides between 403 and its success."""
    spec = SURFACES[surface]
    if role == "anonymous":
        return 200 if surface == "detail" and may_read(role, case) else LOGIN
    if not may_read(role, case):
        return 404
    if not spec.needs(role, case):
        return 403
    return spec.success(role, case)


def _url(surface: str, world: World, case: Case) -> str:
    name = surface.split(":")[0]
    kwargs = {"slug": case.story.slug, **SURFACES[surface].kwargs(world, case)}
    return reverse(f"practice:{name}", kwargs=kwargs)


def _run(client, surface: str, role: str, worlds: list[World]) -> list[str]:
    """Try the surface on every story of these worlds as this role; return what went wrong.

    Everything is compared before and after each action that takes effect, and at the end: so every
    refusal in between is proven to have changed nothing, without a snapshot after each one."""
    spec = SURFACES[surface]
    problems = []
    for world in worlds:
        person = _person(role, world)
        viewers = {case.label: _viewer(role, case, person) for case in world.cases}
        if spec.setup is not None:  # before the first snapshot: it is not what the surface changes
            for case in world.cases:
                spec.setup(world, case, viewers[case.label], role)
        if person is not None:
            client.force_login(person)
        before, refused = _snapshot(), []
        for case in world.cases:
            viewer = viewers[case.label]
            if role in AUTHORS:
                client.force_login(viewer)
            outcome = expected(surface, role, case)
            takes_effect = outcome in (200, 302) and spec.takes_effect is not None
            takes_effect = takes_effect and spec.takes_effect(role, case)
            if takes_effect and _snapshot() != before:
                problems.append(f"one of {refused} changed something")
            url = _url(surface, world, case)
            response = client.post(url, spec.data(case)) if spec.method == "post" else client.get(url)
            problems += _check(response, outcome, case)
            if surface == "detail" and outcome == 200 and case.visibility == "private":
                named = name_of("private") in response.text
                if named != (role in SEES_PRIVATE):  # anyone else reads "A private community"
                    problems.append(f"{case.label}: the private community is {'' if named else 'not '}named")
            if takes_effect:
                if not spec.happened(world, case, viewer):
                    problems.append(f"{case.label}: it did not happen")
                before, refused = _snapshot(), []
            else:
                refused.append(case.label)
        if _snapshot() != before:
            problems.append(f"one of {refused} changed something")
    return problems


# Who asked to join, left or was banned reads a story as an outsider does, and in an open community is
# one: they are tried with the page and endorsing, in the restricted and private worlds.
LAPSED = {"requester", "left", "banned"}
MATRIX = [
    (surface, role, visibility)
    for surface, spec in SURFACES.items()
    for role in spec.roles
    for visibility in spec.visibilities
    if role not in LAPSED or (surface in ("detail", "endorse:post") and visibility != "open")
]


@pytest.mark.parametrize(("surface", "role", "visibility"), MATRIX)
def test_who_may_open_each_story_page_and_take_each_action(client, worlds, surface, role, visibility):
    assert _run(client, surface, role, [worlds[visibility]]) == []


@pytest.mark.parametrize("surface", SURFACES)
def test_a_visitor_is_sent_to_sign_in_for_everything_but_a_public_storys_page(client, worlds, surface):
    assert _run(client, surface, "anonymous", list(worlds.values())) == []


def test_a_story_that_does_not_exist_sends_a_visitor_to_sign_in_and_is_a_404_for_a_member(client, worlds):
    url = reverse("practice:detail", args=["no-such-story"])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_a_private_communitys_story_is_the_same_404_as_a_story_that_does_not_exist(client, worlds):
    world = worlds["private"]
    case = world.case(ST.PUBLISHED, A.COMMUNITY)
    client.force_login(_person("outsider", world))
    real = client.get(reverse("practice:detail", args=[case.story.slug]))
    missing = client.get(reverse("practice:detail", args=["zebra-crossing-trial-nothing"]))
    assert real.status_code == missing.status_code == 404
    assert _without_csrf(real.text) == _without_csrf(missing.text)
    assert case.title not in real.text
    assert name_of("private") not in real.text


POST_ONLY = ("endorse", "endorse-withdraw", "promote", "publish", "archive")


@pytest.mark.parametrize("name", POST_ONLY)
def test_the_actions_are_posts_and_a_get_changes_nothing(client, worlds, name):
    case = worlds["open"].case(ST.PUBLISHED, A.PUBLIC)
    url = reverse(f"practice:{name}", args=[case.story.slug])
    assert name.split("-")[0] in url  # "/practice/<slug>/endorse/": the address says what it does
    client.force_login(case.author if name in ("publish", "archive") else _person("member", worlds["open"]))
    before = _snapshot()
    assert client.get(url).status_code == 405
    assert _snapshot() == before
    adoption = reverse("practice:adoption-withdraw", args=[case.story.slug, case.adoption.pk])
    client.force_login(_person("site_admin", worlds["open"]))
    assert client.get(adoption).status_code == 405
    assert _snapshot() == before


# --- Lists: the library and the council pages ---------------------------------------------------------
def _relation(role: str, world: World, case: Case) -> str:
    """The viewer's relation to any story of any world: their role in their own world; the authors' own
    story is the world's published community story (the author is a member of that community)."""
    if role in ("anonymous", "site_admin"):
        return role
    own = world.case(ST.PUBLISHED, A.COMMUNITY)
    if role in AUTHORS:
        if case is own:
            return role
        return "member" if role == "author" and case.visibility == world.visibility else "outsider"
    return role if case.visibility == world.visibility else "outsider"


def _sign_in_to_lists(client, role: str, world: World) -> None:
    if role in AUTHORS:
        client.force_login(_viewer(role, world.case(ST.PUBLISHED, A.COMMUNITY), None))
    elif role != "anonymous":
        client.force_login(_person(role, world))


def _all_cases(worlds: dict[str, World]) -> list[Case]:
    return [case for world in worlds.values() for case in world.cases]


def _listing_problems(response, shown: set[str], cases: list[Case], where: str) -> list[str]:
    assert response.status_code == 200, where
    problems = []
    for case in cases:
        if (case.title in shown) != (case.title in response.text):
            problems.append(f"{where} {case.label}: listed {case.title in response.text}")
    return problems


LIST_CASES = [
    (role, visibility)
    for role in ROLES
    for visibility in VISIBILITIES
    if role not in ("anonymous", "site_admin") or visibility == "open"
]


@pytest.mark.parametrize(("role", "visibility"), LIST_CASES)
def test_the_library_lists_exactly_the_published_stories_the_viewer_may_read(
    client, worlds, role, visibility
):
    world = worlds[visibility]
    _sign_in_to_lists(client, role, world)
    cases = _all_cases(worlds)
    shown = {case.title for case in cases if listed(_relation(role, world, case), case)}
    response = client.get(reverse("practice:index"))
    assert {story.title for story in response.context["page_obj"]} == shown
    assert _listing_problems(response, shown, cases, "library") == []


FILTERS = {
    "service_area=housing": lambda case: case.audience == A.MEMBERS,
    "tag=public+stories": lambda case: case.audience == A.PUBLIC,
    "region=london": lambda case: case.visibility == "restricted",
    "council=zebra-borough-council-private": lambda case: case.visibility == "private",
    "promoted=on": lambda case: case.audience == A.MEMBERS,  # promoted below
    "sort=endorsed": lambda case: True,
}


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "co_author", "site_admin"])
def test_every_filter_of_the_library_keeps_to_the_stories_the_viewer_may_read(client, worlds, role):
    world = worlds["private"]
    for case in _all_cases(worlds):
        if case.status == ST.PUBLISHED and case.audience == A.MEMBERS:
            story_promote(actor=case.story.community.created_by, story=_fresh(case.story))
    _sign_in_to_lists(client, role, world)
    cases = _all_cases(worlds)
    problems = []
    for query, matches in FILTERS.items():
        response = client.get(reverse("practice:index") + "?" + query)
        shown = {case.title for case in cases if matches(case) and listed(_relation(role, world, case), case)}
        listed_titles = {story.title for story in response.context["page_obj"]}
        if listed_titles != shown:
            problems.append(f"{query}: {sorted(listed_titles ^ shown)}")
        problems += _listing_problems(response, shown, cases, query)
    assert problems == []


def _pages_of_the_library(client) -> tuple[list[str], list[str]]:
    """Every title and every heading of the library, following its Next links from the first page as a
    browser without JavaScript does."""
    url, titles, headings = reverse("practice:index"), [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        titles += [story.title for story in response.context["page_obj"]]
        # The list's heading, after the filters' own.
        heading = re.findall(r'<h2 class="govuk-heading-m">(.*?)</h2>', response.text, re.S)[1]
        headings.append(" ".join(re.sub(r"<[^>]+>", " ", heading).split()))
        following = re.search(r'href="([^"]+)"\s+rel="next"', response.text)
        url = reverse("practice:index") + following.group(1).replace("&amp;", "&") if following else None
    return titles, headings


@pytest.mark.parametrize("cap", [5, 50])
@pytest.mark.parametrize(
    "role", ["anonymous", "outsider", "member", "facilitator", "co_author", "site_admin"]
)
def test_the_librarys_capped_count_and_its_pages_keep_to_the_stories_the_viewer_may_read(
    client, worlds, monkeypatch, role, cap
):
    """Counted up to a cap (in pages of 2): past it the heading says "More than 5 stories" and the pages
    go on to the viewer's last readable story; under it, the exact count of what they may read (a visitor's
    three public stories among nine published; with a cap of 50, everyone's)."""
    monkeypatch.setattr("practice.views.library.PAGE_SIZE", 2)
    monkeypatch.setattr("practice.views.library.COUNT_CAP", cap)
    world = worlds["private"]
    _sign_in_to_lists(client, role, world)
    shown = {case.title for case in _all_cases(worlds) if listed(_relation(role, world, case), case)}
    titles, headings = _pages_of_the_library(client)
    assert sorted(titles) == sorted(shown)  # each readable story once, nothing else
    pages = -(-len(shown) // 2)
    assert (len(shown) > cap) == (role != "anonymous" and cap == 5)
    if len(shown) > cap:
        assert headings[0] == f"More than {cap} stories Page 1"  # the end is not counted on the first page
        assert headings[-1] == f"More than {cap} stories Page {pages} of {pages}"
    else:
        assert headings == [f"{len(shown)} stories Page {n} of {pages}" for n in range(1, pages + 1)]


@pytest.mark.parametrize(("role", "visibility"), [c for c in LIST_CASES if c[0] != "anonymous"])
def test_a_councils_page_shows_only_the_published_stories_the_viewer_may_read(
    client, worlds, role, visibility
):
    """ "Practice shared" on the authors' council's page; "Practice repeated" on the adopter's (their own
    world's: the library's test looks at every world's stories from each viewer)."""
    world = worlds[visibility]
    _sign_in_to_lists(client, role, world)
    problems = []
    for other in worlds.values() if role == "site_admin" else [world]:
        shown = {case.title for case in other.cases if listed(_relation(role, world, case), case)}
        for council in (other.council, other.adopter.council):
            response = client.get(reverse("profiles:council", args=[council.slug]))
            problems += _listing_problems(response, shown, other.cases, council.name)
    assert problems == []


def test_a_visitor_is_sent_to_sign_in_for_a_councils_page(client, worlds):
    url = reverse("profiles:council", args=[worlds["open"].council.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# --- The story's discussion: a conversation of its home community --------------------------------------
def _thread_expected(role: str, visibility: str):
    if role == "anonymous":
        return LOGIN
    if visibility == "private" and role not in SEES_PRIVATE:
        return 404
    return 200 if visibility == "open" or role in SEES_PRIVATE else 403


@pytest.mark.parametrize(("role", "visibility"), LIST_CASES)
def test_a_storys_discussion_is_read_by_those_who_may_read_its_home_community(
    client, worlds, role, visibility
):
    """The thread is the community's, whoever may read the story: a public story's discussion in a private
    community is as hidden as a community story's."""
    world = worlds[visibility]
    _sign_in_to_lists(client, role, world)
    problems = []
    for case in (world.case(ST.PUBLISHED, A.COMMUNITY), world.case(ST.ARCHIVED, A.PUBLIC)):
        thread = case.story.discussion
        assert thread is not None
        response = client.get(reverse("communities:thread", args=[world.community.slug, thread.pk]))
        problems += _check(response, _thread_expected(role, visibility), case)
    assert problems == []
