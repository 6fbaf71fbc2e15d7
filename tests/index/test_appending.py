"""Appending documents to built indexes equals fitting the live documents afresh."""

from __future__ import annotations

import numpy as np
import pytest

from index.analysis import Analyzer
from index.dense import DenseIndex, _nlist
from index.lexical import CharNgramIndex, LexicalIndex

FIELDS = {"name": 2.0, "problem": 1.0}
DOCS = [
    [("name", "bank sampah"), ("problem", "sampah menumpuk di pasar")],
    [("name", "ambulans desa"), ("problem", "ambulans lambat datang")],
    [("name", "akta bayi"), ("problem", "akta kelahiran bayi terlambat")],
    [("name", "posyandu"), ("problem", "balita stunting di desa")],
]
NEW = [
    [("name", "ambulans laut"), ("problem", "ambulans perahu untuk pulau kecil")],
    [("name", "perahu pustaka"), ("problem", "anak pulau tanpa buku")],
]


def _lexical(docs) -> LexicalIndex:
    return LexicalIndex(Analyzer(stemming=False), FIELDS, k1=1.2, b=0.75).fit(docs)


@pytest.mark.parametrize("query", ["ambulans", "pulau perahu", "sampah pasar", "desa", "xyzzy"])
def test_bm25_after_append_equals_a_fresh_fit_of_the_live_rows(query: str) -> None:
    retired = np.array([False, True, False, False])  # row 1 was edited (its new text is NEW[0])
    appended = _lexical(DOCS).extend(NEW, retired)
    live = [0, 2, 3, 4, 5]
    fresh = _lexical([DOCS[0], DOCS[2], DOCS[3], *NEW])
    np.testing.assert_allclose(appended.scores(query)[live], fresh.scores(query), rtol=1e-5)
    assert appended.scores(query)[1] == 0  # a retired row never scores


def test_an_appended_index_keeps_its_k1_and_b() -> None:
    """With k1 and b away from the defaults, the appended index must still score with them."""
    analyzer = Analyzer(stemming=False)
    base = LexicalIndex(analyzer, FIELDS, k1=2.0, b=0.3).fit(DOCS)
    appended = base.extend(NEW, np.zeros(len(DOCS), dtype=bool))
    assert (appended.k1, appended.b) == (2.0, 0.3)
    fresh = LexicalIndex(analyzer, FIELDS, k1=2.0, b=0.3).fit([*DOCS, *NEW])
    for query in ("ambulans", "pulau perahu", "sampah pasar"):
        np.testing.assert_allclose(appended.scores(query), fresh.scores(query), rtol=1e-5)


def test_a_retired_row_survives_a_round_trip(tmp_path) -> None:
    retired = np.array([True, False, False, False])
    appended = _lexical(DOCS).extend(NEW, retired)
    appended.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, Analyzer(stemming=False), appended.retired)
    np.testing.assert_allclose(loaded.scores("sampah ambulans"), appended.scores("sampah ambulans"))
    assert loaded.scores("sampah")[0] == 0


def test_char_ngrams_append_under_the_same_vocabulary() -> None:
    texts = ["pelayanan kependudukan keliling", "bank sampah warga", "ambulans gawat darurat"]
    base = CharNgramIndex().fit(texts)
    appended = base.extend(["layanan ambulans keliling"])
    assert appended.matrix.shape == (4, base.matrix.shape[1])
    np.testing.assert_allclose(appended.scores("ambulans")[:3], base.scores("ambulans"), rtol=1e-6)
    # The new row is what the same vectorizer makes of its text.
    expected = base._vectorizer.transform(["layanan ambulans keliling"]).toarray()[0]
    np.testing.assert_allclose(appended.matrix[3].toarray()[0], expected, rtol=1e-6)
    with pytest.raises(ValueError, match="^an unfitted n-gram index cannot be extended; fit it$"):
        CharNgramIndex().extend(["x"])


def _unit(rows: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_an_exact_dense_index_appends_rows_and_switches_to_ivf_at_the_threshold() -> None:
    base = DenseIndex.build(_unit(50, 16, 0), ann_min_rows=100)
    extra = _unit(30, 16, 1)
    grown = base.extend(extra, ann_min_rows=100)
    assert grown.kind == "exact" and len(grown) == 80
    np.testing.assert_array_equal(grown.vectors[50:], extra)
    assert grown.top(extra[3], 1)[0][0] == 53
    assert grown.extend(_unit(30, 16, 2), ann_min_rows=100).kind == "ivf-sq8"


def test_an_ivf_index_gets_the_new_rows_without_losing_the_old_ones() -> None:
    vectors = _unit(3000, 16, 0)
    base = DenseIndex.build(vectors, ann_min_rows=1000)
    extra = _unit(5, 16, 9)
    grown = base.extend(extra, ann_min_rows=1000)
    assert grown.kind == "ivf-sq8" and grown.ann is not base.ann and grown.ann.ntotal == 3005
    assert base.ann.ntotal == 3000  # the served index is never changed in place
    for i, query in enumerate(extra):
        assert grown.top(query, 1)[0][0] == 3000 + i
    assert grown.top(vectors[7], 1)[0][0] == 7
    allowed = np.zeros(3005, dtype=bool)
    allowed[3002] = True
    assert grown.top(extra[0], 3, allowed)[0].tolist() == [3002]


def test_a_loaded_ivf_index_probes_as_many_lists_as_the_appended_one(tmp_path) -> None:
    base = DenseIndex.build(_unit(3000, 16, 0), ann_min_rows=1000)
    grown = base.extend(_unit(3000, 16, 1), ann_min_rows=1000)
    grown.save(tmp_path, 0)
    loaded = DenseIndex.load(tmp_path, 0)
    assert loaded.nprobe == grown.nprobe == base.nprobe  # from the trained lists, not the rows
    queries = _unit(20, 16, 5)
    assert all((loaded.top(q, 40)[0] == grown.top(q, 40)[0]).all() for q in queries)
    assert not base.needs_training(3000) and grown.needs_training(4 * 6000)


@pytest.mark.parametrize(("rows", "lists"), [(10, 16), (63, 31), (3000, 219)])
def test_the_ivf_list_count_is_four_square_roots_of_the_rows_and_at_least_16(rows: int, lists: int) -> None:
    # 4 * sqrt(10) = 12.6 -> 16; 4 * sqrt(63) = 31.7 -> 31; 4 * sqrt(3000) = 219.1 -> 219
    assert _nlist(rows) == lists


def test_a_mapped_index_keeps_its_ann_index_and_its_probes(tmp_path) -> None:
    built = DenseIndex.build(_unit(3000, 16, 0), ann_min_rows=1000)
    probing = DenseIndex(built.vectors, built.ann, nprobe=7)
    probing.save(tmp_path, 0)
    mapped = probing.mapped(tmp_path, 0)
    assert mapped.ann is built.ann and mapped.kind == "ivf-sq8" and mapped.nprobe == 7
    assert not mapped.vectors.flags.owndata  # read from the file
    with pytest.raises(ValueError, match=r"^[^:]+: dense-0 holds \(3000, 16\), expected \(3001, 16\)$"):
        DenseIndex(_unit(3001, 16, 1)).mapped(tmp_path, 0)
