"""Upload-and-extract throughput for a 20-page PDF, through the real code path, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/khub_bench_library_extract \\
        .venv/bin/python benchmarks/library_extract.py [--uploads 100] [--pages 20] [--deflate]

The database (from --database, else DATABASE_URL, else the URL above; its name must start with khub_bench)
is dropped, recreated and migrated; one community with one member is made. --uploads distinct PDFs of
--pages pages each (44 lines, about 450 words, a page of a written report) are built first, with the
minimal-PDF technique of tests/library/helpers.py (one Helvetica font, a content stream per page;
--deflate compresses the streams, as most PDF writers do). Then each is uploaded with
library.services.documents.document_upload, the files going to a temporary MEDIA_ROOT and extraction run
eagerly once the upload commits (CELERY_TASK_ALWAYS_EAGER, as without Redis), so each call is the whole
journey: checks, sha256, the file written, the rows, the commit, the task, the text read and recorded.

It prints uploads per second, the time per upload (p50/p95) and the part of it spent reading the text
(library.extraction.extract_text, p50/p95), the PDF's bytes, the characters extracted and the rate in MB/s.
The first --warm-up uploads are not counted (imports, connections, caches). The machine is shared: the
load average is printed before and after.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scratch_database as scratch  # noqa: E402 -- after the path is set

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/khub_bench_library_extract"
WORDS = " ".join(
    [
        "council residents service housing waste procurement framework budget saving officers community",
        "partnership contract review outcome delivery pilot evidence report transport planning social care",
        "children adults libraries parks licensing revenue benefits digital channel shift demand prevention",
        "homelessness temporary accommodation energy retrofit carbon target governance scrutiny cabinet",
        "approval consultation engagement equality impact assessment risk register milestone timeline",
    ]
).split()
LINES_PER_PAGE = 44
WORDS_PER_LINE = 14  # the most in a line; between 8 and 14, 11 on average


def page_lines(rng: random.Random) -> list[str]:
    lines = []
    for _ in range(LINES_PER_PAGE):
        count = rng.randint(WORDS_PER_LINE - 6, WORDS_PER_LINE)
        lines.append(" ".join(rng.choice(WORDS) for _ in range(count)).capitalize() + ".")
    return lines


def pdf(pages: list[list[str]], *, deflate: bool) -> bytes:
    """A PDF of one page per list of lines (khub.demo.documents, as the demo and the tests build theirs)."""
    from khub.demo.documents import pdf_pages, text_stream  # khub.demo loads models: after django.setup()

    return pdf_pages([text_stream(lines, size=10) for lines in pages], deflate=deflate)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def uploader():
    """A community and a member of it who may upload, made through the services."""
    from communities.services.communities import community_create
    from profiles.models import Council, User

    council = Council.objects.create(
        name="Benchshire Council", slug="benchshire", kind="unitary", region="south_west"
    )
    owner = User.objects.create_user(
        email="owner@benchshire.test",
        password=None,
        display_name="Bench Owner",
        council=council,
        council_linked_via=User.CouncilLink.ADMIN,
    )
    home = community_create(
        creator=owner, name="Benchmark library", description="Documents.", visibility="open"
    )
    return home, owner


def run(*, uploads: int, pages: int, deflate: bool, warm_up: int, seed: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from library import extraction
    from library.models import Document, TextState
    from library.services.documents import document_upload

    rng = random.Random(seed)
    files = [pdf([page_lines(rng) for _ in range(pages)], deflate=deflate) for _ in range(uploads + warm_up)]
    home, member = uploader()
    read_ms: list[float] = []
    real = extraction.extract_text

    def timed(kind, handle, **limits):
        started = time.perf_counter()
        try:
            return real(kind, handle, **limits)
        finally:
            read_ms.append((time.perf_counter() - started) * 1000)

    extraction.extract_text = timed  # library.services.extraction imports it at each call
    total_ms: list[float] = []
    queries = 0
    for number, data in enumerate(files):
        upload = SimpleUploadedFile(f"report-{number}.pdf", data, content_type="application/pdf")
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            document_upload(user=member, community=home, file=upload, title=f"Quarterly report {number}")
            total_ms.append((time.perf_counter() - started) * 1000)
        queries = len(captured)  # the same for every upload; capturing costs microseconds
    extraction.extract_text = real

    total_ms, read_ms = total_ms[warm_up:], read_ms[warm_up:]
    documents = Document.objects.order_by("pk")[warm_up:]
    states = {doc.text_state for doc in documents}
    characters = [len(text) for text in documents.values_list("text", flat=True)]
    if states != {TextState.EXTRACTED}:
        raise SystemExit(f"not every upload was extracted: {states}")
    sizes = [len(data) for data in files[warm_up:]]
    seconds = sum(total_ms) / 1000
    rest = [whole - read for whole, read in zip(total_ms, read_ms, strict=True)]
    print(f"{uploads} uploads of a {pages}-page PDF ({'deflated' if deflate else 'uncompressed'} streams):")
    spread = f"(min {min(sizes):,}, max {max(sizes):,})"
    print(f"  PDF bytes            mean {statistics.mean(sizes):>9,.0f} {spread}")
    print(f"  characters read      mean {statistics.mean(characters):>9,.0f}")
    print(f"  queries per upload        {queries:>9} (the upload, the claim, the read and its record)")
    rate = f"{sum(sizes) / seconds / 1e6:.2f} MB/s"
    print(f"  throughput                {uploads / seconds:>9.1f} uploads/s, {rate}")
    for label, values in (("upload, whole", total_ms), ("of which extraction", read_ms), ("the rest", rest)):
        print(
            f"  {label:<20} p50 {percentile(values, 0.5):>7.1f} ms   p95 {percentile(values, 0.95):>7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", help=f"default: DATABASE_URL, else {DEFAULT_DATABASE}")
    parser.add_argument("--uploads", type=int, default=100)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--deflate", action="store_true", help="compress the page streams (FlateDecode)")
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    url = scratch.database_url(
        args.database, default=DEFAULT_DATABASE, script="benchmarks/library_extract.py", why="PostgreSQL"
    )
    scratch.recreate_database(url)
    scratch.setup_django(url)
    media = tempfile.mkdtemp(prefix="khub-bench-media-")
    try:
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        settings.MEDIA_ROOT = media
        print("Load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        run(
            uploads=args.uploads, pages=args.pages, deflate=args.deflate, warm_up=args.warm_up, seed=args.seed
        )
        print("Load average (1, 5, 15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
