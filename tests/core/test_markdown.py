"""@handle mentions rendered by core.markdown, with a resolver and no database: a link for each handle the
resolver knows; never in code, links or email addresses; and the output as sanitised as any other
Markdown."""

import pytest

from core.markdown import markdown_render_with_mentions, mentioned_handles

MEMBERS = {"priya", "sam-jones"}
REL = 'rel="nofollow noopener noreferrer"'


def _resolve(handles: set[str]) -> dict[str, str]:
    return {handle: f"/people/{handle}/" for handle in handles if handle in MEMBERS}


def _render(source: str) -> str:
    return markdown_render_with_mentions(source, _resolve).strip()


def _link(handle: str, text: str | None = None) -> str:
    return f'<a href="/people/{handle}/" {REL}>{text or "@" + handle}</a>'


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
