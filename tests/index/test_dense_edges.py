"""DenseIndex at its edges: empty and one-row indexes, dtypes, each filtered path of ``top``
against a brute-force oracle, the IVF thresholds and the quantizer reuse window.

List counts are picked so _nlist (4 sqrt(n)) is whole: 100 rows -> 40 lists, 400 -> 80,
1600 -> 160, 64 -> 32 and 1764 -> 168.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest

from index.dense import DenseIndex, probes

EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.float32))


def _unit(n: int, dim: int, seed: int) -> np.ndarray:
    m = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _oracle(vectors: np.ndarray, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    """The k allowed rows of highest cosine, ties by row."""
    rows = np.arange(len(vectors)) if allowed is None else np.flatnonzero(allowed)
    scores = vectors[rows] @ query
    return rows[np.lexsort((rows, -scores))][:k].tolist()


def _nlist_of(index: DenseIndex) -> int:
    return int(faiss.extract_index_ivf(index.ann).nlist)


class _Spy:
    """An ANN index that counts its searches (the rest is the real index)."""

    def __init__(self, ann: faiss.Index) -> None:
        self.ann, self.searches = ann, 0

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self.searches += 1
        return self.ann.search(*args, **kwargs)


def _typed(result: tuple[np.ndarray, np.ndarray], expected: tuple[np.ndarray, np.ndarray]) -> bool:
    return all(
        a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
        for a, b in zip(result, expected, strict=True)
    )


def test_an_empty_index_or_no_k_returns_no_rows() -> None:
    query = _unit(1, 4, 0)[0]
    assert _typed(DenseIndex(np.zeros((0, 4), np.float32)).top(query, 3), EMPTY)
    five = DenseIndex(_unit(5, 4, 1))
    assert _typed(five.top(query, 0), EMPTY)
    assert _typed(five.top(query, -1), EMPTY)


def test_a_one_row_index_returns_its_row() -> None:
    vectors = _unit(1, 4, 2)
    rows, scores = DenseIndex(vectors).top(vectors[0], 3)
    assert rows.tolist() == [0] and scores.tolist() == pytest.approx([1.0], abs=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 9, 17, 40, 199, 200, 250])
def test_top_is_the_brute_force_best(k: int) -> None:
    vectors = _unit(200, 8, 3)
    index = DenseIndex(vectors)
    for query in _unit(5, 8, 4):
        rows, scores = index.top(query, k)
        assert rows.tolist() == _oracle(vectors, query, k)
        assert rows.dtype == np.int64 and scores.dtype == np.float32
        np.testing.assert_allclose(scores, vectors[rows] @ query, rtol=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3, 5, 9, 17, 199])
def test_rows_tied_at_the_kth_score_are_taken_by_row(k: int) -> None:
    # Every vector four times, so k cuts through a tie; the lowest rows of it must be taken
    # (duplicate passages, such as a replica's copied solution, tie exactly).
    vectors = np.repeat(_unit(50, 8, 3), 4, axis=0)
    index = DenseIndex(vectors)
    for query in _unit(5, 8, 4):
        rows, _ = index.top(query, k)
        scores = index.scores(query)
        assert rows.tolist() == np.lexsort((np.arange(200), -scores))[:k].tolist()


@pytest.mark.parametrize("share", [1.0, 0.9, 0.3, 0.1])
def test_an_exact_index_filters_exactly_whatever_the_share_allowed(share: float) -> None:
    # Above a quarter of the rows allowed, top scans everything and masks; below, it gathers.
    vectors = _unit(400, 8, 5)
    allowed = np.random.default_rng(6).random(400) < share
    index = DenseIndex(vectors)
    for query in _unit(5, 8, 7):
        rows, scores = index.top(query, 20, allowed)
        assert rows.tolist() == _oracle(vectors, query, 20, allowed)
        np.testing.assert_allclose(scores, vectors[rows] @ query, rtol=1e-6)


def test_a_broad_filter_searches_the_ivf_index_with_the_filter_as_a_selector() -> None:
    faiss.omp_set_num_threads(1)
    vectors = _unit(3000, 16, 8)
    index = DenseIndex.build(vectors, ann_min_rows=1000)
    allowed = np.arange(3000) % 3 != 0  # two thirds: above half the rows
    spy = _Spy(index.ann)
    index.ann = spy
    hits = 0
    for query in vectors[:20]:
        rows, scores = index.top(query, 10, allowed)
        assert len(rows) == 10 and allowed[rows].all()
        np.testing.assert_allclose(scores, vectors[rows] @ query, rtol=1e-5)
        hits += len(set(rows.tolist()) & set(_oracle(vectors, query, 10, allowed)))
    assert spy.searches == 20 and hits / 200 >= 0.9


@pytest.mark.parametrize(
    ("n", "allowed_rows", "ann"),
    [(3000, 1500, True), (3001, 1500, True), (3000, 1499, False), (3000, 1200, False)],
)
def test_a_filtered_ivf_query_is_exact_only_below_half_the_rows(n: int, allowed_rows: int, ann: bool) -> None:
    vectors = _unit(n, 16, 9)
    index = DenseIndex.build(vectors, ann_min_rows=1000)
    spy = _Spy(index.ann)
    index.ann = spy
    allowed = np.zeros(n, dtype=bool)
    allowed[np.random.default_rng(10).choice(n, allowed_rows, replace=False)] = True
    rows, _ = index.top(vectors[1], 5, allowed)
    assert allowed[rows].all() and spy.searches == int(ann)


def test_an_ivf_index_can_return_row_zero() -> None:
    vectors = _unit(3000, 16, 11)
    index = DenseIndex.build(vectors, ann_min_rows=1000)
    assert index.top(vectors[0], 3)[0][0] == 0
    assert index.top(vectors[0], 3, np.arange(3000) % 2 == 0)[0][0] == 0  # through the selector


def test_the_constructor_casts_to_float32_and_names_what_is_wrong() -> None:
    index = DenseIndex(_unit(5, 4, 12).astype(np.float64))
    assert index.vectors.dtype == np.float32 and index.scores(_unit(1, 4, 13)[0]).dtype == np.float32
    with pytest.raises(ValueError, match=r"^vectors must be 2-D, got shape \(4,\)$"):
        DenseIndex(np.zeros(4, np.float32))
    built = DenseIndex.build(_unit(400, 8, 14), ann_min_rows=100)
    with pytest.raises(ValueError, match=r"^ANN index holds 400 x 8, vectors are 399 x 8$"):
        DenseIndex(built.vectors[:399], built.ann)


def test_the_probed_share_is_a_quarter_up_to_1600_lists_then_falls_with_their_root() -> None:
    # 731 lists: 10,000 innovations; 1,634: 50,000 (a quarter would be 408); 4,000: a million.
    assert [probes(n) for n in (80, 731, 1600, 1634, 4000, 16000)] == [32, 182, 400, 404, 632, 1265]
    shares = [probes(n) / n for n in range(1600, 20000, 100)]
    assert all(a > b for a, b in zip(shares, shares[1:], strict=False))  # falls, never jumps
    assert all(probes(n) <= probes(n + 1) for n in range(16, 20000))  # more lists never fewer probes


def test_an_ivf_index_probes_a_quarter_of_its_lists_and_at_least_32() -> None:
    small = DenseIndex.build(_unit(400, 8, 15), ann_min_rows=100)  # 80 lists: 20 -> 32
    large = DenseIndex.build(_unit(3000, 8, 15), ann_min_rows=1000)  # 219 lists: 54
    assert (small.nprobe, large.nprobe) == (32, 54)
    assert small.describe() == {"kind": "ivf-sq8", "rows": 400, "nlist": 80, "nprobe": 32, "shortlist": 5}
    assert DenseIndex(_unit(5, 8, 15)).describe() == {"kind": "exact", "rows": 5}
    assert small.ann is not None and small.ann.metric_type == faiss.METRIC_INNER_PRODUCT


def test_the_ivf_index_starts_at_ann_min_rows() -> None:
    vectors = _unit(100, 8, 16)
    assert DenseIndex.build(vectors, ann_min_rows=100).kind == "ivf-sq8"
    assert DenseIndex.build(vectors[:99], ann_min_rows=100).kind == "exact"
    assert DenseIndex.build(vectors[:0], ann_min_rows=0).kind == "exact"
    assert DenseIndex(vectors[:90]).extend(vectors[90:], ann_min_rows=100).kind == "ivf-sq8"
    assert DenseIndex(vectors[:90]).extend(vectors[90:99], ann_min_rows=100).kind == "exact"


@pytest.mark.parametrize(
    ("rows", "kept"),
    [(100, True), (1600, True), (64, False), (1764, False)],
    ids=["half-the-lists", "twice-the-lists", "2.5x-the-lists", "0.48x-the-lists"],
)
def test_a_build_reuses_a_quantizer_within_twice_or_half_its_list_count(rows: int, kept: bool) -> None:
    old = DenseIndex.build(_unit(400, 8, 17), ann_min_rows=10)  # 80 lists
    new = DenseIndex.build(_unit(rows, 8, 18), ann_min_rows=10, reuse=old)
    assert _nlist_of(new) == (80 if kept else int(4 * np.sqrt(rows)))
    assert old.needs_training(rows) is not kept


def test_an_exact_index_never_needs_training() -> None:
    assert not DenseIndex(_unit(5, 8, 19)).needs_training(1_000_000)


def test_below_forty_rows_a_list_the_quantizer_trains_on_every_row_once() -> None:
    vectors = _unit(400, 8, 20)
    built = DenseIndex.build(vectors, ann_min_rows=100)
    quantizer = faiss.IndexFlatIP(8)
    alone = faiss.IndexIVFScalarQuantizer(
        quantizer, 8, 80, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    alone.train(vectors)
    centroids = faiss.downcast_index(faiss.extract_index_ivf(built.ann).quantizer)
    np.testing.assert_array_equal(
        faiss.vector_to_array(centroids.codes), faiss.vector_to_array(quantizer.codes)
    )


def test_an_extended_ivf_index_keeps_its_probes() -> None:
    built = DenseIndex.build(_unit(400, 8, 21), ann_min_rows=100)
    grown = DenseIndex(built.vectors, built.ann, nprobe=7).extend(_unit(3, 8, 22))
    assert grown.nprobe == 7 and len(grown) == 403


def test_a_mapped_index_reads_its_vectors_from_the_file(tmp_path: Path) -> None:
    index = DenseIndex(_unit(50, 8, 23))
    index.save(tmp_path, 0)
    mapped = index.mapped(tmp_path, 0)
    assert not mapped.vectors.flags.writeable  # a read-only map, not a copy in memory
    np.testing.assert_array_equal(mapped.vectors, index.vectors)
