"""Attaching library documents to a conversation or a practice story (library:attach) and taking one off
(library:detach), for those who may change the target (library.permissions): pick a document from a library
they may read (the target's community's by default; searched by title; paginated), or upload a new one into
the target's community library. Without JavaScript every form posts and redirects.

The forms live here, beside the one page that uses them.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from communities.models import Community, Thread
from communities.permissions import member_community_ids
from core.forms import add_service_errors
from core.pagination import paginate
from core.providers.attachments import CONVERSATION, STORY
from library import permissions
from library.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Attachment
from library.services.attachments import (
    attachment_add,
    attachment_remove,
    attachment_upload,
    check_attach,
    target_attachments,
)
from practice.models import PracticeStory

PAGE_SIZE = 20


class PickForm(forms.Form):
    """Which library to pick from and the words of the title looked for (GET)."""

    library = forms.ChoiceField(label="Library", required=False)
    q = forms.CharField(label="Search by title", required=False, max_length=200)

    def __init__(self, *args, libraries: list[Community], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].choices = [(community.slug, community.name) for community in libraries]
        self.fields["library"].error_messages["invalid_choice"] = "Select a library you can read"


class UploadForm(forms.Form):
    file = forms.FileField(label="File", error_messages={"required": "Select a file to upload"})
    title = forms.CharField(
        label="Title",
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": "Enter a title for the document"},
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea,
    )


def _target(request: HttpRequest, target: str, target_id: int):
    """The conversation or story, if the viewer may attach to it: 404 where they may not read it (or it does
    not exist), 403 where they may read but not change it."""
    if target == CONVERSATION:
        obj = Thread.objects.select_related("community").filter(pk=target_id).first()
    elif target == STORY:
        obj = PracticeStory.objects.select_related("community").filter(pk=target_id).first()
    else:
        raise Http404("No such page")
    if obj is None:
        raise Http404("No such page")
    check_attach(user=request.user, target=target, obj=obj)
    return obj


def _libraries(user, home: Community) -> list[Community]:
    """The target's community first, then the other communities the viewer takes part in, by name."""
    others = (
        Community.objects.filter(pk__in=member_community_ids(user))
        .exclude(pk=home.pk)
        .only("name", "slug", "visibility")
        .order_by(Lower("name"), "pk")
    )
    return [home, *others]


def _pick(request: HttpRequest, obj, libraries: list[Community]):
    """The library chosen and its documents matching the title search, a page of them; an invalid choice
    gives the form's error and no documents."""
    form = PickForm(request.GET or None, libraries=libraries)
    if request.GET and not form.is_valid():
        return form, None, None
    data = form.cleaned_data if request.GET else {}
    slug = data.get("library") or obj.community.slug
    library = next(community for community in libraries if community.slug == slug)
    documents = permissions.readable_documents(request.user).filter(community=library)
    for word in (data.get("q") or "").split():
        documents = documents.filter(title__icontains=word)
    # The library_doc_name index (community, lower(title), id) serves the order.
    documents = documents.only("title", "kind", "size", "updated_at").order_by(Lower("title"), "pk")
    return form, library, paginate(documents, request.GET.get("page"), PAGE_SIZE)


def _page(request: HttpRequest, target: str, obj, *, upload_form=None, attach_error: str = "", status=200):
    libraries = _libraries(request.user, obj.community)
    form, library, page = _pick(request, obj, libraries)
    attached = set(target_attachments(target=target, obj=obj).values_list("document_id", flat=True))
    context = {
        "target": target,
        "obj": obj,
        "target_name": "conversation" if target == CONVERSATION else "story",
        "pick_form": form,
        "library": library,
        "page_obj": page,
        "attached": attached,
        "attach_error": attach_error,
        "can_upload": permissions.can_upload(user=request.user, community=obj.community),
        "upload_form": upload_form or UploadForm(),
    }
    return render(request, "library/attachments/attach.html", context, status=status)


def _attached(request: HttpRequest, obj, title: str) -> HttpResponse:
    messages.success(request, f"“{title}” is attached.")
    return redirect(obj.get_absolute_url())


@require_http_methods(["GET", "POST"])
def attach(request: HttpRequest, target: str, target_id: int) -> HttpResponse:
    obj = _target(request, target, target_id)
    if request.method == "GET":
        return _page(request, target, obj)
    if request.POST.get("action") == "upload":
        upload_form = UploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            try:
                attachment = attachment_upload(
                    user=request.user,
                    target=target,
                    obj=obj,
                    file=upload_form.cleaned_data["file"],
                    title=upload_form.cleaned_data["title"],
                    description=upload_form.cleaned_data["description"],
                )
            except ValidationError as error:
                add_service_errors(upload_form, error)
            else:
                return _attached(request, obj, attachment.document.title)
        return _page(request, target, obj, upload_form=upload_form)
    document = _chosen_document(request)
    if document is None:
        return _page(request, target, obj, attach_error="Select a document from a library you can read")
    try:
        attachment_add(user=request.user, target=target, obj=obj, document=document)
    except ValidationError as error:
        return _page(request, target, obj, attach_error=" ".join(error.messages))
    return _attached(request, obj, document.title)


def _chosen_document(request: HttpRequest):
    try:
        document_id = int(request.POST.get("document", ""))
    except ValueError:
        return None
    return (
        permissions.readable_documents(request.user)
        .filter(pk=document_id)
        .select_related("community")
        .defer("text")
        .first()
    )


@require_POST
def detach(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = (
        Attachment.objects.select_related("thread__community", "story__community", "document__community")
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise Http404("No such attachment")
    obj = attachment.thread or attachment.story
    attachment_remove(user=request.user, attachment=attachment)
    readable = permissions.can_read_document(user=request.user, document=attachment.document)
    what = f"“{attachment.document.title}”" if readable else "The document"
    messages.success(request, f"{what} is no longer attached.")
    return redirect(obj.get_absolute_url())
