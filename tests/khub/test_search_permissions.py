"""Search (khub.search) as each viewer may see it: every kind of result, every count and every facet comes
through the permission modules, so nobody finds, counts or sees named what they may not read.

Each test searches for made-up words that occur nowhere else, so the matches are exact on PostgreSQL (full
text) and on SQLite (substring)."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from communities.models import Community, HubSettings, Post, Thread
from communities.services.conversations import post_delete, post_reply, thread_create
from communities.services.membership import membership_ban, membership_leave
from communities.services.moderation import post_hide, post_unhide
from core.search_query import Terms
from khub.search import engine
from khub.search.engine import Filters
from practice.models import PracticeStory
from practice.services.stories import story_archive
from profiles.models import Council, User
from profiles.services import user_erase
from tests.communities.helpers import community, person_as
from tests.factories import AdminFactory, CouncilFactory, UserFactory, with_tags
from tests.practice.helpers import draft_story, published_story

pytestmark = pytest.mark.django_db

# Every relation a viewer can have to a community, the visitor who is not signed in first.
RELATIONS = (
    "anonymous",
    "outsider",
    "requester",
    "invited",
    "member",
    "facilitator",
    "site_admin",
    "declined",
    "left",
    "removed",
    "banned",
)
EMPTY_TABS = {"Practice": 0, "Conversations": 0, "Communities": 0, "People": 0, "Events": 0, "Library": 0}


# --- Builders ------------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    # The builders post far more than a person may in a minute: the rate limit is not what is tested here.
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _start(place: Community, author: User | None = None, *, title: str, body: str = "How?", tags=None):
    return thread_create(
        author=author or place.created_by, community=place, title=title, body=body, tags=tags
    )


def _reply(thread: Thread, author: User, body: str) -> Post:
    return post_reply(author=author, thread=thread, body=body)


def _viewer(relation: str, place: Community):
    """A viewer in this relation to the community ("author": an active member who writes there)."""
    if relation == "anonymous":
        return AnonymousUser()
    return person_as("member" if relation == "author" else relation, place)


def _may_see(relation: str, visibility: str) -> bool:
    """communities.permissions.can_see, restated: the expectation the search is held to."""
    if relation == "anonymous":
        return False
    if relation == "site_admin" or visibility != "private":
        return True
    return relation in ("invited", "member", "facilitator", "author")


def _may_read(relation: str, visibility: str) -> bool:
    """communities.permissions.can_read, restated."""
    if relation == "anonymous":
        return False
    if relation in ("site_admin", "member", "facilitator", "author"):
        return True
    return visibility == "open"


# --- Asking ----------------------------------------------------------------------------------------------
def _search(viewer, text: str, kind: str = "all", **filters) -> engine.SearchResults:
    return engine.search(viewer=viewer, terms=Terms(text), filters=Filters(**filters), kind=kind)


def _counts(results: engine.SearchResults) -> dict[str, int]:
    return {kind_results.kind: kind_results.count for kind_results in results.kinds}


def _found(results: engine.SearchResults, kind: str) -> set[int]:
    """The ids the viewer's matches of this kind count (none when the kind is not searched for them)."""
    for kind_results in results.kinds:
        if kind_results.kind == kind:
            return {candidate.pk for candidate in kind_results.candidates}
    return set()


def _facet(results: engine.SearchResults, name: str) -> dict[str, int]:
    return {value.label: value.count for value in results.facets[name]}


def _page(client, viewer, text: str, **params):
    client.logout()
    if viewer is not None and viewer.is_authenticated:
        client.force_login(viewer)
    response = client.get(reverse("search"), {"q": text, **params})
    assert response.status_code == 200
    return response


def _tabs(html: str) -> dict[str, int]:
    """The result-type tabs and the counts they show: {"Practice": 1, ...}."""
    found = re.findall(r'(\w+) <span class="khub-search-tabs__count">\(([\d,]+)\+?\)</span>', html)
    return {label: int(count.replace(",", "")) for label, count in found}


def _heading(html: str) -> str:
    match = re.search(r'id="results-heading">(.*?)</h2>', html, re.DOTALL)
    assert match, "the results heading is missing"
    return " ".join(match.group(1).split())


def _community_url(place: Community) -> str:
    return reverse("communities:detail", args=[place.slug])


def _story_url(story: PracticeStory) -> str:
    return reverse("practice:detail", args=[story.slug])


