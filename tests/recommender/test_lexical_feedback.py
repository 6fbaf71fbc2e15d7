"""Pseudo-relevance feedback on BM25: English queries only by default, signals untouched."""

from __future__ import annotations

from dataclasses import replace

from recommender.engine import Recommender

ENGLISH = "the ambulance is late in an emergency"


def _off(recommender: Recommender) -> Recommender:
    return recommender.with_config(replace(recommender.config, lexical_feedback_terms=0))


def test_an_english_querys_bm25_reads_feedback_terms(recommender: Recommender) -> None:
    with_feedback = recommender.recommend(ENGLISH, limit=5)
    without = _off(recommender).recommend(ENGLISH, limit=5)
    bm25 = {m.innovation.id: m.components["bm25"] for m in with_feedback.matches}
    before = {m.innovation.id: m.components["bm25"] for m in without.matches}
    # The translated query matches the ambulance entries; feedback adds their other words.
    assert any(bm25[k] > before.get(k, 0.0) for k in bm25)


def test_the_no_match_signals_read_the_querys_own_words(recommender: Recommender) -> None:
    everywhere = recommender.with_config(replace(recommender.config, lexical_feedback_english_only=False))
    for text in (ENGLISH, "ambulans lambat datang saat darurat"):
        with_feedback = everywhere.recommend(text, limit=5)
        without = _off(recommender).recommend(text, limit=5)
        for name in ("dense_cosine", "idf_coverage", "bm25_normalised", "known_share"):
            assert with_feedback.signals[name] == without.signals[name], (text, name)


def test_indonesian_queries_are_untouched_unless_asked(recommender: Recommender) -> None:
    text = "ambulans lambat datang saat darurat"
    shipped = recommender.recommend(text, limit=5)
    off = _off(recommender).recommend(text, limit=5)
    assert [(m.innovation.id, m.score) for m in shipped.matches] == [
        (m.innovation.id, m.score) for m in off.matches
    ]
    everywhere = recommender.with_config(replace(recommender.config, lexical_feedback_english_only=False))
    changed = everywhere.recommend(text, limit=5)
    assert [m.components["bm25"] for m in changed.matches] != [m.components["bm25"] for m in shipped.matches]
