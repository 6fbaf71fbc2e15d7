"""The lexical indexes' incremental paths, by hand and against full fits: a fit that carries
rows of a previous fit, an appended index, feedback terms and weighted scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from index.analysis import Analyzer
from index.lexical import CharNgramIndex, LexicalIndex

FIELDS = {"name": 2.0, "text": 1.0}
OLD = [
    [("name", "bank sampah"), ("text", "sampah menumpuk di pasar")],
    [("name", "ambulans desa"), ("text", "ambulans lambat datang")],
    [("name", "akta bayi"), ("text", "akta kelahiran bayi terlambat")],
]
DECOY = [("name", "xyzzy")]  # a carried row's document: never read
NEW = [("name", "pasar desa"), ("text", "sampah pasar desa")]  # known terms only


def _fit(docs: list, fields: dict[str, float] = FIELDS, **kwargs: object) -> LexicalIndex:
    return LexicalIndex(Analyzer(stemming=False), fields).fit(docs, **kwargs)  # type: ignore[arg-type]


def test_an_incremental_fit_carries_rows_and_keeps_every_old_column() -> None:
    first = _fit(OLD)
    # Old rows 0 and 1 carried (their documents are decoys), old row 2 dropped, one new row.
    inc = _fit([DECOY, DECOY, NEW], reuse=first, reuse_rows=[0, 1, None])
    full = _fit([OLD[0], OLD[1], NEW])
    assert inc.vocabulary == first.vocabulary  # nothing new, nothing read from the decoys
    assert len(inc.idf) == len(inc.vocabulary)  # the dropped row's terms: the last columns, df 0
    assert inc.idf[inc.vocabulary["kelahiran"]] == pytest.approx(math.log1p(3.5 / 0.5))
    for query in ("sampah", "ambulans desa", "pasar", "akta bayi"):
        np.testing.assert_allclose(inc.scores(query), full.scores(query), rtol=1e-5)
    np.testing.assert_array_equal(inc.tf[:2].toarray(), first.tf[:2].toarray())


def test_an_incremental_fit_whose_last_new_document_has_no_term() -> None:
    first = _fit(OLD)
    inc = _fit([DECOY, NEW, [("name", "")]], reuse=first, reuse_rows=[0, None, None])
    assert inc.tf.shape == (3, len(first.vocabulary)) and inc.tf[2].nnz == 0
    np.testing.assert_allclose(
        inc.scores("pasar"), _fit([OLD[0], NEW, [("name", "")]]).scores("pasar"), rtol=1e-5
    )


def test_a_fit_with_nothing_to_carry_is_a_full_fit() -> None:
    first = _fit(OLD)
    docs = [OLD[2], NEW]
    plain = _fit(docs)
    for fitted in (
        _fit(docs, reuse=first),  # no rows named
        _fit(docs, reuse=first, reuse_rows=[None, None]),  # every row new
    ):
        assert fitted.tf.shape[0] == 2
        for query in ("akta", "pasar desa", "sampah"):
            np.testing.assert_allclose(fitted.scores(query), plain.scores(query), rtol=1e-5)
    assert _fit(docs, reuse=first).vocabulary == plain.vocabulary


def test_other_field_weights_refit_every_document() -> None:
    first = _fit(OLD)
    other = {"name": 1.0, "text": 1.0}
    refit = _fit([DECOY, NEW], other, reuse=first, reuse_rows=[0, None])
    assert "xyzzy" in refit.vocabulary  # the document was read: the old weights do not apply
    np.testing.assert_allclose(refit.scores("pasar"), _fit([DECOY, NEW], other).scores("pasar"), rtol=1e-5)


def test_retired_flags_must_match_the_rows() -> None:
    index = LexicalIndex(Analyzer(stemming=False), FIELDS)
    index.retired = np.zeros(2, dtype=bool)
    with pytest.raises(ValueError, match=r"^2 retired flags for 3 rows$"):
        index.fit(OLD)


def test_an_index_appended_with_known_terms_only_scores_as_a_full_fit() -> None:
    appended = _fit(OLD).extend([NEW], np.zeros(3, dtype=bool))
    full = _fit([*OLD, NEW])
    assert appended.tf.shape == (4, len(full.vocabulary))
    for query in ("pasar", "akta", "desa sampah"):
        np.testing.assert_allclose(appended.scores(query), full.scores(query), rtol=1e-5)


def test_weighted_scores_add_up_each_columns_weights() -> None:
    index = _fit(OLD)
    sampah, pasar = index.vocabulary["sampah"], index.vocabulary["pasar"]
    both = index.weighted_scores({sampah: 1.0, pasar: 0.5})
    assert both.dtype == np.float32
    np.testing.assert_allclose(both, index.scores("sampah") + 0.5 * index.scores("pasar"), rtol=1e-6)
    assert both[0] > index.scores("sampah")[0]  # row 0 holds both terms


def test_feedback_terms_weigh_saturated_tf_times_idf() -> None:
    index = _fit([*OLD, NEW])
    # Row 0 alone: "bank" and "menumpuk" are in one document of four, "sampah" and "pasar" in
    # two (row 3 too), so their idf differ; tf counts the name twice.
    terms = index.feedback_terms(np.array([0]), [], 10)
    tf = {"bank": 2.0, "sampah": 3.0, "menumpuk": 1.0, "pasar": 1.0}
    columns = {t: index.vocabulary[t] for t in tf}
    assert set(terms) == set(columns.values())
    k1, b = index.k1, index.b
    norm = k1 * (1 - b + b * index.lengths[0] / index.lengths.mean())
    idf = {
        t: math.log1p((4 - df + 0.5) / (df + 0.5))
        for t, df in (("bank", 1), ("sampah", 2), ("menumpuk", 1), ("pasar", 2))
    }
    mass = {t: tf[t] * (k1 + 1) / (tf[t] + norm) * idf[t] for t in tf}
    total = sum(mass.values())
    assert terms == {columns[t]: pytest.approx(mass[t] / total, rel=1e-5) for t in tf}
    # Excluding a query term whose column no feedback document holds (the last column).
    last = max(index.vocabulary, key=index.vocabulary.__getitem__)
    assert index.feedback_terms(np.array([0]), [last], 3)


def test_an_incremental_char_fit_carries_rows_and_transforms_the_new_ones() -> None:
    texts = ["bank sampah desa", "ambulans desa", "akta kelahiran bayi"]
    first = CharNgramIndex().fit(texts)
    inc = CharNgramIndex().fit(["xyzzy", "akta bayi baru", "xyzzy"], reuse=first, reuse_rows=[0, None, 2])
    np.testing.assert_array_equal(inc.matrix[[0, 2]].toarray(), first.matrix[[0, 2]].toarray())
    fresh = first._vectorizer.transform(["akta bayi baru"]).toarray()
    np.testing.assert_allclose(inc.matrix[1].toarray(), fresh, rtol=1e-6)
    carried = CharNgramIndex().fit(["xyzzy", "xyzzy"], reuse=first, reuse_rows=[1, 0])  # nothing new
    np.testing.assert_array_equal(carried.matrix.toarray(), first.matrix[[1, 0]].toarray())
    plain = CharNgramIndex().fit(texts, reuse=first)  # no rows named: a full fit
    np.testing.assert_allclose(plain.matrix.toarray(), first.matrix.toarray(), rtol=1e-6)


def test_an_extended_char_index_keeps_its_range_and_rows() -> None:
    first = CharNgramIndex((2, 4)).fit(["bank sampah", "ambulans desa"])
    same = first.extend([])
    assert same.ngram_range == (2, 4) and same.matrix.shape == first.matrix.shape
    grown = first.extend(["sampah desa"])
    assert grown.ngram_range == (2, 4) and grown.matrix.shape[0] == 3
    for matrix in (None, grown.matrix.tocsc()):
        scores = grown.scores("sampah", matrix=matrix)
        assert scores.dtype == np.float32 and scores[2] > 0
