"""Community libraries for the generated datasets (benchmarks/pages.py with bulk_create,
benchmarks/national.py with COPY): planned here once, as plain values, so both hubs hold the same shape
of library.

- a busy library of `busy_documents` documents (5,000) in `folders` folders (20; one in ten documents
  left outside any folder), of every kind, tagged, with download counts of a long tail (most a handful,
  a few thousands) and one document in eight with later versions;
- `documents` in all (50,000 at the national size) with extracted text of `paragraphs` paragraphs from
  the dataset's own Writer (so a search for one of its words finds them as it finds posts): the rest
  spread over every community with Zipf popularity; images have no text, one file in fifty failed to be
  read (scanned) and is found by its title only;
- a guide in the busy community with `guide_revisions` revisions (500), each changing a section, adding one
  or taking one out, by members of the community with their notes; and a small guide in one community in
  ten with a few revisions.

Every version's file is one small real file of its kind written once into the default storage
(`sample_files`: MEDIA_ROOT, or the S3 bucket), so a download serves a real file; the sizes and sha256 are
those of the sample. (Not named library.py: the scripts run with benchmarks/ first on sys.path, where a
library module would hide the app.)
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from benchmarks.bulk import LOCAL_GOV, PLACES, zipf_cum

# Kinds in the proportions a council's shared drive has them.
KINDS = ("pdf", "docx", "xlsx", "pptx", "csv", "txt", "png")
KIND_WEIGHTS = (40, 24, 14, 10, 4, 3, 5)
NO_TEXT = frozenset({"png"})
FAILED_SHARE = 0.02  # scanned PDFs and damaged files: stored, found by title
FOLDER_NAMES = (
    "Business cases", "Templates", "Procurement", "Workshop slides", "Cost models", "Policies",
    "Guidance", "Case studies", "Data", "Board papers", "Risk registers", "Training", "Consultations",
    "Contracts", "Evaluations", "Strategy", "Performance reports", "Meeting notes", "Research", "Archive",
)  # fmt: skip
TITLES = (
    "{Topic} business case template",
    "{Topic} procurement framework",
    "Workshop slides: {topic}",
    "{Topic} cost model {year}",
    "{Place} {topic} policy (draft)",
    "{Topic}: lessons from our pilot",
    "Board paper: {topic} in {place}",
    "{Topic} risk register",
    "{Topic} data sharing agreement",
    "Evaluation of {topic} in {place}",
    "{Topic} service specification",
    "{Topic} equality impact assessment",
)
NOTES = (
    "Updated figures for this year",
    "Corrected the totals",
    "Comments from the board added",
    "New section on risks",
    "Tidied the wording",
    "Final version",
)
GUIDE_NOTES = (
    "Tightened the wording",
    "Added what we learnt at the last meeting",
    "Fixed a broken link",
    "New section from our pilot",
    "Removed advice that is out of date",
    "Updated for the new guidance",
    "Typos",
    "Clearer steps",
)


@dataclass
class PlannedFolder:
    community: int
    name: str
    created_at: datetime


@dataclass
class PlannedVersion:
    uploader: int
    created_at: datetime
    note: str = ""


@dataclass
class PlannedDocument:
    community: int
    folder: int | None  # its folder's number in LibraryPlan.folders, from 1 (the folders' ids)
    title: str
    uploader: int
    kind: str
    text_state: str  # of every version: extracted, failed or none (an image)
    paragraphs: int  # of extracted text, written by the loader (50,000 documents' text is not held here)
    download_count: int
    tags: tuple[int, ...]  # indices into the loader's tags
    versions: list[PlannedVersion]

    @property
    def created_at(self) -> datetime:
        return self.versions[0].created_at

    @property
    def updated_at(self) -> datetime:
        return self.versions[-1].created_at

    @property
    def text_error(self) -> str:
        return (
            "The file could not be read; its text was not extracted." if self.text_state == "failed" else ""
        )


@dataclass
class PlannedRevision:
    number: int
    author: int
    created_at: datetime
    note: str
    title: str
    body: str


@dataclass
class PlannedGuide:
    community: int
    slug: str
    title: str
    revisions: list[PlannedRevision] = field(default_factory=list)

    @property
    def newest(self) -> PlannedRevision:
        return self.revisions[-1]


@dataclass
class LibraryPlan:
    folders: list[PlannedFolder]
    documents: list[PlannedDocument]  # in id order, from 1
    guides: list[PlannedGuide]  # in id order, from 1; the busy one first

    @property
    def version_count(self) -> int:
        return sum(len(document.versions) for document in self.documents)


def _title(rng: random.Random, number: int) -> str:
    topic = LOCAL_GOV[rng.randrange(len(LOCAL_GOV))]
    title = TITLES[number % len(TITLES)].format(
        topic=topic,
        Topic=topic[0].upper() + topic[1:],
        place=PLACES[rng.randrange(len(PLACES))],
        Place=PLACES[rng.randrange(len(PLACES))],
        year=f"{2020 + number % 6}/{21 + number % 6}",
    )
    return title


def _downloads(rng: random.Random) -> int:
    """A long tail: most documents a handful of downloads, a few thousands."""
    return min(20_000, int(rng.paretovariate(1.1)) - 1 + rng.randrange(4))


def _document(
    rng: random.Random,
    *,
    number: int,
    community: int,
    folder: int | None,
    members: list[int],
    now: datetime,
    tag_cum: list[float],
    paragraphs: tuple[int, int],
) -> PlannedDocument:
    kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    state = "none" if kind in NO_TEXT else "failed" if rng.random() < FAILED_SHARE else "extracted"
    uploaded = now - timedelta(days=rng.uniform(1, 730))
    versions = [PlannedVersion(rng.choice(members), uploaded)]
    if number % 8 == 3:  # one in eight has later versions
        for _ in range(rng.randint(1, 3)):
            uploaded += (now - uploaded) * rng.uniform(0.05, 0.5)
            versions.append(PlannedVersion(rng.choice(members), uploaded, rng.choice(NOTES)))
    tags = sorted(
        {rng.choices(range(len(tag_cum)), cum_weights=tag_cum)[0] for _ in range(rng.randint(0, 3))}
    )
    return PlannedDocument(
        community=community,
        folder=folder,
        title=_title(rng, number),
        uploader=versions[0].uploader,
        kind=kind,
        text_state=state,
        paragraphs=rng.randint(*paragraphs) if state == "extracted" else 0,
        download_count=_downloads(rng),
        tags=tuple(tags),
        versions=versions,
    )


def _sections(write: Callable[[int], list[str]], rng: random.Random, count: int) -> list[str]:
    return [
        f"## {_title(rng, rng.randrange(100))}\n\n" + "\n\n".join(write(rng.randint(1, 2)))
        for _ in range(count)
    ]


def _guide(
    rng: random.Random,
    *,
    community: int,
    members: list[int],
    revisions: int,
    since: datetime,
    now: datetime,
    write: Callable[[int], list[str]],
    title: str,
) -> PlannedGuide:
    """A guide whose text changes with each revision: a section rewritten (most often), one added, or one
    taken out; each revision's full text kept, as the services keep it."""
    from django.utils.text import slugify

    guide = PlannedGuide(community=community, slug=slugify(title)[:100].strip("-"), title=title)
    sections = _sections(write, rng, 6)
    step = (now - since) / (revisions + 1)
    when = since
    for number in range(1, revisions + 1):
        if number > 1:
            roll = rng.random()
            if roll < 0.2 and len(sections) < 24:
                sections.insert(rng.randrange(len(sections) + 1), *_sections(write, rng, 1))
            elif roll < 0.27 and len(sections) > 4:
                sections.pop(rng.randrange(len(sections)))
            else:
                index = rng.randrange(len(sections))
                heading = sections[index].split("\n\n", 1)[0]
                sections[index] = heading + "\n\n" + "\n\n".join(write(rng.randint(1, 2)))
        when += step * rng.uniform(0.5, 1.5)
        when = min(when, now - timedelta(minutes=revisions - number + 1))
        guide.revisions.append(
            PlannedRevision(
                number=number,
                author=rng.choice(members),
                created_at=when,
                note="First version" if number == 1 else rng.choice(GUIDE_NOTES),
                title=title,
                body="\n\n".join(sections),
            )
        )
    return guide


