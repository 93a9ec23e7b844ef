"""/settings/account/: a member downloads everything the hub holds about them, or deletes their account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from profiles.forms import AccountDeleteForm
from profiles.services import user_erase, user_personal_data

TEMPLATE = "profiles/account/index.html"


def personal_data_response(data: dict, *, filename: str) -> JsonResponse:
    """A JSON attachment that no cache keeps: used here and by the admin's export action."""
    response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, {"form": AccountDeleteForm(user=request.user)})


@never_cache
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    user = request.user
    filename = f"khub-data-{user.handle}-{timezone.localdate():%Y-%m-%d}.json"
    return personal_data_response(user_personal_data(user=user), filename=filename)


@require_POST
def delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST, user=request.user, request=request)
    if not form.is_valid():
        return render(request, TEMPLATE, {"form": form})
    user_erase(user=request.user, by=request.user)
    logout(request)
    # After logout: the session is gone, so the message travels in the cookie storage.
    messages.success(request, "Your account has been deleted")
    return redirect("home")
