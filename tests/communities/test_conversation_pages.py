"""The conversation pages as members use them: the list, starting a thread, the thread with its reply tree
and keyset pages, replying with and without htmx, editing, deleting, helpful, answers, watching, reports,
and the facilitators' tools; and the query counts that must not grow with the number of posts or rows.

Who may open what is in test_conversation_authz.py; hostile input in test_conversation_xss.py.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.models import (
    PATH_STEP,
    Community,
    HubSettings,
    Post,
    PostReaction,
    PostReport,
    Thread,
    ThreadWatch,
)
from communities.services.conversations import (
    post_helpful_toggle,
    post_reply,
    post_report,
    thread_create,
    thread_mark_answer,
    thread_watch_set,
)
from communities.services.moderation import post_hide, thread_set_locked, thread_set_pinned
from tests.communities.helpers import community, person_as
from tests.factories import AdminFactory, CouncilFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# --- Builders ------------------------------------------------------------------------------------------
def _start(place: Community, author=None, *, title="Temporary accommodation costs", body="How?", **kw):
    return thread_create(author=author or place.created_by, community=place, title=title, body=body, **kw)


def _list_url(place: Community, query: str = "") -> str:
    return reverse("communities:threads", args=[place.slug]) + query


def _thread_url(thread: Thread, query: str = "") -> str:
    return reverse("communities:thread", args=[thread.community.slug, thread.pk]) + query


def _post_url(name: str, post: Post) -> str:
    thread = post.thread
    return reverse(f"communities:{name}", args=[thread.community.slug, thread.pk, post.pk])


def _reply_url(thread: Thread) -> str:
    return reverse("communities:reply", args=[thread.community.slug, thread.pk])


def _banner(response) -> str:
    return [str(message) for message in response.context["messages"]][-1]


def _titles(response) -> list[str]:
    return [thread.title for thread in response.context["page_obj"]]


def _age_threads(**ages: int) -> None:
    """Set each thread's last activity `minutes` ago: {title: minutes}."""
    for title, minutes in ages.items():
        Thread.objects.filter(title=title).update(
            last_activity_at=timezone.now() - timedelta(minutes=minutes)
        )


def _limit_posts_per_minute(limit: int) -> None:
    settings_row = HubSettings.load()
    settings_row.posts_per_minute = limit
    settings_row.save()


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _assert_one_error_summary_above_the_heading(html: str) -> None:
    """GOV.UK: one error summary, at the top of the main content, before the h1."""
    assert html.count('class="govuk-error-summary"') == 1
    assert html.index('class="govuk-error-summary"') < html.index("<h1")


ARTICLE = re.compile(
    r'<article id="post-(\d+)"\s+class="khub-post khub-post--indent-(\d)[^"]*"(.*?)</article>', re.S
)
REPLYING_TO = re.compile(
    r'<p class="govuk-body-s khub-secondary-text( govuk-visually-hidden)?">\s*Replying to'
)


def _drawn(html: str) -> list[tuple[int, int, str]]:
    """Each post on the page in order: (id, indent level, "Replying to" shown / hidden / absent)."""
    drawn = []
    for post_id, indent, inside in ARTICLE.findall(html):
        match = REPLYING_TO.search(inside)
        replying_to = "" if match is None else ("hidden" if match.group(1) else "shown")
        drawn.append((int(post_id), int(indent), replying_to))
    return drawn


def _segment(sequence: int) -> str:
    return f"{sequence:0{PATH_STEP}d}"


def _grow(thread: Thread, n: int, *, authors: list, chain: int = 1) -> list[Post]:
    """Add n replies fast (bulk_create), in chains of `chain` replies each answering the one before, as
    post_reply would file them: path = parent's path + the 6-digit sequence, depth = len(path) // 6 - 1.
    Returns the replies in reading order."""
    thread = _fresh(thread)
    opening = Post.objects.get(pk=thread.opening_post_id)
    first = thread.post_sequence + 1
    now = timezone.now()
    specs = []  # (sequence, depth, parent sequence or None for the opening post)
    for i in range(n):
        sequence = first + i
        depth = 1 + i % chain
        specs.append((sequence, depth, None if depth == 1 else sequence - 1))
    made: dict[int, Post] = {}
    for depth in range(1, chain + 1):
        rows = []
        for sequence, d, parent_sequence in specs:
            if d != depth:
                continue
            parent = opening if parent_sequence is None else made[parent_sequence]
            rows.append(
                Post(
                    thread=thread,
                    author=authors[sequence % len(authors)],
                    parent=parent,
                    path=parent.path + _segment(sequence),
                    depth=depth,
                    body=f"Reply number {sequence}",
                    body_html=f"<p>Reply number {sequence}</p>",
                    created_at=now - timedelta(minutes=10),
                    notified_at=now,
                )
            )
        for post in Post.objects.bulk_create(rows):
            made[int(post.path[-PATH_STEP:])] = post
    Thread.objects.filter(pk=thread.pk).update(
        post_sequence=first + n - 1, reply_count=thread.reply_count + n, last_activity_at=now
    )
    return [made[sequence] for sequence, _, _ in specs]


