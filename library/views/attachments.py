"""Scaffold: replaced by the helper that owns this module."""

from django.http import Http404


def attach(request, **kwargs):
    raise Http404("Not built yet")


def detach(request, **kwargs):
    raise Http404("Not built yet")
