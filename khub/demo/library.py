"""The demo libraries (data/library.yaml), after the events: documents in six communities (one of them
private, to show that its library does not exist for outsiders), a few in folders, all tagged, one with two
versions; and two living guides written over weeks by several members, each save a revision with its note.

Each document's file is built at seed time (khub/demo/documents.py: a PDF with real text, a Word document,
an Excel workbook; CSV and plain text as they are) and uploaded through library.services.documents as a
member uploads one, so its type is sniffed from its content, its name cleaned, the community's quota kept;
then the uploads and downloads are dated. The text of every file is read before the seed ends
(library.services.extraction, the sweep a worker runs), so the demo's documents are found by what they say
whether or not a worker is running.

There is no guide service to call: the guides are written as the models keep them (each revision's full text,
the guide's body and its HTML rendered as core.markdown renders it, revision_count, last edited by and at).
Once only: a document whose title its library already has, or a guide whose address it has, is left alone.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from communities.models import Community
from core.markdown import markdown_render
from khub.demo.documents import pdf_file, spreadsheet_file, word_file
from khub.demo.files import read
from khub.demo.people import Cast, Key
from library.models import Document, DocumentVersion, Folder, Guide, GuideRevision
from library.services.documents import document_add_version, document_upload, folder_create
from library.services.extraction import extract_due

UPLOAD_HOUR = timedelta(hours=10)  # uploads and edits dated in the working day, `days` before the seed


@dataclass(frozen=True)
class DemoFile:
    name: str
    heading: str = ""
    paragraphs: tuple[str, ...] = ()
    sheets: dict = field(default_factory=dict)
    text: str = ""

    def content(self) -> bytes:
        """The file's bytes, built as its extension says."""
        extension = self.name.rsplit(".", 1)[-1]
        if extension == "pdf":
            return pdf_file(self.heading, list(self.paragraphs))
        if extension == "docx":
            return word_file(self.heading, list(self.paragraphs))
        if extension == "xlsx":
            return spreadsheet_file(self.sheets)
        if extension in ("csv", "txt"):
            return self.text.encode()
        raise ValueError(f"library.yaml: {self.name}: no demo file is built for .{extension}")


@dataclass(frozen=True)
class DemoVersion:
    by: Key
    days: float
    file: DemoFile
    note: str = ""


@dataclass(frozen=True)
class DemoDocument:
    community: str
    title: str
    by: Key
    days: float
    file: DemoFile
    description: str = ""
    folder: str = ""
    tags: tuple[str, ...] = ()
    downloads: int = 0
    versions: tuple[DemoVersion, ...] = ()


@dataclass(frozen=True)
class DemoRevision:
    by: Key
    days: float
    note: str = ""
    body: str = ""
    replace: tuple[tuple[str, str], ...] = ()
    append: str = ""

    def applied_to(self, text: str) -> str:
        """The guide's text after this revision: its body for the first, else `text` with its changes."""
        if self.body:
            return self.body
        for old, new in self.replace:
            if text.count(old) != 1:
                raise ValueError(f"library.yaml: {old!r} is not found once in the guide's text")
            text = text.replace(old, new)
        return f"{text}\n\n{self.append.strip()}" if self.append else text


@dataclass(frozen=True)
class DemoGuide:
    community: str
    title: str
    revisions: tuple[DemoRevision, ...]

    @property
    def slug(self) -> str:
        return slugify(self.title)[: Guide._meta.get_field("slug").max_length].strip("-")


def _file(record: dict) -> DemoFile:
    return DemoFile(**{**record, "paragraphs": tuple(record.get("paragraphs", ()))})


def _document(community: str, record: dict) -> DemoDocument:
    versions = tuple(
        DemoVersion(**{**version, "file": _file(version["file"])}) for version in record.get("versions", ())
    )
    return DemoDocument(
        **{
            **record,
            "community": community,
            "file": _file(record["file"]),
            "tags": tuple(record.get("tags", ())),
            "versions": versions,
        }
    )


def _guide(community: str, record: dict) -> DemoGuide:
    for revision in record["revisions"]:
        if any(len(pair) != 2 for pair in revision.get("replace", ())):  # a comma unquoted in YAML's [a, b]
            raise ValueError(f"library.yaml: {record['title']}: each replace is an [old, new] pair")
    revisions = tuple(
        DemoRevision(**{**revision, "replace": tuple(tuple(pair) for pair in revision.get("replace", ()))})
        for revision in record["revisions"]
    )
    if not revisions[0].body:
        raise ValueError(f"library.yaml: {record['title']}: the first revision needs its body")
    return DemoGuide(community=community, title=record["title"], revisions=revisions)


