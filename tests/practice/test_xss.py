"""Hostile input stays inert on the practice pages. Each entry of a corpus (script tags, event handlers,
javascript: and data: links, SVG, entities, Markdown link and image tricks, a 10,000-character part of the
record) is posted through the pages as a story's title, summary, every part of its record, an evidence
link's title and address, a measured outcome's name and unit and its tags; as an endorsement's comment, an
adoption's notes and the reason a promotion was withdrawn; and the author, endorser, adopter and
facilitator all have a hostile display name. Every page that shows them (the story, its preview, its task
list, each section's page and check your answers, the library, a member's own stories, the council pages,
the moderation log, the discussion, the inbox and the forms shown again with a mistake) is then parsed and
audited as the conversations' pages are (tests/communities/test_conversation_xss.py): no executable
element, no event handler, no dangerous URL, only the sanitiser's tags and attributes inside rendered
Markdown and only the page's own scripts.

An evidence link must be a web address: javascript:, data: and the like are refused by the service.
"""

from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from communities.models import ModerationLogEntry
from practice.models import RECORD_SECTIONS, WRITING_STEPS, Adoption, Endorsement, PracticeStory
from practice.services.stories import story_create
from tests.communities.test_conversation_xss import B64_SCRIPT, HOSTILE_NAME, assert_inert
from tests.factories import CommunityFactory, CouncilFactory, VerifiedMemberFactory
from tests.practice.helpers import author_in

pytestmark = pytest.mark.django_db

LONG = ("<script>alert(1)</script>[x](javascript:alert(1))<img src=x onerror=alert(1)> " * 200)[:10_000]
# One or more of each kind: the sanitiser itself meets the whole corpus in the conversations' test.
CORPUS = [
    # Script elements, and breaking out of the page's own markup.
    "<script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    # Links with dangerous schemes, disguised; data: URLs.
    '<a href="javascript:alert(1)">click</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">click</a>',
    f'<a href="data:text/html;base64,{B64_SCRIPT}">click</a>',
    # SVG, frames, htmx.
    "<svg onload=alert(1)>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    '<svg><use href="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"/></svg>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<a href="#" hx-get="/accounts/logout/" hx-trigger="load">x</a>',
    # Markdown links and images.
    "[x](javascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    f"[x](data:text/html;base64,{B64_SCRIPT})",
    "![x](javascript:alert(1))",
    '![x](https://evil.test/x.png" onerror="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[x](https://example.com "title\\" onmouseover=\\"alert(1)")',
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "Days](javascript:alert(1)) [saved",  # a title inside the discussion's Markdown link to the story
    # Entities, look-alikes, template syntax.
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
    "＜script＞alert(1)＜/script＞",
    "{{ request.user.email }}{% debug %}",
    # The longest a part of the record may be.
    LONG,
]


def _line(payload: str) -> str:
    return " ".join(payload.split())


def _story_form(place, payload: str, **changes) -> dict:
    """The story form with the payload in every field that takes text."""
    address = "https://www.example.gov.uk/" + "".join(payload.split())[:300]  # a web address all the same
    data = {
        "title": payload[:200],
        "summary": payload[:280],
        "service_area": "environment",
        "community": place.pk,
        "audience": PracticeStory.Audience.MEMBERS,
        **{name: payload for name, _ in RECORD_SECTIONS},
        "evidence_links": f"https://www.example.gov.uk/report {_line(payload)[:200]}\n{address}",
        "measure_0_metric": _line(payload)[:200],
        "measure_0_before": "3",
        "measure_0_after": "1",
        "measure_0_unit": _line(payload)[:50],
        "tags": payload[:50].replace(",", " "),
        "co_authors": "",
        "action": "return",
    }
    data.update(changes)
    return data


def _write(client, place, data: dict) -> PracticeStory:
    """A story written as its author writes it: a draft from its title and home, then every section's page
    posted with that section's part of the form."""
    created = client.post(reverse("practice:create"), {"title": data["title"], "community": place.pk})
    assert created.status_code == 302, created.text[:2000]
    story = PracticeStory.objects.get()
    for step in WRITING_STEPS:
        names = {name for name in data if name in step.fields} | {"action"}
        if "measures" in step.fields:
            names |= {name for name in data if name.startswith("measure_")}
        saved = client.post(_url("write-step", story, step.slug), {name: data[name] for name in names})
        assert saved.status_code == 302, (step.slug, saved.text[:2000])
    return PracticeStory.objects.get()


def _url(name: str, story: PracticeStory, *args) -> str:
    return reverse(f"practice:{name}", args=[story.slug, *args])


