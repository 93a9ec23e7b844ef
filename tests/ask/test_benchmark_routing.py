"""benchmarks/routing.py's evaluation on a tiny hub, in the tests' own database (PostgreSQL: full-text;
SQLite: its tag-overlap fallback): it generates the hub, asks its questions and the ranking beats both
baselines, so the script cannot rot."""

import pytest

from benchmarks import routing as bench

pytestmark = pytest.mark.django_db


def test_the_evaluation_generates_a_hub_asks_its_questions_and_the_ranking_beats_both_baselines():
    hub = bench.generate(topics=6, people=6 * 13 + 220, questions=40, seed=3)
    assert len(hub.questions) == 40
    assert all(len(topic.answerers) == 11 for topic in hub.topics)
    results = bench.evaluate(hub)
    assert set(results) == {"ranking", "expertise tags only", "most active members"}
    ranking = results["ranking"]
    for name, (precision, recall) in results.items():
        assert 0 <= precision <= 1
        assert 0 <= recall <= 1
        if name != "ranking":
            assert ranking[0] > precision
            assert ranking[1] > recall
    table = bench.report(results)
    assert table.splitlines()[0] == "| Method | precision@5 | recall@10 |"
    assert "| ranking |" in table


def test_the_same_seed_gives_the_same_questions():
    first = bench.generate(topics=6, people=6 * 13 + 220, questions=10, seed=5)
    assert [q.title for q in first.questions][:3]
    assert all(q.title.startswith("How do you handle ") for q in first.questions)