# --- The list ------------------------------------------------------------------------------------------
def test_the_list_shows_pinned_threads_first_then_the_latest_activity(client):
    place = community("open")
    owner = place.created_by
    for title in ("Old news", "Fresh news", "House rules", "Middle news"):
        _start(place, title=title)
    thread_set_pinned(actor=owner, thread=Thread.objects.get(title="House rules"), pinned=True)
    _age_threads(**{"Old news": 60, "Fresh news": 1, "House rules": 600, "Middle news": 30})
    client.force_login(person_as("member", place))
    response = client.get(_list_url(place))
    assert _titles(response) == ["House rules", "Fresh news", "Middle news", "Old news"]
    assert "Pinned</strong>" in response.text
    post_reply(author=owner, thread=Thread.objects.get(title="Old news"), body="Bump")
    assert _titles(client.get(_list_url(place))) == ["House rules", "Old news", "Fresh news", "Middle news"]


def test_the_unanswered_filter_and_the_tags_say_which_questions_have_an_answer(client):
    place = community("open")
    owner = place.created_by
    _start(place, title="A discussion")
    answered = _start(place, title="Answered question", kind="question")
    _start(place, title="Open question", kind="question")
    reply = post_reply(author=person_as("member", place), thread=answered, body="This.")
    thread_mark_answer(actor=owner, thread=answered, post=reply)
    client.force_login(person_as("member", place))
    everything = client.get(_list_url(place))
    assert sorted(_titles(everything)) == ["A discussion", "Answered question", "Open question"]
    assert everything.text.count('govuk-tag--green">Answered</strong>') == 1
    assert everything.text.count("Question: not answered yet") == 1
    unanswered = client.get(_list_url(place, "?show=unanswered"))
    assert _titles(unanswered) == ["Open question"]
    assert "<title>Unanswered questions – " in unanswered.text
    assert '?show=unanswered"\n           aria-current="page"' in unanswered.text


def test_the_list_pages_twenty_threads_at_a_time_and_keeps_the_filter(client):
    place = community("open")
    admin = AdminFactory()  # not rate limited
    for n in range(23):
        _start(place, admin, title=f"Question {n:02}", kind="question")
    client.force_login(person_as("member", place))
    first = client.get(_list_url(place, "?show=unanswered"))
    assert len(first.context["page_obj"]) == 20
    assert "?show=unanswered&amp;page=2" in first.text
    second = client.get(_list_url(place, "?show=unanswered&page=2"))
    assert len(second.context["page_obj"]) == 3
    assert set(_titles(first)).isdisjoint(_titles(second))
    assert len(client.get(_list_url(place, "?page=99")).context["page_obj"]) == 3  # too far: the last


def test_an_empty_list_invites_members_to_start_and_others_to_join(client):
    place = community("open")
    name = escape(place.name)
    client.force_login(person_as("member", place))
    html = client.get(_list_url(place)).text
    assert f"Nobody has started a conversation in {name} yet." in html
    assert "Ask a question or share what you are working on" in html
    assert "Start a conversation</a>" in html
    assert f"Every question in {name} has an answer." in client.get(_list_url(place, "?show=unanswered")).text
    client.force_login(person_as("outsider", place))
    html = client.get(_list_url(place)).text
    assert "Start a conversation</a>" not in html
    assert f"Join {name}</a> to start a conversation or reply." in html


# --- Starting a conversation ---------------------------------------------------------------------------
def _new(**changes) -> dict:
    return {
        "title": "Who uses a shared legal service?",
        "kind": "question",
        "body": "We are **tendering** next year.",
        "tags": "Legal, procurement",
    } | changes


def test_starting_a_conversation_redirects_to_it_with_a_banner(client):
    place = community("restricted")
    member = person_as("member", place)
    client.force_login(member)
    page = client.get(reverse("communities:thread-create", args=[place.slug]))
    assert "Only members of" in page.text
    response = client.post(reverse("communities:thread-create", args=[place.slug]), _new(), follow=True)
    thread = Thread.objects.get()
    assert response.redirect_chain == [(_thread_url(thread), 302)]
    assert _banner(response) == "Your conversation has started. You will be told about replies."
    assert (thread.author, thread.kind) == (member, "question")
    assert sorted(thread.tags.names()) == ["Legal", "procurement"]
    assert "<strong>tendering</strong>" in response.text
    assert "Question: not answered yet" in response.text


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"title": ""}, "Enter a title"),
        ({"title": "   "}, "Enter a title"),
        ({"title": "t" * 201}, "Title must be 200 characters or fewer"),
        ({"body": ""}, "Enter your message"),
        ({"body": "   \n  "}, "Enter your message"),
        ({"body": "b" * 20_001}, "Your message must be 20000 characters or fewer"),
        ({"kind": "poll"}, "Select a discussion or a question"),
        ({"tags": ", ".join(f"t{n}" for n in range(11))}, "Enter 10 topic tags or fewer"),
    ],
)
def test_bad_input_on_the_start_form_is_shown_once_at_the_top_nothing_is_saved_and_the_text_is_kept(
    client, changes, error
):
    place = community("open")
    client.force_login(person_as("member", place))
    data = _new(**changes)
    response = client.post(reverse("communities:thread-create", args=[place.slug]), data)
    assert response.status_code == 200
    assert error in response.text
    _assert_one_error_summary_above_the_heading(response.text)
    assert "<title>Error: Start a conversation" in response.text
    assert not Thread.objects.exists()
    assert not Post.objects.exists()
    for field in ("title", "body"):
        if data[field].strip() and len(data[field]) < 300:
            assert escape(data[field]) in response.text


