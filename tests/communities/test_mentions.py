"""@handle mentions in posts: a link to the profile of a real, active member; never in code, links or emails;
and the output is as sanitised as any other Markdown."""

import pytest
from django.urls import reverse

from communities.services.conversations import post_edit, post_reply, thread_create
from profiles.markdown import markdown_render_with_mentions, mentioned_handles
from profiles.services import user_erase
from tests.communities.helpers import community, person_as
from tests.factories import UserFactory

MEMBERS = {"priya", "sam-jones"}
REL = 'rel="nofollow noopener noreferrer"'


def _resolve(handles: set[str]) -> dict[str, str]:
    return {handle: f"/people/{handle}/" for handle in handles if handle in MEMBERS}


def _render(source: str) -> str:
    return markdown_render_with_mentions(source, _resolve).strip()


def _link(handle: str, text: str | None = None) -> str:
    return f'<a href="/people/{handle}/" {REL}>{text or "@" + handle}</a>'


# --- Rendering, with a resolver (no database) --------------------------------------------------------
def test_a_mention_of_a_member_links_to_their_profile_and_an_unknown_handle_stays_text():
    assert _render("Thanks @priya and @nobody") == f"<p>Thanks {_link('priya')} and @nobody</p>"


def test_mentions_are_case_insensitive_and_keep_the_case_as_written():
    assert _render("@PRIYA and @Sam-Jones") == (
        f"<p>{_link('priya', '@PRIYA')} and {_link('sam-jones', '@Sam-Jones')}</p>"
    )
    assert mentioned_handles("@PRIYA and @Sam-Jones") == {"priya", "sam-jones"}


def test_the_resolver_is_asked_once_with_every_handle_lower_cased():
    asked = []

    def resolve(handles):
        asked.append(handles)
        return _resolve(handles)

    markdown_render_with_mentions("@Priya, @priya, @nobody\n\n* @sam-jones", resolve)
    assert asked == [{"priya", "nobody", "sam-jones"}]


def test_text_without_mentions_does_not_ask_the_resolver():
    def resolve(handles):
        raise AssertionError("asked")

    assert markdown_render_with_mentions("Email priya@example.test", resolve).strip() == (
        "<p>Email priya@example.test</p>"
    )
    assert markdown_render_with_mentions("", resolve) == ""


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("`@priya`", "<p><code>@priya</code></p>"),
        ("```\n@priya\n```", "<pre><code>@priya\n</code></pre>"),
        ("    @priya indented", "<pre><code>@priya indented\n</code></pre>"),
        ("[@priya](https://example.test)", f'<p><a href="https://example.test" {REL}>@priya</a></p>'),
        (
            "<https://example.test/@priya>",
            f'<p><a href="https://example.test/@priya" {REL}>https://example.test/@priya</a></p>',
        ),
        ("Write to priya@example.test", "<p>Write to priya@example.test</p>"),
        ("x@priya or a.@priya or a/@priya", "<p>x@priya or a.@priya or a/@priya</p>"),
        ("@@priya", "<p>@@priya</p>"),
        ("@priya_smith", "<p>@priya_smith</p>"),
    ],
)
def test_no_mention_inside_code_links_email_addresses_or_words(source, html):
    assert _render(source) == html
    assert mentioned_handles(source) == set()


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("(@priya)", f"<p>({_link('priya')})</p>"),
        ("@priya.", f"<p>{_link('priya')}.</p>"),
        ("**@priya**", f"<p><strong>{_link('priya')}</strong></p>"),
        ("> @priya said", f"<blockquote>\n<p>{_link('priya')} said</p>\n</blockquote>"),
        ("# Ask @priya", f"<h2>Ask {_link('priya')}</h2>"),
        ("* one\n* @sam-jones", f"<ul>\n<li>one</li>\n<li>{_link('sam-jones')}</li>\n</ul>"),
        ("line\n@priya", f"<p>line\n{_link('priya')}</p>"),
    ],
)
def test_mentions_after_punctuation_in_emphasis_quotes_headings_and_lists_are_linked(source, html):
    assert _render(source) == html


