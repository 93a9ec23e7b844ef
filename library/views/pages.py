"""Scaffold: replaced by the helper that owns this module."""

from django.http import Http404


def library(request, **kwargs):
    raise Http404("Not built yet")


def upload(request, **kwargs):
    raise Http404("Not built yet")


def folder_create(request, **kwargs):
    raise Http404("Not built yet")


def document(request, **kwargs):
    raise Http404("Not built yet")


def document_edit(request, **kwargs):
    raise Http404("Not built yet")


def version_upload(request, **kwargs):
    raise Http404("Not built yet")


def document_remove(request, **kwargs):
    raise Http404("Not built yet")
