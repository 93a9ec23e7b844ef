"""The signed-in home page (issue 19): each item says who did what where, with their picture and the first
lines of what they wrote; several people doing the same are one item; conversations with replies the
member has not seen are marked and items since their last visit set apart; the side column lists their
communities with unread counts and communities to join, never one they may not see; a member in no
community is welcomed. Query counts stay flat as the hub grows."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.models import Membership, Post, Thread, ThreadRead
from communities.services.conversations import thread_mark_read
from core.avatars import colour_index
from practice.services.recognition import story_promote
from profiles.models import Council, User
from profiles.services import follow_create
from tests.communities.helpers import community, person_as
from tests.factories import CouncilFactory, MembershipFactory, UserFactory, VerifiedMemberFactory
from tests.khub.test_feed import (
    FEED_QUERIES,
    _activity,
    _adopt,
    _count_queries,
    _home,
    _interested,
    _reply,
    _start,
)
from tests.practice.helpers import author_in, published_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _many_posts_a_minute(db):
    from communities.models import HubSettings

    settings_row = HubSettings.load()
    settings_row.posts_per_minute = 10_000
    settings_row.save()


def _items(html: str) -> list[str]:
    """The feed's items (and dividers), as written."""
    return re.findall(r'<li class="khub-feed__(?:item|divider)[^"]*">.*?</li>', html, re.S)


def _item_about(html: str, title: str) -> str:
    found = [item for item in _items(html) if f">{escape(title)}</a>" in item]
    assert len(found) == 1, (title, found)
    return found[0]


def _at(thread: Thread, when) -> None:
    """The thread's latest activity (and its latest post) at `when`."""
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=when)
    latest = Post.objects.filter(thread=thread).order_by("-created_at", "-pk").first()
    Post.objects.filter(pk=latest.pk).update(created_at=when)


# --- Who did what where --------------------------------------------------------------------------------
def test_each_kind_of_item_says_who_did_what_where_with_their_picture_and_first_lines(client):
    place = community("open", name="Digital Transformation")
    viewer = person_as("member", place)
    starter = author_in(place, display_name="Priya Shah")
    long_body = "We **moved** our forms to one platform. " + "Then we measured everything again. " * 12
    _start(place, starter, title="Which forms platform?")
    Post.objects.filter(thread__title="Which forms platform?").update(
        body=long_body, body_html=f"<p>{long_body.replace('**moved**', '<strong>moved</strong>')}</p>"
    )
    busy = _start(place, title="Cloud telephony")
    replier = author_in(place, display_name="Fatima Rahman")
    _reply(busy, replier, body="We switched in *March* & saved money.")
    story = published_story(community=place, title="Online missed bins", summary="Two clicks to report.")
    story_promote(actor=place.created_by, story=story)
    adopter = author_in(place)
    _adopt(story, adopter)
    elsewhere = community("open", name="Roads")
    followed = author_in(elsewhere, display_name="Sam Lee")
    follow_create(follower=viewer, followed=followed)
    _reply(_start(elsewhere, title="Potholes"), followed, body="Fixed **40** this week.")

    html = _home(client, viewer).text

    started = _item_about(html, "Which forms platform?")
    assert "Priya Shah started a conversation in" in started
    assert f'href="{reverse("communities:detail", args=[place.slug])}">Digital Transformation</a>' in started
    excerpt = re.search(r'khub-feed__excerpt">(.*?)</p>', started).group(1)
    assert excerpt.startswith("We moved our forms to one platform. Then we measured")  # plain text
    assert "<strong>" not in excerpt
    assert "**" not in excerpt
    assert excerpt.endswith("…")
    assert len(excerpt) <= 201
    assert not excerpt[:-1].endswith(" ")
    assert f"khub-avatar--colour-{colour_index(starter.handle)}" in started
    assert ">PS</span>" in started
    assert "<time datetime=" in started

    replied = _item_about(html, "Cloud telephony")
    assert "Fatima Rahman replied in" in replied
    assert "We switched in March &amp; saved money." in replied
    assert ">FR</span>" in replied
    assert "1 reply" in replied

    followed_reply = _item_about(html, "Potholes")
    assert "Sam Lee replied in" in followed_reply
    assert "Fixed 40 this week." in followed_reply

    story_items = [item for item in _items(html) if "Online missed bins" in item]
    said = " ".join(story_items)
    assert f"{escape(story.author.display_name)} published a story in" in said
    assert f"{escape(place.created_by.display_name)} promoted a story in" in said
    assert "Promoted as practice worth repeating" in said
    assert f"{escape(adopter.council.name)} repeated a story in" in said
    assert said.count("Two clicks to report.") == 3


