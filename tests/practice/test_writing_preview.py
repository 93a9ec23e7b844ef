"""Writing a story with preview, without JavaScript: each section's Preview button shows the form again with
everything typed kept and that section rendered, and saves nothing: no story, no new text in a draft, and a
published story unchanged. (The story's own "Save and preview" saves a draft first: test_pages.py.)"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from practice.models import PracticeStory
from tests.factories import CommunityFactory
from tests.practice.helpers import RECORD, author_in, draft_story, published_story

pytestmark = pytest.mark.django_db

TEXT = "Crews saw **every** miss.\n\n> quoted\n\n<script>alert(1)</script>"


def _form(place, **changes) -> dict:
    data = {
        "title": "Missed bins reported online",
        "summary": "",
        "service_area": "environment",
        "community": place.pk,
        "audience": "public",
        **RECORD,
        "evidence_links": "",
        "tags": "",
        "co_authors": "",
    }
    data.update(changes)
    return data


def _assert_previewed(response, field: str) -> None:
    assert response.status_code == 200
    html = response.text
    assert escape(TEXT) in html
    preview = html[html.index(f'id="id_{field}-preview"') :]
    preview = preview[: preview.index("</button>")]
    assert "autofocus" in preview[: preview.index(">")]
    assert "<strong>every</strong>" in preview
    assert "<blockquote>" in preview
    assert "&lt;script&gt;" in preview
    assert "<script>alert" not in html
    assert "govuk-error-summary" not in html
    # The other sections are not previewed: one preview at a time.
    assert html.count("autofocus") == 1


def test_previewing_a_section_of_a_new_story_saves_nothing(client):
    place = CommunityFactory()
    client.force_login(author_in(place))
    data = _form(place, title="", outcomes=TEXT, markdown_preview="outcomes")
    response = client.post(reverse("practice:create"), data)
    _assert_previewed(response, "outcomes")
    assert escape(RECORD["lessons_learned"]) in response.text  # the other sections are kept too
    assert not PracticeStory.objects.exists()


def test_previewing_a_section_of_a_draft_leaves_the_draft_as_it_was(client):
    story = draft_story()
    client.force_login(story.author)
    data = _form(story.community, challenge=TEXT, markdown_preview="challenge")
    response = client.post(reverse("practice:edit", args=[story.slug]), data)
    _assert_previewed(response, "challenge")
    story.refresh_from_db()
    assert story.challenge == RECORD["challenge"]


def test_previewing_a_section_of_a_published_story_changes_nothing(client):
    story = published_story()
    client.force_login(story.author)
    data = {**_form(story.community, do_differently=TEXT, markdown_preview="do_differently")}
    response = client.post(reverse("practice:edit", args=[story.slug]), data)
    _assert_previewed(response, "do_differently")
    story.refresh_from_db()
    assert story.do_differently == RECORD["do_differently"]


def test_the_story_form_gives_the_formatting_help_once_and_no_section_repeats_it(client):
    place = CommunityFactory()
    client.force_login(author_in(place))
    page = client.get(reverse("practice:create"))
    assert page.text.count("Formatting help") == 1
    assert "You can use Markdown" not in page.text
    assert page.text.count('name="markdown_preview"') == len(RECORD)


def test_the_story_form_runs_no_more_queries_to_preview_than_to_show(client):
    story = draft_story()
    client.force_login(story.author)
    url = reverse("practice:edit", args=[story.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as shown:
        client.get(url)
    with CaptureQueriesContext(connection) as previewed:
        client.post(url, _form(story.community, challenge=TEXT, markdown_preview="challenge"))
    assert len(previewed) <= len(shown)
