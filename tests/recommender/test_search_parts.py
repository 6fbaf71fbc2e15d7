"""The search state's parts one by one on the tiny catalogue, against brute force or by hand:
the dense mix of whole text and best passage, the dense leg's candidate count, the lexical
feedback's scale, the asker's context bonus, registry updates and the BM25 leg's top rows."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import numpy as np
import pytest

from recommender.engine import Recommender
from recommender.filters import Asker
from recommender.replication import Ledger
from recommender.search import SearchState, _top_allowed

AKTA = "akta-lahir-gamma"  # replicated by Kota Delta and Kabupaten Epsilon


def _query(recommender: Recommender, text: str) -> np.ndarray:
    return recommender.encoders[0].encode_queries([text])[0]


def _oracle_dense(state: SearchState, query: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, ...]:
    """(mix, whole, best passage) by brute force over every passage."""
    snapshot = state.snapshot
    scores = snapshot.dense[0].vectors @ query
    fields = np.array(snapshot.passage_field)
    whole = np.array([scores[(snapshot.passage_doc == d) & (fields == "whole")][0] for d in docs])
    best = np.array([scores[snapshot.passage_doc == d].max() for d in docs])
    w = state.config.whole_weight
    return w * whole + (1 - w) * best, whole, best


@pytest.mark.parametrize("weight", [0.5, 0.25])
def test_the_dense_score_mixes_the_whole_text_and_the_best_passage(
    recommender: Recommender, weight: float
) -> None:
    state = recommender.with_config(replace(recommender.config, whole_weight=weight))._require_state()
    query = _query(recommender, "ambulans darurat di desa")
    for docs in (np.arange(10), np.array([1, 4, 7, 8])):
        mix, whole, best = _oracle_dense(state, query, docs)
        assert (best > whole + 1e-3).any()  # some passage beats its whole text
        np.testing.assert_allclose(state.dense_scores(0, query, docs), mix, rtol=1e-5, atol=1e-6)
        got = state._dense(0, query, docs)
        np.testing.assert_allclose(got[1], whole, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got[2], best, rtol=1e-5, atol=1e-6)
    assert state.dense_scores(0, query, np.zeros(0, np.int64)).shape == (0,)


def test_the_dense_leg_proposes_the_documents_of_twice_candidates_per_leg_passages(
    recommender: Recommender,
) -> None:
    state = recommender.with_config(replace(recommender.config, candidates_per_leg=2))._require_state()
    query = _query(recommender, "bank sampah plastik")
    order = np.argsort(-(state.snapshot.dense[0].vectors @ query), kind="stable")
    docs = state.snapshot.passage_doc[order]
    expected = sorted(set(docs[:4].tolist()))
    assert expected != sorted(set(docs[:6].tolist()))  # three per leg would be seen
    docs_found, shortlist = state._retrieve(query, 0, None)
    assert docs_found.tolist() == expected and shortlist is None  # the tiny index is exact


def test_lexical_feedback_weighs_its_terms_as_a_share_of_the_querys_own_terms(
    recommender: Recommender,
) -> None:
    state = recommender._require_state()
    config = state.config
    lexical = state.snapshot.lexical
    text = "bank sampah"
    ranked = np.arange(10)
    own = lexical.query_terms(text)
    terms = lexical.feedback_terms(ranked[: config.lexical_feedback_docs], own, config.lexical_feedback_terms)
    assert len(own) == 2 and config.lexical_feedback_weight == 1.0
    assert sum(terms.values()) == pytest.approx(1.0)
    expansion = state._lexical_feedback(text, ranked)
    assert expansion is not None
    # Weights summing to one, times 1.0 x two own terms: the expansion weighs two query terms.
    np.testing.assert_allclose(expansion, 2 * lexical.weighted_scores(terms), rtol=1e-5)
    assert state._lexical_feedback("xyzzy", ranked) is None  # no own term: nothing to scale by


def test_the_context_bonus_by_level_adopters_and_province(recommender: Recommender) -> None:
    state = recommender._require_state()
    docs = np.arange(10)
    ids = [state.items[r].id for r in docs]  # type: ignore[union-attr]

    def bonus(asker: Asker) -> dict[str, object]:
        out = state._context(docs, asker)
        assert out.dtype == np.float32
        return {key: pytest.approx(float(v), abs=1e-7) for key, v in zip(ids, out, strict=True) if v}

    # Level 0.05 to the five kota innovations, 0.02 to the one a kota replicates (Kota Delta),
    # province 0.03 to the two in Jawa Timur, the asker's casing aside.
    assert bonus(Asker(level="kota", province="JAWA TIMUR")) == {
        AKTA: 0.1,
        "psc-119-beta": 0.08,
        "bank-sampah-delta": 0.05,
        "dbd-zeta": 0.05,
        "izin-theta": 0.05,
    }
    assert bonus(Asker(level="kabupaten")) == {
        AKTA: 0.02,  # Kabupaten Epsilon replicates it
        "psc-119-alpha": 0.05,
        "pajak-online-epsilon": 0.05,
        "stunting-iota": 0.05,
        "ktp-keliling-kappa": 0.05,
    }
    assert bonus(Asker(province="bali")) == {"dbd-zeta": 0.03}
    assert bonus(Asker(province="Atlantis")) == {}  # a province no innovation is in
    assert bonus(Asker()) == {}


def test_registry_updates_rescore_the_innovations_whose_entries_changed(recommender: Recommender) -> None:
    state = recommender._require_state()
    row = state.rows[AKTA]
    # The registry governs both legacy adopters and records neither: two replications fewer.
    governed = {AKTA: Ledger(governed=frozenset({"kota delta", "kabupaten epsilon"}))}
    updated = state.with_ledgers(governed, 1)
    assert updated.value[row] == pytest.approx(state.value[row] - 0.04)
    assert updated.adopter_levels[row] == 0 and state.adopter_levels[row] != 0
    others = np.arange(10) != row
    np.testing.assert_array_equal(updated.value[others], state.value[others])
    back = updated.with_ledgers({}, 2)  # the entries removed again
    assert back.value[row] == state.value[row] and back.adopter_levels[row] == state.adopter_levels[row]
    # Entries of an innovation the state does not hold, or one deleted since, are skipped.
    unknown = state.with_ledgers({"no-such-innovation": Ledger()}, 3)
    np.testing.assert_array_equal(unknown.value, state.value)
    deleted = state.without([AKTA]).with_ledgers(governed, 4)
    assert deleted.value[row] == state.value[row]


def test_a_state_moves_only_to_a_snapshot_of_the_same_documents(recommender: Recommender) -> None:
    state = recommender._require_state()
    other = dataclasses.replace(state.snapshot, doc_ids=list(reversed(state.snapshot.doc_ids)))
    with pytest.raises(ValueError, match=rf"^snapshot {state.version} holds other documents$"):
        state.with_snapshot(other)


def test_the_bm25_leg_proposes_its_k_best_positive_rows_among_the_allowed() -> None:
    scores = np.array([0.0, 3.0, 1.0, 5.0, 0.5, 4.0, 1.0], dtype=np.float32)
    top = _top_allowed(scores, None, 3)
    assert top.dtype == np.int64 and sorted(top.tolist()) == [1, 3, 5]
    assert sorted(_top_allowed(scores, None, 1).tolist()) == [3]
    assert sorted(_top_allowed(scores, None, 10).tolist()) == [1, 2, 3, 4, 5, 6]  # not row 0
    allowed = np.array([True, True, True, False, True, False, False])
    assert sorted(_top_allowed(scores, allowed, 2).tolist()) == [1, 2]
    assert sorted(_top_allowed(scores, allowed, 10).tolist()) == [1, 2, 4]
    small = np.array([0.0, 0.5, 0.25], dtype=np.float32)  # positive below one still counts
    assert sorted(_top_allowed(small, None, 5).tolist()) == [1, 2]
    assert sorted(_top_allowed(small, np.ones(3, bool), 5).tolist()) == [1, 2]


@pytest.mark.parametrize("k", [1, 2, 5, 17, 100])
def test_the_bm25_leg_keeps_the_k_best_of_many_rows(k: int) -> None:
    scores = np.random.default_rng(0).random(1000).astype(np.float32)
    assert set(_top_allowed(scores, None, k).tolist()) == set(np.argsort(-scores)[:k].tolist())
