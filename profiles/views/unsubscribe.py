"""/unsubscribe/<token>/: the one-click unsubscribe in every email the hub sends (RFC 8058).

It works signed out: the signed token is the member's authority. A GET shows a confirmation button (mail
scanners follow links; they must not unsubscribe anyone); a POST, from that button or from a mail
provider's one-click request (`List-Unsubscribe=One-Click`, with no CSRF token), unsubscribes.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from profiles.emails import Unsubscribe, unsubscribe_read
from profiles.services import unsubscribe_apply


@login_not_required
@csrf_exempt  # RFC 8058: the provider POSTs without a session or token; the signature is the check
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token)
    if found is None:
        return render(request, "profiles/unsubscribe/invalid.html", status=400)
    user, kind = found
    context = {"what": Unsubscribe(kind).label, "kind": kind, "token": token}
    if request.method == "GET":
        return render(request, "profiles/unsubscribe/confirm.html", context)
    unsubscribe_apply(user=user, kind=kind)
    return render(request, "profiles/unsubscribe/done.html", context)
