"""A thread page's posts, each drawn once per version and kept in the cache (Redis in production, process
memory otherwise), rather than rendered from the template for every reader on every request.

The key is a digest of everything the post's template reads: the post (state, text, reason, helpful
count, edited or not, answer or not, how long ago it was written as the page says it), its author's name,
handle, photo, job title and council, its parent's author's name, its
links (so a moved thread or a renamed member gets new keys), where it sits on the page, and what the
viewer may do with it (the flags views.conversations._decorate sets from one PostPermissions per page).
A change to any of them is a new key, so nothing is ever invalidated and nothing stale is ever shown;
old versions expire. The templates' own text is in the key too: a deployment that changes them starts
afresh. Readers who may do the same things with a post share its one copy.

The CSRF token is the one per-request part: a post is drawn with a stand-in that nobody can write in a
post (derived from SECRET_KEY), which {% post_html %} swaps for the page's own token as the page renders.
With Redis down the cache answers from process memory (khub.cache), so the page is drawn as usual.
"""

import hashlib
from functools import cache as once

from django.conf import settings
from django.core.cache import cache
from django.template import Context
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from communities.models import Post
from core import dates

TEMPLATE = "communities/conversations/_post.html"
INCLUDED = ("communities/conversations/_helpful.html",)  # what TEMPLATE includes: part of the version
KEPT_SECONDS = 7 * 24 * 60 * 60  # a key is never reused for other HTML: this only bounds the memory


@once
def _stand_in() -> tuple[str, str]:
    """The CSRF token the posts are drawn with, and the hidden input it becomes in their HTML."""
    token = salted_hmac("communities.post_html", "csrf stand-in", secret=settings.SECRET_KEY).hexdigest()
    return token, CsrfTokenNode().render(Context({"csrf_token": token}))


@once
def _template_version() -> str:
    sources = [get_template(name).template.source for name in (TEMPLATE, *INCLUDED)]
    return hashlib.blake2b("\0".join([_stand_in()[0], *sources]).encode(), digest_size=8).hexdigest()


# What TEMPLATE (and what it includes) reads, each in _reads below: a test holds this list to the
# templates' text. is_visible and is_opening follow from state and depth. "post.author" is what the
# {% avatar %} tag reads of them: name, handle and photo. post.created_at is drawn as how long ago
# (core.dates.label): the label is in the key too, so "2 hours ago" becomes "3 hours ago" in time.
KEYED = (
    "post.pk", "post.indent", "post.is_answer", "post.links", "post.author", "post.author.public_name",
    "post.author.job_title", "post.author.council", "post.author.council.name", "post.created_at",
    "post.edited_at", "post.depth",
    "post.parent", "post.parent.author.public_name", "post.show_parent", "post.state", "post.is_visible",
    "post.is_opening", "post.body_html", "post.moderation_reason", "post.helpful_count",
    "post.viewer_found_helpful", "post.viewer_can_react", "post.viewer_can_reply", "post.viewer_can_edit",
    "post.viewer_can_delete", "post.viewer_can_moderate", "post.viewer_is_author", "post.viewer_can_report",
    "post.viewer_sees_text", "can_mark_answer",
)  # fmt: skip


def _reads(post: Post, can_mark_answer: bool, label) -> tuple:
    """Every value named in KEYED, in that order."""
    author = post.author
    council = author.council
    parent = post.parent if post.depth > 1 else None  # the template asks for it only below the top level
    return (
        post.pk,
        post.indent,
        post.is_answer,
        tuple(post.links.values()),
        author.handle,
        author.avatar.name,
        author.public_name,
        author.job_title,
        council.name if council else None,
        post.created_at,
        label(post.created_at),
        post.edited_at is not None,
        post.depth,
        parent is not None,
        parent.author.public_name if parent else None,
        post.show_parent,
        post.state,
        post.body_html,
        post.moderation_reason,
        post.helpful_count,
        post.viewer_found_helpful,
        post.viewer_can_react,
        post.viewer_can_reply,
        post.viewer_can_edit,
        post.viewer_can_delete,
        post.viewer_can_moderate,
        post.viewer_is_author,
        post.viewer_can_report,
        post.viewer_sees_text,
        can_mark_answer,
    )


def post_key(post: Post, can_mark_answer: bool, *, drawn_in: tuple, label) -> str:
    """`drawn_in`: the current time zone and language, which dates are drawn in; `label`: a
    core.dates.labeller, each looked up once for the page."""
    version = (_template_version(), drawn_in, _reads(post, can_mark_answer, label))
    digest = hashlib.blake2b(repr(version).encode(), digest_size=16).hexdigest()
    return f"post-html:{post.pk}:{digest}"


def render_posts(posts: list[Post], *, can_mark_answer: bool) -> None:
    """Set each post's `html` (with the stand-in token): one cache round trip for the page, the template
    rendered only for the posts whose version nobody has seen yet."""
    drawn_in, label = (timezone.get_current_timezone_name(), translation.get_language()), dates.labeller()
    keys = [post_key(post, can_mark_answer, drawn_in=drawn_in, label=label) for post in posts]
    kept = cache.get_many(keys)
    fresh = {}
    template = None
    for post, key in zip(posts, keys, strict=True):
        html = kept.get(key)
        if html is None:
            template = template or get_template(TEMPLATE)
            context = {"post": post, "can_mark_answer": can_mark_answer, "csrf_token": _stand_in()[0]}
            html = fresh[key] = str(template.render(context))
        post.html = html
    if fresh:
        cache.set_many(fresh, KEPT_SECONDS)


def post_html(post: Post, context: Context) -> SafeString:
    """The post's kept HTML with the page's own CSRF token in its forms (what {% csrf_token %} draws)."""
    return mark_safe(post.html.replace(_stand_in()[1], CsrfTokenNode().render(context)))  # noqa: S308
