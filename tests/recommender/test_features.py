"""The learned fusion's features of each candidate (SearchState.features) on the tiny catalogue.

Every query below makes all ten documents candidates (or the filtered ones), so each feature
column can be checked row by row: coverage and name match by hand from document frequencies and
names, the leg features against the fused candidates they are read from.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from recommender.engine import Recommender
from recommender.filters import Filters
from recommender.fusion import FEATURES, log_rank
from recommender.search import Candidates, SearchState

# "bank" is in two of the ten documents (Bank Sampah Delta, and the pajak one's "lewat aplikasi
# dan bank"), "sampah" in one: BM25 idf = ln(1 + (N - df + 0.5) / (df + 0.5)).
IDF_BANK = math.log(1 + 8.5 / 2.5)
IDF_SAMPAH = math.log(1 + 9.5 / 1.5)


def _features(
    recommender: Recommender, text: str, filters: Filters | None = None
) -> tuple[SearchState, Candidates, dict[str, np.ndarray], dict[str, int]]:
    """(state, candidates, each feature's column, each candidate id's row in the columns)."""
    state = recommender._require_state()
    queries = [e.encode_queries([text])[0] for e in recommender.encoders]
    c = state.candidates(text, queries, filters or Filters())
    assert c is not None
    x = state.features(text, c)
    assert x.shape == (len(c.docs), len(FEATURES)) and x.dtype == np.float64
    columns = {name: x[:, j] for j, name in enumerate(FEATURES)}
    return state, c, columns, {state.items[int(r)].id: i for i, r in enumerate(c.docs)}  # type: ignore[union-attr]


def _by_id(column: np.ndarray, rows: dict[str, int]) -> dict[str, object]:
    """The nonzero entries of a feature column by candidate id."""
    return {key: pytest.approx(float(column[i]), abs=1e-12) for key, i in rows.items() if column[i]}


def test_coverage_is_the_idf_share_of_the_query_terms_a_document_holds(recommender: Recommender) -> None:
    _, c, f, rows = _features(recommender, "bank sampah")
    assert len(rows) == 10
    share = IDF_BANK / (IDF_BANK + IDF_SAMPAH)  # 0.4265: the pajak document has "bank" only
    assert _by_id(f["coverage"], rows) == {
        "bank-sampah-delta": pytest.approx(1.0, abs=1e-6),
        "pajak-online-epsilon": pytest.approx(share, rel=1e-6),
    }
    # Two raw tokens: the interaction is coverage x ln(1 + 2).
    np.testing.assert_allclose(f["length_coverage"], f["coverage"] * math.log(3), rtol=1e-6)


def test_coverage_reads_the_candidates_rows_under_a_filter(recommender: Recommender) -> None:
    _, _, f, rows = _features(recommender, "bank sampah", Filters(sector=("keuangan-pajak", "lingkungan")))
    assert set(rows) == {"pajak-online-epsilon", "bank-sampah-delta"}
    at = rows["pajak-online-epsilon"]
    assert f["coverage"][at] == pytest.approx(IDF_BANK / (IDF_BANK + IDF_SAMPAH), rel=1e-6)
    assert f["coverage"][rows["bank-sampah-delta"]] == pytest.approx(1.0, abs=1e-6)


def test_a_single_known_term_covers_every_document_holding_it(recommender: Recommender) -> None:
    # "xyzzy" is no term of the index: only "bank" counts, in coverage and in the name match.
    _, _, f, rows = _features(recommender, "bank xyzzy")
    assert _by_id(f["coverage"], rows) == {"bank-sampah-delta": 1.0, "pajak-online-epsilon": 1.0}
    assert _by_id(f["name_match"], rows) == {"bank-sampah-delta": 1.0}


def test_a_common_term_with_an_idf_below_one_still_covers_fully(recommender: Recommender) -> None:
    # The division guards only an empty sum: an idf under 1 is divided by itself.
    state, c, f, _ = _features(recommender, "rumah")
    lexical = state.snapshot.lexical
    assert lexical.idf[lexical.vocabulary["rumah"]] < 1
    holds = (lexical.tf[c.docs][:, lexical.vocabulary["rumah"]] > 0).toarray().ravel()
    assert holds.sum() >= 4
    np.testing.assert_allclose(f["coverage"], holds.astype(float), atol=1e-6)


def test_name_match_is_the_share_of_the_query_terms_in_the_name(recommender: Recommender) -> None:
    # Terms akta, lahir, rumah, sakit: all four in "Akta Lahir di Rumah Sakit Gamma"; "rumah" in
    # "Gerakan Satu Rumah ..." and in KDRT's expansion (kekerasan dalam rumah tangga).
    _, _, f, rows = _features(recommender, "akta kelahiran rumah sakit")
    assert _by_id(f["name_match"], rows) == {"akta-lahir-gamma": 1.0, "dbd-zeta": 0.25, "kdrt-eta": 0.25}


def test_a_query_of_unknown_words_has_no_coverage_name_or_lexical_feature(recommender: Recommender) -> None:
    _, c, f, _ = _features(recommender, "xyzzy qwerty")
    for name in ("coverage", "name_match", "length_coverage", "bm25", "chars", "length_bm25"):
        assert not f[name].any(), name
    np.testing.assert_array_equal(f["dense"], c.z[0])


def test_the_leg_features_of_an_indonesian_query(recommender: Recommender) -> None:
    _, c, f, rows = _features(recommender, "bank sampah")
    assert c.lexical_on == 1.0 and not c.english and len(c.z) == 3  # one encoder, BM25, chars
    np.testing.assert_array_equal(f["fused"], c.fused)
    np.testing.assert_array_equal(f["dense"], c.z[0])
    np.testing.assert_array_equal(f["bm25"], c.z[1])
    np.testing.assert_array_equal(f["chars"], c.z[2])
    np.testing.assert_array_equal(f["cos_whole"], c.dense[0][1])
    np.testing.assert_array_equal(f["cos_passage"], c.dense[0][2])
    np.testing.assert_array_equal(f["rank_dense"], log_rank(c.dense[0][0]))
    np.testing.assert_array_equal(f["rank_bm25"], log_rank(c.bm25_all[c.docs]))
    np.testing.assert_array_equal(f["rank_chars"], log_rank(c.chars))
    assert not f["english_dense"].any()
    np.testing.assert_allclose(f["length_bm25"], f["bm25"] * math.log(3), rtol=1e-6)
    # Bank Sampah Delta leads every leg; the pajak document is BM25's second (ln 2).
    best, second = rows["bank-sampah-delta"], rows["pajak-online-epsilon"]
    assert f["rank_dense"][best] == f["rank_bm25"][best] == f["rank_chars"][best] == 0.0
    assert f["rank_bm25"][second] == pytest.approx(math.log(2))


def test_an_english_query_weighs_the_lexical_features_by_its_translated_share(
    recommender: Recommender,
) -> None:
    text = "birth certificate at the hospital"  # five raw tokens, read as akta lahir rumah sakit
    _, c, f, rows = _features(recommender, text)
    assert c.english and c.lexical_on == pytest.approx(0.5) and c.lexical_text != text
    np.testing.assert_array_equal(f["english_dense"], c.z[0])
    np.testing.assert_allclose(f["bm25"], 0.5 * c.z[1], rtol=1e-6)
    np.testing.assert_allclose(f["chars"], 0.5 * c.z[2], rtol=1e-6)
    np.testing.assert_allclose(f["rank_bm25"], 0.5 * log_rank(c.bm25_all[c.docs]), rtol=1e-6)
    np.testing.assert_allclose(f["rank_chars"], 0.5 * log_rank(c.chars), rtol=1e-6)
    np.testing.assert_allclose(f["length_bm25"], f["bm25"] * math.log(6), rtol=1e-6)
    # Coverage and the name match read the translated terms, the length the query's own words.
    assert f["coverage"][rows["akta-lahir-gamma"]] == pytest.approx(1.0, abs=1e-6)
    assert _by_id(f["name_match"], rows) == {"akta-lahir-gamma": 1.0, "dbd-zeta": 0.25, "kdrt-eta": 0.25}
    np.testing.assert_allclose(f["length_coverage"], f["coverage"] * math.log(6), rtol=1e-6)


def test_an_english_query_without_the_lexicon_has_only_dense_features(recommender: Recommender) -> None:
    plain = recommender.with_config(replace(recommender.config, english_lexicon_weight=0.0))
    _, c, f, _ = _features(plain, "birth certificate at the hospital")
    assert c.english and c.lexical_on == 0.0
    for name in ("bm25", "chars", "rank_bm25", "rank_chars", "coverage", "name_match", "length_bm25"):
        assert not f[name].any(), name
    np.testing.assert_array_equal(f["english_dense"], c.z[0])
    np.testing.assert_allclose(f["fused"], c.z[0], rtol=1e-6)  # the dense leg alone


def test_a_rows_analysed_name_is_kept_for_later_queries(
    recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = recommender._require_state()
    row = state.rows["bank-sampah-delta"]
    first = state._name_terms(row)
    assert first == {"bank", "sampah", "delta"}

    def fail(text: str) -> list[str]:
        raise AssertionError(f"analysed again: {text}")

    monkeypatch.setattr(state.snapshot.lexical.analyzer, "terms", fail)
    assert state._name_terms(row) is first