# --- Conversations ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("visibility", ["open", "restricted", "private"])
def test_conversations_match_by_title_and_body_only_for_those_who_may_read_the_community(visibility):
    place = community(visibility, name=f"Gritting leads {visibility}")
    thread = _start(place, title="Zanzibarquux winter rota", body="Which roads first?")
    reply = _reply(thread, person_as("member", place), "We grit the zanzibarquux routes at dusk.")

    found, expected = {}, {}
    for relation in RELATIONS:
        results = _search(_viewer(relation, place), "zanzibarquux")
        found[relation] = (_found(results, "conversations"), _facet(results, "community"))
        if _may_read(relation, visibility):
            expected[relation] = ({thread.opening_post_id, reply.pk}, {place.name: 2})
        else:
            expected[relation] = (set(), {})

    assert found == expected


def test_a_restricted_community_is_found_by_outsiders_but_its_conversations_are_not(client):
    place = community("restricted", name="Zanzibarquux Planning Leads")
    thread = _start(place, title="Zanzibarquux appeals backlog")
    thread_link = reverse("communities:thread", args=[place.slug, thread.pk])

    for viewer in (UserFactory(), person_as("requester", place), person_as("invited", place)):
        html = _page(client, viewer, "zanzibarquux").text
        assert _tabs(html) == {**EMPTY_TABS, "Communities": 1}
        assert _heading(html) == "1 result for ‘zanzibarquux’"
        assert _community_url(place) in html
        assert thread_link not in html
        assert "appeals backlog" not in html

    html = _page(client, person_as("member", place), "zanzibarquux").text
    assert _tabs(html) == {**EMPTY_TABS, "Communities": 1, "Conversations": 1}
    assert "appeals backlog" in html


@pytest.mark.parametrize("viewer_kind", ["author", "facilitator", "owner", "site_admin", "outsider"])
def test_hidden_and_deleted_posts_are_found_by_nobody_not_even_their_author_a_facilitator_or_a_site_admin(
    viewer_kind,
):
    place = community("open")
    facilitator = person_as("facilitator", place)
    writer = person_as("member", place)
    thread = _start(place, title="Pothole repairs", body="What works?")
    shown = _reply(thread, writer, "Zanzibarquux patching lasted two winters.")
    hidden = _reply(thread, writer, "Zanzibarquux rant about the contractor.")
    deleted = _reply(thread, writer, "Zanzibarquux figures I should not have shared.")
    post_hide(actor=facilitator, post=hidden, reason="Off topic")
    post_delete(actor=writer, post=deleted)
    viewer = {
        "author": writer,
        "facilitator": facilitator,
        "owner": place.created_by,
        "site_admin": AdminFactory(),
        "outsider": UserFactory(),
    }[viewer_kind]

    results = _search(viewer, "zanzibarquux", kind="conversations")

    assert _found(results, "conversations") == {shown.pk}
    assert [hit.pk for hit in results.kinds[1].hits] == [shown.pk]
    assert _counts(results)["conversations"] == 1
    assert _facet(results, "community") == {place.name: 1}

    # The control: restored, the hidden post is found again.
    post_unhide(actor=facilitator, post=hidden)
    assert _found(_search(viewer, "zanzibarquux"), "conversations") == {shown.pk, hidden.pk}


@pytest.mark.parametrize("removal", ["hidden", "deleted"])
def test_a_thread_whose_opening_post_was_removed_no_longer_matches_by_its_title(client, removal):
    place = community("open")
    member = person_as("member", place)
    thread = _start(place, member, title="Zanzibarquux gritting rota", body="Which roads first?")
    _reply(thread, place.created_by, "Main roads, then the plonkroute bus routes.")
    assert _counts(_search(member, "zanzibarquux"))["conversations"] == 1
    assert _counts(_search(member, "plonkroute"))["conversations"] == 1

    opening = Post.objects.get(pk=thread.opening_post_id)
    if removal == "hidden":
        post_hide(actor=place.created_by, post=opening, reason="Off topic")
    else:
        post_delete(actor=member, post=opening)

    for viewer in (member, place.created_by, AdminFactory(), UserFactory()):
        assert _counts(_search(viewer, "zanzibarquux")) == {
            "practice": 0,
            "conversations": 0,
            "communities": 0,
            "people": 0,
            "events": 0,
            "library": 0,
        }
        # Its replies go with it, as in the feed and the digests: their results would show its title.
        assert _counts(_search(viewer, "plonkroute"))["conversations"] == 0
    html = _page(client, member, "zanzibarquux").text
    assert _heading(html) == "No results for ‘zanzibarquux’"
    assert "gritting rota" not in html


