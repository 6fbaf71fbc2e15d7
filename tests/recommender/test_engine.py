import pytest

from recommender.engine import Recommender
from recommender.errors import IndexNotReady, InvalidRecord, UnknownInnovation
from recommender.filters import Asker, Filters


def _ids(result) -> list[str]:
    return [m.innovation.id for m in result.matches]


def test_the_obvious_answer_ranks_first(recommender: Recommender) -> None:
    assert _ids(recommender.recommend("bayi lahir belum punya akta kelahiran"))[0] == "akta-lahir-gamma"
    assert _ids(recommender.recommend("sampah rumah tangga menumpuk"))[0] == "bank-sampah-delta"
    assert _ids(recommender.recommend("izin usaha lama lewat calo"))[0] == "izin-theta"


def test_abbreviations_reach_innovations_written_in_full(recommender: Recommender) -> None:
    assert _ids(recommender.recommend("KDRT", limit=3))[0] == "kdrt-eta"


def test_replicas_of_one_source_do_not_fill_the_top(recommender: Recommender) -> None:
    result = recommender.recommend("ambulans lambat datang darurat", limit=3)
    ids = _ids(result)
    family = {"psc-119-alpha", "psc-119-beta"}
    assert ids[0] in family
    assert not family & set(ids[1:])
    # With room for everything, the other member is still returned, marked as grouped.
    full = recommender.recommend("ambulans lambat datang darurat", limit=10)
    other = next(m for m in full.matches if m.innovation.id in family - {ids[0]})
    assert other.grouped_with == ids[0]


def test_filters_are_exact_and_never_lose_results(recommender: Recommender) -> None:
    result = recommender.recommend("layanan warga", Filters(level=("kota",)), limit=10)
    assert {m.innovation.level for m in result.matches} == {"kota"}
    assert len(result.matches) == result.candidates == 5
    tiered = recommender.recommend("layanan", Filters(award_tier="top-40"), limit=10)
    assert set(_ids(tiered)) == {"akta-lahir-gamma", "pajak-online-epsilon"}


def test_a_filter_nothing_passes_returns_no_matches(recommender: Recommender) -> None:
    result = recommender.recommend("ambulans", Filters(province=("Aceh",)))
    assert result.matches == [] and result.no_good_match


def test_every_score_component_is_returned_and_adds_up(recommender: Recommender) -> None:
    match = recommender.recommend("pajak daerah online", limit=1).matches[0]
    c = match.components
    assert {
        "dense_hashing-256",
        "bm25",
        "chars",
        "relevance",
        "award",
        "evidence",
        "replications",
        "status",
        "recency",
        "same_level",
        "same_province",
    } <= set(c)
    adjustments = sum(v for k, v in c.items() if k not in {"dense_hashing-256", "bm25", "chars", "relevance"})
    assert match.score == pytest.approx(c["relevance"] + adjustments, abs=1e-5)
    assert c["award"] > 0 and c["evidence"] > 0


def test_stopped_innovations_are_flagged_and_pushed_down(recommender: Recommender) -> None:
    match = next(
        m for m in recommender.recommend("demam berdarah DBD jentik").matches if m.innovation.id == "dbd-zeta"
    )
    assert "berhenti" in match.flags and match.components["status"] < 0


def test_the_reason_names_matched_words_and_highlights_them(recommender: Recommender) -> None:
    match = recommender.recommend("akta kelahiran bayi", limit=1).matches[0]
    assert {"akta", "kelahiran", "bayi"} <= {w.lower() for w in match.matched_terms}
    assert match.passage is not None and match.passage.highlights
    start, end = match.passage.highlights[0]
    assert match.passage.text[start:end].lower() in {"akta", "kelahiran", "bayi", "lahir"}


def test_context_fit_raises_same_level_and_province(recommender: Recommender) -> None:
    plain = recommender.recommend("layanan", limit=10)
    asked = recommender.recommend("layanan", asker=Asker("kota", "Jawa Timur"), limit=10)
    gamma = next(m for m in asked.matches if m.innovation.id == "akta-lahir-gamma")
    assert gamma.components["same_level"] > 0 and gamma.components["same_province"] > 0
    before = next(m for m in plain.matches if m.innovation.id == "akta-lahir-gamma")
    assert gamma.score > before.score


def test_more_like_this_excludes_itself(recommender: Recommender) -> None:
    ids = _ids(recommender.similar("psc-119-alpha", limit=3))
    assert "psc-119-alpha" not in ids and ids[0] == "psc-119-beta"
    with pytest.raises(UnknownInnovation):
        recommender.similar("tidak-ada")


@pytest.mark.parametrize("problem", ["", "   ", "x" * 5001])
def test_bad_problems_name_the_field(recommender: Recommender, problem: str) -> None:
    with pytest.raises(InvalidRecord) as err:
        recommender.recommend(problem)
    assert err.value.field == "problem"


def test_bad_limit_names_the_field(recommender: Recommender) -> None:
    with pytest.raises(InvalidRecord, match="limit"):
        recommender.recommend("ambulans", limit=0)


def test_not_ready_until_an_index_is_loaded(tmp_path, encoder) -> None:
    from recommender.workspace import open_recommender
    from tests.conftest import TINY

    with pytest.raises(IndexNotReady):
        open_recommender(tmp_path, encoder, seed=TINY).recommend("ambulans")


def test_a_catalogue_change_is_picked_up_by_ensure_index(recommender: Recommender) -> None:
    item = recommender.catalogue.get("bank-sampah-delta")
    recommender.catalogue.delete(item.id)
    recommender.ensure_index()
    assert "bank-sampah-delta" not in _ids(recommender.recommend("bank sampah", limit=10))


def test_an_emptied_catalogue_still_indexes_and_answers_with_nothing(recommender: Recommender) -> None:
    for item in recommender.catalogue.all():
        recommender.catalogue.delete(item.id)
    recommender.rebuild()
    result = recommender.recommend("ambulans lambat")
    assert result.matches == [] and result.no_good_match
    recommender.ensure_index()
    assert recommender.ready


def test_nonsense_is_flagged_whatever_its_length(recommender: Recommender) -> None:
    for repeat in (1, 5, 40):
        result = recommender.recommend(" ".join(["xqzv blorp fnord"] * repeat))
        assert result.no_good_match and result.match_probability == 0.0
        assert result.signals["nonsense"] == 1.0


def test_the_no_match_signals_are_reported(recommender: Recommender) -> None:
    result = recommender.recommend("ambulans lambat datang saat darurat")
    assert 0.0 < result.match_probability <= 1.0
    assert {"dense_cosine", "bm25_normalised", "agreement", "known_share", "log_length", "english"} <= set(
        result.signals
    )
    assert result.signals["known_share"] == 1.0 and result.signals["nonsense"] == 0.0