def test_a_member_with_a_photo_shows_it_and_an_erased_one_shows_no_name(client):
    place = community("open")
    viewer = person_as("member", place)
    pictured = author_in(place, display_name="Ola Ade")
    User.objects.filter(pk=pictured.pk).update(avatar="avatars/ola.jpg")
    _start(place, pictured, title="With a photo")
    gone = author_in(place, display_name="Gone Person")
    _start(place, gone, title="By someone erased")
    User.objects.filter(pk=gone.pk).update(erased_at=timezone.now(), avatar="avatars/gone.jpg")

    html = _home(client, viewer).text

    photo = reverse("profiles:avatar", kwargs={"handle": pictured.handle, "filename": "ola.jpg"})
    assert f'src="{photo}"' in _item_about(html, "With a photo")
    erased = _item_about(html, "By someone erased")
    assert "Gone Person" not in erased
    assert "gone.jpg" not in erased
    assert "Former member started a conversation" in erased


# --- Grouping ------------------------------------------------------------------------------------------
def test_several_people_replying_to_one_conversation_are_one_item_with_up_to_three_pictures(client):
    place = community("open", name="Housing")
    viewer = person_as("member", place)
    pair = _start(place, title="Two repliers")
    _reply(pair, author_in(place, display_name="Ann One"))
    _reply(pair, author_in(place, display_name="Bob Two"))
    crowd = _start(place, title="Four repliers")
    people = [author_in(place) for _ in range(4)]
    for person in people:
        _reply(crowd, person)
    _reply(crowd, people[0], body="Me again, the latest.")  # one person twice counts once
    _reply(crowd, viewer)  # the viewer's own reply is not news to them...
    _reply(crowd, people[1], body="After the viewer.")  # ...and the latest is someone else's

    html = _home(client, viewer).text

    two = _item_about(html, "Two repliers")
    assert "2 people replied in" in two
    assert two.count('class="khub-avatar ') == 2
    assert "khub-feed__people--group" in two
    four = _item_about(html, "Four repliers")
    assert "4 people replied in" in four
    assert four.count('class="khub-avatar ') == 3
    assert "After the viewer." in four
    assert escape(viewer.display_name) not in four


def test_several_councils_repeating_one_story_on_the_page_are_one_item(client):
    place = community("open")
    viewer = person_as("member", place)
    story = published_story(community=place, title="Repeated widely")
    for _ in range(3):
        _adopt(story, author_in(place))

    response = _home(client, viewer)

    repeated = [item for item in response.context["feed"] if item.kind == "story_repeated"]
    assert len(repeated) == 1
    assert repeated[0].count == 3
    assert "3 councils repeated a story in" in response.text


# --- Unread markers and the last visit -----------------------------------------------------------------
def test_a_conversation_with_replies_the_member_has_not_seen_is_marked_until_they_read_it(client):
    place = community("open")
    viewer = person_as("member", place)
    replier = author_in(place)
    thread = _start(place, title="Budget cuts")
    _reply(thread, replier)
    quiet = _start(place, title="Nobody replied")
    now = timezone.now()
    _at(thread, now - timedelta(hours=3))

    assert "New replies" in _item_about(_home(client, viewer).text, "Budget cuts")  # never read

    assert client.get(thread.get_absolute_url()).status_code == 200  # reading it records the time
    html = _home(client, viewer).text
    assert "New replies" not in _item_about(html, "Budget cuts")
    assert "New replies" not in _item_about(html, quiet.title)  # a new conversation has no replies to see

    # Read two hours ago; a reply came an hour ago: marked again.
    ThreadRead.objects.filter(user=viewer, thread=thread).update(last_read_at=now - timedelta(hours=2))
    _reply(thread, replier, body="A later reply")
    _at(thread, now - timedelta(hours=1))
    marked = _item_about(_home(client, viewer).text, "Budget cuts")
    assert "New replies" in marked
    assert "khub-feed__item--unread" in marked


