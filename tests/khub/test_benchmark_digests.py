"""benchmarks/digests.py, with a handful of members on the test database: it generates a day, sends every
member's digest once through deliver_chunk into the null mail backend, and refuses SQLite."""

import pytest
from django.core import mail
from django.utils import timezone

from benchmarks import digests as bench
from khub.models import DigestDelivery


@pytest.fixture
def day(db):
    anchor = timezone.now().replace(microsecond=0)
    made = bench.generate(members=60, anchor=anchor, history_days=2)
    return anchor, made


def test_the_benchmark_sends_each_generated_member_one_digest_through_the_null_backend(day):
    anchor, made = day
    assert made["members (daily digest, confirmed address)"] == 60
    assert made["conversations started in the window"] > 0

    run = bench.deliver_all(anchor=anchor, chunk_size=25)

    # Only the 60 recipients: not the weekly, the off or the unconfirmed generated with them.
    assert run["members"] == 60
    assert [chunk["members"] for chunk in run["chunks"]] == [25, 25, 10]
    assert run["result"]["sent"] > 0
    assert run["result"]["sent"] + run["result"]["empty"] == 60
    assert run["rows"] == 60
    assert all(chunk["queries"] > 0 for chunk in run["chunks"])
    assert mail.outbox == []  # the dummy backend, not the test settings' locmem one


def test_a_rerun_of_the_same_day_sends_the_same_digests_again(day):
    anchor, _ = day
    first = bench.deliver_all(anchor=anchor, chunk_size=25)
    second = bench.deliver_all(anchor=anchor, chunk_size=25)

    assert second["result"] == first["result"]
    assert DigestDelivery.objects.filter(period=first["period"]).count() == 60


def test_the_phases_build_and_render_without_writing(day):
    anchor, _ = day
    ids, _ = bench.recipient_ids()
    before = DigestDelivery.objects.count()

    rows = bench.phases(anchor=anchor, ids=ids, chunk_size=25, samples=2)

    assert len(rows) == 2
    assert all(row["sent"] + row["empty"] == row["members"] for row in rows)
    assert rows[0]["build_queries"] > 0
    assert rows[0]["tracemalloc_mb"] > 0
    assert DigestDelivery.objects.count() == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///var/khub.sqlite3", "SQLite is not supported"),
        ("mysql://root@127.0.0.1/khub_bench", "needs a PostgreSQL"),
        ("postgres://postgres@127.0.0.1:5432/khub", "must start with khub_bench"),
    ],
)
def test_the_benchmark_refuses_sqlite_and_databases_it_must_not_drop(url, message):
    with pytest.raises(SystemExit, match=message):
        bench.database_url(url)
