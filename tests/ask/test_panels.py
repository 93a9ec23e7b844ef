"""Who has done this before? The "People who can help" and "Related practice" panels beside a practice story
and a conversation (ask.providers.panels, through core.providers.blocks' "side" slot): up to five people
with their council and reasons, up to five related stories with council and service area, from what the
viewer may read only; visitors get no people; no empty panel; a fixed number of queries.

The data here is matched by expertise tags and shared story tags, which the first ranking and a fuller one
both find."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from communities.services.conversations import thread_create
from core.providers import blocks
from tests.communities.helpers import community, person_as
from tests.factories import CouncilFactory, VerifiedMemberFactory, with_tags
from tests.practice.helpers import RECORD, author_in, published_story

pytestmark = pytest.mark.django_db


def _expert(*tags, **fields):
    return with_tags(VerifiedMemberFactory(**fields), expertise=list(tags))


def _panels(html: str) -> str:
    """The help blocks as written: from the first to the end of the side column that holds them."""
    start = html.find('<section class="khub-help"')
    return "" if start < 0 else html[start : html.index("</aside>", start)]


def _people(html: str) -> str:
    panels = _panels(html)
    if "help-people-heading" not in panels:
        return ""
    return panels.split('id="help-stories-heading"')[0]


def _stories(html: str) -> str:
    panels = _panels(html)
    return panels.split('id="help-stories-heading"')[1] if 'id="help-stories-heading"' in panels else ""


def _story_url(story) -> str:
    return reverse("practice:detail", args=[story.slug])


def _thread_url(thread) -> str:
    return reverse("communities:thread", args=[thread.community.slug, thread.pk])


def _page(client, url, viewer=None):
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 200
    return response.text


# --- The story's page ------------------------------------------------------------------------------------
# A story on something else: the test helpers' summary and record are about missed bins, whose words would
# relate it.
PARKING = {
    **RECORD,
    "challenge": "Permit applications queued for weeks at the counter.",
    "what_we_did": "We moved parking permits to a form with instant payment.",
}


def test_a_member_sees_people_who_can_help_and_related_practice_beside_a_story(client):
    council = CouncilFactory(name="Leeds City Council")
    expert = _expert("waste", display_name="Priya O'Connor", council=council)
    story = published_story(title="Missed bins reported online", tags=["waste"])
    related = published_story(title="Food waste caddies", tags=["waste"], service_area="environment")
    published_story(
        title="Unrelated parking permits",
        summary="Permits paid for at the first visit.",
        tags=["parking"],
        service_area="planning",
        sections=PARKING,
    )

    html = _page(client, _story_url(story), VerifiedMemberFactory())

    people = _people(html)
    assert "People who can help" in people
    assert escape(expert.public_name) in people
    assert f'href="{expert.get_absolute_url()}"' in people
    assert "Leeds City Council" in people
    assert re.search(r'khub-help__reasons">[^<]*waste', people)  # the reason, in words
    stories = _stories(html)
    assert "Related practice" in stories
    assert f'href="{related.get_absolute_url()}"' in stories
    assert related.council.name in stories
    assert "Environment" in stories
    assert "Unrelated parking permits" not in stories
    assert f'href="{story.get_absolute_url()}"' not in stories  # not related to itself


def test_a_storys_authors_and_the_viewer_are_never_suggested_on_it(client):
    story = published_story(tags=["waste"])
    with_tags(story.author, expertise=["waste"])
    viewer = _expert("waste")
    other = _expert("waste")

    people = _people(_page(client, _story_url(story), viewer))

    assert escape(other.public_name) in people
    assert f'href="{story.author.get_absolute_url()}"' not in people
    assert f'href="{viewer.get_absolute_url()}"' not in people


def test_at_most_five_people_and_five_stories_are_shown(client):
    story = published_story(tags=["waste"])
    for _ in range(7):
        _expert("waste")
        published_story(tags=["waste"])

    html = _page(client, _story_url(story), VerifiedMemberFactory())

    assert _people(html).count('class="khub-help__person"') == 5
    assert _stories(html).count('class="khub-help__story"') == 5


def test_a_visitor_sees_no_people_and_only_public_related_practice(client):
    _expert("waste")
    story = published_story(tags=["waste"])
    public = published_story(title="Public waste story", tags=["waste"])
    members = published_story(title="Members waste story", tags=["waste"], audience="members")

    html = _page(client, _story_url(story))

    assert "People who can help" not in html
    stories = _stories(html)
    assert f'href="{public.get_absolute_url()}"' in stories
    assert f'href="{members.get_absolute_url()}"' not in stories
    assert "Members waste story" not in html


def test_a_story_with_nothing_related_shows_no_empty_panel(client):
    story = published_story(tags=["a subject nobody else has"], service_area="housing")

    html = _page(client, _story_url(story), VerifiedMemberFactory())

    assert "People who can help" not in html
    assert "Related practice" not in html
    assert 'class="khub-help"' not in html


@pytest.mark.parametrize("relation", ["outsider", "requester", "invited", "left", "banned"])
def test_practice_from_a_private_community_is_never_shown_or_a_signal_to_someone_outside_it(client, relation):
    secret = community("private", name="Secret waste board")
    insider = author_in(secret, display_name="Only Qualified By Secret")
    private_story = published_story(
        title="Secret waste trial", tags=["waste"], audience="community", community=secret, author=insider
    )
    story = published_story(tags=["waste"])
    viewer = person_as(relation, secret)

    html = _page(client, _story_url(story), viewer)

    assert "Secret waste trial" not in html
    assert f'href="{private_story.get_absolute_url()}"' not in html
    assert "Only Qualified By Secret" not in html  # their only link to the subject is the private story
    assert "Secret waste board" not in html


@pytest.mark.parametrize("relation", ["member", "facilitator", "site_admin"])
def test_a_member_of_a_private_community_and_a_site_admin_see_its_related_practice(client, relation):
    secret = community("private", name="Secret waste board")
    private_story = published_story(
        title="Secret waste trial", tags=["waste"], audience="community", community=secret
    )
    story = published_story(tags=["waste"])
    expert = _expert("waste")
    viewer = person_as(relation, secret)

    html = _page(client, _story_url(story), viewer)

    assert f'href="{private_story.get_absolute_url()}"' in _stories(html)
    assert escape(expert.public_name) in _people(html)


def test_a_draft_seen_by_its_author_has_the_panels_too(client):
    from tests.practice.helpers import draft_story

    expert = _expert("waste")
    draft = draft_story(tags=["waste"])

    assert escape(expert.public_name) in _people(_page(client, _story_url(draft), draft.author))


# --- The conversation's page -----------------------------------------------------------------------------
def _thread(place, **kw):
    author = author_in(place)
    values = {"title": "How do you cut missed bins?", "body": "We miss too many.", "tags": ["waste"]}
    values.update(kw)
    return thread_create(author=author, community=place, **values)


@pytest.mark.parametrize("relation", ["outsider", "member", "facilitator", "site_admin"])
def test_everyone_who_may_read_an_open_conversation_sees_who_can_help(client, relation):
    place = community("open")
    thread = _thread(place)
    with_tags(thread.author, expertise=["waste"])
    expert = _expert("waste", council=CouncilFactory(name="Bristol City Council"))
    story = published_story(title="Missed bins reported online", tags=["waste"])

    html = _page(client, _thread_url(thread), person_as(relation, place))

    people = _people(html)
    assert escape(expert.public_name) in people
    assert "Bristol City Council" in people
    assert f'href="{thread.author.get_absolute_url()}"' not in people  # the one asking
    assert f'href="{story.get_absolute_url()}"' in _stories(html)
    # Beside the posts, after them in the page's order (the reply form first on a phone).
    assert html.index('class="khub-thread__body"') < html.index('class="khub-thread__help"')


def test_a_conversation_in_a_private_community_shows_its_practice_to_its_members_only(client):
    secret = community("private")
    private_story = published_story(
        title="Secret waste trial", tags=["waste"], audience="community", community=secret
    )
    inside = _thread(secret)
    open_place = community("open")
    outside = _thread(open_place)

    member_html = _page(client, _thread_url(inside), person_as("member", secret))
    assert f'href="{private_story.get_absolute_url()}"' in _stories(member_html)
    client.logout()
    outsider = person_as("member", open_place)
    assert "Secret waste trial" not in _page(client, _thread_url(outside), outsider)
    assert client.get(_thread_url(inside)).status_code == 404


def test_a_conversation_with_nothing_related_shows_no_side_panel(client):
    place = community("open")
    thread = _thread(place, tags=["nothing like it"])

    html = _page(client, _thread_url(thread), person_as("member", place))

    assert "khub-thread__help" not in html
    assert "People who can help" not in html


def test_a_question_to_the_hub_is_matched_on_its_service_area_too(client):
    from tests.ask.helpers import question

    asked = question(tags=("garden waste",), service_area="housing")
    story = published_story(title="Empty homes brought back", tags=["homes"], service_area="housing")

    html = _page(client, _thread_url(asked.thread), VerifiedMemberFactory())

    assert f'href="{story.get_absolute_url()}"' in _stories(html)


# --- The registry ----------------------------------------------------------------------------------------
def test_the_side_slot_holds_asks_panels_and_the_main_slot_the_librarys_attachments():
    from ask.providers.panels import help_panels
    from library.providers.attachments import attachments_block

    assert help_panels in blocks._providers[blocks.SIDE]
    assert attachments_block in blocks._providers[blocks.MAIN]
    with pytest.raises(ValueError, match="No slot named"):
        blocks.register_block(slot="footer", provider=help_panels)


# --- Queries ---------------------------------------------------------------------------------------------
def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _more_of_everything(n: int) -> None:
    for _ in range(n):
        _expert("waste", council=CouncilFactory())
        published_story(tags=["waste"])


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_the_story_panels_run_the_same_queries_for_5_or_25_people_and_stories(client, viewer):
    story = published_story(tags=["waste"])
    _more_of_everything(5)
    if viewer == "member":
        client.force_login(VerifiedMemberFactory())
    url = _story_url(story)
    client.get(url)
    small = _count(client, url)
    _more_of_everything(20)
    assert _count(client, url) == small


def test_the_conversation_panels_run_the_same_queries_for_5_or_25_people_and_stories(client):
    place = community("open")
    thread = _thread(place)
    _more_of_everything(5)
    client.force_login(person_as("member", place))
    url = _thread_url(thread)
    client.get(url)
    small = _count(client, url)
    _more_of_everything(20)
    assert _count(client, url) == small


def test_what_the_panels_found_is_kept_for_each_viewer_and_page(client):
    from django.core.cache import caches
    from django.test import override_settings

    story = published_story(tags=["waste"])
    expert = _expert("waste")
    first, second = VerifiedMemberFactory(), VerifiedMemberFactory()
    url = _story_url(story)
    for viewer in (first, second):
        caches["default"].delete(f"ask:panel:story:{story.pk}:{viewer.pk}")
    with override_settings(ASK_PANEL_KEPT_SECONDS=600):
        client.force_login(first)
        fresh = _count(client, url)
        kept = _count(client, url)
        assert kept <= fresh - 5  # the ranking's statements are not run again
        assert escape(expert.public_name) in _people(client.get(url).text)
        later = _expert("waste")  # shows once what was kept runs out, not before
        assert escape(later.public_name) not in _people(client.get(url).text)
        client.force_login(second)  # another viewer: their own panels, read afresh
        assert _count(client, url) > kept
    for viewer in (first, second):
        caches["default"].delete(f"ask:panel:story:{story.pk}:{viewer.pk}")


def test_the_kept_panels_are_the_same_html_escaped_as_drawn(client):
    from django.core.cache import caches
    from django.test import override_settings

    story = published_story(tags=["waste"])
    expert = _expert("waste", display_name="<b>Bold</b> Expert")
    viewer = VerifiedMemberFactory()
    url = _story_url(story)
    key = f"ask:panel:story:{story.pk}:{viewer.pk}"
    caches["default"].delete(key)
    with override_settings(ASK_PANEL_KEPT_SECONDS=600):
        drawn = _panels(_page(client, url, viewer))
        kept = _panels(_page(client, url))
    caches["default"].delete(key)
    assert drawn == kept
    assert escape(expert.public_name) in kept
    assert "<b>Bold</b>" not in kept
