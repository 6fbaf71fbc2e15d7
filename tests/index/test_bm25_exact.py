"""BM25F of LexicalIndex against scores worked out by hand on four tiny documents.

The character n-gram leg of the same module is checked against a brute-force oracle at the end.

The analyzer is made trivial (no stemming, no stopwords, no abbreviations), so the terms of a
text are its lower-cased words: the weighted term frequencies below can be counted by eye.
"""

from __future__ import annotations

import math
import mmap
from collections import Counter

import numpy as np
import pytest
from scipy import sparse

from index.analysis import Analyzer
from index.lexical import CharNgramIndex, LexicalIndex

DOCS = [
    [("name", "Bank Sampah"), ("problem", "sampah menumpuk di pasar")],
    [("name", "Ambulans"), ("problem", "ambulans lambat datang")],
    [("name", "Pasar Sehat"), ("problem", "sampah pasar kotor")],
    [("name", "Akta"), ("problem", "akta bayi lambat terbit")],
]
WEIGHTS = {"name": 2.0, "problem": 1.0}
# With name x2: doc 0 = bank 2, sampah 2+1, menumpuk 1, di 1, pasar 1 -> length 8;
# doc 1 = ambulans 2+1, lambat 1, datang 1 -> 5; doc 2 = pasar 2+1, sehat 2, sampah 1, kotor 1 -> 7;
# doc 3 = akta 2+1, bayi 1, lambat 1, terbit 1 -> 6. Average length 26 / 4 = 6.5.
LENGTHS = [8.0, 5.0, 7.0, 6.0]
AVG = 6.5
N = 4
IDF_DF1 = math.log1p((N - 1 + 0.5) / (1 + 0.5))  # ln(10/3) = 1.2039728
IDF_DF2 = math.log1p((N - 2 + 0.5) / (2 + 0.5))  # ln 2 = 0.6931472


def _analyzer() -> Analyzer:
    return Analyzer(stemming=False, stopwords=(), abbreviations={})


def _index(weights: dict[str, float] = WEIGHTS, docs=DOCS, **kw) -> LexicalIndex:
    return LexicalIndex(_analyzer(), weights, **kw).fit(docs)


def _term(tf: float, length: float, idf: float, k1: float = 1.2, b: float = 0.75, avg: float = AVG) -> float:
    """One term's BM25 contribution, written from the formula."""
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))


def test_the_analyzer_gives_the_words_the_counts_above_assume() -> None:
    assert _analyzer().terms("Bank Sampah sampah menumpuk di pasar") == [
        "bank",
        "sampah",
        "sampah",
        "menumpuk",
        "di",
        "pasar",
    ]


def test_weighted_lengths_and_idf() -> None:
    index = _index()
    assert index.lengths.tolist() == LENGTHS
    idf = {term: float(index.idf[col]) for term, col in index.vocabulary.items()}
    assert idf["bank"] == pytest.approx(1.2039728, abs=1e-6)
    assert idf["sampah"] == idf["pasar"] == idf["lambat"] == pytest.approx(0.6931472, abs=1e-6)
    assert len(idf) == 13
    tf = index.tf.toarray()
    assert tf[0, index.vocabulary["sampah"]] == 3.0 and tf[2, index.vocabulary["sehat"]] == 2.0


def test_two_term_query_by_hand() -> None:
    scores = _index().scores("bank sampah")
    # doc 0: bank tf 2 (df 1), sampah tf 3 (df 2), length 8; doc 2: sampah tf 1, length 7.
    expected = [_term(2, 8, IDF_DF1) + _term(3, 8, IDF_DF2), 0.0, _term(1, 7, IDF_DF2), 0.0]
    assert scores.dtype == np.float32 and scores.shape == (4,)
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    # The same numbers, worked on paper: K(8) = 1.2 * (0.25 + 0.75 * 8 / 6.5) = 1.4076923, so
    # bank = 1.2039728 * 4.4 / 3.4076923 and sampah = 0.6931472 * 6.6 / 4.4076923.
    np.testing.assert_allclose(scores, [2.5924716, 0.0, 0.6720003, 0.0], atol=1e-5)