# --- Communities -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("visibility", ["open", "restricted", "private"])
def test_a_community_is_found_by_its_name_or_description_only_by_those_it_exists_for(visibility):
    place = community(
        visibility,
        name="Zanzibarquux Safeguarding Board",
        description="Leads who plonkwizzle serious case reviews.",
        about="We meet monthly to frobnitzal the findings.",
    )

    found, expected = {}, {}
    for relation in RELATIONS:
        viewer = _viewer(relation, place)
        found[relation] = [
            (_found(results, "communities"), _counts(results).get("communities", 0))
            for results in (
                _search(viewer, place.name),
                _search(viewer, "plonkwizzle"),
                _search(viewer, "frobnitzal"),
            )
        ]
        expected[relation] = [({place.pk}, 1) if _may_see(relation, visibility) else (set(), 0)] * 3

    assert found == expected


def test_an_outsider_searching_for_a_private_communitys_exact_name_gets_nothing_and_no_count(client):
    place = community(
        "private",
        name="Zanzibarquux Safeguarding Board",
        description="Leads who plonkwizzle serious case reviews.",
    )
    _start(place, title="Zanzibarquux case review rota", body="Who chairs in March?")

    for viewer in (UserFactory(), person_as("requester", place), person_as("banned", place), AnonymousUser()):
        for text in (place.name, "zanzibarquux", "plonkwizzle"):
            response = _page(client, viewer, text)
            html = response.text
            assert _heading(html) == f"No results for ‘{text}’"
            assert set(_tabs(html).values()) == {0}
            assert place.slug not in html
            assert "serious case reviews" not in html
            assert "case review rota" not in html
            assert all(values == [] for values in response.context["results"].facets.values())

    # The control: an invitation is enough to find the community (not yet to read its conversations).
    html = _page(client, person_as("invited", place), place.name).text
    assert _tabs(html) == {**EMPTY_TABS, "Communities": 1}
    assert _heading(html) == f"1 result for ‘{place.name}’"
    assert _community_url(place) in html
    assert "serious case reviews" in html


@pytest.mark.parametrize("how", ["leaves", "is banned"])
def test_a_member_who_leaves_or_is_banned_stops_finding_a_private_community_at_once(how):
    place = community("private", name="Zanzibarquux Data Group")
    viewer = person_as("member", place)
    _start(place, title="Zanzibarquux data sharing")
    published_story(community=place, audience="community", title="Zanzibarquux shared dashboards")
    assert _counts(_search(viewer, "zanzibarquux")) == {
        "practice": 1,
        "conversations": 2,  # the thread and the story's discussion
        "communities": 1,
        "people": 0,
        "events": 0,
        "library": 0,
    }

    if how == "leaves":
        membership_leave(user=viewer, community=place)
    else:
        membership_ban(actor=place.created_by, community=place, user=viewer, reason="Spam")

    results = _search(viewer, "zanzibarquux")
    assert _counts(results) == {
        "practice": 0,
        "conversations": 0,
        "communities": 0,
        "people": 0,
        "events": 0,
        "library": 0,
    }
    assert all(values == [] for values in results.facets.values())


# --- Practice stories ------------------------------------------------------------------------------------
STORY_VIEWERS = (
    "anonymous",
    "outsider",
    "requester",
    "invited",
    "member",
    "site_admin",
    "left",
    "banned",
    "author",
)


def _lists(relation: str, status: str, audience: str, visibility: str) -> bool:
    """practice.permissions.listed_stories, restated: published, and readable by its audience."""
    if status != "published":
        return False
    if relation in ("site_admin", "author") or audience == "public":
        return True
    if relation == "anonymous":
        return False
    return audience == "members" or _may_read(relation, visibility)


