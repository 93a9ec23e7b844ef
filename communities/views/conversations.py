"""A community's conversations: the list, starting one, a thread with its reply tree, and what members do
to posts (reply, edit, delete, find helpful, mark the answer, report) and to threads (watch or mute).

Every view starts from the community's read check (communities.permissions): a private community and its
threads are a 404 for anyone outside it, a restricted one's a 403 for those who are not members. The
services check again what the person may do and validate; a ValidationError is shown as it is, with what
the person typed kept in the form, and nothing changes.

Without JavaScript every form posts and redirects (POST/redirect/GET). With htmx, the reply form opens
under the post replied to and the new reply takes its place; the helpful and watch buttons swap themselves.
"""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communities import permissions
from communities.forms import EditPostForm, ReplyForm, ReportForm, ThreadForm
from communities.models import Community, Post, Thread, ThreadWatch
from communities.selectors import conversations as selectors
from communities.services import conversations as services
from communities.views import post_html
from communities.views.browse import community_or_404
from core.forms import add_service_errors, markdown_preview_requested
from core.pagination import paginate
from core.providers.attachments import CONVERSATION, attachments_for
from core.providers.blocks import SIDE, blocks_for
from core.providers.conversations import start_conversation_url, thread_blocks_for

INDENT_LEVELS = 4  # replies deeper than this are drawn at this depth and say whom they reply to
PATH_PARAM = re.compile(r"^(?:\d{6}){1,60}$")  # a Post.path: the keyset cursor of a thread's pages
THREADS_PAGE_SIZE = 20
# The id of the banner beside a reply posted without JavaScript, and the tag of its message.
REPLY_POSTED = "reply-posted"


# --- Lookups -------------------------------------------------------------------------------------------
def _thread(request: HttpRequest, thread_id: int) -> Thread:
    """The thread if the viewer may read its community (404 for a private one's outsiders), wherever it is."""
    thread = selectors.thread_for_page(thread_id=thread_id)
    if thread is None:
        raise Http404("No such conversation")
    permissions.check_thread_read(user=request.user, thread=thread)
    return thread


def readable_thread(request: HttpRequest, slug: str, thread_id: int) -> Thread:
    """The thread behind the URL, which must be under its community's slug: a moved thread answers at its
    new address only (its page and post links redirect there)."""
    thread = _thread(request, thread_id)
    if thread.community.slug != slug:
        raise Http404("No such conversation")
    return thread


def _moved(request: HttpRequest, thread: Thread, post_id: int | None = None) -> HttpResponse:
    """A GET of a moved thread's old address: send the reader to where it is now (a post's, to the post's)."""
    kwargs = {"slug": thread.community.slug, "thread_id": thread.pk}
    url = reverse("communities:post", kwargs={**kwargs, "post_id": post_id}) if post_id else None
    url = url or reverse("communities:thread", kwargs=kwargs)
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


def _post(thread: Thread, post_id: int) -> Post:
    post = selectors.post_in_thread(thread=thread, post_id=post_id)
    if post is None:
        raise Http404("No such post")
    return post