def test_a_mention_next_to_a_link_is_linked_and_the_link_is_left_alone():
    assert _render("@priya see [the guide](https://example.test) and `@sam-jones`") == (
        f'<p>{_link("priya")} see <a href="https://example.test" {REL}>the guide</a> and '
        "<code>@sam-jones</code></p>"
    )


@pytest.mark.parametrize(
    ("source", "rest"),
    [
        ("@priya <script>alert(1)</script>", " &lt;script&gt;alert(1)&lt;/script&gt;"),
        ("@priya <img src=x onerror=alert(1)>", " &lt;img src=x onerror=alert(1)&gt;"),
    ],
)
def test_raw_html_next_to_a_mention_is_escaped(source, rest):
    assert _render(source) == f"<p>{_link('priya')}{rest}</p>"


def test_a_mention_link_goes_through_the_same_sanitiser_as_any_other():
    def hostile(handles):
        return {"priya": "javascript:alert(1)", "sam-jones": '/x" onclick="alert(1)'}

    html = markdown_render_with_mentions("@priya @sam-jones", hostile)
    assert "javascript:" not in html
    assert 'onclick="' not in html
    assert html.count(REL) == 2


def test_raw_html_around_a_mention_is_escaped_not_rendered():
    assert _render("<b>@priya</b>") == f"<p>&lt;b&gt;{_link('priya')}&lt;/b&gt;</p>"


def test_every_mention_link_says_nofollow_and_noopener():
    html = _render("@priya and @sam-jones")
    assert html.count("<a ") == 2
    assert html.count(REL) == 2


# --- Through the conversation services (handles resolved in the database) ---------------------------
def _post_html(body: str, author=None, place=None) -> str:
    place = place or community("open")
    author = author or person_as("member", place)
    thread = thread_create(author=author, community=place, title="Mentions", body=body)
    return thread.opening_post.body_html


@pytest.mark.django_db
def test_a_post_links_mentions_of_existing_active_members_only():
    priya = UserFactory(handle="priya-shah")
    html = _post_html("Thanks @priya-shah and @no-such-person")
    url = reverse("profiles:profile", args=["priya-shah"])
    assert f'<a href="{url}" {REL}>@priya-shah</a>' in html
    assert "@no-such-person</p>" in html
    assert html.count("<a ") == 1
    assert priya.is_active


@pytest.mark.django_db
def test_a_post_links_a_mention_whatever_its_case():
    UserFactory(handle="priya-shah")
    url = reverse("profiles:profile", args=["priya-shah"])
    assert f'<a href="{url}" {REL}>@Priya-Shah</a>' in _post_html("Thanks @Priya-Shah")


@pytest.mark.django_db
def test_a_mention_of_a_member_outside_the_community_is_still_linked():
    # The link is to a public profile; whether they are *told* depends on whether they may read it.
    place = community("private")
    UserFactory(handle="outside-person")
    html = _post_html("Ask @outside-person", place=place, author=person_as("member", place))
    assert reverse("profiles:profile", args=["outside-person"]) in html


@pytest.mark.django_db
def test_deactivated_and_erased_members_are_not_linked():
    UserFactory(handle="gone-away", is_active=False)
    erased = user_erase(user=UserFactory(handle="erased-one"))
    html = _post_html(f"@gone-away and @erased-one and @{erased.handle}")
    assert "<a " not in html


@pytest.mark.django_db
def test_an_edit_renders_the_new_mentions():
    place = community("open")
    author = person_as("member", place)
    UserFactory(handle="sam-jones")
    thread = thread_create(author=author, community=place, title="Mentions", body="Hello")
    reply = post_reply(author=author, thread=thread, body="Ask @nobody")
    assert "<a " not in reply.body_html
    edited = post_edit(actor=author, post=reply, body="Ask @sam-jones")
    assert reverse("profiles:profile", args=["sam-jones"]) in edited.body_html
