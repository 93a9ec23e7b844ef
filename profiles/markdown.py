"""User Markdown, rendered once on save: markdown-it-py (CommonMark, raw HTML off), then nh3 (an allowlist).

It lives in profiles, the bottom of the dependency chain (practice -> communities -> profiles), so every
app renders Markdown the same way. Templates print the stored HTML with |safe; nothing else may.
"""

import nh3
from markdown_it import MarkdownIt

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
    html = _md.render(source)
    for heading, replacement in (("h1", "h2"), ("h5", "h4"), ("h6", "h4")):
        html = html.replace(f"<{heading}>", f"<{replacement}>").replace(f"</{heading}>", f"</{replacement}>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