@pytest.mark.parametrize(
    ("status", "audience", "visibility"),
    [
        ("draft", "public", "open"),
        ("archived", "public", "open"),
        ("published", "public", "open"),
        ("published", "public", "restricted"),
        ("published", "public", "private"),
        ("published", "members", "restricted"),
        ("published", "members", "private"),
        ("published", "community", "open"),
        ("published", "community", "restricted"),
        ("published", "community", "private"),
    ],
)
def test_a_story_is_found_by_its_readers_and_names_its_home_community_only_to_those_who_may_see_it(
    status, audience, visibility
):
    place = community(visibility, name="Hushed Highways Circle")
    if status == "draft":
        story = draft_story(community=place, audience=audience, title="Zanzibarquux salt sharing")
    else:
        story = published_story(community=place, audience=audience, title="Zanzibarquux salt sharing")
    if status == "archived":
        story_archive(actor=story.author, story=story)

    found, expected = {}, {}
    for relation in STORY_VIEWERS:
        viewer = story.author if relation == "author" else _viewer(relation, place)
        results = _search(viewer, "zanzibarquux", kind="practice")
        hits = [hit.pk for hit in results.kinds[0].hits]
        found[relation] = {
            "story": (_found(results, "practice"), hits),
            "named": _facet(results, "community"),
            # The story's discussion is a conversation in the home community: for its readers only.
            "discussion": _counts(results).get("conversations", 0),
        }
        listed = _lists(relation, status, audience, visibility)
        expected[relation] = {
            "story": ({story.pk}, [story.pk]) if listed else (set(), []),
            "named": {place.name: 1} if listed and _may_see(relation, visibility) else {},
            "discussion": int(status != "draft" and _may_read(relation, visibility)),
        }

    assert found == expected


@pytest.mark.parametrize("kind", ["all", "practice"])
def test_a_public_storys_private_home_community_is_named_to_nobody_outside_it(client, kind):
    place = community("private", name="Hushed Highways Circle")
    story = published_story(community=place, audience="public", title="Zanzibarquux salt sharing")

    for viewer in (
        None,
        UserFactory(),
        person_as("requester", place),
        person_as("left", place),
        person_as("banned", place),
    ):
        response = _page(client, viewer, "zanzibarquux", type=kind)
        html = response.text
        assert _tabs(html)["Practice"] == 1
        assert _story_url(story) in html
        assert "Hushed Highways Circle" not in html
        assert place.slug not in html
        assert response.context["results"].facets["community"] == []

    # The control: its members see where the story lives, in the result and in the filter.
    for viewer in (person_as("member", place), person_as("invited", place), AdminFactory()):
        response = _page(client, viewer, "zanzibarquux", type=kind)
        assert "Hushed Highways Circle" in response.text
        assert [value.label for value in response.context["results"].facets["community"]] == [
            "Hushed Highways Circle"
        ]


def test_filtering_by_a_private_communitys_slug_tells_an_outsider_no_more_than_a_made_up_slug(client):
    place = community("private", name="Hushed Highways Circle")
    _start(place, title="Zanzibarquux gritting rota")
    published_story(community=place, audience="public", title="Zanzibarquux salt sharing")
    outsider = UserFactory()

    real = _page(client, outsider, "zanzibarquux", community=place.slug).text
    made_up = _page(client, outsider, "zanzibarquux", community="no-such-community").text

    assert _tabs(real) == _tabs(made_up) == EMPTY_TABS
    assert _heading(real) == _heading(made_up) == "No results for ‘zanzibarquux’"
    assert "Hushed Highways Circle" not in real
    # Without the filter the public story is there, still without its home community's name.
    unfiltered = _page(client, outsider, "zanzibarquux").text
    assert _tabs(unfiltered) == {**EMPTY_TABS, "Practice": 1}
    assert "Hushed Highways Circle" not in unfiltered
    # The control: a member filtering by the same slug finds the story and both conversations.
    member = _page(client, person_as("member", place), "zanzibarquux", community=place.slug).text
    assert _tabs(member) == {**EMPTY_TABS, "Practice": 1, "Conversations": 2}


# --- People ----------------------------------------------------------------------------------------------
def _expert(user: User, *expertise: str) -> User:
    return with_tags(user, expertise=expertise)


