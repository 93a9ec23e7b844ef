"""Writing a story with preview, without JavaScript: each section's Preview button on a section's page shows
the form again with everything typed kept and that part rendered, and saves nothing: no new text in a
draft, and a published story unchanged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from practice.models import PracticeStory
from tests.practice.helpers import RECORD, draft_story, published_story

pytestmark = pytest.mark.django_db

TEXT = "Crews saw **every** miss.\n\n> quoted\n\n<script>alert(1)</script>"


def _step(story: PracticeStory, step: str) -> str:
    return reverse("practice:write-step", args=[story.slug, step])


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


def test_previewing_a_section_of_a_draft_leaves_the_draft_as_it_was(client):
    story = draft_story()
    client.force_login(story.author)
    data = {"challenge": TEXT, "markdown_preview": "challenge"}
    response = client.post(_step(story, "challenge"), data)
    _assert_previewed(response, "challenge")
    story.refresh_from_db()
    assert story.challenge == RECORD["challenge"]
    assert story.sections_saved == {}


def test_previewing_a_section_of_a_published_story_changes_nothing(client):
    story = published_story()
    client.force_login(story.author)
    data = {"lessons_learned": "", "do_differently": TEXT, "markdown_preview": "do_differently"}
    response = client.post(_step(story, "lessons"), data)
    _assert_previewed(response, "do_differently")
    assert escape(RECORD["lessons_learned"]) not in response.text  # what was typed is kept: emptied
    story.refresh_from_db()
    assert story.do_differently == RECORD["do_differently"]
    assert story.lessons_learned == RECORD["lessons_learned"]


def test_a_sections_page_gives_the_formatting_help_once_and_no_part_repeats_it(client):
    story = draft_story()
    client.force_login(story.author)
    page = client.get(_step(story, "lessons"))  # two parts: lessons learned, what we would do differently
    assert page.text.count("Formatting help") == 1
    assert "You can use Markdown" not in page.text
    assert page.text.count('name="markdown_preview"') == 2


def test_a_sections_page_runs_no_more_queries_to_preview_than_to_show(client):
    story = draft_story()
    client.force_login(story.author)
    url = _step(story, "challenge")
    client.get(url)
    with CaptureQueriesContext(connection) as shown:
        client.get(url)
    with CaptureQueriesContext(connection) as previewed:
        client.post(url, {"challenge": TEXT, "markdown_preview": "challenge"})
    assert len(previewed) <= len(shown)