def test_a_repeated_query_word_counts_once() -> None:
    index = _index()
    np.testing.assert_array_equal(index.scores("sampah sampah SAMPAH"), index.scores("sampah"))


def test_length_normalisation_off_with_b_zero() -> None:
    # b = 0: every document's normaliser is k1 alone, whatever its length.
    scores = _index(b=0.0).scores("bank sampah")
    np.testing.assert_allclose(scores, [2.7446940, 0.0, 0.6931472, 0.0], atol=1e-5)
    assert scores[0] == pytest.approx(IDF_DF1 * 2 * 2.2 / 3.2 + IDF_DF2 * 3 * 2.2 / 4.2, abs=1e-5)


def test_length_normalisation_favours_the_shorter_document() -> None:
    # "lambat" occurs once in doc 1 (length 5) and once in doc 3 (length 6).
    normalised = _index(b=0.75).scores("lambat")
    np.testing.assert_allclose(normalised, [0.0, 0.7654058, 0.0, 0.7156682], atol=1e-5)
    assert normalised[1] == pytest.approx(_term(1, 5, IDF_DF2), abs=1e-5)
    flat = _index(b=0.0).scores("lambat")
    np.testing.assert_allclose(flat, [0.0, IDF_DF2, 0.0, IDF_DF2], atol=1e-5)
    full = _index(b=1.0).scores("lambat")
    np.testing.assert_allclose(
        full, [0.0, _term(1, 5, IDF_DF2, b=1.0), 0.0, _term(1, 6, IDF_DF2, b=1.0)], atol=1e-5
    )
    np.testing.assert_allclose(full, [0.0, 0.7929604, 0.0, 0.7235041], atol=1e-5)


def test_k1_sets_the_term_frequency_saturation() -> None:
    scores = _index(k1=2.0, b=0.75).scores("sampah")
    np.testing.assert_allclose(
        scores, [_term(3, 8, IDF_DF2, k1=2.0), 0.0, _term(1, 7, IDF_DF2, k1=2.0), 0.0], atol=1e-5
    )
    # 3 * 3 / (3 + 2 * (0.25 + 0.75 * 8 / 6.5)) * ln 2, by hand:
    assert scores[0] == pytest.approx(9 / (3 + 2 * (0.25 + 6 / 6.5)) * math.log(2), abs=1e-5)


def test_field_weights_scale_term_frequency_and_length() -> None:
    # Name weight 1: doc 0 = bank 1, sampah 2, menumpuk, di, pasar -> length 6; lengths 6, 4, 5, 5.
    even = _index({"name": 1.0, "problem": 1.0})
    assert even.lengths.tolist() == [6.0, 4.0, 5.0, 5.0]
    np.testing.assert_allclose(even.scores("bank"), [_term(1, 6, IDF_DF1, avg=5.0), 0, 0, 0], atol=1e-5)
    np.testing.assert_allclose(even.scores("bank"), [1.1129161, 0, 0, 0], atol=1e-5)
    # Name weight 2 (the default here) gives doc 0's "bank" tf 2 and length 8.
    np.testing.assert_allclose(_index().scores("bank"), [_term(2, 8, IDF_DF1), 0, 0, 0], atol=1e-5)
    # A fractional weight: name 0.5 -> bank 0.5, sampah 1.5, length 5 for doc 0; average 17 / 4.
    half = _index({"name": 0.5, "problem": 1.0})
    assert half.lengths.tolist() == [5.0, 3.5, 4.0, 4.5]
    assert half.scores("bank")[0] == pytest.approx(_term(0.5, 5, IDF_DF1, avg=4.25), abs=1e-5)


def test_a_field_without_weight_adds_no_terms_length_or_document_frequency() -> None:
    docs = [doc + [("contact", "sampah bank kontak"), ("notes", "sampah")] for doc in DOCS]
    index = _index({"name": 2.0, "problem": 1.0, "notes": 0.0}, docs=docs)
    assert "kontak" not in index.vocabulary
    assert index.lengths.tolist() == LENGTHS
    np.testing.assert_allclose(index.scores("bank sampah"), _index().scores("bank sampah"), atol=1e-6)
    assert not np.any(index.scores("kontak"))


