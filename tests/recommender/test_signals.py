import math

import numpy as np
import pytest

from index.analysis import Analyzer
from index.lexical import LexicalIndex
from recommender.signals import idf_coverage, query_signals

DOCS = [
    [("problem", "wisatawan kota menarik pantai")],
    [("problem", "akta kelahiran bayi")],
    [("problem", "sampah pasar kota")],
    [("problem", "stunting balita gizi")],
]


def _index() -> LexicalIndex:
    return LexicalIndex(Analyzer(stemming=False, stopwords=()), {"problem": 1.0}).fit(DOCS)


def test_idf_coverage_weighs_unknown_words_as_words_in_no_document() -> None:
    lexical = _index()
    terms = ["wisatawan", "menarik", "observatorium", "astronomi"]
    covered, known = idf_coverage(lexical, terms, 0)
    idf = {t: float(lexical.idf[lexical.vocabulary[t]]) for t in ("wisatawan", "menarik")}
    unseen = math.log1p(4.5 / 0.5)
    assert covered == pytest.approx(sum(idf.values()) / (sum(idf.values()) + 2 * unseen))
    assert known == pytest.approx(covered)  # every known term is in document 0
    assert covered < len(idf) / len(terms)  # rarer than the known words: less than half


def test_idf_coverage_is_whole_when_one_document_holds_every_term() -> None:
    assert idf_coverage(_index(), ["akta", "bayi"], 1) == pytest.approx((1.0, 1.0))
    assert idf_coverage(_index(), ["akta", "bayi"], -1) == (0.0, 0.0)


def test_query_signals_report_the_best_bm25_documents_coverage() -> None:
    lexical = _index()
    text = "menarik wisatawan ke observatorium astronomi"
    bm25 = lexical.scores(text)
    allowed = np.ones(len(DOCS), dtype=bool)
    fused = np.array([1.0, 0.0], dtype=np.float32)
    legs = [fused, fused]
    signals = query_signals(
        lexical, text, False, bm25, allowed, fused, legs, np.array([0.3, 0.1], dtype=np.float32)
    )
    assert signals["known_share"] == pytest.approx(2 / 5)
    assert signals["bm25_normalised"] > signals["idf_coverage"] > 0
    assert signals["dense_margin"] == pytest.approx(0.2)
    assert signals["agreement"] == 1.0 and signals["nonsense"] == 0.0
    allowed[0] = False  # the only matching document filtered out: nothing is covered
    assert (
        query_signals(lexical, text, False, bm25, allowed, fused, legs, np.zeros(2, dtype=np.float32))[
            "idf_coverage"
        ]
        == 0.0
    )
