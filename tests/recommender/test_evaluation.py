import math

import pytest

from recommender.evaluation import Query, metrics, run_systems, summarise


def test_metrics_match_hand_computed_values() -> None:
    grades = {"a": 3, "b": 1, "c": 2}
    got = metrics(["x", "a", "c"], grades)
    dcg = 3 / math.log2(3) + 2 / math.log2(4)
    idcg = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert got["ndcg@10"] == pytest.approx(dcg / idcg)
    assert got["mrr@10"] == pytest.approx(0.5)
    assert got["recall@10"] == pytest.approx(2 / 3)


def test_every_system_answers_and_filters_apply_to_all(recommender) -> None:
    queries = [
        Query("q1", "akta kelahiran bayi", "paraphrase"),
        Query("q2", "ambulans darurat", "filtered", {"level": ["kota"]}),
        Query("q3", "observatorium bintang", "keywords"),
    ]
    qrels = {"q1": {"akta-lahir-gamma": 3}, "q2": {"psc-119-beta": 2}}
    run = run_systems(recommender, queries)
    summary = summarise(run, queries, qrels)
    assert set(summary["systems"]) == {"tfidf", "bm25", "dense", "hybrid", "full"}
    for system in summary["systems"]:
        assert "psc-119-alpha" not in run.ranked[system]["q2"]  # a kabupaten innovation
    assert summary["systems"]["full"]["by_kind"]["paraphrase"]["mrr@10"] == 1.0
    assert [q["id"] for q in summary["no_relevant"]] == ["q3"]
