import faiss
import numpy as np
import pytest

from index.dense import SHORTLIST, DenseIndex
from index.encoders import HashingEncoder


def _unit(rows) -> np.ndarray:
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_top_matches_hand_computed_inner_products() -> None:
    index = DenseIndex(_unit([[1, 0], [0, 1], [1, 1]]))
    rows, scores = index.top(np.array([1, 0], dtype=np.float32), 3)
    assert rows.tolist() == [0, 2, 1]
    assert scores == pytest.approx([1.0, np.sqrt(0.5), 0.0], abs=1e-6)
    rows, _ = index.top(np.array([1, 0], dtype=np.float32), 1)
    assert rows.tolist() == [0]


def test_scores_agree_with_a_numpy_oracle_after_a_memory_mapped_reload(tmp_path) -> None:
    rng = np.random.default_rng(7)
    vectors = _unit(rng.normal(size=(50, 16)))
    query = _unit(rng.normal(size=(1, 16)))[0]
    DenseIndex(vectors).save(tmp_path, 0)
    loaded = DenseIndex.load(tmp_path, 0)
    assert not loaded.vectors.flags.owndata and not loaded.vectors.flags.writeable  # mapped
    np.testing.assert_allclose(loaded.scores(query), vectors @ query, atol=1e-5)
    np.testing.assert_allclose(loaded.scores(query, np.array([3, 1])), vectors[[3, 1]] @ query, atol=1e-5)


def _clustered(n: int, dim: int = 32, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    return _unit(centres[rng.integers(0, 40, n)] + 0.3 * rng.normal(size=(n, dim)))


def test_above_the_threshold_an_ivf_index_proposes_and_exact_cosines_rank() -> None:
    faiss.omp_set_num_threads(1)
    vectors = _clustered(3000)
    index = DenseIndex.build(vectors, ann_min_rows=1000)
    assert index.kind == "ivf-sq8" and index.describe()["nlist"] > 0
    small = DenseIndex.build(vectors, ann_min_rows=10_000)
    assert small.kind == "exact"
    hits = 0
    for query in vectors[:20]:
        rows, scores = index.top(query, 10)
        exact = np.argsort(-(vectors @ query))[:10]
        hits += len(set(rows.tolist()) & set(exact.tolist()))
        np.testing.assert_allclose(scores, vectors[rows] @ query, atol=1e-5)
    assert hits / 200 >= 0.9


@pytest.mark.parametrize("ann_min_rows", [1000, 10_000])
def test_a_selective_filter_returns_k_exact_rows_whenever_k_exist(ann_min_rows: int) -> None:
    vectors = _clustered(3000)
    index = DenseIndex.build(vectors, ann_min_rows=ann_min_rows)
    allowed = np.zeros(3000, dtype=bool)
    allowed[::100] = True  # 1 %: 30 rows
    query = vectors[7]
    rows, _ = index.top(query, 10, allowed)
    allowed_rows = np.flatnonzero(allowed)
    exact = allowed_rows[np.argsort(-(vectors[allowed_rows] @ query))[:10]]
    assert rows.tolist() == exact.tolist()
    rows, _ = index.top(query, 50, allowed)
    assert sorted(rows.tolist()) == allowed_rows.tolist()


def test_an_incremental_build_reuses_the_trained_quantizer() -> None:
    vectors = _clustered(3000)
    first = DenseIndex.build(vectors, ann_min_rows=1000)
    second = DenseIndex.build(vectors[:2900], ann_min_rows=1000, reuse=first)
    a = faiss.extract_index_ivf(first.ann).quantizer
    b = faiss.extract_index_ivf(second.ann).quantizer
    np.testing.assert_array_equal(
        faiss.rev_swig_ptr(faiss.downcast_index(a).get_xb(), 10),
        faiss.rev_swig_ptr(faiss.downcast_index(b).get_xb(), 10),
    )
    assert second.ann.ntotal == 2900


def test_hashing_encoder_is_deterministic_and_normalised() -> None:
    enc = HashingEncoder(64)
    a, b = enc.encode_queries(["ambulans lambat", "ambulans lambat"])
    np.testing.assert_array_equal(a, b)
    assert np.linalg.norm(a) == pytest.approx(1.0)


def test_within_scores_only_the_given_rows_exactly() -> None:
    index = DenseIndex(_unit([[1, 0], [0, 1], [1, 1], [1, 0.1]]))
    query = np.array([1, 0], dtype=np.float32)
    rows, scores = index.top(query, 2, within=np.array([1, 2], dtype=np.int64))
    assert rows.tolist() == [2, 1]  # row 0 and 3 score higher but are not offered
    assert scores == pytest.approx([np.sqrt(0.5), 0.0], abs=1e-6)


def test_the_ivf_shortlist_is_what_top_reranks_and_exact_scans_have_none() -> None:
    faiss.omp_set_num_threads(1)
    vectors = _clustered(3000)
    index = DenseIndex.build(vectors, ann_min_rows=1000)
    query = vectors[11]
    shortlist = index.shortlist(query, 10)
    assert shortlist is not None and 10 < len(shortlist) <= SHORTLIST * 10
    assert len(np.unique(shortlist)) == len(shortlist)
    rows, scores = index.top(query, 10)
    oracle = shortlist[np.lexsort((shortlist, -(vectors[shortlist] @ query)))][:10]
    assert rows.tolist() == oracle.tolist() == index.top(query, 10, within=shortlist)[0].tolist()
    np.testing.assert_allclose(scores, vectors[rows] @ query, atol=1e-5)
    selective = np.zeros(3000, dtype=bool)
    selective[::100] = True
    assert index.shortlist(query, 10, selective) is None  # the exact masked scan serves it
    broad = np.arange(3000) % 3 != 0
    found = index.shortlist(query, 10, broad)
    assert found is not None and broad[found].all()
    assert DenseIndex(vectors).shortlist(query, 10) is None