# --- A thread: the reply tree and its pages -----------------------------------------------------------
def test_replies_are_drawn_as_a_tree_indented_at_most_four_levels_deep(client):
    place = community("open")
    one, two = person_as("member", place), person_as("member", place)
    thread = _start(place, one)
    first = post_reply(author=two, thread=thread, body="Depth 1")
    chain, parent = [first], first
    for depth in range(2, 7):
        parent = post_reply(
            author=one if depth % 2 else two, thread=thread, body=f"Depth {depth}", parent=parent
        )
        chain.append(parent)
    sibling = post_reply(author=one, thread=thread, body="Depth 2, second", parent=first)
    last = post_reply(author=two, thread=thread, body="Depth 1, second")
    client.force_login(person_as("member", place))
    drawn = _drawn(client.get(_thread_url(thread)).text)
    assert drawn == [
        (thread.opening_post_id, 0, ""),
        (chain[0].pk, 1, ""),
        (chain[1].pk, 2, "hidden"),  # its parent is just above: said to screen readers only
        (chain[2].pk, 3, "hidden"),
        (chain[3].pk, 4, "hidden"),
        (chain[4].pk, 4, "shown"),  # past the last indent: the tree cannot show whom it answers
        (chain[5].pk, 4, "shown"),
        (sibling.pk, 2, "hidden"),
        (last.pk, 1, ""),
    ]


def test_a_reply_whose_parent_is_on_an_earlier_page_says_whom_it_replies_to(client):
    place = community("open")
    thread = _start(place)
    authors = [person_as("member", place) for _ in range(3)]
    replies = _grow(thread, 50, authors=authors)
    # A reply to the last reply of the first page is filed right after it: the first of the second page.
    late = post_reply(author=authors[0], thread=thread, body="Late answer", parent=replies[-1])
    client.force_login(authors[1])
    first = client.get(_thread_url(thread))
    assert late.pk not in [post.pk for post in first.context["replies"]]
    second = client.get(_thread_url(thread, first.context["next_url"]))
    assert _drawn(second.text)[1] == (late.pk, 2, "shown")


def test_the_thread_pages_fifty_replies_at_a_time_forwards_and_backwards(client):
    place = community("open")
    thread = _start(place)
    replies = _grow(thread, 120, authors=[person_as("member", place) for _ in range(4)])
    client.force_login(person_as("member", place))

    def ids(response):
        return [post.pk for post in response.context["replies"]]

    first = client.get(_thread_url(thread))
    assert ids(first) == [post.pk for post in replies[:50]]
    assert first.context["next_url"] == f"?after={replies[49].path}"
    assert first.context["previous_url"] == ""
    assert "Later replies" in first.text
    assert "Earlier replies" not in first.text
    assert "120 replies" in first.text

    second = client.get(_thread_url(thread, first.context["next_url"]))
    assert ids(second) == [post.pk for post in replies[50:100]]
    assert second.context["previous_url"] == f"?before={replies[50].path}"
    assert "Back to the first replies" in second.text

    third = client.get(_thread_url(thread, second.context["next_url"]))
    assert ids(third) == [post.pk for post in replies[100:]]
    assert third.context["next_url"] == ""

    back = client.get(_thread_url(thread, second.context["previous_url"]))
    assert ids(back) == [post.pk for post in replies[:50]]
    assert back.context["previous_url"] == ""
    assert back.context["next_url"] == f"?after={replies[49].path}"

    past_the_end = client.get(_thread_url(thread, f"?after={replies[-1].path}"))
    assert ids(past_the_end) == []
    assert "There are no more replies." in past_the_end.text


@pytest.mark.parametrize("cursor", ["?after=abc", "?after=12345", "?before=0000010000x", "?after='OR 1=1--"])
def test_a_bad_cursor_is_ignored_and_the_first_page_shown(client, cursor):
    place = community("open")
    thread = _start(place)
    replies = _grow(thread, 60, authors=[place.created_by])
    client.force_login(person_as("member", place))
    response = client.get(_thread_url(thread, cursor))
    assert response.status_code == 200
    assert [post.pk for post in response.context["replies"]] == [post.pk for post in replies[:50]]