def test_deactivated_and_erased_members_never_appear_in_people_results(client):
    here = UserFactory(display_name="Zanzibarquux Here")
    gone = UserFactory(display_name="Zanzibarquux Gone", is_active=False)
    erased = UserFactory(display_name="Zanzibarquux Erased")
    expert = _expert(UserFactory(), "Plonkwizzle budgeting")
    _expert(UserFactory(is_active=False), "Plonkwizzle budgeting")
    viewers = (UserFactory(), AdminFactory())
    assert _found(_search(viewers[0], "zanzibarquux"), "people") == {here.pk, erased.pk}

    user_erase(user=erased)

    for viewer in viewers:
        assert _found(_search(viewer, "zanzibarquux"), "people") == {here.pk}
        assert _found(_search(viewer, "plonkwizzle"), "people") == {expert.pk}
        # Erased, they are called "Former member": that name finds nobody either.
        assert erased.pk not in _found(_search(viewer, "Former member"), "people")
        html = _page(client, viewer, "zanzibarquux", type="people").text
        assert _tabs(html) == {**EMPTY_TABS, "People": 1, "Events": 0, "Library": 0}
        assert reverse("profiles:profile", args=[here.handle]) in html
        assert reverse("profiles:profile", args=[gone.handle]) not in html
        assert f"former-member-{erased.pk}" not in html


# --- Visitors who are not signed in ----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["all", "people", "communities", "conversations", "practice"])
def test_visitors_search_the_public_practice_library_only_whatever_type_they_ask_for(client, kind):
    place = community("open", name="Zanzibarquux Open Circle")
    _start(place, title="Zanzibarquux winter rota")
    person = UserFactory(display_name="Zanzibarquux Person")
    public = published_story(community=place, audience="public", title="Zanzibarquux public bins")
    for_members = published_story(community=place, audience="members", title="Zanzibarquux members bins")

    response = _page(client, None, "zanzibarquux", type=kind)

    html = response.text
    assert _tabs(html) == {"Practice": 1}
    assert ">All</a>" not in html
    assert _heading(html) == "1 result for ‘zanzibarquux’"
    assert [kind_results.kind for kind_results in response.context["results"].kinds] == ["practice"]
    assert _story_url(public) in html
    assert _story_url(for_members) not in html
    assert place.slug not in html  # neither the community nor a conversation in it
    assert reverse("profiles:profile", args=[person.handle]) not in html
    # The control: signed in, the same search finds every kind.
    signed_in = _page(client, UserFactory(), "zanzibarquux", type=kind).text
    assert _tabs(signed_in) == {
        "Practice": 2,
        "Conversations": 3,
        "Communities": 1,
        "People": 1,
        "Events": 0,
        "Library": 0,
    }


def test_the_engine_searches_only_public_practice_for_a_visitor():
    place = community("open", name="Zanzibarquux Open Circle")
    _start(place, title="Zanzibarquux winter rota")
    UserFactory(display_name="Zanzibarquux Person")
    public = published_story(community=place, audience="public", title="Zanzibarquux public bins")
    published_story(community=place, audience="members", title="Zanzibarquux members bins")
    published_story(community=place, audience="community", title="Zanzibarquux community bins")

    for kind in ("all", "people", "communities", "conversations", "practice"):
        results = _search(AnonymousUser(), "zanzibarquux", kind=kind)
        assert _counts(results) == {"practice": 1}
        assert _found(results, "practice") == {public.pk}
        assert results.facets["community"] == []


# --- Counts and facets -----------------------------------------------------------------------------------
def test_tab_counts_and_the_heading_count_only_what_the_viewer_may_read(client):
    open_place = community("open", name="Open Roads Group")
    private_place = community("private", name="Hushed Roads Board")
    facilitator = person_as("facilitator", open_place)
    writer = person_as("member", open_place)
    thread = _start(open_place, writer, title="Zanzibarquux winter gritting", body="Which routes first?")
    _reply(thread, facilitator, "We salt the zanzibarquux routes at dusk.")
    post_hide(
        actor=facilitator,
        post=_reply(thread, writer, "A zanzibarquux remark about a colleague."),
        reason="Personal",
    )
    post_delete(actor=writer, post=_reply(thread, writer, "Zanzibarquux figures I should not share."))
    _start(private_place, title="Zanzibarquux budget overspend")
    published_story(community=open_place, audience="public", title="Zanzibarquux salt sharing")
    draft_story(community=open_place, title="Zanzibarquux salt sharing, second year")

    # The public story; the thread's title and the visible reply, and the story's discussion.
    outsider = _page(client, UserFactory(), "zanzibarquux").text
    assert _tabs(outsider) == {
        "Practice": 1,
        "Conversations": 3,
        "Communities": 0,
        "People": 0,
        "Events": 0,
        "Library": 0,
    }
    assert _heading(outsider) == "4 results for ‘zanzibarquux’"
    assert 'Conversations <span class="khub-search-tabs__count">(3)</span>' in outsider
    assert "remark about a colleague" not in outsider
    assert "should not share" not in outsider
    assert "budget overspend" not in outsider

    conversations = _page(client, UserFactory(), "zanzibarquux", type="conversations").text
    assert _tabs(conversations) == {
        "Practice": 1,
        "Conversations": 3,
        "Communities": 0,
        "People": 0,
        "Events": 0,
        "Library": 0,
    }
    assert conversations.count('class="khub-search-result"') == 3

    # The private community's member also finds its thread; hidden and deleted posts still count for nobody.
    for viewer in (person_as("member", private_place), AdminFactory()):
        html = _page(client, viewer, "zanzibarquux").text
        assert _tabs(html) == {
            "Practice": 1,
            "Conversations": 4,
            "Communities": 0,
            "People": 0,
            "Events": 0,
            "Library": 0,
        }
        assert _heading(html) == "5 results for ‘zanzibarquux’"

    visitor = _page(client, None, "zanzibarquux").text
    assert _tabs(visitor) == {"Practice": 1}
    assert _heading(visitor) == "1 result for ‘zanzibarquux’"


