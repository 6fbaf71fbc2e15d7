import math

import numpy as np
import pytest

from index.analysis import Analyzer
from index.lexical import LexicalIndex


def _index(**kw) -> LexicalIndex:
    docs = [
        [("name", "bank sampah"), ("problem", "sampah menumpuk")],
        [("name", "ambulans"), ("problem", "ambulans lambat")],
        [("name", "akta"), ("problem", "akta kelahiran bayi")],
    ]
    return LexicalIndex(Analyzer(stemming=False), {"name": 2.0, "problem": 1.0}, **kw).fit(docs)


def test_bm25_matches_the_formula_by_hand() -> None:
    index = _index(k1=1.2, b=0.0)
    scores = index.scores("ambulans")
    idf = math.log1p((3 - 1 + 0.5) / (1 + 0.5))
    tf = 3.0  # 2 (name weight) + 1 (problem)
    assert scores[1] == pytest.approx(idf * tf * 2.2 / (tf + 1.2), rel=1e-5)
    assert scores[0] == 0 and scores[2] == 0


def test_unknown_words_score_zero_everywhere() -> None:
    assert not np.any(_index().scores("xyzzy"))


def test_save_and_load_round_trip(tmp_path) -> None:
    index = _index()
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, Analyzer(stemming=False))
    np.testing.assert_allclose(loaded.scores("akta bayi"), index.scores("akta bayi"))


def test_char_ngrams_match_word_variants_and_survive_a_round_trip(tmp_path) -> None:
    from index.lexical import CharNgramIndex

    index = CharNgramIndex().fit(["pelayanan kependudukan keliling", "bank sampah warga"])
    scores = index.scores("layanan penduduk")
    assert scores[0] > 0.1 and scores[1] < scores[0]
    index.save(tmp_path)
    np.testing.assert_allclose(CharNgramIndex.load(tmp_path).scores("layanan penduduk"), scores, rtol=1e-5)


def test_the_fast_query_vector_equals_the_vectorizers_own(tmp_path) -> None:
    from index.lexical import CharNgramIndex

    index = CharNgramIndex().fit(
        [
            "pelayanan kependudukan keliling",
            "bank sampah warga",
            "ambulans gawat darurat 119",
            "Akta kelahiran bayi, segera!",
        ]
    )
    index.save(tmp_path)
    for fitted in (index, CharNgramIndex.load(tmp_path)):
        for text in (
            "layanan penduduk keliling keliling",
            "Bank SAMPAH",
            "zzzz qqqq",
            "",
            "ambulans-119 darurat; akta",
        ):
            fast = fitted.query_vector(text)
            slow = fitted._vectorizer.transform([text]).tocsr()
            assert fast.shape == slow.shape
            np.testing.assert_allclose(fast.toarray(), slow.toarray(), rtol=1e-5, atol=1e-7)


def test_char_scores_by_column_equal_the_row_product() -> None:
    from index.lexical import CharNgramIndex

    texts = ["pelayanan kependudukan keliling", "bank sampah warga", "ambulans gawat darurat 119"]
    index = CharNgramIndex().fit(texts)
    query = index.query_vector("layanan ambulans keliling")
    by_rows = index.scores(query, matrix=index.matrix[[2, 0]])
    by_columns = index.scores(query, matrix=index.matrix[[2, 0]].tocsc())
    np.testing.assert_allclose(by_columns, by_rows, rtol=1e-6)
    assert by_rows[0] > 0 and by_rows[1] > 0


def _bm25_weight(index: LexicalIndex, row: int, term: str) -> float:
    """One document's BM25 weight of one term, from the formula (the oracle)."""
    tf = index.tf[row, index.vocabulary[term]]
    avg = float(index.lengths.mean())
    norm = index.k1 * (1 - index.b + index.b * index.lengths[row] / avg)
    return float(tf * (index.k1 + 1) / (tf + norm) * index.idf[index.vocabulary[term]])


def test_feedback_terms_are_the_feedback_documents_heaviest_other_terms() -> None:
    index = _index()
    terms = index.feedback_terms(np.array([2, 1]), ["akta"], 2)
    # "akta" is the query's own; of the rest, "ambulans" (tf 3 in row 1) comes first, then
    # "lambat" (tf 1 in row 1, a shorter document than row 2, so it outweighs "kelahiran").
    mass = {t: _bm25_weight(index, r, t) / 2 for r, t in ((1, "ambulans"), (1, "lambat"))}
    assert _bm25_weight(index, 1, "lambat") > _bm25_weight(index, 2, "kelahiran")
    total = sum(mass.values())
    expected = {index.vocabulary[t]: m / total for t, m in mass.items()}
    assert terms.keys() == expected.keys()
    for column, weight in expected.items():
        assert terms[column] == pytest.approx(weight, rel=1e-5)
    assert sum(terms.values()) == pytest.approx(1.0)


def test_feedback_terms_of_equal_weight_are_taken_in_column_order() -> None:
    # Row 2's "kelahiran" and "bayi" each occur once there and nowhere else: equal weights.
    index = _index()
    tied = sorted(index.vocabulary[t] for t in ("kelahiran", "bayi"))
    assert list(index.feedback_terms(np.array([2]), ["akta"], 1)) == tied[:1]
    assert sorted(index.feedback_terms(np.array([2]), ["akta"], 5)) == tied


def test_no_feedback_documents_or_no_count_gives_no_terms() -> None:
    index = _index()
    assert index.feedback_terms(np.array([], dtype=np.int64), [], 5) == {}
    assert index.feedback_terms(np.array([0]), [], 0) == {}


def test_weighted_scores_are_the_weighted_sum_of_single_term_queries() -> None:
    index = _index()
    weights = {index.vocabulary["sampah"]: 0.7, index.vocabulary["bayi"]: 0.3}
    expected = 0.7 * index.scores("sampah") + 0.3 * index.scores("bayi")
    np.testing.assert_allclose(index.weighted_scores(weights), expected, rtol=1e-5)
