"""The search state's query path: statistics over the live rows, with or without a filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.dense import DenseIndex
from index.encoders import HashingEncoder
from recommender.engine import Recommender
from recommender.filters import Filters
from recommender.workspace import open_recommender
from tests.conftest import TINY

TEXT = "pelayanan masyarakat desa"  # four documents match it


def _bm25_z(recommender: Recommender, deleted: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(candidate rows, their BM25 z-scores as fused, the live-row oracle of those z-scores)."""
    state = recommender._require_state()
    bm25 = state.snapshot.lexical.scores(TEXT)
    if deleted:  # the best BM25 match deleted: it must leave the statistics
        state = state.without([state.snapshot.doc_ids[int(np.argmax(bm25))]])
    queries = [e.encode_queries([TEXT])[0] for e in recommender.encoders]
    c = state.candidates(TEXT, queries, Filters())
    assert c is not None
    live = bm25[state.columns.alive]
    return c.docs, c.z[-2], (bm25[c.docs] - live.mean()) / live.std()


def test_an_unfiltered_query_weighs_bm25_against_every_live_row(recommender: Recommender) -> None:
    docs, z, oracle = _bm25_z(recommender, deleted=False)
    np.testing.assert_allclose(z, oracle, rtol=1e-5, atol=1e-6)


def test_a_deleted_row_leaves_the_candidates_and_the_statistics(recommender: Recommender) -> None:
    state = recommender._require_state()
    best = int(np.argmax(state.snapshot.lexical.scores(TEXT)))
    docs, z, oracle = _bm25_z(recommender, deleted=True)
    assert best not in docs.tolist()
    np.testing.assert_allclose(z, oracle, rtol=1e-5, atol=1e-6)


def test_the_feedback_query_reads_the_first_searchs_ivf_shortlist(
    tmp_path: Path, encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    recommender = open_recommender(tmp_path / "data", [encoder], seed=TINY, ann_min_rows=1)
    recommender.ensure_index()
    state = recommender._require_state()
    assert state.snapshot.dense[0].kind == "ivf-sq8"
    shortlists: list[np.ndarray | None] = []
    offered: list[np.ndarray | None] = []
    shortlist, top = DenseIndex.shortlist, DenseIndex.top

    def spy_shortlist(self: DenseIndex, *args: Any) -> np.ndarray | None:
        shortlists.append(shortlist(self, *args))
        return shortlists[-1]

    def spy_top(self: DenseIndex, query: np.ndarray, k: int, *args: Any) -> tuple[np.ndarray, np.ndarray]:
        offered.append(args[1] if len(args) > 1 else None)
        return top(self, query, k, *args)

    monkeypatch.setattr(DenseIndex, "shortlist", spy_shortlist)
    monkeypatch.setattr(DenseIndex, "top", spy_top)
    assert recommender.recommend(TEXT).matches
    assert len(shortlists) == 1 and shortlists[0] is not None  # one IVF search per query
    assert len(offered) == 2 and all(o is shortlists[0] for o in offered)
