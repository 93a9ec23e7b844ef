"""People and councils: the directory, profiles, follows, follower lists, avatars and the profile settings.

Every page needs sign-in (LoginRequiredMiddleware). Deactivated and erased members give 404 everywhere.
"""

import posixpath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.forms import markdown_preview_requested
from core.pagination import paginate
from profiles import selectors
from profiles.extensions import council_sections, profile_sections, recent_contributions
from profiles.forms import PeopleFilterForm, ProfileForm
from profiles.models import User
from profiles.permissions import can_see_email, visible_people
from profiles.services import follow_create, follow_delete, profile_update

PAGE_SIZE = 20
# Avatars are written by profiles.avatars as WebP; the others cover files stored before or by hand.
AVATAR_TYPES = {".webp": "image/webp", ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif"}
# A new upload gets a new name, so a stored avatar never changes: browsers may keep it for a year.
# private: it is behind sign-in, so no shared cache may keep it.
AVATAR_CACHE_CONTROL = "private, max-age=31536000, immutable"


def _person_or_404(request: HttpRequest, handle: str) -> User:
    person = selectors.person_for_profile(viewer=request.user, handle=handle)
    if person is None:
        raise Http404("No such member")
    return person


def _selective(query: str) -> bool:
    words = query.split()
    return bool(words) and all(len(word) >= 3 for word in words)


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(
        request.GET,
        councils=selectors.council_filter_choices(),
        expertise=selectors.expertise_filter_choices(viewer=request.user),
    )
    filters = form.filters()
    filtered = any(value for key, value in filters.items() if key != "sort")
    page = paginate(
        selectors.people_directory(viewer=request.user, **filters),
        request.GET.get("page"),
        PAGE_SIZE,
        # Everyone on the hub: counted from the councils' kept counts, not over every member.
        count=None if filtered else selectors.people_on_hub_count(),
        # A name search: the total as a window count on the page's rows, so the name's trigram index is
        # searched once, not once for a COUNT and again for the page. Only when every word is long enough
        # to be selective: a word of one or two letters matches most of the hub, and a window count would
        # hold every matching row (68 MB of temporary files for "a" at 200,000 members).
        counted_with_page=_selective(filters["query"]),
    )
    return render(
        request,
        "profiles/people/index.html",
        {"form": form, "page_obj": page, "filtered": filtered},
    )


@require_GET
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    person = _person_or_404(request, handle)
    return render(
        request,
        "profiles/people/detail.html",
        {
            "person": person,
            "show_email": can_see_email(viewer=request.user, person=person),
            "sections": profile_sections(viewer=request.user, person=person, request=request),
            "contributions": recent_contributions(viewer=request.user, person=person),
        },
    )


def _follow_done(request: HttpRequest, person: User, *, success: str, error: str = "") -> HttpResponse:
    if request.htmx:
        # The fragment the profile page includes, with fresh counts, and the outcome for screen readers.
        person = _person_or_404(request, person.handle)
        context = {"person": person, "follow_error": error, "htmx_status": error or success}
        return render(request, "profiles/people/_follow.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect("profiles:profile", handle=person.handle)


@require_POST
def follow(request: HttpRequest, handle: str) -> HttpResponse:
    person = _person_or_404(request, handle)
    try:
        follow_create(follower=request.user, followed=person)
    except ValidationError as error:
        return _follow_done(request, person, success="", error=error.messages[0])
    return _follow_done(request, person, success=f"You are now following {person.display_name}")


@require_POST
def unfollow(request: HttpRequest, handle: str) -> HttpResponse:
    person = _person_or_404(request, handle)
    follow_delete(follower=request.user, followed=person)
    return _follow_done(request, person, success=f"You are no longer following {person.display_name}")


def _people_list(
    request: HttpRequest, *, person: User, people: QuerySet, which: str, count: int
) -> HttpResponse:
    # The count is the person's kept one (User.follower_count or following_count), not a COUNT of the list.
    page = paginate(people, request.GET.get("page"), PAGE_SIZE, count=count)
    return render(
        request,
        "profiles/people/follows.html",
        {"person": person, "which": which, "page_obj": page},
    )


@require_GET
def followers(request: HttpRequest, handle: str) -> HttpResponse:
    person = get_object_or_404(visible_people(request.user), handle=handle)
    people = selectors.person_followers(viewer=request.user, person=person)
    return _people_list(request, person=person, people=people, which="followers", count=person.follower_count)


@require_GET
def following(request: HttpRequest, handle: str) -> HttpResponse:
    person = get_object_or_404(visible_people(request.user), handle=handle)
    people = selectors.person_following(viewer=request.user, person=person)
    return _people_list(
        request, person=person, people=people, which="following", count=person.following_count
    )


@require_GET
def avatar(request: HttpRequest, handle: str, filename: str) -> FileResponse:
    """Stream a member's current avatar from the default storage: works with any storage backend, and in
    production, where no web server serves MEDIA_ROOT."""
    person = get_object_or_404(visible_people(request.user).only("avatar"), handle=handle)
    content_type = AVATAR_TYPES.get(posixpath.splitext(filename)[1].lower())
    if not person.avatar or posixpath.basename(person.avatar.name) != filename or content_type is None:
        raise Http404("No such avatar")
    try:
        stored = person.avatar.storage.open(person.avatar.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such avatar") from None
    response = FileResponse(stored, content_type=content_type)
    response["Cache-Control"] = AVATAR_CACHE_CONTROL
    return response


@require_GET
def councils(request: HttpRequest) -> HttpResponse:
    page = paginate(selectors.councils_directory(viewer=request.user), request.GET.get("page"), PAGE_SIZE)
    return render(request, "profiles/councils/index.html", {"page_obj": page})


@require_GET
def council(request: HttpRequest, slug: str) -> HttpResponse:
    council = get_object_or_404(selectors.councils_directory(viewer=request.user), slug=slug)
    members = selectors.people_directory(viewer=request.user, council=council.slug)
    page = paginate(members, request.GET.get("page"), PAGE_SIZE, count=council.member_count)
    return render(
        request,
        "profiles/councils/detail.html",
        {
            "council": council,
            "page_obj": page,
            "sections": council_sections(viewer=request.user, council=council),
        },
    )


@require_http_methods(["GET", "POST"])
def settings_profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, user=user)
        if not markdown_preview_requested(request, form) and form.is_valid():
            data = form.cleaned_data
            try:
                profile_update(
                    user=user,
                    display_name=data["display_name"],
                    job_title=data["job_title"],
                    bio=data["bio"],
                    show_email=data["show_email"],
                    expertise=data["expertise"],
                    interests=data["interests"],
                    avatar=data["avatar"],
                    remove_avatar=data.get("remove_avatar", False),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your profile has been updated")
                return redirect("profiles:profile", handle=user.handle)
    else:
        form = ProfileForm(user=user)
    return render(request, "profiles/settings/profile.html", {"form": form})
