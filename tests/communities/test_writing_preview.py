"""Writing with preview in the communities' forms, without JavaScript: each Markdown field's Preview button
posts the form, and the page comes back with everything typed kept, the text rendered below it, no error
and nothing saved. With JavaScript the Preview tab asks the preview endpoint instead (tests/khub/
test_markdown_preview.py, tests/browser/test_writing_preview.py).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from communities.models import Community, Post, Thread
from communities.services.conversations import post_reply, thread_create
from tests.communities.helpers import community, person_as
from tests.factories import VerifiedMemberFactory

pytestmark = pytest.mark.django_db

TEXT = "We tried **weekly** collections.\n\n- fewer complaints\n- <script>alert(1)</script>"
RENDERED = "<strong>weekly</strong>"


def _start(place: Community) -> Thread:
    return thread_create(author=place.created_by, community=place, title="Bin collections", body="How often?")


def _thread_url(thread: Thread) -> str:
    return reverse("communities:thread", args=[thread.community.slug, thread.pk])


def _reply_url(thread: Thread) -> str:
    return reverse("communities:reply", args=[thread.community.slug, thread.pk])


def _assert_previewed(response, field_id: str) -> None:
    """The page again: the text kept in its field, rendered and sanitised below it, focused, no error."""
    assert response.status_code == 200
    html = response.text
    assert escape(TEXT) in html  # in the textarea, as typed
    preview = html[html.index(f'id="{field_id}-preview"') :]
    preview = preview[: preview.index("</button>")]
    assert "autofocus" in preview[: preview.index(">")]
    assert RENDERED in preview
    assert "<li>fewer complaints</li>" in preview
    assert "<script>" not in html.split("</head>", 1)[1].replace('<script type="module"', "")
    assert "govuk-error-summary" not in html
    assert "<title>Error:" not in html


def _queries(client, method: str, url: str, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200
    return len(queries)


# --- Starting a conversation --------------------------------------------------------------------------------
def test_previewing_a_new_conversation_keeps_the_text_and_saves_nothing(client):
    place = community("open")
    client.force_login(person_as("member", place))
    url = reverse("communities:thread-create", args=[place.slug])
    # No title yet: a preview is not a submission, so nothing is reported missing.
    response = client.post(
        url, {"title": "", "kind": "question", "body": TEXT, "tags": "waste", "markdown_preview": "body"}
    )
    _assert_previewed(response, "id_body")
    assert 'value="waste"' in response.text
    assert Thread.objects.count() == 0


def test_a_preview_button_naming_no_markdown_field_saves_nothing_either(client):
    place = community("open")
    client.force_login(person_as("member", place))
    url = reverse("communities:thread-create", args=[place.slug])
    data = {"title": "Bins", "kind": "discussion", "body": "Fine text", "markdown_preview": "title"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert Thread.objects.count() == 0
    assert 'name="title"' in response.text


def test_a_text_too_long_to_send_is_too_long_to_preview_and_is_kept(client):
    place = community("open")
    client.force_login(person_as("member", place))
    url = reverse("communities:thread-create", args=[place.slug])
    too_long = "word " * 4001
    response = client.post(
        url, {"title": "Bins", "kind": "discussion", "body": too_long, "markdown_preview": "body"}
    )
    assert "This text is too long to preview: it must be 20000 characters or fewer." in response.text
    assert too_long.strip() in response.text
    assert Thread.objects.count() == 0


def test_the_create_page_runs_no_more_queries_to_preview_than_to_show(client):
    place = community("open")
    client.force_login(person_as("member", place))
    url = reverse("communities:thread-create", args=[place.slug])
    _queries(client, "get", url)  # warm the session
    shown = _queries(client, "get", url)
    previewed = _queries(client, "post", url, {"title": "", "body": TEXT, "markdown_preview": "body"})
    assert previewed <= shown


# --- Replying ---------------------------------------------------------------------------------------------
def test_previewing_a_reply_at_the_foot_of_the_thread_shows_the_thread_with_the_preview(client):
    place = community("open")
    thread = _start(place)
    client.force_login(person_as("member", place))
    response = client.post(_reply_url(thread), {"body": TEXT, "parent": "", "markdown_preview": "body"})
    _assert_previewed(response, "id_body")
    assert "<h1" in response.text
    assert "Bin collections" in response.text
    assert Post.objects.filter(depth__gt=0).count() == 0
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_previewing_a_reply_to_a_post_keeps_the_reply_page(client):
    place = community("open")
    thread = _start(place)
    parent = post_reply(author=place.created_by, thread=thread, body="Weekly here.")
    client.force_login(person_as("member", place))
    response = client.post(
        _reply_url(thread), {"body": TEXT, "parent": parent.pk, "markdown_preview": "body"}
    )
    _assert_previewed(response, f"reply-{parent.pk}-body")
    assert f'name="parent" value="{parent.pk}"' in response.text
    assert Post.objects.filter(parent=parent).count() == 0


def test_the_thread_page_runs_no_more_queries_to_preview_a_reply_than_to_show(client):
    place = community("open")
    thread = _start(place)
    for n in range(3):
        post_reply(author=place.created_by, thread=thread, body=f"Reply {n}")
    client.force_login(person_as("member", place))
    _queries(client, "get", _thread_url(thread))
    shown = _queries(client, "get", _thread_url(thread))
    data = {"body": TEXT, "parent": "", "markdown_preview": "body"}
    previewed = _queries(client, "post", _reply_url(thread), data)
    # The reply view reads the thread and checks who may reply before it renders the same page.
    invalid = _queries(client, "post", _reply_url(thread), {"body": "", "parent": ""})
    assert previewed <= invalid
    assert invalid - shown <= 3


@pytest.mark.parametrize("relation", ["outsider", "requester", "left", "banned"])
def test_who_may_not_reply_may_not_preview_a_reply_either(client, relation):
    place = community("open")
    thread = _start(place)
    client.force_login(person_as(relation, place))
    response = client.post(_reply_url(thread), {"body": TEXT, "parent": "", "markdown_preview": "body"})
    assert response.status_code == 403
    assert RENDERED not in response.text


def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in_to_preview_a_reply(client):
    place = community("open")
    thread = _start(place)
    response = client.post(_reply_url(thread), {"body": TEXT, "parent": "", "markdown_preview": "body"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# --- Editing a post ---------------------------------------------------------------------------------------
def test_previewing_an_edit_changes_nothing(client):
    place = community("open")
    thread = _start(place)
    author = person_as("member", place)
    post = post_reply(author=author, thread=thread, body="Before")
    client.force_login(author)
    url = reverse("communities:post-edit", args=[place.slug, thread.pk, post.pk])
    response = client.post(url, {"body": TEXT, "markdown_preview": "body"})
    _assert_previewed(response, "id_body")
    post.refresh_from_db()
    assert (post.body, post.edited_at) == ("Before", None)


# --- A community's about ------------------------------------------------------------------------------------
def test_previewing_a_new_communitys_about_creates_nothing(client):
    client.force_login(VerifiedMemberFactory())
    data = {"name": "", "description": "", "about": TEXT, "visibility": "open", "markdown_preview": "about"}
    response = client.post(reverse("communities:create"), data)
    _assert_previewed(response, "id_about")
    assert not Community.objects.exists()


def test_previewing_a_communitys_about_in_its_settings_changes_nothing(client):
    place = community("open", about="As it was")
    client.force_login(person_as("owner", place))
    data = {
        "name": place.name,
        "description": place.description,
        "about": TEXT,
        "visibility": "open",
        "markdown_preview": "about",
    }
    response = client.post(reverse("communities:manage-settings", args=[place.slug]), data)
    _assert_previewed(response, "id_about")
    place.refresh_from_db()
    assert place.about == "As it was"


# --- Landing on a reply posted without JavaScript -----------------------------------------------------------
def test_a_reply_posted_on_a_later_page_lands_there_with_the_banner_beside_it(client, monkeypatch):
    monkeypatch.setattr("communities.selectors.conversations.REPLIES_PAGE_SIZE", 3)
    place = community("open")
    thread = _start(place)
    for n in range(4):
        post_reply(author=place.created_by, thread=thread, body=f"Reply {n}")
    client.force_login(person_as("member", place))
    response = client.post(_reply_url(thread), {"body": "Late to this", "parent": ""}, follow=True)
    reply = Post.objects.get(body="Late to this")
    [(url, status)] = response.redirect_chain
    assert status == 302
    assert url.startswith(_thread_url(thread) + "?after=")
    assert url.endswith("#reply-posted")
    html = response.text
    assert html.count("Your reply was posted.") == 1
    banner = html.index('id="reply-posted"')
    assert 'role="alert"' in html[banner - 200 : banner + 200]
    assert html.index("<h1") < banner < html.index(f'id="post-{reply.pk}"')
    # Shown once: the next page has no banner.
    assert "Your reply was posted." not in client.get(url.split("#")[0]).text


def test_the_reply_banner_stays_at_the_top_if_the_reply_is_not_on_the_page_shown(client):
    place = community("open")
    thread = _start(place)
    other = _start(place)
    client.force_login(person_as("member", place))
    client.post(_reply_url(thread), {"body": "Here", "parent": ""})
    response = client.get(_thread_url(other))  # not where the reply is: the message still tells it
    assert response.text.count("Your reply was posted.") == 1
    assert 'id="reply-posted"' not in response.text
