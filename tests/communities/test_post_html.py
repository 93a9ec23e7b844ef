"""A thread page's posts are drawn once per version and kept in the cache (communities.views.post_html).

What a reader gets must be exactly what the template draws for them: the same HTML for every role from a
cold cache and from a warm one, and equal to the post template included with the page's own context (as
the page did before the cache); nothing stale after an edit, a hide, a helpful mark, an answer, a lock, a
move or a change of name; the same queries; and the page still drawn with Redis down.
"""

import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.template import Context, Template
from django.template.base import Lexer, TokenType
from django.template.loader import get_template
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communities.models import Community, Post, Thread
from communities.services.conversations import (
    post_delete,
    post_edit,
    post_helpful_toggle,
    post_reply,
    thread_create,
    thread_mark_answer,
)
from communities.services.moderation import post_hide, thread_move, thread_set_locked
from communities.views import post_html
from core import dates
from profiles.models import User
from profiles.services import user_set_council
from tests.communities.helpers import community, person_as
from tests.factories import CouncilFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ROLES = ["member", "facilitator", "author", "asker", "outsider", "site_admin"]
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')
ARTICLE = re.compile(r'<article id="post-\d+".*?</article>', re.S)
UNREACHABLE = {
    "default": {
        "BACKEND": "khub.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: refused at once
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def _url(thread: Thread) -> str:
    thread = Thread.objects.select_related("community").get(pk=thread.pk)
    return reverse("communities:thread", args=[thread.community.slug, thread.pk])


def _busy(place: Community):
    """A question with replies nested three deep: edited, hidden, deleted, found helpful, one the answer,
    by authors with and without a council. Returns (thread, the asker, the author of most replies)."""
    asker = person_as("member", place, council=CouncilFactory(name="Leeds City Council"))
    author = person_as("member", place, display_name="Sam Jones")
    other = person_as("member", place, council=None)
    thread = thread_create(author=asker, community=place, title="Bin rounds", body="How?", kind="question")
    first = post_reply(author=author, thread=thread, body="We used **routes**.")
    second = post_reply(author=other, thread=thread, body="Which routes?", parent=first)
    post_reply(author=author, thread=thread, body="The short ones.", parent=second)
    edited = post_reply(author=author, thread=thread, body="Draft")
    post_edit(actor=author, post=edited, body="Final words")
    hidden = post_reply(author=other, thread=thread, body="Named a resident")
    post_hide(actor=place.created_by, post=hidden, reason="Personal data")
    post_delete(actor=author, post=post_reply(author=author, thread=thread, body="Oops"))
    post_helpful_toggle(user=other, post=first)
    post_helpful_toggle(user=asker, post=edited)
    thread_mark_answer(actor=asker, thread=thread, post=first)
    return thread, asker, author


def _written_days_ago(thread: Thread) -> None:
    """ "How long ago" then reads the same for the page and for the template drawn again after it: written
    just now, a slow request could see "just now" turn into "1 minute ago" between the two."""
    days = timedelta(days=3)
    posts = Post.objects.filter(thread=thread)
    posts.update(created_at=F("created_at") - days, edited_at=F("edited_at") - days)


def _viewer(role: str, place: Community, asker, author):
    return {"asker": asker, "author": author}.get(role) or person_as(role, place)


def _get(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def _same_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked: each request masks the session's secret afresh."""
    return CSRF.sub(r'\1"', html)


def _cold_then_warm(client, url: str) -> str:
    cache.clear()
    cold = _get(client, url).text
    warm = _get(client, url).text
    assert _same_tokens(warm) == _same_tokens(cold)
    return warm


def _as_included(response) -> list[str]:
    """Each post as the page drew it before the cache: the post template included with the page's values."""
    page = response.context
    include = Template('{% include "communities/conversations/_post.html" %}')
    context = Context(
        {
            "request": response.wsgi_request,
            "can_mark_answer": page["can_mark_answer"],
            "csrf_token": page["csrf_token"],
        }
    )
    drawn = []
    for post in [page["opening"], *page["replies"]]:
        with context.push(post=post):
            drawn.append(include.render(context).strip())
    return drawn


@pytest.mark.parametrize("role", ROLES)
def test_every_role_gets_the_html_the_post_template_draws_for_it_from_a_cold_and_a_warm_cache(client, role):
    place = community("open")
    thread, asker, author = _busy(place)
    _written_days_ago(thread)
    client.force_login(_viewer(role, place, asker, author))
    url = _url(thread)
    _cold_then_warm(client, url)
    for _ in range(2):  # the first from a warm cache, the second too
        response = _get(client, url)
        assert ARTICLE.findall(response.text) == _as_included(response)


def test_what_each_role_sees_differs_where_it_should(client):
    place = community("open")
    thread, asker, author = _busy(place)
    url = _url(thread)
    seen = {}
    for role in ROLES:
        client.force_login(_viewer(role, place, asker, author))
        seen[role] = _cold_then_warm(client, url) if role == "member" else _get(client, url).text
    assert "Named a resident" not in seen["member"]
    assert "Named a resident" in seen["facilitator"]
    assert "Edit<span" in seen["author"]
    assert "Edit<span" not in seen["member"]
    assert "Mark as the answer" in seen["asker"]
    assert "Mark as the answer" not in seen["member"]
    assert "Earlier versions" in seen["author"]
    assert "Earlier versions" not in seen["member"]
    assert "Hide<span" in seen["facilitator"]
    assert "Hide<span" not in seen["author"]
    assert "Report<span" in seen["member"]
    assert "Report<span" not in seen["outsider"]
    assert 'aria-pressed="true"' in seen["asker"]
    assert 'aria-pressed="true"' not in seen["member"]
    assert "Helpful<span" not in seen["outsider"]
    assert "1 found this helpful" in seen["outsider"]


def test_nothing_stale_is_shown_after_a_change_to_a_post_its_author_or_its_thread(client):
    place = community("open")
    thread, asker, author = _busy(place)
    member = person_as("member", place)
    client.force_login(member)
    url = _url(thread)
    first = Post.objects.get(thread=thread, body="We used **routes**.")
    changes = [
        (lambda: post_edit(actor=author, post=first, body="We used *loops*."), "<em>loops</em>"),
        (lambda: post_helpful_toggle(user=member, post=first), 'aria-pressed="true"'),
        (lambda: thread_mark_answer(actor=asker, thread=thread, post=None), None),
        (
            lambda: post_hide(actor=place.created_by, post=first, reason="Spam"),
            "A facilitator hid this post.",
        ),
        (lambda: User.objects.filter(pk=author.pk).update(display_name="Sam Smith"), "Sam Smith"),
        (lambda: user_set_council(user=author, council=CouncilFactory(name="York Council")), "York Council"),
        (lambda: thread_set_locked(actor=place.created_by, thread=thread, locked=True), None),
        (lambda: thread_move(actor=place.created_by, thread=thread, to=elsewhere), None),
    ]
    elsewhere = community("open")
    MembershipFactory(community=elsewhere, user=place.created_by, role="owner")
    for change, shown in changes:
        url = _url(thread)
        warm = _get(client, url).text
        change()
        url = _url(thread)
        after = _get(client, url).text
        assert _same_tokens(after) != _same_tokens(warm)
        cache.clear()
        assert _same_tokens(after) == _same_tokens(_get(client, url).text)
        if shown:
            assert shown in after
    posts = "".join(ARTICLE.findall(after))
    assert "Sam Jones" not in posts
    assert "khub-post--answer" not in posts
    assert "hx-get" not in posts  # locked: members reply to no post
    assert f"/communities/{place.slug}/" not in posts
    assert f"/communities/{elsewhere.slug}/conversations/{thread.pk}/posts/" in posts


def test_a_kept_post_says_how_long_ago_as_of_now_and_follows_its_author_s_photo_and_job(client, monkeypatch):
    place = community("open")
    thread, _asker, author = _busy(place)
    client.force_login(person_as("member", place))
    first = Post.objects.get(thread=thread, body="We used **routes**.")
    line = re.compile(rf'<p [^>]*id="post-{first.pk}-by">.*?</p>', re.S)
    # Written at noon yesterday and read on that day's clock (run in the evening, three hours on from now
    # would be tomorrow, whose labels are a weekday's).
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    Post.objects.filter(thread=thread).update(created_at=noon)
    cache.clear()

    def clock_at(moment) -> None:
        zone = timezone.get_current_timezone
        clock = SimpleNamespace(now=lambda: moment, localtime=timezone.localtime, get_current_timezone=zone)
        monkeypatch.setattr(dates, "timezone", clock)

    clock_at(noon + timedelta(seconds=10))
    warm = line.search(_get(client, _url(thread)).text)[0]
    assert ">just now</time>" in warm
    # Three hours on, with nothing changed: the kept copy must not still say "just now".
    clock_at(noon + timedelta(hours=3))
    after = line.search(_get(client, _url(thread)).text)[0]
    assert ">3 hours ago</time>" in after
    monkeypatch.undo()
    User.objects.filter(pk=author.pk).update(job_title="Chief Digital Officer", avatar="avatars/new.webp")
    changed = line.search(_get(client, _url(thread)).text)[0]
    assert "Chief Digital Officer" in changed
    assert f'src="/avatars/{author.handle}/new.webp"' in changed


def test_readers_who_may_do_the_same_share_one_kept_copy_of_each_post(client, settings):
    # A local-memory cache whatever REDIS_URL says, so the kept copies can be counted.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    place = community("open")
    thread, _asker, _author = _busy(place)
    url = _url(thread)
    cache.clear()
    client.force_login(person_as("member", place))
    _get(client, url)
    keys = len(cache._cache)
    client.force_login(person_as("member", place))
    _get(client, url)
    assert len(cache._cache) == keys
    client.force_login(person_as("facilitator", place))
    _get(client, url)
    assert len(cache._cache) > keys


def test_a_warm_cache_asks_the_database_nothing_more_or_less(client):
    place = community("open")
    thread, _asker, _author = _busy(place)
    client.force_login(person_as("member", place))
    url = _url(thread)
    _get(client, url)  # the session and hub settings exist from here on
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        _get(client, url)
    with CaptureQueriesContext(connection) as warm:
        _get(client, url)
    assert len(warm) == len(cold)


def test_with_redis_down_the_thread_page_is_drawn_at_once_and_the_same(client):
    place = community("open")
    thread, _asker, _author = _busy(place)
    client.force_login(person_as("member", place))
    url = _url(thread)
    expected = _same_tokens(_get(client, url).text)
    with override_settings(CACHES=UNREACHABLE):
        for _ in range(2):
            started = time.monotonic()
            response = _get(client, url)
            assert time.monotonic() - started < 5
            assert _same_tokens(response.text) == expected


def test_a_post_cannot_carry_the_stand_in_token_that_the_page_swaps_for_its_own(client):
    place = community("open")
    thread, _asker, author = _busy(place)
    token, hidden_input = post_html._stand_in()
    written = post_reply(author=author, thread=thread, body=f"{hidden_input} and {token}")
    client.force_login(person_as("member", place))
    html = _get(client, _url(thread)).text
    [article] = [a for a in ARTICLE.findall(html) if a.startswith(f'<article id="post-{written.pk}"')]
    assert article.count(token) == 2  # shown as written (the markup escaped), never swapped for the page's


# --- The key covers everything the template reads --------------------------------------------------------
def _names_read(template_name: str) -> set[str]:
    source = get_template(template_name).template.source
    source = re.sub(r"{% comment %}.*?{% endcomment %}", "", source, flags=re.S)
    names = set()
    for token in Lexer(source).tokenize():
        if token.token_type not in (TokenType.VAR, TokenType.BLOCK):
            continue
        words = token.contents.split()
        if token.token_type is TokenType.BLOCK:
            if words[0] not in ("if", "elif", "avatar"):  # {% avatar person size %} reads the person
                continue
            words = words[1:]
        for word in words:
            word = re.sub(r"""(["']).*?\1""", "", word.split("|")[0])
            if re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", word) and word not in ("and", "or", "not", "in", "is"):
                names.add(word)
    return names


def test_the_cache_key_holds_every_value_the_post_templates_read():
    read = _names_read(post_html.TEMPLATE)
    for name in post_html.INCLUDED:
        read |= _names_read(name)
    # Not part of a kept post: the htmx responses that set them render the template afresh.
    read -= {"focus", "error", "htmx_status"}
    # post.links is keyed whole: every link of the post.
    read = {"post.links" if name.startswith("post.links.") else name for name in read}
    assert read <= set(post_html.KEYED), sorted(read - set(post_html.KEYED))
