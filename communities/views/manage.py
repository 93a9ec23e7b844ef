"""The facilitators' pages: /communities/<slug>/manage/ (requests to join), members, invite, settings, log.

Every page and action starts with permissions.check_manage: a private community is a 404 for anyone outside
it, and anyone else who may not manage it gets a 403. The services decide, validate, notify the person and
write the moderation log; a ValidationError is shown as it is and nothing changes.

Without JavaScript each form posts and redirects back with a banner (POST/redirect/GET). With htmx an action
returns the fragment its page includes (one request, the members lists, the invite panel), and what happened
goes to the page's #manage-status region for screen readers.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from communities import permissions, selectors
from communities.forms import (
    CommunityForm,
    InviteForm,
    InviteSearchForm,
    MemberActionForm,
    RequestDecisionForm,
)
from communities.models import Community, Membership
from communities.selectors import conversations as conversation_selectors
from communities.services import communities as community_services
from communities.services import membership as services
from core.forms import add_service_errors, markdown_preview_requested
from core.pagination import paginate
from profiles.models import User

R = Membership.Role
REQUESTS_PAGE_SIZE = 20
MEMBERS_PAGE_SIZE = 50
# The open invitations and the bans are shown newest first up to this many each (a national community has
# hundreds): one more is read to know there are more.
LIST_SHOWN = 50
LOG_PAGE_SIZE = 50
INVITE_RESULTS = 20  # a name search, not a directory: past this the page asks for more of the name


def _community(request: HttpRequest, slug: str) -> Community:
    community = selectors.community_for_page(slug=slug)
    if community is None:
        raise Http404("No such community")
    permissions.check_manage(user=request.user, community=community)
    return community


def _url(name: str, community: Community, *, page=None, **query) -> str:
    url = reverse(f"communities:{name}", kwargs={"slug": community.slug})
    params = {key: value for key, value in query.items() if value}
    if page and str(page) != "1":
        params["page"] = page
    if params:
        url = f"{url}?{urlencode(params)}"
    return url


def _layout(request: HttpRequest, community: Community, section: str, **extra) -> dict:
    """What every manage page shows around its content: the community, the navigation, the request count."""
    return {
        "community": community,
        "section": section,
        "request_count": selectors.pending_requests(community=community).count(),
        "report_count": conversation_selectors.open_report_count(community=community),
        **extra,
    }


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Requests to join ------------------------------------------------------------------------------------
def _decision_form(person: User, data=None) -> RequestDecisionForm:
    # One form per request on the page: ids and labels name the person, so each field is told apart.
    form = RequestDecisionForm(data, auto_id=f"request-{person.pk}-%s")
    form.fields["message"].label = f"Message to {person.display_name} (optional)"
    return form


def _request_rows(page: Page, bound: RequestDecisionForm | None, bound_user_id: int | None) -> list[dict]:
    return [
        {
            "membership": membership,
            "form": bound if membership.user_id == bound_user_id else _decision_form(membership.user),
        }
        for membership in page.object_list
    ]


def _requests_page(
    request: HttpRequest,
    community: Community,
    number,
    *,
    bound: RequestDecisionForm | None = None,
    bound_user_id: int | None = None,
) -> dict:
    page = paginate(selectors.pending_requests(community=community), number, REQUESTS_PAGE_SIZE)
    return _layout(
        request,
        community,
        "requests",
        page_obj=page,
        rows=_request_rows(page, bound, bound_user_id),
        error_form=bound,
    )


@require_GET
def index(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    context = _requests_page(request, community, request.GET.get("page"))
    return render(request, "communities/manage/requests.html", context)


@require_POST
def decide_request(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    community = _community(request, slug)
    person = get_object_or_404(User, pk=user_id)
    number = request.POST.get("page")
    form = _decision_form(person, request.POST)
    if not form.is_valid():
        return _request_form_invalid(request, community, person, form, number)
    message = form.cleaned_data["message"].strip()
    approve = form.cleaned_data["action"] == "approve"
    decide = services.membership_approve if approve else services.membership_decline
    try:
        membership = decide(actor=request.user, community=community, user=person, message=message)
    except ValidationError as error:
        return _request_refused(request, community, person, _message(error), number)
    if approve:
        outcome = f"You approved {person.display_name}'s request. They are now a member of {community.name}."
    else:
        outcome = f"You declined {person.display_name}'s request to join {community.name}."
    if request.htmx:
        membership.user = person
        context = {
            **_layout(request, community, "requests"),
            "membership": membership,
            "outcome": outcome,
            "htmx_status": outcome,
        }
        return render(request, "communities/manage/_request_updated.html", context)
    messages.success(request, outcome)
    return redirect(_url("manage", community, page=number))


def _request_refused(
    request: HttpRequest, community: Community, person: User, error: str, number
) -> HttpResponse:
    if request.htmx:
        membership = selectors.membership_of(community=community, user_id=person.pk) or Membership(
            community=community, user=person
        )
        context = {
            "community": community,
            "membership": membership,
            "row_error": error,
            "htmx_status": error,
        }
        return render(request, "communities/manage/_request_updated.html", context)
    messages.error(request, error)
    return redirect(_url("manage", community, page=number))


def _request_form_invalid(
    request: HttpRequest, community: Community, person: User, form: RequestDecisionForm, number
) -> HttpResponse:
    if "action" in form.errors:  # a tampered button: nothing to show beside a field
        return _request_refused(request, community, person, form.errors["action"][0], number)
    if request.htmx:
        membership = selectors.membership_of(community=community, user_id=person.pk)
        if membership is None or membership.state != Membership.State.REQUESTED:
            return _request_refused(request, community, person, form.errors["message"][0], number)
        context = {
            "community": community,
            "membership": membership,
            "form": form,
            "htmx_status": form.errors["message"][0],
        }
        return render(request, "communities/manage/_request_updated.html", context)
    context = _requests_page(request, community, number, bound=form, bound_user_id=person.pk)
    if not any(row["form"] is form for row in context["rows"]):  # no longer waiting on this page
        return _request_refused(request, community, person, form.errors["message"][0], number)
    return render(request, "communities/manage/requests.html", context)


# --- Invite ------------------------------------------------------------------------------------------------
def _invite_context(
    request: HttpRequest, community: Community, *, query: str, selected_id, form=None
) -> dict:
    search = InviteSearchForm({"q": query})
    query = search.cleaned_data["q"] if search.is_valid() else ""
    results, more = [], False
    if query:
        found = list(
            selectors.invite_candidates(viewer=request.user, community=community, query=query)[
                : INVITE_RESULTS + 1
            ]
        )
        results, more = found[:INVITE_RESULTS], len(found) > INVITE_RESULTS
    selected = None
    if selected_id and str(selected_id).isdigit():
        selected = (
            selectors.invite_candidates(viewer=request.user, community=community)
            .filter(pk=int(selected_id))
            .first()
        )
    if selected is not None and form is None:
        form = InviteForm(initial={"user_id": selected.pk})
    return _layout(
        request,
        community,
        "invite",
        search_form=search,
        query=query,
        results=results,
        more_results=more,
        selected=selected,
        form=form,
        error_form=search if search.errors else form if form is not None and form.errors else None,
    )


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    if request.method == "GET":
        context = _invite_context(
            request, community, query=request.GET.get("q", ""), selected_id=request.GET.get("user_id")
        )
        return render(request, "communities/manage/invite.html", context)

    query = request.POST.get("q", "")
    form = InviteForm(request.POST)
    person = None
    if form.is_valid():
        person = User.objects.filter(pk=form.cleaned_data["user_id"]).first()
        if person is None:
            form.add_error(None, "Choose a person to invite")
    if person is not None:
        try:
            services.membership_invite(
                actor=request.user,
                community=community,
                user=person,
                message=form.cleaned_data["message"].strip(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        # The panel stays open for the person chosen, whatever was wrong with the message.
        selected_id = form.cleaned_data.get("user_id") if hasattr(form, "cleaned_data") else None
        context = _invite_context(request, community, query=query, selected_id=selected_id, form=form)
        if context["selected"] is None:  # they are a member by now, or no longer on the hub
            context["error_form"] = form
        if request.htmx:
            context["htmx_status"] = " ".join(error for errors in form.errors.values() for error in errors)
            return render(request, "communities/manage/_invite.html", context)
        return render(request, "communities/manage/invite.html", context)
    outcome = f"You invited {person.display_name}. They will find the invitation in their notifications."
    if request.htmx:
        context = _invite_context(request, community, query=query, selected_id=None)
        context.update(htmx_status=outcome, outcome=outcome)
        return render(request, "communities/manage/_invite.html", context)
    messages.success(request, outcome)
    return redirect(_url("manage-invite", community, q=query))


# --- Members -----------------------------------------------------------------------------------------------
CONFIRMED_ACTIONS = ("remove", "ban")  # asked on a panel first, with a reason


def _members_context(
    request: HttpRequest,
    community: Community,
    number,
    *,
    confirm: str = "",
    confirm_membership: Membership | None = None,
    form: MemberActionForm | None = None,
    **extra,
) -> dict:
    page = paginate(
        selectors.community_members(viewer=request.user, community=community),
        number,
        MEMBERS_PAGE_SIZE,
        count=community.member_count,  # kept by the membership services: the active members on the hub
    )
    if confirm_membership is not None and form is None:
        form = MemberActionForm(initial={"action": confirm}, auto_id="confirm-%s")
    return _layout(
        request,
        community,
        "members",
        page_obj=page,
        **_newest("invitations", selectors.open_invitations(community=community)),
        **_newest("banned", selectors.banned_memberships(community=community)),
        list_shown=LIST_SHOWN,
        viewer_is_owner=permissions.can_manage_owners(user=request.user, community=community),
        confirm=confirm,
        confirm_membership=confirm_membership,
        form=form,
        error_form=form if form is not None and form.errors else None,
        **extra,
    )


def _newest(name: str, rows) -> dict:
    """The first LIST_SHOWN rows as `name`, and `name_more`: whether there are more."""
    newest = list(rows[: LIST_SHOWN + 1])
    return {name: newest[:LIST_SHOWN], f"{name}_more": len(newest) > LIST_SHOWN}


def _confirmable(community: Community, action: str, user_id) -> Membership | None:
    """The active member a removal or ban is being confirmed for, if the link still makes sense."""
    if action not in CONFIRMED_ACTIONS or not str(user_id or "").isdigit():
        return None
    membership = selectors.membership_of(community=community, user_id=int(user_id))
    if membership is None or membership.state != Membership.State.ACTIVE:
        return None
    return membership


@require_GET
def members(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    confirm = request.GET.get("confirm", "")
    membership = _confirmable(community, confirm, request.GET.get("user_id"))
    context = _members_context(
        request,
        community,
        request.GET.get("page"),
        confirm=confirm if membership else "",
        confirm_membership=membership,
    )
    return render(request, "communities/manage/members.html", context)


def _set_role(role: str) -> Callable[..., str]:
    def act(*, actor: User, community: Community, user: User, reason: str) -> str:
        membership = services.membership_set_role(actor=actor, community=community, user=user, role=role)
        article = "an" if role == R.OWNER else "a"
        return f"{user.display_name} is now {article} {membership.get_role_display().lower()}."

    return act


def _demote(*, actor: User, community: Community, user: User, reason: str) -> str:
    """One step down: an owner becomes a facilitator, a facilitator a member."""
    membership = selectors.membership_of(community=community, user_id=user.pk)
    role = R.FACILITATOR if membership is not None and membership.role == R.OWNER else R.MEMBER
    return _set_role(role)(actor=actor, community=community, user=user, reason=reason)


def _remove(*, actor: User, community: Community, user: User, reason: str) -> str:
    services.membership_remove(actor=actor, community=community, user=user, reason=reason)
    return f"You removed {user.display_name} from {community.name}."


def _ban(*, actor: User, community: Community, user: User, reason: str) -> str:
    services.membership_ban(actor=actor, community=community, user=user, reason=reason)
    return f"You banned {user.display_name} from {community.name}."


def _unban(*, actor: User, community: Community, user: User, reason: str) -> str:
    services.membership_unban(actor=actor, community=community, user=user, reason=reason)
    return f"You lifted the ban on {user.display_name}. They can join or be invited again."


def _cancel_invitation(*, actor: User, community: Community, user: User, reason: str) -> str:
    services.invitation_cancel(actor=actor, community=community, user=user)
    return f"You cancelled the invitation to {user.display_name}."


MEMBER_ACTIONS: dict[str, Callable[..., str]] = {
    "promote": _set_role(R.FACILITATOR),
    "demote": _demote,
    "make_owner": _set_role(R.OWNER),
    "remove": _remove,
    "ban": _ban,
    "unban": _unban,
    "cancel_invitation": _cancel_invitation,
}
# Where the keyboard focus goes once htmx has swapped the lists: the person's row, or the list they left.
FOCUS_AFTER = {
    "promote": "member",
    "demote": "member",
    "make_owner": "member",
    "remove": "members-heading",
    "ban": "banned",
    "unban": "banned-heading",
    "cancel_invitation": "invitations-heading",
}


@require_POST
def member_action(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    community = _community(request, slug)
    person = get_object_or_404(User, pk=user_id)
    number = request.POST.get("page")
    form = MemberActionForm(request.POST, auto_id="confirm-%s")
    if not form.is_valid():
        return _member_form_invalid(request, community, person, form, number)
    action = form.cleaned_data["action"]
    try:
        outcome = MEMBER_ACTIONS[action](
            actor=request.user, community=community, user=person, reason=form.cleaned_data["reason"].strip()
        )
    except ValidationError as error:
        return _member_refused(request, community, _message(error), number)
    if person.pk == request.user.pk:  # the services forgot the standing of `person`, another object
        permissions.standing_forget(user=request.user)
    if not permissions.can_manage(user=request.user, community=community):
        # They changed their own role: these pages are no longer theirs.
        messages.success(request, outcome)
        url = reverse("communities:detail", kwargs={"slug": community.slug})
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        context = _members_context(
            request,
            community,
            number,
            htmx_status=outcome,
            outcome=outcome,
            focus=FOCUS_AFTER[action],
            focus_user_id=person.pk,
        )
        return render(request, "communities/manage/_members_updated.html", context)
    messages.success(request, outcome)
    return redirect(_url("manage-members", community, page=number))


def _member_refused(request: HttpRequest, community: Community, error: str, number) -> HttpResponse:
    if request.htmx:
        context = _members_context(request, community, number, htmx_status=error, action_error=error)
        return render(request, "communities/manage/_members_updated.html", context)
    messages.error(request, error)
    return redirect(_url("manage-members", community, page=number))


def _member_form_invalid(
    request: HttpRequest, community: Community, person: User, form: MemberActionForm, number
) -> HttpResponse:
    """A reason too long, or a ban without one: the confirmation panel again, with the error."""
    action = form.cleaned_data.get("action", "")
    membership = _confirmable(community, action, person.pk)
    if "action" in form.errors or membership is None:
        error = next(error for errors in form.errors.values() for error in errors)
        return _member_refused(request, community, error, number)
    context = _members_context(
        request,
        community,
        number,
        confirm=action,
        confirm_membership=membership,
        form=form,
        htmx_status=form.errors["reason"][0],
    )
    template = (
        "communities/manage/_members_updated.html" if request.htmx else "communities/manage/members.html"
    )
    return render(request, template, context)


# --- Settings and log --------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    form = CommunityForm(request.POST or None, initial=CommunityForm.initial_for(community), editing=True)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        if not form.has_changed():
            messages.info(request, "You did not change anything.")
            return redirect(_url("manage-settings", community))
        try:
            community_services.community_update(actor=request.user, community=community, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
            community = selectors.community_for_page(slug=slug)  # as it is, not as the refused edit left it
        else:
            messages.success(request, "The community's settings are saved.")
            return redirect(_url("manage-settings", community))
    context = _layout(request, community, "settings", form=form, error_form=form if form.errors else None)
    return render(request, "communities/manage/settings.html", context)


@require_GET
def log(request: HttpRequest, slug: str) -> HttpResponse:
    community = _community(request, slug)
    page = paginate(selectors.moderation_log(community=community), request.GET.get("page"), LOG_PAGE_SIZE)
    # A thread moved since may now be in a community this facilitator cannot read: name and link it only if
    # they can (one query for the page).
    elsewhere = {entry.thread.community_id for entry in page.object_list if entry.thread_id}
    readable = set(
        permissions.readable_communities(request.user).filter(pk__in=elsewhere).values_list("pk", flat=True)
    )
    for entry in page.object_list:
        entry.thread_readable = entry.thread_id is not None and entry.thread.community_id in readable
    return render(
        request,
        "communities/manage/log.html",
        _layout(request, community, "log", page_obj=page),
    )