def plan_library(
    rng: random.Random,
    *,
    now: datetime,
    members_of: dict[int, list[int]],
    busy: int,
    write: Callable[[int], list[str]],
    tags: int,
    documents: int = 50_000,
    busy_documents: int = 5_000,
    folders: int = 20,
    guide_revisions: int = 500,
    paragraphs: tuple[int, int] = (3, 12),
) -> LibraryPlan:
    """Every folder, document and guide, in the order they are written (ids follow). members_of holds each
    community's members who take part (uploaders and authors are drawn from them); `write(n)` returns n
    paragraphs of the dataset's text; `tags` is how many tags the loader offers (indices drawn Zipf-wise).
    `documents` counts them all, the busy library's among them (at least `busy_documents` are made)."""
    tag_cum = zipf_cum(tags, 1.0)
    folder_rows = [
        PlannedFolder(busy, FOLDER_NAMES[n % len(FOLDER_NAMES)], now - timedelta(days=740 - n))
        for n in range(folders)
    ]
    planned = []
    busy_members = members_of[busy]
    for number in range(busy_documents):
        folder = None if number % 10 == 9 else 1 + rng.randrange(folders)
        planned.append(
            _document(
                rng, number=number, community=busy, folder=folder, members=busy_members, now=now,
                tag_cum=tag_cum, paragraphs=paragraphs,
            )
        )  # fmt: skip
    others = [community for community in sorted(members_of) if community != busy and members_of[community]]
    community_cum = zipf_cum(len(others), 0.8)
    for number in range(busy_documents, max(documents, busy_documents)):
        community = others[rng.choices(range(len(others)), cum_weights=community_cum)[0]]
        planned.append(
            _document(
                rng, number=number, community=community, folder=None, members=members_of[community], now=now,
                tag_cum=tag_cum, paragraphs=paragraphs,
            )
        )  # fmt: skip
    guides = [
        _guide(
            rng, community=busy, members=busy_members, revisions=guide_revisions,
            since=now - timedelta(days=700), now=now, write=write,
            title="How we run our shared services: the working guide",
        )
    ]  # fmt: skip
    for community in others[::10]:
        guides.append(
            _guide(
                rng, community=community, members=members_of[community], revisions=rng.randint(1, 6),
                since=now - timedelta(days=rng.randint(30, 400)), now=now, write=write,
                title=f"Our guide to {LOCAL_GOV[community % len(LOCAL_GOV)]}",
            )
        )  # fmt: skip
    return LibraryPlan(folders=folder_rows, documents=planned, guides=guides)


