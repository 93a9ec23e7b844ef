"""The forms of the library pages. Plain Forms: the services (library.services.documents) check again and
save, so a form only parses what was sent; a ValidationError from a service is shown beside the field it
names (core.forms.add_service_errors), and the fields carry the services' names (file, title, folder...).

A file's type, emptiness and the library's quota are the services' to decide (library.files); a file larger
than the limit never reaches the form whole: the upload handler (library.views.pages.UploadLimit) drops it
while it is being received and the form says why.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from core.forms import CHARACTER_COUNT, LongSelect, max_length_error
from library import selectors
from library.files import ACCEPTED
from library.models import DESCRIPTION_MAX_LENGTH, NOTE_MAX_LENGTH, TITLE_MAX_LENGTH, Folder, Kind
from library.selectors import DEFAULT_SORT, SORTS
from library.services.documents import FOLDER_NAME_MAX_LENGTH
from profiles.forms import TagListField

# The accept attribute of the file input: a hint to the browser's picker only (the content decides).
ACCEPT = ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.csv,.txt,.png,.jpg,.jpeg"


def too_large_message() -> str:
    return f"The selected file must be smaller than {filesizeformat(settings.LIBRARY_MAX_UPLOAD_BYTES)}."


class LibraryFileField(forms.FileField):
    """The GOV.UK file upload: "Select a file" when none was chosen; every other check is the service's."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", "Select a file")
        kwargs["error_messages"].setdefault(
            "invalid", "The selected file could not be read. Upload it again."
        )
        kwargs["error_messages"].setdefault("empty", "The selected file is empty.")
        kwargs.setdefault("max_length", None)  # the name is cleaned by the service, whatever its length
        kwargs.setdefault("allow_empty_file", True)  # the service says so, with the other problems
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)


class FileForm(forms.Form):
    """A form with a file: `too_large` when the upload handler dropped a file over the limit, so the form
    says that rather than "Select a file"."""

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        if too_large:
            self.fields["file"].required = False

    def clean_file(self):
        if self.too_large:
            raise forms.ValidationError(too_large_message())
        return self.cleaned_data.get("file")


def _title_field() -> forms.CharField:
    return forms.CharField(
        label="Title",
        max_length=TITLE_MAX_LENGTH,
        help_text="What it is, in a few words. For example: Business case template for shared services.",
        error_messages={"required": "Enter a title", **max_length_error("The title")},
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )


def _description_field() -> forms.CharField:
    return forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text="What is in it, who wrote it and when it is useful.",
        error_messages=max_length_error("The description"),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "true"}),
        template_name=CHARACTER_COUNT,
    )


def _folder_field(folders: list[Folder]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label="Folder (optional)",
        required=False,
        choices=[("", "No folder"), *((str(folder.pk), folder.name) for folder in folders)],
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Select a folder from the list"},
    )


def _tags_field() -> TagListField:
    return TagListField(
        noun="tag",
        label="Tags (optional)",
        help_text="Help people find it, for example: procurement, housing. Separate tags with commas.",
    )


class DocumentDetailsForm(forms.Form):
    """What a document is called and where it is filed: its title, description, folder and tags."""

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.folders = {folder.pk: folder for folder in selectors.folders(community=community)}
        self.fields["title"] = _title_field()
        self.fields["description"] = _description_field()
        self.fields["folder"] = _folder_field(list(self.folders.values()))
        self.fields["tags"] = _tags_field()

    def values(self) -> dict:
        """The cleaned fields as library.services.documents takes them."""
        data = self.cleaned_data
        return {
            "title": data.get("title") or "",
            "description": data.get("description") or "",
            "folder": self.folders.get(data.get("folder")),
            "tags": data.get("tags") or [],
        }

    @staticmethod
    def initial_for(document) -> dict:
        return {
            "title": document.title,
            "description": document.description,
            "folder": document.folder_id,
            "tags": sorted(document.tags.names(), key=str.lower),
        }


class UploadForm(FileForm, DocumentDetailsForm):
    file = LibraryFileField(
        label="Upload a file",
        help_text=f"A {ACCEPTED} file.",
    )
    field_order = ["file", "title", "description", "folder", "tags"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "file"
        ].help_text = f"A {ACCEPTED} file, smaller than {filesizeformat(settings.LIBRARY_MAX_UPLOAD_BYTES)}."
        self.order_fields(self.field_order)


class VersionForm(FileForm):
    file = LibraryFileField(label="Upload the new version")
    note = forms.CharField(
        label="What changed (optional)",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text="For example: figures updated for 2025 to 2026.",
        error_messages=max_length_error("What changed"),
        widget=forms.TextInput(attrs={"spellcheck": "true"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"A {ACCEPTED} file, smaller than {filesizeformat(settings.LIBRARY_MAX_UPLOAD_BYTES)}. "
            "It becomes the version everyone downloads; the earlier ones stay on the document's page."
        )


class RemoveForm(forms.Form):
    reason = forms.CharField(
        label="Why are you removing it?",
        max_length=2000,
        help_text="It goes in the community's moderation log, with the document's title.",
        error_messages={
            "required": "Enter why you are removing this document",
            **max_length_error("The reason"),
        },
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "true"}),
        template_name=CHARACTER_COUNT,
    )


class FolderForm(forms.Form):
    name = forms.CharField(
        label="Folder name",
        max_length=FOLDER_NAME_MAX_LENGTH,
        help_text="For example: Business cases.",
        error_messages={"required": "Enter a name for the folder", **max_length_error("The name")},
    )


class LibraryFilterForm(forms.Form):
    """The library's sort and filters, from the query string: none is required; a bad value is ignored and
    the others still apply."""

    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(key, label) for key, (label, _order) in SORTS.items()],
    )
    kind = forms.ChoiceField(label="Type", required=False, choices=[("", "Any type"), *Kind.choices])
    tag = forms.ChoiceField(label="Tag", required=False, widget=LongSelect)
    folder = forms.TypedChoiceField(label="Folder", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, tags=(), folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "Any tag"), *((tag.slug, tag.name) for tag in tags)]
        self.fields["folder"].choices = [("", "All folders"), *((str(f.pk), f.name) for f in folders)]
        self.folders = {folder.pk: folder for folder in folders}

    def filters(self) -> dict:
        """The valid filters only, as library.selectors.community_documents takes them."""
        if not self.is_bound:
            return {"sort": DEFAULT_SORT}
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return {
            "sort": data.get("sort") or DEFAULT_SORT,
            "kind": data.get("kind") or "",
            "tag": data.get("tag") or "",
            "folder": self.folders.get(data.get("folder")),
        }