def test_a_posts_permalink_opens_the_page_that_starts_with_it(client):
    place = community("open")
    thread = _start(place)
    replies = _grow(thread, 120, authors=[place.created_by])
    client.force_login(person_as("member", place))
    target = replies[76]
    response = client.get(_post_url("post", target))
    assert response.status_code == 302
    assert response.url == _thread_url(thread, f"?after={replies[75].path}#post-{target.pk}")
    page = client.get(response.url.split("#")[0])
    assert page.context["replies"][0].pk == target.pk
    opening = _fresh(thread).opening_post
    assert client.get(_post_url("post", opening)).url == _thread_url(thread, f"#post-{opening.pk}")
    assert client.get(_post_url("post", replies[0])).url == _thread_url(thread, f"#post-{replies[0].pk}")
    missing = reverse("communities:post", args=[place.slug, thread.pk, 999999])
    assert client.get(missing).status_code == 404


# --- Replying --------------------------------------------------------------------------------------------
def test_replying_with_htmx_returns_the_new_post_in_place_of_the_form(client):
    place = community("open")
    thread = _start(place)
    parent = post_reply(author=place.created_by, thread=thread, body="First")
    member = person_as("member", place)
    client.force_login(member)
    form = client.get(_reply_url(thread) + f"?parent={parent.pk}", headers=HTMX)
    assert form.status_code == 200
    assert "<html" not in form.text
    assert f'name="parent" value="{parent.pk}"' in form.text
    response = client.post(
        _reply_url(thread), {"body": "Agreed, *strongly*.", "parent": parent.pk}, headers=HTMX
    )
    reply = Post.objects.get(author=member)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'<article id="post-{reply.pk}"' in response.text
    assert "<em>strongly</em>" in response.text
    assert 'id="thread-status" hx-swap-oob="innerHTML">Your reply was posted.' in response.text
    assert (reply.parent_id, reply.depth) == (parent.pk, 2)