@dataclass(frozen=True)
class SampleFile:
    name: str  # in the default storage
    kind: str
    content_type: str
    size: int
    sha256: str


def _sample_bytes(kind: str) -> bytes:
    import io

    from khub.demo.documents import pdf_file, spreadsheet_file, word_file

    heading = "Benchmark document"
    paragraphs = ["A small real file that every generated version of its kind points to."] * 3
    if kind == "pdf":
        return pdf_file(heading, paragraphs)
    if kind == "docx":
        return word_file(heading, paragraphs)
    if kind == "xlsx":
        return spreadsheet_file({"Costs": [["Item", "Cost"], ["Crews", 142000], ["Vehicles", 38000]]})
    if kind == "pptx":
        import pptx

        deck = pptx.Presentation()
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = heading
        slide.placeholders[1].text = paragraphs[0]
        out = io.BytesIO()
        deck.save(out)
        return out.getvalue()
    if kind == "csv":
        return b"Ward,Households,Tonnes\nAbbey,4210,880\nCastle,3985,845\n"
    if kind == "txt":
        return f"{heading}\n\n{paragraphs[0]}\n".encode()
    if kind == "png":
        from PIL import Image

        out = io.BytesIO()
        Image.new("RGB", (40, 30), "teal").save(out, format="PNG")
        return out.getvalue()
    raise ValueError(kind)


def sample_files() -> dict[str, SampleFile]:
    """One small real file of each kind in the default storage, under library/benchmark/ (written once;
    kept if there already), described as library.files describes an upload. Django set up."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from library.files import inspect_upload

    samples = {}
    for kind in KINDS:
        data = _sample_bytes(kind)
        upload = ContentFile(data, name=f"sample.{kind}")
        inspected = inspect_upload(upload)
        if inspected.kind != kind:
            raise SystemExit(f"the sample {kind} file is read as {inspected.kind}")
        name = f"library/benchmark/{inspected.filename}"
        if default_storage.exists(name):
            default_storage.delete(name)  # another run's, perhaps of other bytes
        stored = default_storage.save(name, ContentFile(data))
        samples[kind] = SampleFile(stored, kind, inspected.content_type, inspected.size, inspected.sha256)
    return samples


def filename_of(document: PlannedDocument) -> str:
    """The name the document's versions are downloaded as: its title as a file name ("2020/21" in a title
    is no folder), cleaned as an upload's name is."""
    from django.utils.text import slugify

    from library.files import clean_filename

    return clean_filename(f"{slugify(document.title)}.{document.kind}", kind=document.kind)