@pytest.mark.parametrize("payload", CORPUS, ids=[f"input-{n:02}" for n in range(len(CORPUS))])
def test_hostile_input_stays_inert_on_every_practice_page_that_shows_it(client, payload):
    owner = VerifiedMemberFactory(display_name=HOSTILE_NAME)
    place = CommunityFactory(owner=owner)
    author = author_in(place, display_name=HOSTILE_NAME)
    endorser = author_in(place, display_name=HOSTILE_NAME)
    adopter = author_in(place, display_name=HOSTILE_NAME)

    client.force_login(author)
    story = _write(client, place, _story_form(place, payload))
    assert story.challenge == payload.strip()
    assert len(story.evidence_links) == 2
    assert story.measures.count() == 1
    for url in (_url("preview", story), _url("write", story), _url("check", story)):
        assert_inert(client.get(url))
    for step in WRITING_STEPS:
        assert_inert(client.get(_url("write-step", story, step.slug)))
    # Shown again with a mistake: the text typed, kept.
    mistaken = client.post(_url("write-step", story, "summary"), {**_story_form(place, payload), "title": ""})
    assert "Enter a title" in mistaken.text
    assert_inert(mistaken)
    assert client.post(_url("publish", story)).status_code == 302
    story = PracticeStory.objects.get()
    assert story.is_published

    client.force_login(endorser)
    assert client.post(_url("endorse", story), {"comment": payload[:1000]}).status_code == 302
    assert Endorsement.objects.get().comment == payload[:1000].strip()

    client.force_login(adopter)
    adoption = {"outcome": "adapted", "month": "3", "year": "2024", "notes": payload[:2000], "follow_up": ""}
    assert_inert(client.post(_url("adopt", story), {**adoption, "month": "13"}))
    assert client.post(_url("adopt", story), adoption).status_code == 302
    assert Adoption.objects.get().notes == payload[:2000].strip()

    client.force_login(owner)
    assert client.post(_url("promote", story)).status_code == 302
    too_long = client.post(_url("promote-withdraw", story), {"reason": "x" + (payload * 2001)[:1999] + "x"})
    assert_inert(too_long)
    withdrawn = client.post(_url("promote-withdraw", story), {"reason": payload[:2000]})
    assert withdrawn.status_code == 302
    assert ModerationLogEntry.objects.get(action="story_unpromoted").reason == payload[:2000].strip()
    assert client.post(_url("promote", story)).status_code == 302  # promoted again: the badge shows

    client.force_login(author)
    widened = client.post(_url("audience", story), {"audience": "public", "confirm": "on"})
    assert widened.status_code == 302
    for url in (
        _url("detail", story),
        reverse("practice:mine"),
        reverse("profiles:notifications"),
    ):
        assert_inert(client.get(url))

    client.force_login(endorser)
    tagged = client.get(reverse("practice:index") + "?" + urlencode({"tag": story.tags.get().name}))
    assert [card.title for card in tagged.context["page_obj"]] == [story.title]
    assert_inert(tagged)
    for url in (
        reverse("profiles:council", args=[author.council.slug]),  # Practice shared
        reverse("profiles:council", args=[adopter.council.slug]),  # Practice repeated
    ):
        assert_inert(client.get(url))

    client.force_login(owner)
    for url in (
        reverse("communities:manage-log", args=[place.slug]),
        reverse("communities:thread", args=[place.slug, story.discussion_id]),
    ):
        assert_inert(client.get(url))

    client.logout()
    for url in (_url("detail", story), reverse("practice:index")):
        response = client.get(url)
        assert_inert(response)
        assert escape(story.title) in response.text  # shown, as text


HOSTILE_ADDRESSES = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript://example.com/%0Aalert(1)",
    f"data:text/html;base64,{B64_SCRIPT}",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.test/x.js",
    "www.example.gov.uk/report",
    "&#106;avascript:alert(1)",
]


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_an_evidence_link_that_is_not_a_web_address_is_refused(client, address):
    place = CommunityFactory()
    author = author_in(place)
    with pytest.raises(ValidationError) as refused:
        story_create(
            author=author,
            community=place,
            title="Links",
            evidence_links=[{"url": address, "title": "Report"}],
        )
    assert "evidence_links" in refused.value.message_dict
    client.force_login(author)
    client.post(reverse("practice:create"), {"title": "Links", "community": place.pk})
    story = PracticeStory.objects.get()
    response = client.post(_url("write-step", story, "evidence"), {"evidence_links": f"{address} Report"})
    assert response.status_code == 200
    assert "Enter each link as a web address starting https://" in response.text
    assert_inert(response)
    assert PracticeStory.objects.get().evidence_links == []


def test_a_hostile_council_name_of_an_adopter_stays_inert(client):
    """Council names come from the register, but the adoption table and the council pages print them."""
    place = CommunityFactory()
    author = author_in(place, council=CouncilFactory(name="Bins Council"))
    story_form = _story_form(place, "Missed bins", audience="public")
    client.force_login(author)
    story = _write(client, place, story_form)
    client.post(_url("publish", story))
    adopter = author_in(place, council=CouncilFactory(name=HOSTILE_NAME, slug="hostile-council"))
    client.force_login(adopter)
    adoption = {"outcome": "adopted", "month": "1", "year": "2024", "notes": "", "follow_up": ""}
    assert client.post(_url("adopt", story), adoption).status_code == 302
    for url in (
        _url("detail", story),
        reverse("profiles:council", args=["hostile-council"]),
        reverse("practice:index") + "?council=hostile-council",
    ):
        assert_inert(client.get(url))