def test_a_reply_refused_with_htmx_comes_back_in_the_form_with_the_message_and_the_text(client):
    place = community("open")
    thread = _start(place)
    client.force_login(person_as("member", place))
    too_long = "word " * 4001
    response = client.post(_reply_url(thread), {"body": too_long, "parent": ""}, headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form")
    assert "Your message must be 20000 characters or fewer" in response.text
    assert too_long.strip() in response.text
    assert _fresh(thread).reply_count == 0


def test_replying_without_javascript_posts_and_redirects_to_the_new_post(client):
    place = community("open")
    thread = _start(place)
    parent = post_reply(author=place.created_by, thread=thread, body="First")
    client.force_login(person_as("member", place))
    page = client.get(_reply_url(thread) + f"?parent={parent.pk}")
    assert "Reply to " in page.text
    assert "<html" in page.text
    response = client.post(
        _reply_url(thread), {"body": "Without JavaScript", "parent": parent.pk}, follow=True
    )
    reply = Post.objects.get(body="Without JavaScript")
    assert response.redirect_chain == [(thread.get_absolute_url() + "#reply-posted", 302)]
    assert _banner(response) == "Your reply was posted."
    # The success banner is beside the new reply (the address's fragment), not at the top of the page.
    banner = response.text.index('id="reply-posted"')
    assert response.text.index(f'id="post-{reply.pk}"') > banner
    assert response.text.count("Your reply was posted.") == 1
    assert response.text.index("<h1") < banner


def test_an_empty_reply_at_the_foot_of_the_thread_shows_the_thread_with_the_error(client):
    place = community("open")
    thread = _start(place, title="Bin collections")
    client.force_login(person_as("member", place))
    response = client.post(_reply_url(thread), {"body": "  ", "parent": ""})
    assert response.status_code == 200
    assert "<title>Error: Bin collections" in response.text
    _assert_one_error_summary_above_the_heading(response.text)
    assert "Enter your message" in response.text
    assert _fresh(thread).reply_count == 0


@pytest.mark.parametrize("htmx", [True, False])
def test_the_rate_limit_is_told_on_the_form_and_the_text_is_kept(client, htmx):
    _limit_posts_per_minute(2)
    place = community("open")
    thread = _start(place)
    member = person_as("member", place)
    post_reply(author=member, thread=thread, body="One")
    post_reply(author=member, thread=thread, body="Two")
    client.force_login(member)
    response = client.post(
        _reply_url(thread), {"body": "Three, kept for later", "parent": ""}, headers=HTMX if htmx else {}
    )
    assert response.status_code == 200
    assert "You can post 2 times a minute. Wait a minute and post again" in response.text
    assert "Three, kept for later</textarea>" in response.text
    assert not Post.objects.filter(body="Three, kept for later").exists()


def test_a_body_of_exactly_twenty_thousand_characters_is_accepted_and_one_more_refused(client):
    place = community("open")
    thread = _start(place)
    client.force_login(person_as("member", place))
    assert client.post(_reply_url(thread), {"body": "a" * 20_000, "parent": ""}).status_code == 302
    response = client.post(_reply_url(thread), {"body": "b" * 20_001, "parent": ""})
    assert "Your message must be 20000 characters or fewer" in response.text
    assert not Post.objects.filter(body__startswith="b").exists()


def test_a_locked_thread_has_no_reply_form_for_members_but_facilitators_still_reply(client):
    place = community("open")
    thread = _start(place)
    post_reply(author=place.created_by, thread=thread, body="Before the lock")
    thread_set_locked(actor=place.created_by, thread=thread, locked=True)
    client.force_login(person_as("member", place))
    html = client.get(_thread_url(thread)).text
    assert "A facilitator locked this conversation: nobody can reply to it now." in html
    assert 'class="khub-reply-form"' not in html
    assert _reply_url(thread) not in html
    assert "Locked</strong>" in html
    client.force_login(person_as("facilitator", place))
    html = client.get(_thread_url(thread)).text
    assert 'class="khub-reply-form"' in html
    assert "Unlock<span" in html


# --- Editing and deleting ------------------------------------------------------------------------------
def test_an_edited_post_says_so_and_its_history_shows_the_author_and_facilitators_the_old_text(client):
    place = community("open")
    thread = _start(place)
    author = person_as("member", place)
    reply = post_reply(author=author, thread=thread, body="First version")
    client.force_login(author)
    page = client.get(_post_url("post-edit", reply))
    assert "First version</textarea>" in page.text
    response = client.post(_post_url("post-edit", reply), {"body": "Second version"}, follow=True)
    assert response.redirect_chain[0][0] == _post_url("post", reply)
    assert _banner(response) == "Your post has been updated."
    assert '<span class="khub-secondary-text">edited</span>' in response.text
    assert "<p>Second version</p>" in response.text
    history_link = _post_url("post-history", reply)
    assert history_link in response.text
    history = client.get(history_link)
    assert "First version" in history.text
    assert "Earlier versions of this post" in history.text
    client.force_login(person_as("facilitator", place))
    assert history_link in client.get(_thread_url(thread)).text
    assert "First version" in client.get(history_link).text
    client.force_login(person_as("member", place))
    assert history_link not in client.get(_thread_url(thread)).text
    assert client.get(history_link).status_code == 403


def test_an_empty_edit_is_refused_and_the_post_kept(client):
    place = community("open")
    author = person_as("member", place)
    reply = post_reply(author=author, thread=_start(place), body="Keep me")
    client.force_login(author)
    response = client.post(_post_url("post-edit", reply), {"body": ""})
    assert response.status_code == 200
    assert "Enter your message" in response.text
    _assert_one_error_summary_above_the_heading(response.text)
    assert _fresh(reply).body == "Keep me"


def test_a_deleted_post_shows_a_notice_instead_of_its_text(client):
    place = community("open")
    thread = _start(place)
    author = person_as("member", place)
    reply = post_reply(author=author, thread=thread, body="Regrettable words")
    client.force_login(author)
    confirm = client.get(_post_url("post-delete", reply))
    assert "Are you sure you want to delete your post?" in confirm.text
    response = client.post(_post_url("post-delete", reply), follow=True)
    assert _banner(response).startswith("Your post has been deleted.")
    assert "Its author deleted this post." in response.text
    assert "0 replies" in response.text
    client.force_login(person_as("member", place))
    html = client.get(_thread_url(thread)).text
    assert "Its author deleted this post." in html
    assert "Regrettable words" not in html


# --- Helpful, answers, watching ------------------------------------------------------------------------
def test_the_helpful_button_toggles_with_htmx_and_says_whether_it_is_pressed(client):
    place = community("open")
    reply = post_reply(author=place.created_by, thread=_start(place), body="Useful")
    member = person_as("member", place)
    client.force_login(member)
    url = _post_url("post-helpful", reply)
    on = client.post(url, headers=HTMX)
    assert on.status_code == 200
    assert on.text.lstrip().startswith(f'<span id="helpful-{reply.pk}"')
    assert 'aria-pressed="true"' in on.text
    assert "(1)" in on.text
    assert "Marked as helpful." in on.text
    off = client.post(url, headers=HTMX)
    assert 'aria-pressed="false"' in off.text
    assert "(0)" not in off.text  # a count only above zero
    assert "(1)" not in off.text
    assert not PostReaction.objects.exists()


def test_the_helpful_button_works_without_javascript(client):
    place = community("open")
    reply = post_reply(author=place.created_by, thread=_start(place), body="Useful")
    client.force_login(person_as("member", place))
    response = client.post(_post_url("post-helpful", reply), follow=True)
    assert response.redirect_chain[0][0] == _post_url("post", reply)
    assert _banner(response) == "You marked the post as helpful."
    assert 'aria-pressed="true"' in response.text
    assert _fresh(reply).helpful_count == 1


def test_marking_the_answer_shows_it_on_the_thread_and_in_the_list(client):
    place = community("open")
    asker = person_as("member", place)
    thread = _start(place, asker, title="Which tool?", kind="question")
    replier = person_as("member", place)
    reply = post_reply(author=replier, thread=thread, body="Ours")
    client.force_login(asker)
    page = client.get(_thread_url(thread))
    assert "Mark as the answer" in page.text
    response = client.post(_post_url("post-answer", reply), {"action": "mark"}, follow=True)
    assert _banner(response) == "You marked this reply as the answer."
    assert "khub-post--answer" in response.text
    assert f"See the answer from {escape(replier.public_name)}" in response.text
    assert "Not the answer after all" in response.text
    listing = client.get(_list_url(place)).text
    assert 'govuk-tag--green">Answered</strong>' in listing
    assert _titles(client.get(_list_url(place, "?show=unanswered"))) == []


def test_watch_and_mute_swap_in_place_with_htmx_and_redirect_without_javascript(client):
    place = community("open")
    thread = _start(place)
    member = person_as("member", place)
    client.force_login(member)
    url = reverse("communities:thread-watch", args=[place.slug, thread.pk])
    watched = client.post(url, {"state": "watching"}, headers=HTMX)
    assert watched.text.lstrip().startswith('<div id="thread-watch"')
    assert "You are watching: you are told about every reply." in watched.text
    assert "Stop watching" in watched.text
    muted = client.post(url, {"state": "muted"}, headers=HTMX)
    assert "You muted this conversation: you are told nothing about it." in muted.text
    assert ThreadWatch.objects.get(user=member).state == "muted"
    response = client.post(url, {"state": ""}, follow=True)
    assert response.redirect_chain == [(_thread_url(thread), 302)]
    assert _banner(response).startswith("You stopped watching this conversation")
    assert not ThreadWatch.objects.filter(user=member).exists()
    client.post(url, {"state": "sideways"})
    assert ThreadWatch.objects.get(user=member).state == "watching"


# --- Reports and hidden posts --------------------------------------------------------------------------
def test_a_report_reaches_the_reports_page_where_the_facilitator_hides_the_post(client):
    place = community("restricted")
    thread = _start(place)
    author = person_as("member", place)
    reply = post_reply(author=author, thread=thread, body="Buy my software")
    reporter = person_as("member", place)
    client.force_login(reporter)
    assert "What is wrong with this post?" in client.get(_post_url("post-report", reply)).text
    response = client.post(_post_url("post-report", reply), {"reason": "An advert"}, follow=True)
    assert _banner(response) == "Thank you. The community's facilitators will look at the post."
    again = client.post(_post_url("post-report", reply), {"reason": "Still an advert"})
    assert "You have already reported this post." in again.text
    _assert_one_error_summary_above_the_heading(again.text)
    assert "Still an advert</textarea>" in again.text

    facilitator = person_as("facilitator", place)
    client.force_login(facilitator)
    reports_url = reverse("communities:manage-reports", args=[place.slug])
    reports = client.get(reports_url)
    assert [r.post_id for r in reports.context["page_obj"]] == [reply.pk]
    assert "An advert" in reports.text
    assert "<p>Buy my software</p>" in reports.text
    assert escape(reporter.public_name) in reports.text
    hide_url = _post_url("post-hide", reply) + "?next=reports"
    assert hide_url in reports.text
    form = client.get(hide_url)
    assert '<input type="hidden" name="next" value="reports">' in form.text
    response = client.post(hide_url, {"reason": "Advertising", "next": "reports"}, follow=True)
    assert response.redirect_chain == [(reports_url, 302)]
    assert _banner(response).startswith("The post is hidden.")
    assert "No reported posts are waiting." in response.text
    assert _fresh(reply).state == "hidden"
    assert PostReport.objects.get().state == "resolved"


def test_hiding_needs_a_reason(client):
    place = community("open")
    reply = post_reply(author=place.created_by, thread=_start(place), body="Hmm")
    client.force_login(person_as("facilitator", place))
    response = client.post(_post_url("post-hide", reply), {"reason": ""})
    assert response.status_code == 200
    assert "Enter the reason" in response.text
    _assert_one_error_summary_above_the_heading(response.text)
    assert _fresh(reply).state == "visible"


def test_a_facilitator_dismisses_a_report_and_the_post_stays(client):
    place = community("open")
    reply = post_reply(author=place.created_by, thread=_start(place), body="Fine really")
    report = post_report(reporter=person_as("member", place), post=reply, reason="Rude")
    client.force_login(person_as("facilitator", place))
    url = reverse("communities:manage-report-dismiss", args=[place.slug, report.pk])
    response = client.post(url, follow=True)
    assert _banner(response) == "You dismissed the reports of this post. It stays as it is."
    assert "No reported posts are waiting." in response.text
    assert _fresh(report).state == "dismissed"
    assert _fresh(reply).state == "visible"
    again = client.post(url, follow=True)
    assert _banner(again) == "That report was already decided."


def test_a_hidden_post_shows_members_a_notice_and_facilitators_and_its_author_the_text(client):
    place = community("open")
    thread = _start(place)
    author = person_as("member", place)
    reply = post_reply(author=author, thread=thread, body="Named a resident")
    post_hide(actor=place.created_by, post=reply, reason="Personal data")
    client.force_login(person_as("member", place))
    html = client.get(_thread_url(thread)).text
    assert "A facilitator hid this post." in html
    assert "Named a resident" not in html
    for viewer in (person_as("facilitator", place), author):
        client.force_login(viewer)
        html = client.get(_thread_url(thread)).text
        assert "A facilitator hid this post." in html
        assert "Show the removed text" in html
        assert "Named a resident" in html
        assert "Reason: Personal data" in html
    client.force_login(person_as("facilitator", place))
    restore = client.post(_post_url("post-unhide", reply), {"reason": ""}, follow=True)
    assert _banner(restore) == "The post is visible again."
    assert _fresh(reply).state == "visible"


# --- Pin, lock and move ----------------------------------------------------------------------------------
def test_pin_and_lock_buttons_change_the_thread_and_say_so(client):
    place = community("open")
    thread = _start(place, title="House rules")
    _start(place, title="Later thread")
    client.force_login(person_as("facilitator", place))
    url = reverse("communities:thread-moderate", args=[place.slug, thread.pk])
    response = client.post(url, {"action": "pin"}, follow=True)
    assert response.redirect_chain == [(_thread_url(thread), 302)]
    assert _banner(response) == "The conversation is pinned to the top of the list."
    assert "Unpin<span" in response.text
    assert _titles(client.get(_list_url(place)))[0] == "House rules"
    response = client.post(url, {"action": "lock"}, follow=True)
    assert _banner(response) == "The conversation is locked: members cannot reply."
    assert _fresh(thread).locked
    response = client.post(url, {"action": "explode"}, follow=True)
    assert _banner(response) == "Choose pin, unpin, lock or unlock."
    assert client.get(url).status_code == 405


def test_the_move_form_offers_only_other_communities_the_facilitator_manages(client):
    place = community("open", name="Waste")
    facilitator = person_as("facilitator", place)
    also_mine = community("restricted", name="Recycling")
    MembershipFactory(community=also_mine, user=facilitator, role="owner")
    member_only = community("open", name="Planning")
    MembershipFactory(community=member_only, user=facilitator)
    community("private", name="Secret")
    thread = _start(place)
    url = reverse("communities:thread-move", args=[place.slug, thread.pk])
    client.force_login(facilitator)
    form = client.get(url).context["form"]
    assert [c.name for c in form.fields["community"].queryset] == ["Recycling"]
    refused = client.post(url, {"community": member_only.pk})
    assert "Choose a community you facilitate" in refused.text
    _assert_one_error_summary_above_the_heading(refused.text)
    response = client.post(url, {"community": also_mine.pk, "reason": "Better fit"}, follow=True)
    assert _banner(response) == "The conversation is now in Recycling."
    assert response.redirect_chain == [(_thread_url(_fresh(thread)), 302)]
    client.force_login(AdminFactory())
    admin_form = client.get(reverse("communities:thread-move", args=[also_mine.slug, thread.pk]))
    assert [c.name for c in admin_form.context["form"].fields["community"].queryset] == [
        "Planning",
        "Secret",
        "Waste",
    ]


def test_a_facilitator_of_one_community_is_told_there_is_nowhere_to_move_to(client):
    place = community("open")
    thread = _start(place)
    client.force_login(place.created_by)
    html = client.get(reverse("communities:thread-move", args=[place.slug, thread.pk])).text
    assert "You do not facilitate another community to move it to." in html


# --- Query counts: the same few queries whatever the size ------------------------------------------------
def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _busy_thread(place: Community, viewer, n: int, *, title: str) -> tuple[Thread, list[Post]]:
    """A question with n replies by people from several councils, nested up to six deep, some edited,
    hidden and deleted, a few the viewer found helpful, one the answer."""
    authors = [UserFactory(council=CouncilFactory()) for _ in range(3)]
    for person in authors:
        MembershipFactory(community=place, user=person)
    thread = _start(place, authors[0], title=title, kind="question", tags=["Housing", "Budgets"])
    replies = _grow(thread, n, authors=authors, chain=6)
    thread = _fresh(thread)
    Post.objects.filter(pk__in=[replies[1].pk, replies[7].pk]).update(edited_at=timezone.now())
    Post.objects.filter(pk=replies[2].pk).update(state=Post.State.HIDDEN, moderation_reason="Off topic")
    Post.objects.filter(pk=replies[3].pk).update(state=Post.State.DELETED)
    for post in (replies[4], replies[6]):
        post_helpful_toggle(user=viewer, post=post)
    thread_mark_answer(actor=place.created_by, thread=thread, post=replies[0])
    thread_watch_set(user=viewer, thread=thread, state="watching")
    return thread, replies


# Session, user, the thread with its tags, one page of replies, the viewer's helpful marks, membership and
# watch, the unread notices count; and (issue 19) the one upsert that records the viewer read the thread
# (communities.models.ThreadRead: the home page's unread markers and counts); and (issue 21) the one query
# for the documents attached to it (core.providers.attachments: the library's, each with whether the viewer
# may read it); and (issue 22) the side column (core.providers.blocks: ask's panels, ask.routing.help_panel):
# the candidate stories' ids, the stories, their repeats and co-authors, the candidate conversations, their
# answers and the people (five; the tags and the experts too for a thread with tags). On SQLite one more: the
# user row brings no standing (khub/auth.py).
THREAD_PAGE_QUERIES = 16 if connection.vendor == "postgresql" else 17


@pytest.mark.parametrize("viewer_relation", ["member", "facilitator"])
def test_a_thread_page_runs_the_same_queries_for_10_or_1000_posts(
    client, django_assert_max_num_queries, viewer_relation
):
    place = community("open")
    viewer = person_as(viewer_relation, place)
    small, small_replies = _busy_thread(place, viewer, 10, title="Small")
    big, big_replies = _busy_thread(place, viewer, 1000, title="Big")
    client.force_login(viewer)
    client.get(_thread_url(small))  # the hub settings and session rows exist from here on
    first = _count_queries(client, _thread_url(small))
    assert _count_queries(client, _thread_url(big)) == first
    later = _count_queries(client, _thread_url(small, f"?after={small_replies[4].path}"))
    assert _count_queries(client, _thread_url(big, f"?after={big_replies[500].path}")) == later
    assert _count_queries(client, _thread_url(big, f"?before={big_replies[500].path}")) == later
    with django_assert_max_num_queries(THREAD_PAGE_QUERIES):
        client.get(_thread_url(big))
    with django_assert_max_num_queries(THREAD_PAGE_QUERIES):
        client.get(_thread_url(big, f"?after={big_replies[500].path}"))
    page = client.get(_thread_url(big))
    assert len(page.context["replies"]) == 50


def _threads(place: Community, n: int) -> None:
    admin = AdminFactory()
    for i in range(n):
        kind = "question" if i % 2 else "discussion"
        thread = _start(place, admin, title=f"Thread {i}", kind=kind, tags=[f"t{i}", "x"])
        post_reply(author=admin, thread=thread, body="A reply")


def test_the_list_runs_the_same_queries_for_3_or_30_threads(client, django_assert_max_num_queries):
    place = community("open")
    client.force_login(person_as("member", place))
    url = _list_url(place)
    _threads(place, 3)
    client.get(url)
    small = _count_queries(client, url)
    _threads(place, 27)
    assert _count_queries(client, url) == small
    assert _count_queries(client, url + "?show=unanswered") == small
    with django_assert_max_num_queries(8):
        client.get(url)


def _reports(place: Community, n: int) -> None:
    thread = _start(place, AdminFactory())
    for _ in range(n):
        author = UserFactory(council=CouncilFactory())
        MembershipFactory(community=place, user=author)
        reply = post_reply(author=author, thread=thread, body="Questionable")
        post_report(reporter=person_as("member", place), post=reply, reason="Rude")


def test_the_reports_page_runs_the_same_queries_for_2_or_20_reports(client, django_assert_max_num_queries):
    place = community("open")
    client.force_login(person_as("facilitator", place))
    url = reverse("communities:manage-reports", args=[place.slug])
    _reports(place, 2)
    client.get(url)
    small = _count_queries(client, url)
    _reports(place, 18)
    assert _count_queries(client, url) == small
    with django_assert_max_num_queries(9):
        client.get(url)


def test_the_community_page_runs_the_same_queries_for_3_or_30_threads(client, django_assert_max_num_queries):
    place = community("open")
    client.force_login(person_as("member", place))
    url = reverse("communities:detail", args=[place.slug])
    _threads(place, 3)
    client.get(url)
    small = _count_queries(client, url)
    _threads(place, 27)
    assert _count_queries(client, url) == small
    # 8, the events coming up and the library's newest documents and guides (communities.sections)
    with django_assert_max_num_queries(11):
        client.get(url)


# --- The top of a long thread ---------------------------------------------------------------------------
@pytest.mark.parametrize("replies", [10, 11])
def test_a_long_thread_offers_jump_to_reply_to_those_who_may_reply(client, replies):
    place = community("open")
    thread = _start(place)
    _limit_posts_per_minute(100)
    for number in range(replies):
        post_reply(author=place.created_by, thread=thread, body=f"Reply {number}")
    jump = '<a class="govuk-link" href="#reply">Jump to reply</a>'

    client.force_login(person_as("member", place))
    html = client.get(_thread_url(thread)).text
    assert (jump in html) is (replies > 10)
    assert 'id="reply"' in html  # where it goes
    if replies > 10:
        assert html.index(jump) < html.index(f'id="post-{thread.opening_post_id}"')

    client.force_login(person_as("outsider", place))  # reads an open community, may not reply
    html = client.get(_thread_url(thread)).text
    assert jump not in html
    assert 'id="reply"' not in html


def test_the_opening_post_stands_apart_from_the_replies(client):
    place = community("open")
    thread = _start(place)
    reply = post_reply(author=place.created_by, thread=thread, body="A reply")
    client.force_login(person_as("member", place))

    page = client.get(_thread_url(thread)).text

    opening = re.search(rf'<article id="post-{thread.opening_post_id}"\s+class="([^"]*)"', page).group(1)
    replied = re.search(rf'<article id="post-{reply.pk}"\s+class="([^"]*)"', page).group(1)
    assert "khub-post--opening" in opening.split()
    assert "khub-post--opening" not in replied.split()