def test_an_empty_field_text_is_skipped() -> None:
    docs = [[("name", ""), ("problem", "sampah")], [("name", "pasar"), ("problem", "")]]
    index = _index(docs=docs)
    assert index.lengths.tolist() == [1.0, 2.0]
    assert sorted(index.vocabulary) == ["pasar", "sampah"]


def test_no_known_term_and_no_documents_give_zeros() -> None:
    assert _index().scores("xyzzy").tolist() == [0.0] * 4
    assert _index().scores("").dtype == np.float32
    empty = _index(docs=[])
    assert empty.scores("sampah").shape == (0,)


def test_query_terms_are_distinct_known_and_in_order() -> None:
    assert _index().query_terms("pasar xyzzy sampah pasar") == ["pasar", "sampah"]


def test_parameters_survive_save_and_load(tmp_path) -> None:
    index = _index({"name": 3.0, "problem": 1.0}, k1=1.7, b=0.4)
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path, _analyzer())
    assert (loaded.k1, loaded.b, loaded.field_weights) == (1.7, 0.4, {"name": 3.0, "problem": 1.0})
    assert loaded.vocabulary == index.vocabulary
    np.testing.assert_allclose(loaded.lengths, index.lengths)
    np.testing.assert_allclose(loaded.scores("bank sampah lambat"), index.scores("bank sampah lambat"))


def test_describe_records_the_parameters_for_the_manifest() -> None:
    described = _index(k1=1.5, b=0.6).describe()
    assert described == {
        "k1": 1.5,
        "b": 0.6,
        "fields": WEIGHTS,
        "analyzer": _analyzer().describe(),
        "terms": 13,
    }


def test_an_unfitted_index_is_empty_and_scores_nothing() -> None:
    index = LexicalIndex(_analyzer(), WEIGHTS)
    assert index.vocabulary == {} and index.tf.shape == (0, 0)
    assert index.idf.shape == index.lengths.shape == (0,)
    assert index.tf.dtype == index.idf.dtype == index.lengths.dtype == np.float32
    scores = index.scores("sampah")
    assert scores.shape == (0,) and scores.dtype == np.float32
    assert index.describe()["terms"] == 0


# --- CharNgramIndex: TF-IDF over character 3-5-grams, against a brute-force oracle -------------

CHAR_DOCS = ["Bank sampah", "sampah sampah pasar", "pasar ikan"]


