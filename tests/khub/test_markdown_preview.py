"""Writing with preview: the preview endpoint behind every Markdown field's Preview tab, and the form kit's
promises (every Markdown field within the endpoint's cap, the Formatting help once per form).

The no-JavaScript Preview button of each form is tested with its pages (tests/communities/
test_writing_preview.py, tests/practice/test_writing_preview.py, tests/profiles/test_writing_preview.py).
"""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from communities.forms import CommunityForm, EditPostForm, ReplyForm, ThreadForm
from communities.services.conversations import post_reply, thread_create
from core.forms import MARKDOWN, PREVIEW_MAX_LENGTH, MarkdownForm
from practice.forms import StoryForm
from profiles.forms import ProfileForm
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory, VerifiedMemberFactory
from tests.practice.helpers import draft_story

pytestmark = pytest.mark.django_db

PREVIEW = reverse("markdown-preview")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


@pytest.fixture
def member_client(client):
    client.force_login(UserFactory())
    return client


def test_the_preview_renders_markdown_as_on_save(member_client):
    response = member_client.post(
        PREVIEW, {"text": "Some **bold** and a [link](https://example.com)\n\n- one"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text  # a fragment for the Preview tab
    assert "<strong>bold</strong>" in response.text
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">link</a>' in response.text
    assert "<li>one</li>" in response.text


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="https://example.com" onclick="alert(1)">x</a>',
        "<iframe src=https://example.com></iframe>",
    ],
)
def test_the_preview_lets_no_script_or_html_through(member_client, hostile):
    response = member_client.post(PREVIEW, {"text": f"Hello {hostile}"})
    assert response.status_code == 200
    tags = _Tags()
    tags.feed(response.text)
    assert {name for name, _ in tags.found} <= {"div", "p", "a"}
    for _, attributes in tags.found:
        assert all(not name.startswith("on") for name, _ in attributes)
        assert all(not (value or "").lower().startswith("javascript") for _, value in attributes)


def test_the_preview_refuses_a_text_longer_than_the_longest_markdown_field(member_client):
    response = member_client.post(PREVIEW, {"text": "**x** " * (PREVIEW_MAX_LENGTH // 6 + 1)})
    assert response.status_code == 200
    assert f"it must be {PREVIEW_MAX_LENGTH} characters or fewer" in response.text
    assert "<strong>" not in response.text


def test_the_preview_keeps_to_the_fields_own_limit_and_never_above_the_cap(member_client):
    shorter = member_client.post(PREVIEW, {"text": "a" * 11, "max_length": "10"})
    assert "it must be 10 characters or fewer" in shorter.text
    higher = member_client.post(PREVIEW, {"text": "a" * (PREVIEW_MAX_LENGTH + 1), "max_length": "999999"})
    assert f"it must be {PREVIEW_MAX_LENGTH} characters or fewer" in higher.text
    nonsense = member_client.post(PREVIEW, {"text": "*fine*", "max_length": "-3"})
    assert "<em>fine</em>" in nonsense.text


def test_an_empty_preview_says_there_is_nothing_yet(member_client):
    response = member_client.post(PREVIEW, {"text": "  \n "})
    assert "Nothing to preview yet." in response.text


def test_the_preview_runs_no_query_beyond_the_signed_in_member(member_client, django_assert_max_num_queries):
    member_client.post(PREVIEW, {"text": "warm up the session"})
    with django_assert_max_num_queries(2):  # the session and its user
        member_client.post(PREVIEW, {"text": "**bold** @someone"})


def test_the_preview_refuses_a_visitor_who_is_not_signed_in(client):
    response = client.post(PREVIEW, {"text": "**bold**"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "<strong>" not in response.text


def test_the_preview_refuses_get(member_client):
    response = member_client.get(PREVIEW, {"text": "**bold**"})
    assert response.status_code == 405
    assert "<strong>" not in response.text


def test_the_preview_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post(PREVIEW, {"text": "**bold**"})
    assert response.status_code == 403
    assert "<strong>" not in response.text


# --- The form kit -------------------------------------------------------------------------------------------
FORMS = {
    "thread": ThreadForm,
    "reply": ReplyForm,
    "edit-post": EditPostForm,
    "community": CommunityForm,
    "story-draft": StoryForm,
    "story-published": lambda: StoryForm(draft=False),
    "profile": lambda: ProfileForm(user=UserFactory()),
}


@pytest.mark.parametrize("name", FORMS)
def test_every_markdown_field_fits_the_preview_endpoints_cap(name):
    form: MarkdownForm = FORMS[name]()
    markdown = [field for field in form.fields.values() if field.template_name == MARKDOWN]
    assert markdown, "a form with Markdown fields uses the Markdown template"
    for field in markdown:
        assert field.max_length
        assert field.max_length <= PREVIEW_MAX_LENGTH


@pytest.mark.parametrize("name", FORMS)
def test_the_formatting_help_is_shown_once_per_form_and_no_field_repeats_the_markdown_hint(name):
    form: MarkdownForm = FORMS[name]()
    html = "".join(str(field.as_field_group()) for field in form)
    assert html.count("Formatting help") == 1
    assert "You can use Markdown" not in html
    assert html.count('name="markdown_preview"') == sum(
        field.template_name == MARKDOWN for field in form.fields.values()
    )


def test_only_the_post_forms_tell_of_mentions():
    assert "@handle" in str(ReplyForm()["body"].as_field_group())
    assert "@handle" not in str(StoryForm()["challenge"].as_field_group())


# --- The pages with Markdown forms: no query more for the editor -----------------------------------------
# Measured before the editor (7766786) and with it: the same on each page, as the Write and Preview tabs, the
# toolbar and the Formatting help are markup and script only. (The thread page is pinned in
# tests/communities/test_conversation_pages.py.)
FORM_PAGE_QUERIES = {
    "thread-create": 5,
    "reply": 7,
    "post-edit": 7,
    "profile-settings": 5,
    "community-settings": 8,
    "community-create": 4,
    "story-section": 7,  # a story's section page (writing it as a task list, measured when it came)
}


@pytest.mark.parametrize("name", FORM_PAGE_QUERIES)
def test_the_pages_with_markdown_forms_run_no_more_queries_than_before(
    client, name, django_assert_max_num_queries
):
    place = community("open")
    thread = thread_create(author=place.created_by, community=place, title="Bins", body="How often?")
    member = person_as("member", place)
    mine = post_reply(author=member, thread=thread, body="Weekly")
    story = draft_story()
    people = {"community-settings": person_as("owner", place), "community-create": VerifiedMemberFactory()}
    people["story-section"] = story.author
    client.force_login(people.get(name, member))
    url = {
        "thread-create": reverse("communities:thread-create", args=[place.slug]),
        "reply": reverse("communities:reply", args=[place.slug, thread.pk]) + f"?parent={mine.pk}",
        "post-edit": reverse("communities:post-edit", args=[place.slug, thread.pk, mine.pk]),
        "profile-settings": reverse("profiles:settings-profile"),
        "community-settings": reverse("communities:manage-settings", args=[place.slug]),
        "community-create": reverse("communities:create"),
        "story-section": reverse("practice:write-step", args=[story.slug, "lessons"]),
    }[name]
    client.get(url)  # the session's first read
    with django_assert_max_num_queries(FORM_PAGE_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200
    assert "Formatting help" in response.text
