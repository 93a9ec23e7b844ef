"""Who has done this before? The side column of a practice story's and a conversation's page
(core.providers.blocks, slot "side"): "People who can help" (up to five people, each with the reasons in
words, and the councils that repeated related practice) and "Related practice" (up to five stories), all
from ask.routing, which reads only what the viewer may read.

Visitors who are not signed in get no people (profiles are for members) and the related public stories
only (practice.permissions.listed_stories gives a visitor the public ones). A fixed number of queries,
whatever the hub holds: ask.routing.help_panel's, which reads the related stories once for the three lists
(with their councils). The panels are kept, as drawn, per viewer and page for settings.ASK_PANEL_KEPT_SECONDS:
finding them takes 35-55 ms at 10,000 people and 1M posts (benchmarks/routing.py --latency), most of a
page's budget, paid once in that time."""

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from ask.models import SPACE_SLUG, Question
from ask.routing import Topic, help_panel
from communities.models import Thread
from core.providers.blocks import CONVERSATION, STORY, PageBlock
from practice.models import PracticeStory

PEOPLE_SHOWN = 5
COUNCILS_SHOWN = 5
STORIES_SHOWN = 5
TOPIC_TEXT = 2000  # characters of the opening text the ranking compares: the gist, not a whole essay


def _signed_in(viewer) -> bool:
    return bool(viewer and viewer.is_authenticated and viewer.is_active)


def _story_topic(story: PracticeStory) -> tuple[Topic, list[int], list[int]]:
    """The story's topic, its authors (never suggested on their own story) and itself (not related to
    itself). The page fetched its tags and co-authors with it (practice.selectors.story_for_page)."""
    topic = Topic(
        title=story.title,
        text=story.summary,
        tags=tuple(tag.name for tag in story.tags.all()),
        service_area=story.service_area,
    )
    authors = [story.author_id, *(person.pk for person in story.co_authors.all())]
    return topic, authors, [story.pk]


def _thread_topic(thread: Thread) -> tuple[Topic, list[int], list[int]]:
    """The conversation's topic from its title, opening text and tags (the page fetched them with it); a
    question to the hub names its service area too (one query, only in that space)."""
    service_area = ""
    if thread.community.slug == SPACE_SLUG:
        service_area = (
            Question.objects.filter(thread_id=thread.pk).values_list("service_area", flat=True).first() or ""
        )
    opening = thread.opening_post
    topic = Topic(
        title=thread.title,
        text=Truncator(opening.body if opening and opening.is_visible else "").chars(TOPIC_TEXT),
        tags=tuple(tag.name for tag in thread.tags.all()),
        service_area=service_area,
    )
    return topic, [thread.author_id], []


def help_panels(viewer, target: str, obj) -> PageBlock | None:
    """The "People who can help" and "Related practice" panels, or nothing when both would be empty."""
    if target == STORY:
        topic, authors, itself = _story_topic(obj)
    elif target == CONVERSATION:
        topic, authors, itself = _thread_topic(obj)
    else:
        return None
    signed_in = _signed_in(viewer)
    key = f"ask:panel:{target}:{obj.pk}:{viewer.pk if signed_in else 'visitor'}"
    seconds = settings.ASK_PANEL_KEPT_SECONDS
    html = caches["default"].get(key) if seconds else None
    if html is None:
        panel = help_panel(
            viewer=viewer,
            topic=topic,
            people=PEOPLE_SHOWN,
            councils=COUNCILS_SHOWN,
            stories=STORIES_SHOWN,
            exclude_people=authors,
            exclude_stories=itself,
            with_people=signed_in,
        )
        html = _drawn(panel)
        if seconds:
            caches["default"].set(key, html, seconds)
    if not html:
        return None
    return PageBlock(template="ask/panels/_kept.html", context={"help_html": mark_safe(html)})  # noqa: S308


def _drawn(panel) -> str:
    """The panels as HTML (kept as drawn: a page that shows them again reads one string, rather than
    unpickling people and stories and drawing them anew); "" when all three lists are empty. The template
    reads only what it is given, nothing of the page or the request."""
    if not (panel.people or panel.councils or panel.stories):
        return ""
    councils = [
        (council, reverse("profiles:council", kwargs={"slug": council.slug})) for council in panel.councils
    ]
    context = {"help_people": panel.people, "help_councils": councils, "help_stories": panel.stories}
    return render_to_string("ask/panels/_help.html", context)
