"""The n-gram index's fit against scikit-learn's own char_wb TF-IDF."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from index.lexical import CharNgramIndex

TEXTS = [
    "Puskesmas keliling menjangkau desa terpencil",
    "desa  terpencil\ttanpa puskesmas, ambulans desa",
    "Ambulans laut untuk pulau kecil; pulau-pulau kecil",
    "ai ke",  # words shorter than an n-gram count once
    "",
]


def test_a_fit_gives_the_matrix_and_vocabulary_of_a_plain_char_wb_fit() -> None:
    plain = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32)
    expected = plain.fit_transform(TEXTS).tocsr()
    index = CharNgramIndex().fit(TEXTS)
    got = index.matrix
    assert index._vectorizer.vocabulary_ == plain.vocabulary_
    assert np.array_equal(index._vectorizer.idf_, plain.idf_)
    # Byte for byte, stored order included: a sum in another order rounds differently.
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, part), getattr(expected, part)), part
    query = "ambulans desa kecil"
    assert np.array_equal(index.query_vector(query).toarray(), plain.transform([query]).toarray())


def test_the_word_cache_lives_for_one_fit_only() -> None:
    index = CharNgramIndex().fit(TEXTS)
    assert index._vectorizer._word_grams is None  # type: ignore[attr-defined]
    index.query_vector("kata baru sekali")
    assert index._vectorizer._word_grams is None  # type: ignore[attr-defined]
