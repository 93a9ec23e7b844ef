"""Scaffold: replaced by the helper that owns this module."""

from django.http import Http404


def create(request, **kwargs):
    raise Http404("Not built yet")


def guide(request, **kwargs):
    raise Http404("Not built yet")


def edit(request, **kwargs):
    raise Http404("Not built yet")


def history(request, **kwargs):
    raise Http404("Not built yet")


def diff(request, **kwargs):
    raise Http404("Not built yet")


def revision(request, **kwargs):
    raise Http404("Not built yet")


def restore(request, **kwargs):
    raise Http404("Not built yet")


def lock(request, **kwargs):
    raise Http404("Not built yet")


def remove(request, **kwargs):
    raise Http404("Not built yet")