def test_reading_a_thread_is_one_row_per_member_moved_on_only_by_news_and_nothing_for_visitors(client):
    place = community("open")
    viewer = person_as("member", place)
    thread = _start(place, title="Read me")
    client.get(thread.get_absolute_url())  # a visitor
    assert list(ThreadRead.objects.values_list("user", flat=True)) == [place.created_by_id]  # who wrote it
    client.force_login(viewer)
    client.get(thread.get_absolute_url())
    first = ThreadRead.objects.get(user=viewer, thread=thread).last_read_at
    with CaptureQueriesContext(connection) as again:
        client.get(thread.get_absolute_url())  # nothing new since: no row changes, no transaction
    assert ThreadRead.objects.get(user=viewer, thread=thread).last_read_at == first
    assert not any(query["sql"] in ("BEGIN", "COMMIT") for query in again)

    _reply(thread, person_as("member", place))
    client.get(thread.get_absolute_url())
    assert ThreadRead.objects.filter(user=viewer, thread=thread).count() == 1
    assert ThreadRead.objects.get(user=viewer, thread=thread).last_read_at > first


def test_opening_a_read_thread_takes_no_lock_on_its_read_row(client, postgres_only):
    """ON CONFLICT DO UPDATE locks the row it finds even when its WHERE refuses the update (a write: WAL and
    a commit that waits for the disk); a read mark with nothing new must not reach it. A lock sets the
    row's xmax."""
    place = community("open")
    viewer = person_as("member", place)
    thread = _start(place, title="Read me")
    thread_mark_read(user=viewer, thread=thread)

    def xmax() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT xmax::text FROM communities_threadread WHERE user_id = %s AND thread_id = %s",
                [viewer.pk, thread.pk],
            )
            return cursor.fetchone()[0]

    before = xmax()
    thread_mark_read(user=viewer, thread=thread)
    assert xmax() == before == "0"


def test_a_read_mark_never_moves_back(client):
    place = community("open")
    viewer = person_as("member", place)
    thread = _start(place, title="Read me")
    later = timezone.now() + timedelta(minutes=5)
    thread_mark_read(user=viewer, thread=thread, at=later)
    thread_mark_read(user=viewer, thread=thread, at=later - timedelta(hours=1))
    assert ThreadRead.objects.get(user=viewer, thread=thread).last_read_at == later


def test_a_members_own_reply_leaves_the_conversation_read(client):
    place = community("open")
    viewer = person_as("member", place)
    other = person_as("member", place)
    thread = _start(place, other, title="I answered")
    reply = _reply(thread, viewer)
    assert ThreadRead.objects.get(user=viewer, thread=thread).last_read_at == reply.created_at
    thread_mark_read(user=viewer, thread=thread)
    assert ThreadRead.objects.filter(user=viewer).count() == 1


def test_items_since_the_previous_visit_are_set_apart_and_the_visit_moves_on(client):
    place = community("open")
    viewer = person_as("member", place)
    now = timezone.now()
    for title, hours in (("Newest", 1), ("Also new", 2), ("Before my visit", 4), ("Long ago", 30)):
        _at(_start(place, title=title), now - timedelta(hours=hours))
    User.objects.filter(pk=viewer.pk).update(home_seen_at=now - timedelta(hours=3))

    html = _home(client, viewer).text

    items = _items(html)
    assert "New since your last visit" in items[0]
    assert ">Newest</a>" in items[1]
    assert ">Also new</a>" in items[2]
    assert "Earlier" in items[3]
    assert ">Before my visit</a>" in items[4]
    assert ">Long ago</a>" in items[5]
    seen = User.objects.get(pk=viewer.pk).home_seen_at
    assert seen >= now

    # Straight back: nothing is new since this visit, so no divider.
    html = _home(client, viewer).text
    assert "New since your last visit" not in html
    assert "Earlier" not in html