_LIBRARIES = read("library")
DOCUMENTS = [
    _document(community, record)
    for community, library in _LIBRARIES.items()
    for record in library.get("documents", ())
]
GUIDES = [
    _guide(community, record)
    for community, library in _LIBRARIES.items()
    for record in library.get("guides", ())
]


def seeded_at(days: float, now: datetime) -> datetime:
    """`days` before `now`, in the working day (at most an hour ago)."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return min(midnight - timedelta(days=days) + UPLOAD_HOUR, now - timedelta(hours=1))


@transaction.atomic
def seed_library() -> tuple[int, int]:
    """Upload the demo documents and write the demo guides that do not exist yet, read every file's text;
    returns how many demo documents and guides there are."""
    now = timezone.now()
    cast = Cast.load()
    names = {spec.community for spec in DOCUMENTS} | {spec.community for spec in GUIDES}
    communities = {
        community.name: community
        for community in Community.objects.filter(slug__in={slugify(n) for n in names})
    }
    existing = set(
        Document.objects.filter(community__in=communities.values()).values_list("community__name", "title")
    )
    for spec in DOCUMENTS:
        if spec.community in communities and (spec.community, spec.title) not in existing:
            _seed_document(spec, community=communities[spec.community], cast=cast, now=now)
    extract_due(most=len(DOCUMENTS) * 3)  # every version's text, now (a worker would, after the commit)
    for spec in GUIDES:
        community = communities.get(spec.community)
        if community and not Guide.objects.filter(community=community, slug=spec.slug).exists():
            _seed_guide(spec, community=community, cast=cast, now=now)
    titles = Q()
    for spec in DOCUMENTS:
        titles |= Q(community__name=spec.community, title=spec.title)
    guides = Q()
    for spec in GUIDES:
        guides |= Q(community__name=spec.community, slug=spec.slug)
    return Document.objects.filter(titles).count(), Guide.objects.filter(guides).count()


def _upload(spec: DemoFile) -> SimpleUploadedFile:
    return SimpleUploadedFile(spec.name, spec.content())


def _folder(community: Community, name: str, *, user, when: datetime) -> Folder | None:
    if not name:
        return None
    folder = Folder.objects.filter(community=community, name__iexact=name).first()
    if folder is None:
        folder = folder_create(user=user, community=community, name=name)
        Folder.objects.filter(pk=folder.pk).update(created_at=when)
    return folder


def _seed_document(spec: DemoDocument, *, community: Community, cast: Cast, now: datetime) -> Document:
    uploader = cast.person(spec.by)
    uploaded = seeded_at(spec.days, now)
    document = document_upload(
        user=uploader,
        community=community,
        file=_upload(spec.file),
        title=spec.title,
        description=spec.description,
        folder=_folder(community, spec.folder, user=uploader, when=uploaded),
        tags=list(spec.tags),
    )
    DocumentVersion.objects.filter(document=document, number=1).update(created_at=uploaded)
    latest = uploaded
    for later in spec.versions:
        version = document_add_version(
            user=cast.person(later.by), document=document, file=_upload(later.file), note=later.note
        )
        latest = seeded_at(later.days, now)
        DocumentVersion.objects.filter(pk=version.pk).update(created_at=latest)
    Document.objects.filter(pk=document.pk).update(
        created_at=uploaded, updated_at=latest, download_count=spec.downloads
    )
    return document


def _seed_guide(spec: DemoGuide, *, community: Community, cast: Cast, now: datetime) -> Guide:
    """The guide as its revisions leave it, each revision's full text kept, in the order they were saved."""
    first, last = spec.revisions[0], spec.revisions[-1]
    texts, text = [], ""
    for revision in spec.revisions:
        text = revision.applied_to(text)
        texts.append(text)
    guide = Guide.objects.create(
        community=community,
        slug=spec.slug,
        title=spec.title,
        body=texts[-1],
        body_html=markdown_render(texts[-1]),
        revision_count=len(spec.revisions),
        created_by=cast.person(first.by),
        created_at=seeded_at(first.days, now),
        last_edited_by=cast.person(last.by),
        last_edited_at=seeded_at(last.days, now),
    )
    GuideRevision.objects.bulk_create(
        GuideRevision(
            guide=guide,
            number=number,
            title=spec.title,
            body=body,
            note=revision.note,
            author=cast.person(revision.by),
            created_at=seeded_at(revision.days, now),
        )
        for number, (revision, body) in enumerate(zip(spec.revisions, texts, strict=True), start=1)
    )
    return guide
