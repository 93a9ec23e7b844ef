"""A member's own membership: join or ask to join, withdraw a request, leave, accept or decline an invitation.

POST only. Without JavaScript each form posts and redirects to the community with a banner saying what
happened (POST/redirect/GET). With htmx the view returns the membership-actions partial that the community
page includes, plus the outcome for screen readers; when the action changes more of the page than that
(the member can now read it, or manage it, or it no longer exists for them) htmx reloads the page instead.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from communities import permissions, selectors
from communities.forms import JoinForm
from communities.models import Community, Membership
from communities.services import membership as services
from communities.views.browse import community_or_404, detail_context, membership_actions_context

PARTIAL = "communities/browse/_membership_actions.html"


def _page_shape(request: HttpRequest, community: Community) -> tuple[bool, bool, bool]:
    """What the viewer may do with the community: when an action changes it, the whole page changes."""
    user = request.user
    return (
        permissions.can_see(user=user, community=community),
        permissions.can_read(user=user, community=community),
        permissions.can_manage(user=user, community=community),
    )


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _act(request: HttpRequest, community: Community, action: Callable[[], str]) -> HttpResponse:
    """Run a service; tell the person what happened, or why nothing did."""
    before = _page_shape(request, community)
    try:
        outcome = action()
    except ValidationError as error:
        return _refused(request, community, " ".join(error.messages))
    fresh = selectors.community_for_page(slug=community.slug)  # the new member count and membership
    after = _page_shape(request, fresh)
    if not after[0]:
        # They left, or declined an invitation to, a private community: it no longer exists for them.
        messages.success(request, outcome)
        return _redirect(request, reverse("communities:index"))
    if request.htmx and after == before:
        context = membership_actions_context(request, fresh, htmx_status=outcome)
        return render(request, PARTIAL, context)
    messages.success(request, outcome)
    return _redirect(request, reverse("communities:detail", kwargs={"slug": community.slug}))


def _refused(request: HttpRequest, community: Community, error: str) -> HttpResponse:
    if request.htmx:
        context = membership_actions_context(request, community, action_error=error, htmx_status=error)
        return render(request, PARTIAL, context)
    messages.error(request, error)
    return redirect("communities:detail", slug=community.slug)


def _invalid_join_form(request: HttpRequest, community: Community, form: JoinForm) -> HttpResponse:
    """The request's message was too long: show it again with the error, having changed nothing."""
    if request.htmx:
        error = next(iter(form.errors.values()))[0]
        context = membership_actions_context(request, community, join_form=form, htmx_status=error)
        return render(request, PARTIAL, context)
    return render(
        request, "communities/browse/detail.html", detail_context(request, community, join_form=form)
    )


@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request, slug)
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _invalid_join_form(request, community, form)

    def action() -> str:
        membership = services.membership_join(
            user=request.user, community=community, message=form.cleaned_data["message"]
        )
        if membership.state == Membership.State.REQUESTED:
            return f"You asked to join {community.name}. A facilitator will decide and we will tell you."
        return f"You joined {community.name}."

    return _act(request, community, action)


def _own_membership_action(service, done: str):
    """A POST view that runs `service` on the signed-in person's own membership and says `done`
    (formatted with the community's name)."""

    @require_POST
    def view(request: HttpRequest, slug: str) -> HttpResponse:
        community = community_or_404(request, slug)

        def action() -> str:
            service(user=request.user, community=community)
            return done.format(name=community.name)

        return _act(request, community, action)

    return view


withdraw = _own_membership_action(
    services.membership_withdraw_request, "You withdrew your request to join {name}."
)
leave = _own_membership_action(services.membership_leave, "You left {name}.")
invitation_accept = _own_membership_action(services.invitation_accept, "You joined {name}.")
invitation_decline = _own_membership_action(
    services.invitation_decline, "You declined the invitation to join {name}."
)
