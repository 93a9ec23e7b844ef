"""User Markdown, rendered once on save: markdown-it-py (CommonMark, raw HTML off), then nh3 (an allowlist).

It lives in core, under every app, so every app renders Markdown the same way. Templates print the stored
HTML with |safe; nothing else may.
"""

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Raw HTML in the source is escaped by markdown-it ("html": False); nh3 then keeps only these tags,
# so even a renderer bug cannot let a script, style, iframe or event handler through.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def markdown_render(source: str) -> str:
    """Safe HTML for a Markdown source. Headings shift down so a body never competes with the page's h1."""
    if not source or not source.strip():
        return ""
    return _clean(_md.render(source))


def _clean(html: str) -> str:
    for heading, replacement in (("h1", "h2"), ("h5", "h4"), ("h6", "h4")):
        html = html.replace(f"<{heading}>", f"<{replacement}>").replace(f"</{heading}>", f"</{replacement}>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )


# --- @handle mentions -----------------------------------------------------------------------------------
# A handle after a space or punctuation (not inside an email address or a word), as profiles.HANDLE_VALIDATOR.
MENTION = re.compile(r"(?<![\w@./-])@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?)(?![\w-])")
MentionResolver = Callable[[set[str]], dict[str, str]]  # handles -> {handle: profile URL} of real members


def _mentionable_texts(tokens):
    """Text tokens outside links, code and images: where "@handle" means a person."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        in_link = 0
        for child in block.children:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            elif child.type == "text" and not in_link:
                yield block, child


def mentioned_handles(source: str) -> set[str]:
    """The handles "@"-mentioned in a Markdown source, lower-cased (code spans and links don't count)."""
    return _handles(_md.parse(source)) if source else set()


def _handles(tokens) -> set[str]:
    return {
        m.group(1).lower() for _, token in _mentionable_texts(tokens) for m in MENTION.finditer(token.content)
    }


def _link_mentions(tokens, urls: dict[str, str]) -> None:
    for block, token in list(_mentionable_texts(tokens)):
        parts, last = [], 0
        for match in MENTION.finditer(token.content):
            url = urls.get(match.group(1).lower())
            if url is None:
                continue
            parts.append(_text(token.content[last : match.start()]))
            link = Token("link_open", "a", 1, attrs={"href": url})
            parts += [link, _text(match.group(0)), Token("link_close", "a", -1)]
            last = match.end()
        if parts:
            parts.append(_text(token.content[last:]))
            at = block.children.index(token)
            block.children[at : at + 1] = [part for part in parts if part.type != "text" or part.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def markdown_render_with_mentions(source: str, resolve: MentionResolver) -> str:
    """markdown_render, with each "@handle" of a real member linked to their profile. `resolve` is asked
    once, with every handle found, and returns the URLs of those that exist."""
    if not source or not source.strip():
        return ""
    tokens = _md.parse(source)
    handles = _handles(tokens)
    if handles:
        _link_mentions(tokens, resolve(handles))
    return _clean(_md.renderer.render(tokens, _md.options, {}))
