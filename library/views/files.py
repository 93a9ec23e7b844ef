"""Scaffold: replaced by the helper that owns this module."""

from django.http import Http404


def download(request, **kwargs):
    raise Http404("Not built yet")


def version_download(request, **kwargs):
    raise Http404("Not built yet")