def test_a_first_visit_or_a_page_of_only_older_items_has_no_divider_and_older_pages_keep_the_visit(client):
    place = community("open")
    viewer = person_as("member", place)
    now = timezone.now()
    threads = [_start(place, title=f"Thread {i}") for i in range(25)]
    for i, thread in enumerate(threads):
        _at(thread, now - timedelta(minutes=25 - i))
    html = _home(client, viewer).text
    assert "New since your last visit" not in html  # never visited before

    # The previous visit falls among the older page's items: that page sets them apart.
    visit = now - timedelta(minutes=23, seconds=30)
    User.objects.filter(pk=viewer.pk).update(home_seen_at=visit)
    first = _home(client, viewer)
    assert "New since your last visit" not in first.text  # all newer: nothing to set them apart from
    cursor = first.context["feed"][-1].when
    older = _home(client, viewer, "?" + urlencode({"before": cursor.isoformat(), "since": visit.isoformat()}))
    items = _items(older.text)
    assert "New since your last visit" in items[0]
    assert [">Thread 4</a>" in item for item in items[1:4]] == [True, False, False]
    assert "Earlier" in items[4]
    assert ">Thread 1</a>" in items[5]
    assert f"since={escape(visit.isoformat()).replace('+', '%2B').replace(':', '%3A')}" in first.text


# --- The side column -----------------------------------------------------------------------------------
def _side(html: str) -> str:
    return html[html.index("khub-home-side") :]


def _suggested(side: str) -> list[str]:
    listed = side.split('id="communities-to-join"')[1].split("</ul>")[0]
    return re.findall(r'govuk-link" href="[^"]+">([^<]+)</a>', listed)


def _yours(side: str) -> list[str]:
    listed = side.split('id="your-communities"')[1].split("</ul>")[0]
    return re.findall(r'govuk-link" href="[^"]+">([^<]+)</a>', listed)


def test_your_communities_show_unread_conversations_capped_at_nine_plus(client):
    busy_place = community("private", name="Busy private group")
    quiet_place = community("open", name="Quiet open group")
    read_place = community("open", name="All read group")
    viewer = UserFactory()
    joined = timezone.now() - timedelta(days=2)
    for place in (busy_place, quiet_place, read_place):
        MembershipFactory(community=place, user=viewer)
    Membership.objects.filter(user=viewer).update(joined_at=joined)
    for i in range(12):
        _start(busy_place, title=f"Busy {i}")
    old = _start(quiet_place, title="Before I joined")
    _at(old, joined - timedelta(days=1))
    fresh = _start(quiet_place, title="After I joined")
    read = _start(read_place, title="Read already")
    thread_mark_read(user=viewer, thread=read)
    hidden = _start(read_place, title="Opening post hidden")
    Post.objects.filter(pk=hidden.opening_post_id).update(state=Post.State.HIDDEN)

    side = _side(_home(client, viewer).text)

    assert re.search(r"Busy private group</a>\s*<strong[^>]*>9\+<span[^>]*> unread conversations", side)
    assert re.search(r"Quiet open group</a>\s*<strong[^>]*>1<span[^>]*> unread conversation<", side)
    assert re.search(r"All read group</a>\s*</li>", side)

    thread_mark_read(user=viewer, thread=fresh)
    assert re.search(r"Quiet open group</a>\s*</li>", _side(_home(client, viewer).text))


@pytest.mark.parametrize("relation", ["outsider", "requester", "invited", "left", "removed", "banned"])
def test_a_private_community_is_never_listed_counted_or_suggested_to_someone_outside_it(client, relation):
    secret = community("private", name="Secret safeguarding board", topics=["safeguarding"])
    _start(secret, title="Secret thread")
    council = CouncilFactory(region=Council.Region.LONDON)
    User.objects.filter(pk=secret.created_by_id).update(council=council)
    viewer = _interested(person_as(relation, secret, council=council), "safeguarding")

    html = _home(client, viewer).text

    assert "Secret safeguarding board" not in html
    assert secret.slug not in html
    assert "Secret thread" not in html
    # The control: a member has it in their communities, counted.
    member = person_as("member", secret)
    Membership.objects.filter(user=member).update(joined_at=timezone.now() - timedelta(days=1))
    assert re.search(r"Secret safeguarding board</a>\s*<strong", _side(_home(client, member).text))