def _char_wb_ngrams(text: str, low: int = 3, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries: each word padded with one space either side."""
    grams = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams += [padded[i : i + n] for i in range(max(len(padded) - n + 1, 1))]
    return grams


def _char_oracle(docs: list[str], query: str) -> tuple[np.ndarray, int]:
    """Cosine of sublinear-tf, smooth-idf, L2-normalised n-gram vectors; and the n-gram count."""
    counted = [Counter(_char_wb_ngrams(d)) for d in docs]
    grams = sorted(set().union(*counted))
    df = np.array([sum(g in c for c in counted) for g in grams], dtype=np.float64)
    idf = np.log((1 + len(docs)) / (1 + df)) + 1

    def vector(counter: Counter[str]) -> np.ndarray:
        tf = np.array([counter.get(g, 0) for g in grams], dtype=np.float64)
        v = np.where(tf > 0, 1 + np.log(np.maximum(tf, 1)), 0.0) * idf
        return v / (np.linalg.norm(v) or 1.0)

    matrix = np.stack([vector(c) for c in counted])
    return matrix @ vector(Counter(_char_wb_ngrams(query))), len(grams)


def test_the_char_oracle_pads_words_and_spans_three_to_five_characters() -> None:
    assert _char_wb_ngrams("ikan") == [" ik", "ika", "kan", "an ", " ika", "ikan", "kan ", " ikan", "ikan "]
    assert _char_wb_ngrams("a") == [" a ", " a ", " a "]  # shorter than n: the padded word once


def test_char_ngram_scores_match_the_oracle() -> None:
    index = CharNgramIndex().fit(CHAR_DOCS)
    assert index.matrix.dtype == np.float32 and index.matrix.shape[0] == 3
    for query in ("sampah", "pasar ikan", "sampa", "Bank"):
        expected, features = _char_oracle(CHAR_DOCS, query)
        scores = index.scores(query)
        assert scores.dtype == np.float32
        np.testing.assert_allclose(scores, expected, atol=1e-5, err_msg=query)
    assert index.describe() == {"ngram_range": [3, 5], "features": features}


def test_a_repeated_word_counts_sublinearly() -> None:
    # "sampah sampah pasar": each n-gram of "sampah" has tf 2, weighted 1 + ln 2, not 2.
    index = CharNgramIndex().fit(CHAR_DOCS)
    expected, _ = _char_oracle(CHAR_DOCS, "sampah")
    assert index.scores("sampah")[1] == pytest.approx(expected[1], abs=1e-5)
    assert expected[1] > expected[0]  # the oracle itself is not trivially equal across documents


def test_an_unfitted_char_index_scores_nothing_and_survives_a_round_trip(tmp_path) -> None:
    index = CharNgramIndex()
    assert not index.fitted and index.matrix.shape == (0, 0) and index.matrix.dtype == np.float32
    assert index.scores("sampah").dtype == np.float32 and index.scores("sampah").shape == (0,)
    assert index.describe() == {"ngram_range": [3, 5], "features": 0}
    index.save(tmp_path)
    assert CharNgramIndex.load(tmp_path).scores("sampah").shape == (0,)


def test_texts_without_any_ngram_give_an_empty_index_that_can_be_refitted(tmp_path) -> None:
    index = CharNgramIndex().fit(["", "  "])
    assert not index.fitted and index.matrix.shape == (2, 0) and index.matrix.dtype == np.float32
    scores = index.scores("sampah")
    assert scores.tolist() == [0.0, 0.0] and scores.dtype == np.float32
    index.save(tmp_path)
    assert CharNgramIndex.load(tmp_path).scores("sampah").tolist() == [0.0, 0.0]
    index.fit(CHAR_DOCS)
    np.testing.assert_allclose(index.scores("pasar"), _char_oracle(CHAR_DOCS, "pasar")[0], atol=1e-5)


def test_loading_refuses_a_pickled_idf(tmp_path) -> None:
    # Snapshots hold no pickle (docs/STYLE.md): an object array in place of the IDF must not load.
    CharNgramIndex().fit(CHAR_DOCS).save(tmp_path)
    np.save(tmp_path / "chars_idf.npy", np.array([{"not": "numbers"}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="pickle"):
        CharNgramIndex.load(tmp_path)


def _file_backed(array: np.ndarray) -> bool:
    base: object = array
    while base is not None:
        if isinstance(base, mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


def test_a_saved_char_index_is_memory_mapped_and_scores_as_before(tmp_path) -> None:
    index = CharNgramIndex().fit(CHAR_DOCS)
    index.save(tmp_path)
    loaded = CharNgramIndex.load(tmp_path)
    for part in ("data", "indices", "indptr"):  # file-backed, shared by every serving process
        assert _file_backed(getattr(loaded.matrix, part)), part
    for query in ("sampah", "pasar ikan"):
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
        np.testing.assert_array_equal(
            loaded.scores(query, rows=np.array([2, 0])), index.scores(query)[[2, 0]]
        )
    grown = loaded.extend(["sampah pasar baru"])  # appends leave the mapped arrays untouched
    assert grown.matrix.shape[0] == 4 and loaded.matrix.shape[0] == 3


def test_a_char_index_saved_as_one_archive_still_loads(tmp_path) -> None:
    """Snapshots before format 5 hold the n-gram matrix in chars_tfidf.npz."""
    index = CharNgramIndex().fit(CHAR_DOCS)
    index.save(tmp_path)
    for part in ("data", "indices", "indptr"):
        (tmp_path / f"chars_{part}.npy").unlink()
    sparse.save_npz(tmp_path / "chars_tfidf.npz", index.matrix, compressed=False)
    np.testing.assert_array_equal(CharNgramIndex.load(tmp_path).scores("sampah"), index.scores("sampah"))
