"""The community pages anyone signed in may reach: the directory, creating one, a community and its members.

Sign-in comes from LoginRequiredMiddleware. Who sees what is decided in communities.permissions: a private
community gives 404 to everyone outside it, on every page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from communities import permissions, selectors
from communities.forms import CommunityForm, DirectoryForm, JoinForm
from communities.models import Community, HubSettings
from communities.sections import community_sections
from communities.selectors import conversations as conversation_selectors
from communities.services import communities as services
from core.forms import add_service_errors, markdown_preview_requested
from core.pagination import paginate
from core.providers.conversations import start_conversation_url

PAGE_SIZE = 20
MEMBERS_PAGE_SIZE = 50


def community_or_404(request: HttpRequest, slug: str) -> Community:
    """The community behind the URL, if it exists for the viewer (permissions.check_see), else 404."""
    community = selectors.community_for_page(slug=slug)
    if community is None:
        raise Http404("No such community")
    permissions.check_see(user=request.user, community=community)
    return community


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    tab = "mine" if request.GET.get("tab") == "mine" else "all"
    form = DirectoryForm(request.GET, topics=selectors.community_topics(viewer=request.user))
    filters = form.filters()
    communities = selectors.communities_directory(viewer=request.user, mine=tab == "mine", **filters)
    page = paginate(communities, request.GET.get("page"), PAGE_SIZE)
    selectors.cards_decorate(viewer=request.user, communities=page.object_list)
    return render(
        request,
        "communities/browse/index.html",
        {
            "form": form,
            "tab": tab,
            "page_obj": page,
            "filtered": bool(filters["query"] or filters["topic"]),
            "can_create": permissions.can_create_community(user=request.user),
        },
    )


def _create_denied(request: HttpRequest) -> HttpResponse:
    admins_only = HubSettings.load().community_creation == HubSettings.CommunityCreation.ADMINS
    return render(request, "communities/browse/create_denied.html", {"admins_only": admins_only}, status=403)


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_community(user=request.user):
        return _create_denied(request)
    form = CommunityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not markdown_preview_requested(request, form) and form.is_valid():
        try:
            community = services.community_create(creator=request.user, **form.cleaned_data)
        except ValidationError as error:  # the name is taken, or another rule of the service
            add_service_errors(form, error)
        else:
            messages.success(request, f"You created {community.name}. You are its owner.")
            return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/browse/create.html", {"form": form})


def membership_actions_context(request: HttpRequest, community: Community, **extra) -> dict:
    """What the membership-actions partial needs; the page includes it, htmx gets it alone."""
    context = {
        "community": community,
        "membership": permissions.membership_for(user=request.user, community=community),
        "join_form": JoinForm(),
    }
    context.update(extra)
    return context


def detail_context(request: HttpRequest, community: Community, **extra) -> dict:
    can_read = permissions.can_read(user=request.user, community=community)
    return {
        **membership_actions_context(request, community, **extra),
        "facilitators": list(selectors.community_facilitators(community=community)),
        "can_read": can_read,
        "can_manage": permissions.can_manage(user=request.user, community=community),
        # Members who may post get "Start a conversation" at the top; others the join action there instead.
        "can_start": permissions.can_participate(user=request.user, community=community),
        # An app above may send "Start a conversation" elsewhere (core.providers.conversations): Ask the hub.
        "start_url": start_conversation_url(community),
        "recent_threads": conversation_selectors.recent_threads(community=community) if can_read else [],
        # Registered by the apps above communities (communities.sections): events coming up.
        "sections": community_sections(viewer=request.user, community=community) if can_read else [],
    }


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request, slug)
    return render(request, "communities/browse/detail.html", detail_context(request, community))


@require_GET
def members(request: HttpRequest, slug: str) -> HttpResponse:
    community = community_or_404(request, slug)
    permissions.check_read(user=request.user, community=community)  # 403: a restricted one exists for them
    page = paginate(
        selectors.community_member_list(viewer=request.user, community=community),
        request.GET.get("page"),
        MEMBERS_PAGE_SIZE,
        count=community.member_count,  # kept by the membership services: the active members on the hub
    )
    return render(
        request,
        "communities/browse/members.html",
        {"community": community, "page_obj": page},
    )