def test_suggestions_are_open_communities_the_member_has_no_standing_in_interests_then_region_first(client):
    london = CouncilFactory(region=Council.Region.LONDON)
    viewer = _interested(VerifiedMemberFactory(council=london), "parking")
    mine = community("open", name="Mine")
    MembershipFactory(community=mine, user=viewer)
    on_interest = community("open", name="On parking", topics=["Parking"])
    in_region = community("open", name="London officers", owner=VerifiedMemberFactory(council=london))
    community("open", name="Anything else")
    community("restricted", name="Restricted on parking", topics=["Parking"])
    community("private", name="Private on parking", topics=["Parking"])
    for relation in ("left", "banned", "requester", "declined"):
        person_as_place = community("open", name=f"Where I am {relation}", topics=["Parking"])
        MembershipFactory(community=person_as_place, user=viewer, state=relation)
    _start(on_interest, title="Older activity")  # activity alone does not beat interests or region
    other = community("open", name="Most active")
    _start(other, title="Newest activity")

    side = _side(_home(client, viewer).text)

    assert _suggested(side) == ["On parking", "London officers", "Most active"]
    assert "Communities you may like" in side
    for never in ("Restricted on parking", "Private on parking", "Where I am", ">Mine<"):
        assert never not in side.split("Communities you may like")[1]
    assert in_region.slug in side


def test_suggestions_are_kept_between_views_and_one_the_member_joins_goes_at_once(client, settings):
    from django.core.cache import cache

    settings.SUGGESTIONS_KEPT_SECONDS = 300
    viewer = _interested(VerifiedMemberFactory(), "parking")
    key = f"home:suggestions:{viewer.pk}:3"
    cache.delete(key)  # another run's answer for a member with the same id
    mine = community("open", name="Mine")
    MembershipFactory(community=mine, user=viewer)
    first = community("open", name="On parking", topics=["Parking"])
    for i in range(4):
        _start(community("open", name=f"Active {i}"), title=f"Activity {i}")
    client.force_login(viewer)
    url = reverse("home")
    try:
        assert _suggested(_side(client.get(url).text)) == ["On parking", "Active 3", "Active 2"]
        asked = _count_queries(client, url) + 1  # what the first view ran, with the suggestions' statement

        MembershipFactory(community=first, user=viewer)
        community("open", name="Started since", topics=["Parking"])  # shows once the kept answer expires
        with CaptureQueriesContext(connection) as queries:
            side = _side(client.get(url).text)
    finally:
        cache.delete(key)
    assert _suggested(side) == ["Active 3", "Active 2", "Active 1"]
    assert len(queries) == asked - 1


def test_the_side_column_has_no_account_links(client):
    place = community("open")
    viewer = person_as("member", place)
    side = _side(_home(client, viewer).text)
    for account in ("account_change_password", "mfa_index", "account_email", "profiles:settings-account"):
        assert f'href="{reverse(account)}"' not in side
    assert "Your account" not in side
    assert "Your communities" in side


# --- Welcome -------------------------------------------------------------------------------------------
def test_a_member_in_no_community_is_welcomed_with_three_to_join_and_the_practice_library(client):
    north = CouncilFactory(region=Council.Region.NORTH_WEST)
    viewer = _interested(VerifiedMemberFactory(council=north), "waste")
    community("open", name="Waste and recycling", topics=["Waste"])
    community("open", name="North West officers", owner=VerifiedMemberFactory(council=north))
    community("open", name="Quiet one")
    busiest = community("open", name="Busiest one")
    _start(busiest, title="Lively")
    community("private", name="Private waste group", topics=["Waste"])

    html = _home(client, viewer).text

    assert "Get started" in html
    welcome = html[html.index("welcome-heading") : html.index("latest-activity")]
    names = re.findall(r'govuk-!-font-weight-bold"\s*href="[^"]+">([^<]+)</a>', welcome)
    assert names == ["Waste and recycling", "North West officers", "Busiest one"]
    assert f'href="{reverse("practice:index")}"' in welcome
    assert "Private waste group" not in html
    assert "Your communities" not in html


