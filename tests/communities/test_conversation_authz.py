"""Who may open each conversation page and take each action, for every relation to an open, restricted
and private community; and that a refusal changes nothing and, in a private community, gives nothing away.

The matrix is generated: every page and action (PAGES, ACTIONS), every viewer (VIEWERS) and every
visibility. What each one needs (read, participate, manage, be the author) is said once per page or action,
and who has it is said once, in `expected`.
"""

import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import reverse

from communities.models import (
    Community,
    ModerationLogEntry,
    Post,
    PostReaction,
    PostReport,
    PostRevision,
    Thread,
    ThreadWatch,
)
from communities.services.conversations import (
    post_delete,
    post_edit,
    post_reply,
    post_report,
    thread_create,
)
from communities.services.moderation import post_hide, thread_move, thread_set_locked
from profiles.models import Notification, User
from tests.communities.helpers import RELATIONS, community, person_as
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

VISIBILITIES = ["open", "restricted", "private"]
VIEWERS = ["anonymous", *RELATIONS, "site_admin"]
LOGIN = "login"  # the expected outcome for anonymous visitors: a redirect to sign in

# Who has each capability. A private community exists only for its active members, those invited to it
# and site admins: for everyone else every page and action is a 404, never a 403.
ACTIVE = {"member", "facilitator", "owner"}
MANAGERS = {"facilitator", "owner", "site_admin"}
PRIVATE_EXISTS_FOR = {"invited", *ACTIVE, "site_admin"}

# What each page or action needs.
READ = "read"  # open: anyone signed in; otherwise active members (and site admins)
PARTICIPATE = "participate"  # active members and site admins, in any community
MANAGE = "manage"  # facilitators, owners and site admins
AUTHOR = "author"  # only the post's author: nobody in the matrix (see the own-post tests below)

TITLE = "Chief Executives pay review"
NAME = "Chief Executives Network"


def may(need: str, relation: str, visibility: str) -> bool:
    if need == READ:
        return visibility == "open" or relation in ACTIVE or relation == "site_admin"
    if need == PARTICIPATE:
        return relation in ACTIVE or relation == "site_admin"
    if need == MANAGE:
        return relation in MANAGERS
    return False


def expected(relation: str, visibility: str, need: str, success: int):
    """The one rule: sign in first; a private community hides itself; then the capability decides."""
    if relation == "anonymous":
        return LOGIN
    if visibility == "private" and relation not in PRIVATE_EXISTS_FOR:
        return 404
    return success if may(need, relation, visibility) else 403


# --- The world every case starts from --------------------------------------------------------------------
@dataclass
class World:
    community: Community
    target: Community  # where thread-move sends the thread; every signed-in viewer facilitates it
    asker: User
    replier: User
    thread: Thread  # a question by `asker`
    reply: Post  # by `replier`, edited once: what every post action acts on
    hidden: Post  # by `replier`, hidden by the owner: what unhide acts on
    report: PostReport  # an open report of `reply`


