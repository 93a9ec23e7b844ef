"""FOUNDATION scaffold: each view is replaced by the pages' work."""

from django.http import HttpResponse


def _scaffold(request, **kwargs):
    return HttpResponse("Not built yet", status=501)


ask = similar = people = pass_question = suggest = _scaffold
