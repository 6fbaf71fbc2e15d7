"""The search state's filter columns and ranked output on the tiny catalogue: the vectorised
filter mask against Filters.matches, a query nobody passes, the explained components and the
best cosine, and the character n-gram scores carried from one fusion to the next."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import numpy as np
import pytest

from recommender.engine import Recommender
from recommender.filters import UNKNOWN_STATUS, Asker, Filters
from recommender.record import Innovation
from recommender.search import Candidates, Columns, Ranked, SearchState
from recommender.signals import query_signals

FILTERS = [
    Filters(sector=("kesehatan",)),
    Filters(sector=("kesehatan",), level=("kota",)),
    Filters(level=("kota", "kabupaten"), province=("jawa timur", "BALI")),
    Filters(province=("Jawa Tengah", "Atlantis")),
    Filters(province=("Atlantis",)),
    Filters(status=("berjalan",)),
    Filters(status=(UNKNOWN_STATUS,), level=("kota",)),
    Filters(sector=("kependudukan",), status=("berjalan", UNKNOWN_STATUS)),
    Filters(award_tier="top-40", year_from=2019),
    Filters(year_to=2019),
    Filters(year_from=2019),
    Filters(award_tier="top-99"),
    Filters(sector=("kesehatan", "kependudukan"), award_tier="top-99"),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_mask_is_filters_matches_over_the_live_rows(recommender: Recommender, filters: Filters) -> None:
    state = recommender._require_state()
    # The first kesehatan row and one kota row deleted: they must stay out whatever the filters.
    deleted = state.without(["psc-119-alpha", "dbd-zeta"])
    for s in (state, deleted):
        expected = [item is not None and filters.matches(item) for item in s.items]
        assert s.columns.mask(filters).tolist() == expected


@pytest.mark.parametrize(
    "filters",
    [
        Filters(province=("Papua",)),
        Filters(award_tier="top-99"),
        Filters(award_tier="penghargaan-lain"),
        Filters(year_to=2030),
        Filters(year_from=1),
    ],
)
def test_the_mask_of_records_without_province_year_or_award(filters: Filters) -> None:
    known = Innovation(
        id="b",
        name="B",
        level="kota",
        sector="kesehatan",
        province="Bali",
        year=2020,
        awards=["Top 99 KIPP 2020"],
    )
    items: list[Innovation | None] = [
        Innovation(id="a", name="A", level="kota", sector="kesehatan"),  # no province, year or award
        known,
        None,  # deleted
        dataclasses.replace(known, id="c", province="Papua"),  # the second province: code 1
    ]
    expected = [item is not None and filters.matches(item) for item in items]
    assert Columns.of(items).mask(filters).tolist() == expected


@pytest.mark.parametrize("filters", [Filters(), Filters(level=("kota",))])
def test_the_no_match_signals_read_the_querys_own_words_and_vectors(
    recommender: Recommender, filters: Filters
) -> None:
    # Without feedback an English query's lexical legs read its translation and nothing else:
    # the signals must read the query's own words again, and its dense mix and whole cosines.
    config = replace(recommender.config, feedback_docs=0, lexical_feedback_terms=0)
    state = recommender.with_config(config)._require_state()
    text = "birth certificate at the hospital"
    query = recommender.encoders[0].encode_queries([text])[0]
    ranked = state.rank(text, [query], filters, Asker(), 5)
    c = state.candidates(text, [query], filters)
    assert c is not None and c.lexical_text != text and not c.expanded
    lexical, chars = state.snapshot.lexical, state.snapshot.chars
    bm25 = lexical.scores(text)
    legs = [state.dense_scores(0, query, c.docs), bm25[c.docs], chars.scores(text, c.docs)]
    whole = state.whole_vectors(0, c.docs) @ query
    expected = query_signals(lexical, text, True, bm25, c.allowed, c.fused, legs, whole)
    assert ranked.signals == {
        "dense_cosine": pytest.approx(float(whole.max()), abs=1e-6),
        **{key: pytest.approx(value, abs=1e-6) for key, value in expected.items()},
    }


def test_a_query_no_document_passes_ranks_nothing(recommender: Recommender) -> None:
    state = recommender._require_state()
    text = "ambulans"
    queries = [e.encode_queries([text])[0] for e in recommender.encoders]
    ranked = state.rank(text, queries, Filters(province=("Atlantis",)), Asker(), 5)
    assert ranked == Ranked([], {}, {}, {}, 0.0, 0)


def test_the_components_and_best_cosine_are_the_dense_scores_of_the_query(recommender: Recommender) -> None:
    # Without either feedback the query is never moved: each leg reads the query's own vector.
    config = replace(recommender.config, feedback_docs=0, lexical_feedback_terms=0, diversity=False)
    state = recommender.with_config(config)._require_state()
    text = "ambulans darurat di desa"
    query = recommender.encoders[0].encode_queries([text])[0]
    ranked = state.rank(text, [query], Filters(), Asker(), 10)
    docs = np.array(ranked.order)
    mix = state.dense_scores(0, query, docs)
    for row, value in zip(ranked.order, mix, strict=True):
        assert ranked.components[row]["dense_0"] == pytest.approx(float(value), abs=1e-6)
    whole = state.whole_vectors(0, np.arange(10)) @ query
    assert ranked.best_similarity == pytest.approx(float(whole.max()), abs=1e-6)
    assert ranked.signals["dense_cosine"] == ranked.best_similarity


def test_character_scores_carried_between_fusions_equal_fresh_ones(
    recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One candidate per leg and a strong dense feedback: the second fusion adds a document the
    # first never scored, so the carried and the fresh scores are both in the answer.
    config = replace(recommender.config, candidates_per_leg=1, feedback_weight=3.0)
    state = recommender.with_config(config)._require_state()
    text = "ambulans darurat di desa"
    calls: list[tuple[list[int], list[int]]] = []
    carry = SearchState._chars

    def spy(self: SearchState, query: object, docs: np.ndarray, before: Candidates | None) -> np.ndarray:
        calls.append((docs.tolist(), [] if before is None else before.docs.tolist()))
        return carry(self, query, docs, before)  # type: ignore[arg-type]

    monkeypatch.setattr(SearchState, "_chars", spy)
    c = state.candidates(text, [e.encode_queries([text])[0] for e in recommender.encoders], Filters())
    assert c is not None
    assert any(before and set(docs) - set(before) for docs, before in calls)
    chars = state.snapshot.chars
    np.testing.assert_allclose(c.chars, chars.scores(chars.query_vector(text), c.docs), rtol=1e-6)
    assert c.chars.dtype == np.float32