def _world(visibility: str) -> World:
    place = community(visibility, name=f"{NAME} ({visibility})")
    owner = place.created_by
    asker, replier, reporter = (person_as("member", place) for _ in range(3))
    thread = thread_create(
        author=asker,
        community=place,
        title=TITLE,
        body="What do your chief executives earn?",
        kind="question",
    )
    reply = post_reply(author=replier, thread=thread, body="We publish it every year.")
    post_edit(actor=replier, post=reply, body="We publish it every April.")
    hidden = post_reply(author=replier, thread=thread, body="Off-topic advert.")
    post_hide(actor=owner, post=hidden, reason="Advertising")
    report = post_report(reporter=reporter, post=reply, reason="Shares salaries")
    target = community("open", name=f"Senior Leaders Network ({visibility})")
    return World(place, target, asker, replier, thread, reply, hidden, report)


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker) -> dict[str, World]:
    """One world per visibility, built once for the module's ~950 cases in a transaction rolled back at
    its end. Each case runs in its own savepoint (pytest-django's `db`), so no case sees another's changes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield {visibility: _world(visibility) for visibility in VISIBILITIES}
        transaction.set_rollback(True)


def _sign_in(client, relation: str, world: World) -> User | None:
    if relation == "anonymous":
        return None
    person = person_as(relation, world.community)
    if relation != "site_admin":
        MembershipFactory(community=world.target, user=person, role="facilitator")
    client.force_login(person)
    return person


def _url(name: str, world: World) -> str:
    kwargs = {"slug": world.community.slug}
    if name == "manage-report-dismiss":
        kwargs["report_id"] = world.report.pk
    elif name not in ("threads", "thread-create", "manage-reports"):
        kwargs["thread_id"] = world.thread.pk
        if name.startswith("post"):
            kwargs["post_id"] = (world.hidden if name == "post-unhide" else world.reply).pk
    return reverse(f"communities:{name}", kwargs=kwargs)


def _snapshot() -> dict:
    """Everything a conversation page or action could change."""
    return {
        "threads": list(Thread.objects.order_by("pk").values()),
        "posts": list(
            Post.objects.order_by("pk").values("pk", "path", "state", "body", "edited_at", "helpful_count")
        ),
        "revisions": PostRevision.objects.count(),
        "reactions": list(PostReaction.objects.order_by("pk").values_list("pk", "post_id", "user_id")),
        "reports": list(PostReport.objects.order_by("pk").values_list("pk", "reporter_id", "state")),
        "watches": list(ThreadWatch.objects.order_by("pk").values_list("pk", "user_id", "state")),
        "log": list(ModerationLogEntry.objects.order_by("pk").values_list("pk", "action")),
        "notifications": Notification.objects.count(),
    }


def _assert_outcome(response, outcome) -> None:
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
        return
    assert response.status_code == outcome, response.text[:300]
    if outcome == 302:
        assert not response.url.startswith("/accounts/login/")
    if outcome in (403, 404):
        assert TITLE not in response.text  # a refusal never shows what was refused
    if outcome == 404:
        assert NAME not in response.text  # nor that the community exists


# --- Pages ---------------------------------------------------------------------------------------------
# name: (what it needs, its status on success). The permalink redirects to the page holding the post.
PAGES = {
    "threads": (READ, 200),
    "thread-create": (PARTICIPATE, 200),
    "thread": (READ, 200),
    "post": (READ, 302),
    "reply": (PARTICIPATE, 200),
    "post-edit": (AUTHOR, 200),
    "post-delete": (AUTHOR, 200),
    "post-history": (MANAGE, 200),  # and the author: see the own-post tests
    "post-report": (PARTICIPATE, 200),
    "post-hide": (MANAGE, 200),
    "post-unhide": (MANAGE, 200),
    "thread-move": (MANAGE, 200),
    "manage-reports": (MANAGE, 200),
}


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("relation", VIEWERS)
@pytest.mark.parametrize("page", PAGES)
def test_who_may_open_each_conversation_page(client, worlds, page, relation, visibility):
    world = worlds[visibility]
    _sign_in(client, relation, world)
    before = _snapshot()
    response = client.get(_url(page, world))
    need, success = PAGES[page]
    _assert_outcome(response, expected(relation, visibility, need, success))
    assert _snapshot() == before


# --- Actions -------------------------------------------------------------------------------------------
def _fresh(obj):
    """The row as it is now (a new instance: the worlds' objects are shared by every case)."""
    return type(obj).objects.get(pk=obj.pk)


# name: (what it needs, the form, how to tell it happened for `person`). Every success redirects (302).
ACTIONS = {
    "thread-create": (
        PARTICIPATE,
        {"title": "Pensions", "kind": "discussion", "body": "Who runs a shared pension fund?", "tags": ""},
        lambda world, person: Thread.objects.filter(title="Pensions", author=person).exists(),
    ),
    "reply": (
        PARTICIPATE,
        {"body": "Ours is set by a panel.", "parent": ""},
        lambda world, person: Post.objects.filter(body="Ours is set by a panel.", author=person).exists(),
    ),
    "post-edit": (
        AUTHOR,
        {"body": "Rewritten by someone else"},
        lambda world, person: _fresh(world.reply).body == "Rewritten by someone else",
    ),
    "post-delete": (
        AUTHOR,
        {},
        lambda world, person: _fresh(world.reply).state == Post.State.DELETED,
    ),
    "post-helpful": (
        PARTICIPATE,
        {},
        lambda world, person: PostReaction.objects.filter(post=world.reply, user=person).exists(),
    ),
    "post-answer": (
        MANAGE,  # and the asker: see the own-post tests
        {"action": "mark"},
        lambda world, person: _fresh(world.thread).answer_id == world.reply.pk,
    ),
    # Watching is for readers: anyone who may read an open community may follow its conversations.
    "thread-watch": (
        READ,
        {"state": "muted"},
        lambda world, person: ThreadWatch.objects.filter(
            thread=world.thread, user=person, state="muted"
        ).exists(),
    ),
    "post-report": (
        PARTICIPATE,
        {"reason": "Personal data"},
        lambda world, person: PostReport.objects.filter(post=world.reply, reporter=person).exists(),
    ),
    "thread-moderate": (
        MANAGE,
        {"action": "pin"},
        lambda world, person: _fresh(world.thread).pinned,
    ),
    "post-hide": (
        MANAGE,
        {"reason": "Personal data"},
        lambda world, person: _fresh(world.reply).state == Post.State.HIDDEN,
    ),
    "post-unhide": (
        MANAGE,
        {"reason": ""},
        lambda world, person: _fresh(world.hidden).state == Post.State.VISIBLE,
    ),
    "thread-move": (
        MANAGE,
        {"community": "target", "reason": ""},
        lambda world, person: _fresh(world.thread).community_id == world.target.pk,
    ),
    "manage-report-dismiss": (
        MANAGE,
        {},
        lambda world, person: _fresh(world.report).state == PostReport.State.DISMISSED,
    ),
}


@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("relation", VIEWERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_who_may_take_each_conversation_action_and_a_refusal_changes_nothing(
    client, worlds, action, relation, visibility
):
    world = worlds[visibility]
    person = _sign_in(client, relation, world)
    need, data, happened = ACTIONS[action]
    if data.get("community") == "target":
        data = {**data, "community": world.target.pk}
    before = _snapshot()
    response = client.post(_url(action, world), data)
    outcome = expected(relation, visibility, need, 302)
    _assert_outcome(response, outcome)
    if outcome == 302:
        assert happened(world, person)
    else:
        assert _snapshot() == before


# --- Authors and their own posts ---------------------------------------------------------------------------
def _thread_with_reply(visibility="restricted"):
    place = community(visibility)
    author, other = person_as("member", place), person_as("member", place)
    thread = thread_create(author=other, community=place, title="Waste contracts", body="Who renews when?")
    reply = post_reply(author=author, thread=thread, body="We renew in 2027.")
    return place, author, other, thread, reply


def _post_url(name, post) -> str:
    thread = post.thread
    return reverse(
        f"communities:{name}",
        kwargs={"slug": thread.community.slug, "thread_id": thread.pk, "post_id": post.pk},
    )


def test_an_author_may_edit_and_delete_their_own_post(client):
    _, author, _, _, reply = _thread_with_reply()
    client.force_login(author)
    assert client.get(_post_url("post-edit", reply)).status_code == 200
    assert client.post(_post_url("post-edit", reply), {"body": "We renew in 2028."}).status_code == 302
    assert _fresh(reply).body == "We renew in 2028."
    assert client.get(_post_url("post-history", reply)).status_code == 200
    assert client.get(_post_url("post-delete", reply)).status_code == 200
    assert client.post(_post_url("post-delete", reply)).status_code == 302
    assert _fresh(reply).state == Post.State.DELETED


@pytest.mark.parametrize("relation", ["member", "facilitator", "owner", "site_admin"])
def test_nobody_else_may_edit_or_delete_a_post_not_even_a_facilitator(client, relation):
    place, _, _, _, reply = _thread_with_reply()
    client.force_login(person_as(relation, place))
    before = _snapshot()
    for name in ("post-edit", "post-delete"):
        assert client.get(_post_url(name, reply)).status_code == 403
        assert client.post(_post_url(name, reply), {"body": "Defaced"}).status_code == 403
    assert _snapshot() == before


def test_another_member_may_not_see_the_earlier_versions_of_a_post(client):
    _, author, other, _, reply = _thread_with_reply()
    post_edit(actor=author, post=reply, body="We renew in 2028.")
    client.force_login(other)
    assert client.get(_post_url("post-history", reply)).status_code == 403


def test_an_author_may_not_mark_their_own_post_helpful(client):
    _, author, _, _, reply = _thread_with_reply()
    client.force_login(author)
    before = _snapshot()
    response = client.post(_post_url("post-helpful", reply), follow=True)
    assert "You cannot mark your own post, or a removed one, as helpful." in response.text
    htmx = client.post(_post_url("post-helpful", reply), headers={"HX-Request": "true"})
    assert htmx.status_code == 200
    assert "You cannot mark your own post" in htmx.text
    assert _snapshot() == before


def test_an_author_may_not_report_their_own_post(client):
    _, author, _, _, reply = _thread_with_reply()
    client.force_login(author)
    before = _snapshot()
    assert client.get(_post_url("post-report", reply)).status_code == 403
    assert client.post(_post_url("post-report", reply), {"reason": "Me"}).status_code == 403
    assert _snapshot() == before


def test_the_author_sees_no_helpful_or_report_button_on_their_own_post_but_edit_and_delete(client):
    _, author, _, thread, reply = _thread_with_reply()
    client.force_login(author)
    html = client.get(reverse("communities:thread", args=[thread.community.slug, thread.pk])).text
    assert _post_url("post-edit", reply) in html
    assert _post_url("post-delete", reply) in html
    assert _post_url("post-report", reply) not in html
    assert _post_url("post-helpful", reply) not in html
    assert _post_url("post-edit", thread.opening_post) not in html  # someone else's


def test_a_deleted_post_cannot_be_edited_or_deleted_again(client):
    _, author, _, _, reply = _thread_with_reply()
    post_delete(actor=author, post=reply)
    client.force_login(author)
    before = _snapshot()
    assert client.post(_post_url("post-edit", reply), {"body": "Back"}).status_code == 403
    assert client.post(_post_url("post-delete", reply)).status_code == 403
    assert _snapshot() == before


def test_in_a_locked_thread_an_author_may_not_edit_but_may_still_delete(client):
    place, author, _, thread, reply = _thread_with_reply()
    thread_set_locked(actor=place.created_by, thread=thread, locked=True)
    client.force_login(author)
    assert client.post(_post_url("post-edit", reply), {"body": "Changed"}).status_code == 403
    assert _fresh(reply).body == "We renew in 2027."
    assert client.post(_post_url("post-delete", reply)).status_code == 302


def test_an_author_who_left_a_restricted_community_can_no_longer_touch_their_post(client):
    place, author, _, _, reply = _thread_with_reply("restricted")
    from communities.services.membership import membership_leave

    membership_leave(user=author, community=place)
    client.force_login(author)
    before = _snapshot()
    for name in ("post-edit", "post-delete", "post-history"):
        assert client.get(_post_url(name, reply)).status_code == 403
    assert client.post(_post_url("post-edit", reply), {"body": "Changed"}).status_code == 403
    assert _snapshot() == before


def test_the_asker_may_mark_the_answer_to_their_question(client):
    place = community("restricted")
    asker, replier = person_as("member", place), person_as("member", place)
    thread = thread_create(author=asker, community=place, title="Which CRM?", body="?", kind="question")
    reply = post_reply(author=replier, thread=thread, body="Ours.")
    client.force_login(asker)
    assert client.post(_post_url("post-answer", reply), {"action": "mark"}).status_code == 302
    assert _fresh(thread).answer_id == reply.pk
    assert client.post(_post_url("post-answer", reply), {"action": "unmark"}).status_code == 302
    assert _fresh(thread).answer_id is None


# --- Nothing crosses from one community, thread or post to another ----------------------------------------
def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_a_404_for_a_private_thread_is_the_same_page_as_for_a_thread_that_does_not_exist(client, worlds):
    world = worlds["private"]
    client.force_login(person_as("outsider", world.community))
    real = client.get(_url("thread", world))
    missing = client.get(reverse("communities:thread", args=[world.community.slug, world.thread.pk + 999]))
    assert real.status_code == missing.status_code == 404
    assert _without_csrf(real.text) == _without_csrf(missing.text)
    assert TITLE not in real.text


def test_a_private_thread_behind_an_open_communitys_address_is_still_a_404(client, worlds):
    world = worlds["private"]
    elsewhere = community("open")
    client.force_login(person_as("member", elsewhere))
    for name in ("thread", "post"):
        kwargs = {"slug": elsewhere.slug, "thread_id": world.thread.pk}
        if name == "post":
            kwargs["post_id"] = world.reply.pk
        response = client.get(reverse(f"communities:{name}", kwargs=kwargs))
        assert response.status_code == 404
        assert TITLE not in response.text
    before = _snapshot()
    url = reverse("communities:reply", kwargs={"slug": elsewhere.slug, "thread_id": world.thread.pk})
    assert client.post(url, {"body": "Sneaking in"}).status_code == 404
    assert _snapshot() == before


def test_the_thread_list_of_one_community_never_shows_anothers_threads(client):
    here, there = community("open"), community("open")
    thread_create(author=here.created_by, community=here, title="Local plan", body="Here.")
    thread_create(author=there.created_by, community=there, title="Elsewhere only", body="There.")
    client.force_login(person_as("member", here))
    response = client.get(reverse("communities:threads", args=[here.slug]))
    assert [t.title for t in response.context["page_obj"]] == ["Local plan"]
    assert "Elsewhere only" not in response.text


def test_a_post_from_another_thread_is_a_404_in_this_threads_address(client, worlds):
    world = worlds["open"]
    other = thread_create(author=world.asker, community=world.community, title="Another", body="Body")
    member = person_as("member", world.community)
    client.force_login(member)
    before = _snapshot()
    for name in ("post", "post-edit", "post-history", "post-report"):
        url = reverse(
            f"communities:{name}",
            kwargs={"slug": world.community.slug, "thread_id": other.pk, "post_id": world.reply.pk},
        )
        assert client.get(url).status_code == 404, name
    for name in ("post-helpful", "post-report"):
        url = reverse(
            f"communities:{name}",
            kwargs={"slug": world.community.slug, "thread_id": other.pk, "post_id": world.reply.pk},
        )
        assert client.post(url, {"reason": "x"}).status_code == 404, name
    reply_url = reverse("communities:reply", args=[world.community.slug, other.pk])
    assert client.post(reply_url, {"body": "Crossed", "parent": world.reply.pk}).status_code == 404
    assert _snapshot() == before


def test_a_report_from_another_community_cannot_be_dismissed_here(client, worlds):
    world = worlds["open"]
    mine = community("open")
    client.force_login(mine.created_by)
    before = _snapshot()
    url = reverse("communities:manage-report-dismiss", args=[mine.slug, world.report.pk])
    assert client.post(url).status_code == 404
    assert _snapshot() == before


def test_a_moved_threads_old_address_sends_its_readers_to_the_new_one(client, worlds):
    world = worlds["open"]
    old_thread = _url("thread", world)
    old_post = _url("post", world)
    thread_move(actor=person_as("site_admin", world.target), thread=world.thread, to=world.target)
    client.force_login(person_as("outsider", world.target))
    new_thread = reverse("communities:thread", args=[world.target.slug, world.thread.pk])
    response = client.get(old_thread + "?after=000002")
    assert response.status_code == 302
    assert response.url == new_thread + "?after=000002"
    response = client.get(old_post, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0].startswith(
        reverse("communities:post", args=[world.target.slug, world.thread.pk, world.reply.pk])
    )
    assert TITLE in response.text


def test_a_thread_moved_into_a_private_community_is_gone_for_those_outside_it(client, worlds):
    world = worlds["open"]
    secret = community("private", name="Leaders Private Room")
    facilitator = world.community.created_by
    MembershipFactory(community=secret, user=facilitator, role="facilitator")
    thread_move(actor=facilitator, thread=world.thread, to=secret)
    client.force_login(person_as("member", world.community))
    for url in (_url("thread", world), _url("post", world)):
        response = client.get(url)
        assert response.status_code == 404
        assert TITLE not in response.text
        assert "Leaders Private Room" not in response.text
        assert secret.slug not in response.text
    assert TITLE not in client.get(reverse("communities:threads", args=[world.community.slug])).text