def _error(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- The list and a new thread -------------------------------------------------------------------------
@require_GET
def index(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request, slug)
    permissions.check_read(user=request.user, community=community)
    unanswered = request.GET.get("show") == "unanswered"
    page = paginate(
        selectors.threads_for_community(community=community, unanswered=unanswered),
        request.GET.get("page"),
        THREADS_PAGE_SIZE,
    )
    return render(
        request,
        "communities/conversations/index.html",
        {
            "community": community,
            "page_obj": page,
            "unanswered": unanswered,
            "can_start": permissions.can_participate(user=request.user, community=community),
            # An app above may send "Start a conversation" elsewhere (core.providers.conversations).
            "start_url": start_conversation_url(community),
        },
    )


def _check_can_start(request: HttpRequest, community: Community) -> None:
    permissions.check_read(user=request.user, community=community)
    if not permissions.can_participate(user=request.user, community=community):
        raise PermissionDenied("Only members of this community can start a conversation. Join it first.")


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request, slug)
    _check_can_start(request, community)
    elsewhere = start_conversation_url(community)
    if elsewhere:  # an app above starts conversations here its own way (Ask the hub's space)
        return redirect(elsewhere)
    form = ThreadForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            thread = services.thread_create(author=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your conversation has started. You will be told about replies.")
            return redirect(thread.get_absolute_url())
    return render(request, "communities/conversations/create.html", {"community": community, "form": form})


# --- A thread ------------------------------------------------------------------------------------------
POST_URL_NAMES = ("post", "post-edit", "post-delete", "post-history", "post-helpful", "post-answer")
POST_URL_NAMES += ("post-report", "post-hide", "post-unhide")


def _post_links(thread: Thread):
    """Each post's links, reversed once per page and filled in per post: ~10 {% url %} tags a post were
    about 40% of a 50-reply page's time. urls.py stays the one source of the paths."""
    kwargs = {"slug": thread.community.slug, "thread_id": thread.pk, "post_id": 0}
    patterns = {name: reverse(f"communities:{name}", kwargs=kwargs) for name in POST_URL_NAMES}
    marker = "/posts/0/"
    profile = reverse("profiles:profile", args=["-"])
    reply = reverse("communities:reply", kwargs={"slug": thread.community.slug, "thread_id": thread.pk})

    def links(post: Post) -> dict[str, str]:
        found = {
            name.replace("-", "_"): url.replace(marker, f"/posts/{post.pk}/")
            for name, url in patterns.items()
        }
        found["parent"] = patterns["post"].replace(marker, f"/posts/{post.parent_id}/")
        found["author"] = profile.replace("/-/", f"/{post.author.handle}/")
        found["reply"] = f"{reply}?parent={post.pk}"
        return found

    return links


def _decorate(request: HttpRequest, thread: Thread, posts: list[Post]) -> None:
    """What the viewer may do with each post, and how it is drawn: the rules of one PostPermissions, whose
    answers about the viewer (take part, manage, reply) are worked out once for the page. No queries: the
    viewer's membership is kept on the one community object every post shares."""
    on_page = {post.pk for post in posts}
    helpful = selectors.helpful_post_ids(viewer=request.user, posts=posts)
    may = permissions.post_permissions(user=request.user, thread=thread)
    links = _post_links(thread)
    for post in posts:
        post.thread = thread
        post.links = links(post)
        post.indent = min(post.depth, INDENT_LEVELS)
        # Say whom it replies to where the tree cannot: past the last indent, or parent on another page.
        post.show_parent = post.depth > 1 and (post.depth > INDENT_LEVELS or post.parent_id not in on_page)
        post.viewer_found_helpful = post.pk in helpful
        post.viewer_can_reply = may.replies and post.is_visible
        post.viewer_can_edit = may.can_edit(post)
        post.viewer_can_delete = may.can_delete(post)
        post.viewer_can_react = may.can_react(post)
        post.viewer_can_report = may.can_report(post)
        post.viewer_sees_text = may.can_see_text(post)
        post.viewer_can_moderate = may.manages
        post.viewer_is_author = may.is_author(post)
        post.is_answer = post.pk == thread.answer_id


def _cursor(request: HttpRequest, name: str) -> str:
    value = request.GET.get(name, "")
    return value if PATH_PARAM.match(value) else ""


def thread_context(request: HttpRequest, thread: Thread, **extra) -> dict:
    user = request.user
    page = selectors.replies_page(
        thread=thread, after=_cursor(request, "after"), before=_cursor(request, "before")
    )
    opening = thread.opening_post
    _decorate(request, thread, [opening, *page.posts])
    opening.show_parent = False
    can_mark_answer = permissions.can_mark_answer(user=user, thread=thread)
    post_html.render_posts([opening, *page.posts], can_mark_answer=can_mark_answer)  # {% post_html %}
    return {
        "community": thread.community,
        "thread": thread,
        "opening": opening,
        "replies": page.posts,
        "previous_url": f"?{urlencode({'before': page.previous_before})}" if page.previous_before else "",
        "next_url": f"?{urlencode({'after': page.next_after})}" if page.next_after else "",
        "first_page": not (_cursor(request, "after") or _cursor(request, "before")),
        "watch_state": selectors.watch_state(viewer=user, thread=thread),
        "can_reply": permissions.can_reply(user=user, thread=thread),
        "can_participate": permissions.can_participate(user=user, community=thread.community),
        "can_manage": permissions.can_manage(user=user, community=thread.community),
        "can_mark_answer": can_mark_answer,
        "reply_form": extra.pop("reply_form", None) or ReplyForm(),
        "posted_reply": _posted_reply(request, page.posts),
        # Registered by the apps above (core.providers.attachments): the library's attached documents.
        "attachments": attachments_for(viewer=user, target=CONVERSATION, obj=thread),
        # Registered by the apps above (core.providers.conversations): Ask the hub's "You were asked".
        "thread_blocks": thread_blocks_for(viewer=user, thread=thread),
        # And for the side column: ask's "People who can help" and "Related practice".
        "side_blocks": blocks_for(slot=SIDE, viewer=user, target=CONVERSATION, obj=thread),
        **extra,
    }


@require_GET
def detail(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = _thread(request, thread_id)
    if thread.community.slug != slug:
        return _moved(request, thread)
    response = render(request, "communities/conversations/detail.html", thread_context(request, thread))
    if request.user.is_authenticated:  # one upsert: the home page's unread markers and counts
        services.thread_mark_read(user=request.user, thread=thread)
    return response


@require_GET
def permalink(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    """A post's own address: the thread's first page if the post is on it (so a reply is read with the
    replies before it), else the page that starts with the post."""
    thread = _thread(request, thread_id)
    if thread.community.slug != slug:
        return _moved(request, thread, post_id)
    post = _post(thread, post_id)
    return redirect(f"{_page_of(thread, post)}#post-{post.pk}")


def _page_of(thread: Thread, post: Post) -> str:
    """The thread's page that holds the post: the first if it is on it, else the page that starts with it."""
    url = thread.get_absolute_url()
    if not post.is_opening:
        earlier = Post.objects.filter(thread=thread, depth__gt=0, path__lt=post.path)
        if earlier[: selectors.REPLIES_PAGE_SIZE].count() == selectors.REPLIES_PAGE_SIZE:
            before = earlier.order_by("-path").values_list("path", flat=True).first()
            url = f"{url}?{urlencode({'after': before})}"
    return url


# --- Replying ------------------------------------------------------------------------------------------
def _parent(thread: Thread, raw) -> Post | None:
    if raw in (None, ""):
        return None
    try:
        return _post(thread, int(raw))
    except (TypeError, ValueError):
        raise Http404("No such post") from None


def _reply_form_context(thread: Thread, parent: Post | None, form: ReplyForm) -> dict:
    # The reply page quotes the post replied to ("post"); the form itself names it ("parent").
    return {
        "community": thread.community,
        "thread": thread,
        "parent": parent,
        "post": parent,
        "reply_form": form,
    }


@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    """GET ?parent=<post id>: the reply form under that post (htmx) or on its own page. POST: the reply."""
    thread = readable_thread(request, slug, thread_id)
    source = request.POST if request.method == "POST" else request.GET
    parent = _parent(thread, source.get("parent"))
    if parent is not None and parent.is_opening:
        parent = None
    if not permissions.can_reply(user=request.user, thread=thread):
        if not permissions.can_participate(user=request.user, community=thread.community):
            raise PermissionDenied("Only members of this community can reply. Join it first.")
        raise PermissionDenied("This conversation is locked: nobody can reply to it now.")
    parent_id = parent.pk if parent else None
    form = ReplyForm(request.POST if request.method == "POST" else None, parent_id=parent_id)
    if request.htmx:
        # htmx serves only the form opened under a post, and focuses the [autofocus] element it swaps in: the
        # keyboard lands in the form as it opens or comes back with an error. The form at the foot of the
        # page and the reply page (no htmx) never take the focus.
        form.fields["body"].widget.attrs["autofocus"] = True
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            post = services.post_reply(
                author=request.user, thread=thread, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _replied(request, thread, post)
    context = _reply_form_context(thread, parent, form)
    if request.htmx:
        return render(request, "communities/conversations/_reply_form.html", context)
    if parent is None and request.method == "POST":  # the form at the foot of the thread: show it there
        return render(
            request, "communities/conversations/detail.html", thread_context(request, thread, reply_form=form)
        )
    return render(request, "communities/conversations/reply.html", context)


def _replied(request: HttpRequest, thread: Thread, post: Post) -> HttpResponse:
    status = "Your reply was posted."
    if request.htmx:
        post = _post(thread, post.pk)
        post.parent = _parent(thread, post.parent_id)
        _decorate(request, thread, [post])
        post.show_parent = post.depth > 1
        thread.refresh_from_db(fields=["reply_count"])  # the service counted the reply in the database
        context = {
            "post": post,
            "thread": thread,
            "community": thread.community,
            "can_mark_answer": permissions.can_mark_answer(user=request.user, thread=thread),
            "htmx_status": status,
        }
        return render(request, "communities/conversations/_reply_posted.html", context)
    # Without JavaScript: the page that holds the new reply, with the success banner just above it (not at
    # the top of the page: govuk-frontend focuses the banner, which would take the reader away from it).
    messages.success(request, status, extra_tags=f"{REPLY_POSTED} {REPLY_POSTED}-{post.pk}")
    return redirect(f"{_page_of(thread, post)}#{REPLY_POSTED}")


def _posted_reply(request: HttpRequest, posts: list[Post]) -> dict | None:
    """The message that a reply on this page was just posted (_replied): shown beside the reply, and left
    out of the messages at the top of the page (includes/messages.html). No query: the messages come with
    the session or its cookie."""
    on_page = {f"{REPLY_POSTED}-{post.pk}" for post in posts}
    for message in messages.get_messages(request):
        for tag in (message.extra_tags or "").split():
            if tag in on_page:
                message.shown_in_place = True
                return {"post_id": int(tag.rsplit("-", 1)[1]), "text": str(message)}
    return None


# --- A member's own post -------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    thread = readable_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    if not permissions.can_edit_post(user=request.user, post=post):
        raise PermissionDenied("You can only edit your own posts while the conversation is open.")
    form = EditPostForm(request.POST if request.method == "POST" else None, initial={"body": post.body})
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            services.post_edit(actor=request.user, post=post, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your post has been updated.")
            return redirect(post.get_absolute_url())
    context = {"community": thread.community, "thread": thread, "post": post, "form": form}
    return render(request, "communities/conversations/edit.html", context)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    thread = readable_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    if not permissions.can_delete_post(user=request.user, post=post):
        raise PermissionDenied("You can only delete your own posts.")
    if request.method == "POST":
        services.post_delete(actor=request.user, post=post)
        messages.success(request, "Your post has been deleted. Readers see a note that you deleted it.")
        return redirect(post.get_absolute_url())
    context = {"community": thread.community, "thread": thread, "post": post}
    return render(request, "communities/conversations/delete.html", context)


@require_GET
def history(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    """Earlier versions of an edited post: for its author and the facilitators."""
    thread = readable_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    if post.author_id != request.user.pk and not permissions.can_manage(
        user=request.user, community=thread.community
    ):
        raise PermissionDenied("Only the author and the facilitators can see earlier versions of a post.")
    context = {
        "community": thread.community,
        "thread": thread,
        "post": post,
        "revisions": list(selectors.post_revisions(post=post)[:100]),
    }
    return render(request, "communities/conversations/history.html", context)


# --- Helpful, answer, watch, report ----------------------------------------------------------------------
@require_POST
def helpful(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    thread = readable_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    error = ""
    try:
        found = services.post_helpful_toggle(user=request.user, post=post)
    except ValidationError as refused:
        error = _error(refused)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request, "You marked the post as helpful." if found else "You took back your helpful mark."
            )
        return redirect(post.get_absolute_url())
    post.refresh_from_db(fields=["helpful_count"])
    _decorate(request, thread, [post])
    status = error or ("Marked as helpful." if found else "Helpful mark taken back.")
    context = {
        "post": post,
        "thread": thread,
        "community": thread.community,
        "htmx_status": status,
        "error": error,
    }
    return render(request, "communities/conversations/_helpful.html", context)


@require_POST
def answer(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    thread = readable_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    unmark = request.POST.get("action") == "unmark"
    if not permissions.can_mark_answer(user=request.user, thread=thread):
        raise PermissionDenied("Only the person who asked, or a facilitator, can choose the answer.")
    try:
        services.thread_mark_answer(actor=request.user, thread=thread, post=None if unmark else post)
    except ValidationError as error:
        messages.error(request, _error(error))
    else:
        messages.success(
            request, "The question is open again." if unmark else "You marked this reply as the answer."
        )
    return redirect(post.get_absolute_url())


WATCH_OUTCOMES = {
    ThreadWatch.State.WATCHING: "You are watching this conversation: you will be told about every reply.",
    ThreadWatch.State.MUTED: "You muted this conversation: you will not be told about it at all.",
    "": "You stopped watching this conversation: you will be told only about replies to you and mentions.",
}


@require_POST
def watch(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    thread = readable_thread(request, slug, thread_id)
    state = request.POST.get("state", "")
    if state not in WATCH_OUTCOMES:
        state = ThreadWatch.State.WATCHING
    services.thread_watch_set(user=request.user, thread=thread, state=state)
    if request.htmx:
        context = {
            "thread": thread,
            "community": thread.community,
            "watch_state": state,
            "htmx_status": WATCH_OUTCOMES[state],
        }
        return render(request, "communities/conversations/_watch.html", context)
    messages.success(request, WATCH_OUTCOMES[state])
    return redirect(thread.get_absolute_url())


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, slug: str, thread_id: int, post_id: int) -> HttpResponse:
    thread = readable_thread(request, slug, thread_id)
    post = _post(thread, post_id)
    permissions.check_participate(user=request.user, community=thread.community)
    if not permissions.can_report(user=request.user, post=post):
        raise PermissionDenied("You cannot report your own post, or one that was removed.")
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_report(reporter=request.user, post=post, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Thank you. The community's facilitators will look at the post.")
            return redirect(post.get_absolute_url())
    context = {"community": thread.community, "thread": thread, "post": post, "form": form}
    return render(request, "communities/conversations/report.html", context)
