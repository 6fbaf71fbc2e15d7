"""The search state's z-score fusion and its two feedbacks against brute force on the tiny
catalogue (ten documents: the statistics sample is every live row), and what a new state
carries over from the previous one."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import numpy as np
import pytest

from index.analysis import translate_english
from recommender.engine import Recommender
from recommender.filters import Filters
from recommender.replication import Ledger
from recommender.search import Candidates, SearchState

NO_FEEDBACK = {"feedback_docs": 0, "lexical_feedback_terms": 0}
AKTA = "akta-lahir-gamma"


def _state(recommender: Recommender, **changes: object) -> SearchState:
    return recommender.with_config(replace(recommender.config, **changes))._require_state()  # type: ignore[arg-type]


def _candidates(
    state: SearchState, recommender: Recommender, text: str, filters: Filters | None = None
) -> Candidates:
    c = state.candidates(text, [recommender.encoders[0].encode_queries([text])[0]], filters or Filters())
    assert c is not None
    return c


def _z(values: np.ndarray, everyone: np.ndarray) -> np.ndarray:
    return (values - everyone.mean()) / everyone.std()


def _fused_oracle(
    state: SearchState, query: np.ndarray, lexical_text: str, lexical_on: float, docs: np.ndarray
) -> np.ndarray:
    """Each leg z-scored over all ten documents, weighted as configured (one encoder)."""
    cfg, everyone = state.config, np.arange(10)
    dense = state.dense_scores(0, query, everyone)
    bm25 = state.snapshot.lexical.scores(lexical_text)
    chars = state.snapshot.chars
    grams = chars.scores(chars.query_vector(lexical_text), everyone)
    legs = [
        (cfg.dense_weights[0], _z(dense[docs], dense)),
        (cfg.bm25_weight * lexical_on, _z(bm25[docs], bm25)),
        (cfg.chars_weight * lexical_on, _z(grams[docs], grams)),
    ]
    return np.sum([w * z for w, z in legs], axis=0) / sum(w for w, _ in legs)


@pytest.mark.parametrize("filters", [Filters(), Filters(level=("kota",))])
def test_the_fusion_is_the_weighted_mean_of_each_legs_z_score(
    recommender: Recommender, filters: Filters
) -> None:
    state = _state(recommender, **NO_FEEDBACK)
    text = "ambulans darurat di desa"
    c = _candidates(state, recommender, text, filters)
    assert c.lexical_on == 1.0
    query = recommender.encoders[0].encode_queries([text])[0]
    np.testing.assert_allclose(c.fused, _fused_oracle(state, query, text, 1.0, c.docs), rtol=1e-4, atol=1e-5)


def test_an_english_query_weighs_the_lexical_legs_by_its_translated_share_to_a_power(
    recommender: Recommender,
) -> None:
    state = _state(recommender, english_lexicon_power=2.0, **NO_FEEDBACK)
    text = "birth certificate for kerupuk makers"  # "kerupuk" and "makers" stay untranslated
    translated, share = translate_english(text)
    assert 0 < share < 1
    c = _candidates(state, recommender, text)
    assert c.english and c.lexical_text == translated
    assert c.lexical_on == pytest.approx(0.5 * share**2)
    query = recommender.encoders[0].encode_queries([text])[0]
    oracle = _fused_oracle(state, query, translated, c.lexical_on, c.docs)
    np.testing.assert_allclose(c.fused, oracle, rtol=1e-4, atol=1e-5)


def test_dense_feedback_moves_the_query_to_the_first_fusions_best_documents(recommender: Recommender) -> None:
    config = {"feedback_docs": 3, "feedback_weight": 0.2, "lexical_feedback_terms": 0}
    state = _state(recommender, **config)
    text = "ambulans darurat di desa"
    query = recommender.encoders[0].encode_queries([text])[0]
    first = _candidates(_state(recommender, **NO_FEEDBACK), recommender, text)
    top = first.docs[np.lexsort((first.docs, -first.fused))[:3]]
    moved = query + 0.2 * state.whole_vectors(0, top).mean(axis=0)
    moved /= np.linalg.norm(moved)
    c = _candidates(state, recommender, text)
    np.testing.assert_allclose(c.dense[0][0], state.dense_scores(0, moved, c.docs), rtol=1e-5, atol=1e-6)
    # The whole-text cosines stay those of the query as asked.
    np.testing.assert_allclose(c.dense[0][1], state.whole_vectors(0, c.docs) @ query, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("filters", "deleted"),
    [(Filters(), False), (Filters(level=("kota", "kabupaten")), False), (Filters(), True)],
)
def test_lexical_feedback_adds_the_best_documents_terms_to_bm25(
    recommender: Recommender, filters: Filters, deleted: bool
) -> None:
    # An English query reads the lexicon and its feedback; without dense feedback the expanded
    # BM25 is fused at once. A deleted row stays out of its statistics.
    gone = ["psc-119-alpha"] if deleted else []
    state = _state(recommender, feedback_docs=0).without(gone)
    text = "birth certificate at the hospital"
    first = _candidates(_state(recommender, **NO_FEEDBACK).without(gone), recommender, text, filters)
    ranked = first.docs[np.lexsort((first.docs, -first.fused))]
    expansion = state._lexical_feedback(first.lexical_text, ranked)
    assert expansion is not None and expansion.any()
    c = _candidates(state, recommender, text, filters)
    assert c.expanded
    np.testing.assert_allclose(c.bm25_all, first.bm25_all + expansion, rtol=1e-6)
    live = c.bm25_all[state.columns.alive]
    np.testing.assert_allclose(c.z[1], _z(c.bm25_all[c.docs], live), rtol=1e-4, atol=1e-5)
    assert c.allowed[c.docs].all() and set(first.docs) <= set(c.docs)


def test_a_new_state_reuses_the_previous_values_only_under_the_same_config_and_ledgers(
    recommender: Recommender,
) -> None:
    state = recommender._require_state()
    row = state.rows[AKTA]
    args = (state.snapshot, state.items, state.hashes)
    richer = replace(state.config, replication_bonus=0.05)
    rescored = SearchState(*args, richer, previous=state, ledgers=state.ledgers)
    assert rescored.value[row] == pytest.approx(state.value[row] + 2 * 0.03)  # two adopters
    governed = {AKTA: Ledger(governed=frozenset({"kota delta", "kabupaten epsilon"}))}
    with_ledger = SearchState(*args, state.config, previous=state, ledgers=governed)
    assert with_ledger.value[row] == pytest.approx(state.value[row] - 0.04)
    dropped = SearchState(*args, state.config, previous=with_ledger, ledgers={})
    assert dropped.value[row] == state.value[row] and dropped.adopter_levels[row] == state.adopter_levels[row]


def test_a_snapshot_without_whole_text_passages_is_refused(recommender: Recommender) -> None:
    state = recommender._require_state()
    broken = dataclasses.replace(
        state.snapshot, passage_field=["solution"] * len(state.snapshot.passage_field)
    )
    with pytest.raises(ValueError, match=rf"^snapshot {state.version} lacks whole-text passages$"):
        SearchState(broken, state.items, state.hashes, state.config)
