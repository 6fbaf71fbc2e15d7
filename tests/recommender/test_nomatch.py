from pathlib import Path

import pytest

from recommender.nomatch import (
    FEATURES,
    NoMatchModel,
    cross_validate,
    fit,
    flag_figures,
    shipped_model,
    value,
)


def _signals(cosine: float, coverage: float, **extra: float) -> dict[str, float]:
    base = {
        "dense_cosine": cosine,
        "idf_coverage": coverage,
        "bm25_normalised": coverage,
        "agreement": 1.0,
        "known_share": 1.0,
        "log_length": 2.0,
        "english": 0.0,
    }
    return {**base, **extra}


def _labelled() -> tuple[list[dict[str, float]], list[bool]]:
    good = [_signals(0.5 + i / 100, 0.4 + i / 100) for i in range(12)]
    bad = [_signals(0.15 + i / 100, 0.05 + i / 100) for i in range(12)]
    return good + bad, [True] * 12 + [False] * 12


def test_the_shipped_model_is_json_over_the_documented_features() -> None:
    model = shipped_model()
    assert model.features == FEATURES and len(model.coef) == len(FEATURES)
    assert 0 < model.threshold < 1


def test_a_higher_cosine_and_idf_coverage_mean_a_likelier_match() -> None:
    model = shipped_model()
    assert model.probability(_signals(0.6, 0.6)) > model.probability(_signals(0.2, 0.1))
    assert model.probability(_signals(0.4, 0.5)) > model.probability(_signals(0.4, 0.2))
    assert model.probability(_signals(0.5, 0.3)) > model.probability(_signals(0.3, 0.3))


def test_a_very_low_cosine_is_flagged_even_when_the_few_known_words_all_match() -> None:
    # Few known words, all in one document: the BM25 ceiling ratio is high, the IDF mass the
    # document covers is not, since the query's unknown words weigh as words in no document.
    signals = _signals(0.18, 0.35, bm25_normalised=0.6, known_share=0.5)
    model = shipped_model()
    assert model.flags(model.probability(signals))


def test_english_queries_are_not_penalised_for_their_lexical_coverage() -> None:
    assert value(_signals(0.5, 0.4, english=1.0), "idf_coverage_indonesian") == 0.0
    assert value(_signals(0.5, 0.4), "idf_coverage_indonesian") == 0.4
    assert value(_signals(0.5, 0.4, english=1.0), "dense_cosine_english") == 0.5
    model = shipped_model()
    assert not model.flags(model.probability(_signals(0.55, 0.0, english=1.0)))


def test_a_model_over_other_features_fits_and_reads_reported_signals() -> None:
    signals, labels = _labelled()
    model = fit(signals, labels, features=("dense_cosine", "agreement"))
    assert model.features == ("dense_cosine", "agreement") and len(model.coef) == 2
    assert value({"dense_cosine": 0.3}, "agreement") == 0.0  # an absent signal reads as 0


def test_nonsense_has_probability_zero_whatever_the_other_signals() -> None:
    model = shipped_model()
    assert model.probability(_signals(0.9, 0.9, nonsense=1.0)) == 0.0
    assert model.flags(0.0)


def test_fit_saves_and_loads_the_same_model(tmp_path: Path) -> None:
    signals, labels = _labelled()
    model = fit(signals, labels)
    assert model.probability(signals[0]) > 0.5 > model.probability(signals[-1])
    model.save(tmp_path / "m.json")
    assert NoMatchModel.load(tmp_path / "m.json") == model
    # A file without its threshold is refused rather than flagging at the default.
    saved = (tmp_path / "m.json").read_text()
    (tmp_path / "m.json").write_text(saved.replace('"threshold"', '"unused"'))
    with pytest.raises(KeyError, match="threshold"):
        NoMatchModel.load(tmp_path / "m.json")


def test_cross_validation_scores_each_query_out_of_fold() -> None:
    signals, labels = _labelled()
    probabilities = cross_validate(signals, labels, folds=4)
    figures = flag_figures(probabilities, labels, 0.5)
    assert figures["recall"] == pytest.approx(1.0) and figures["precision"] == pytest.approx(1.0)


def test_flag_figures_count_the_no_match_class() -> None:
    figures = flag_figures([0.1, 0.9, 0.2, 0.8], [False, False, True, True], 0.5)
    assert figures == {"precision": 0.5, "recall": 0.5, "flagged": 2, "gaps": 2, "caught": 1}
