from django.urls import path

from library.views import attachments, files, guides, pages

app_name = "library"

LIBRARY = "communities/<slug:slug>/library/"
DOCUMENT = f"{LIBRARY}documents/<int:document_id>/"
GUIDE = f"{LIBRARY}pages/<slug:guide_slug>/"

urlpatterns = [
    # The library and its documents (library/views/pages.py).
    path(LIBRARY, pages.library, name="index"),
    path(f"{LIBRARY}upload/", pages.upload, name="upload"),
    path(f"{LIBRARY}folders/new/", pages.folder_create, name="folder-create"),
    path(DOCUMENT, pages.document, name="document"),
    path(f"{DOCUMENT}edit/", pages.document_edit, name="document-edit"),
    path(f"{DOCUMENT}versions/new/", pages.version_upload, name="version-upload"),
    path(f"{DOCUMENT}remove/", pages.document_remove, name="document-remove"),
    # Downloads, permission-checked on every request (library/views/files.py).
    path(f"{DOCUMENT}download/", files.download, name="download"),
    path(f"{DOCUMENT}versions/<int:number>/download/", files.version_download, name="version-download"),
    # Living guides (library/views/guides.py).
    path(f"{LIBRARY}pages/new/", guides.create, name="guide-create"),
    path(GUIDE, guides.guide, name="guide"),
    path(f"{GUIDE}edit/", guides.edit, name="guide-edit"),
    path(f"{GUIDE}history/", guides.history, name="guide-history"),
    path(f"{GUIDE}diff/", guides.diff, name="guide-diff"),
    path(f"{GUIDE}revisions/<int:number>/", guides.revision, name="guide-revision"),
    path(f"{GUIDE}revisions/<int:number>/restore/", guides.restore, name="guide-restore"),
    path(f"{GUIDE}lock/", guides.lock, name="guide-lock"),
    path(f"{GUIDE}remove/", guides.remove, name="guide-remove"),
    # Documents attached to a conversation or a practice story (library/views/attachments.py):
    # target is "conversation" or "story".
    path("library/attach/<str:target>/<int:target_id>/", attachments.attach, name="attach"),
    path("library/attachments/<int:attachment_id>/detach/", attachments.detach, name="detach"),
]