def test_without_interests_or_a_council_the_welcome_falls_back_to_the_most_active_open_communities(client):
    viewer = UserFactory()
    places = [community("open", name=f"Open {i}") for i in range(4)]
    now = timezone.now()
    for i, place in enumerate(places):
        type(place).objects.filter(pk=place.pk).update(last_activity_at=now - timedelta(days=i))

    html = _home(client, viewer).text

    welcome = html[html.index("welcome-heading") : html.index("latest-activity")]
    assert re.findall(r'">(Open \d)</a>', welcome) == ["Open 0", "Open 1", "Open 2"]


def test_a_member_of_a_community_gets_no_welcome(client):
    place = community("open")
    viewer = person_as("member", place)
    assert "Get started" not in _home(client, viewer).text


# --- Queries -------------------------------------------------------------------------------------------
def test_the_home_page_runs_the_same_queries_as_communities_threads_and_reads_grow(
    client, django_assert_max_num_queries
):
    viewer = _interested(VerifiedMemberFactory(), "waste")
    client.force_login(viewer)
    url = reverse("home")
    _activity(viewer, 2)
    client.get(url)
    small = _count_queries(client, url)
    for _ in range(12):  # more communities than the side column shows, busy ones, some threads read
        place = community("open", topics=["Waste"])
        MembershipFactory(community=place, user=viewer)
        for i in range(6):
            thread = _start(place, title=f"More {i}")
            _reply(thread, author_in(place))
            if i % 2:
                thread_mark_read(user=viewer, thread=thread)
        community("open", topics=["Waste"])
    _activity(viewer, 12)
    assert _count_queries(client, url) == small
    with django_assert_max_num_queries(FEED_QUERIES):
        response = client.get(url)
    side = _side(response.text)
    assert len(_yours(side)) == 10
    assert "All your communities" in side
    assert len(_suggested(side)) == 3
    assert any(item.unread for item in response.context["feed"])


def test_the_welcome_page_runs_no_more_queries_than_a_members(client, django_assert_max_num_queries):
    for i in range(5):
        _start(community("open", topics=["Waste"]), title=f"Open {i}")
    viewer = _interested(UserFactory(), "waste")
    client.force_login(viewer)
    client.get(reverse("home"))
    with django_assert_max_num_queries(FEED_QUERIES):
        assert "Get started" in client.get(reverse("home")).text


def test_the_latest_posts_statement_and_its_queryset_give_the_same_rows(postgres_only):
    """On PostgreSQL the page's conversations' latest posts come from a statement (a LATERAL walk of each
    thread's newest posts); elsewhere from a queryset cut in Python: the same rows."""
    from communities.providers.feed import RECENT_POSTS, recent_post_rows, recent_posts_portable

    place = community("open")
    viewer = person_as("member", place)
    threads = [_start(place, title=f"Thread {i}") for i in range(3)]
    for i, thread in enumerate(threads):
        for _ in range(i * 7):
            _reply(thread, author_in(place))
        _reply(thread, viewer)
    hidden = Post.objects.filter(thread=threads[2], depth__gt=0).exclude(author=viewer).latest("created_at")
    Post.objects.filter(pk=hidden.pk).update(state=Post.State.HIDDEN)
    ids = [thread.pk for thread in threads]

    found = recent_post_rows(viewer, ids)

    assert found == recent_posts_portable(viewer, ids)
    assert len([row for row in found if row[0] == threads[2].pk]) == RECENT_POSTS
    assert len([row for row in found if row[0] == threads[0].pk]) == 1  # the opening post alone
    assert viewer.handle not in {row[5] for row in found}


def test_the_read_states_of_the_pages_conversations_are_one_query_by_their_ids(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    place = community("open")
    viewer = person_as("member", place)
    threads = [_start(place, title=f"Thread {i}") for i in range(8)]
    for thread in threads:
        _reply(thread, author_in(place))
    for thread in threads[::2]:
        thread_mark_read(user=viewer, thread=thread)
    client.force_login(viewer)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))

    reads = [q["sql"] for q in queries if 'FROM "communities_threadread"' in q["sql"]]
    assert len(reads) == 1
    assert all(str(thread.pk) in reads[0] for thread in threads)
    marked = {item.title for item in response.context["feed"] if item.unread}
    assert marked == {thread.title for thread in threads[1::2]}