def test_a_word_only_in_a_private_community_yields_no_results_for_those_outside_it(client):
    place = community("private", name="Hushed Roads Board")
    thread = _start(place, title="Plonkwizzle overspend", body="Where did it go?")
    _reply(thread, place.created_by, "The plonkwizzle contract, mostly.")

    for viewer in (None, UserFactory(), person_as("invited", place), person_as("requester", place)):
        response = _page(client, viewer, "plonkwizzle")
        html = response.text
        assert _heading(html) == "No results for ‘plonkwizzle’"
        assert set(_tabs(html).values()) == {0}
        assert "matches your search" in html
        assert "khub-search-filters__select" not in html  # no filter has a value to offer
        assert "Hushed Roads Board" not in html

    html = _page(client, person_as("member", place), "plonkwizzle").text
    assert _heading(html) == "2 results for ‘plonkwizzle’"
    assert _tabs(html) == {
        "Practice": 0,
        "Conversations": 2,
        "Communities": 0,
        "People": 0,
        "Events": 0,
        "Library": 0,
    }


def test_facets_count_only_what_the_viewer_may_read(client):
    loud = CouncilFactory(name="Loudshire Council", region=Council.Region.SOUTH_WEST)
    quiet = CouncilFactory(name="Quietshire Council", region=Council.Region.NORTH_EAST)
    muted = CouncilFactory(name="Mutedshire Council", region=Council.Region.WALES)
    open_place = community("open", name="Open Roads Group")
    private_place = community("private", name="Hushed Roads Board")
    open_writer = person_as("member", open_place, council=loud)
    hidden_writer = person_as("member", open_place, council=muted)
    private_writer = person_as("member", private_place, council=quiet)
    thread = _start(open_place, open_writer, title="Zanzibarquux gritting", tags=["Gritting"])
    post_hide(
        actor=open_place.created_by,
        post=_reply(thread, hidden_writer, "Zanzibarquux, off topic."),
        reason="Off topic",
    )
    _start(private_place, private_writer, title="Zanzibarquux salt stock", tags=["Quietsecret"])

    outsider = UserFactory()
    response = _page(client, outsider, "zanzibarquux")
    results = response.context["results"]
    assert _facet(results, "community") == {"Open Roads Group": 1}
    assert _facet(results, "council") == {"Loudshire Council": 1}
    assert _facet(results, "region") == {"South West": 1}
    assert _facet(results, "tag") == {"Gritting": 1}
    html = response.text
    assert "Open Roads Group (1)" in html
    for secret in ("Hushed Roads Board", "Quietshire", "Mutedshire", "Quietsecret", "North East", "Wales"):
        assert secret not in html

    # The control: the private community's member counts its thread too; the hidden reply still counts for
    # nobody.
    member = person_as("member", private_place)
    results = _page(client, member, "zanzibarquux").context["results"]
    assert _facet(results, "community") == {"Hushed Roads Board": 1, "Open Roads Group": 1}
    assert _facet(results, "council") == {"Loudshire Council": 1, "Quietshire Council": 1}
    assert _facet(results, "region") == {"North East": 1, "South West": 1}
    assert _facet(results, "tag") == {"Gritting": 1, "Quietsecret": 1}
