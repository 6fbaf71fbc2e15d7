from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from recommender import search
from recommender.engine import Recommender
from recommender.evaluation import Query
from recommender.fusion import FEATURES, FusionModel, from_linear, log_rank, shipped_fusion
from scripts.fit_fusion import Sample, fit

AT = FEATURES.index("coverage")


def _model(weight: float = 0.5) -> FusionModel:
    coef = [0.0] * len(FEATURES)
    coef[AT] = weight
    return FusionModel(
        FEATURES, tuple([0.5] * len(FEATURES)), tuple([0.25] * len(FEATURES)), tuple(coef), "test"
    )


def test_relevance_is_the_fused_score_plus_each_explained_contribution() -> None:
    model = _model()
    x = np.random.default_rng(0).random((4, len(FEATURES)))
    relevance = model.score(x)
    for row, value in zip(x, relevance, strict=True):
        parts = model.contributions(row)
        assert list(parts) == ["learned_coverage"]  # zero weights are left out
        assert value == pytest.approx(row[FEATURES.index("fused")] + sum(parts.values()), abs=1e-5)


def test_the_model_is_saved_as_json_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "fusion.json"
    _model().save(path)
    assert path.read_text().lstrip().startswith("{")
    assert FusionModel.load(path) == _model()


def test_a_model_file_from_before_the_method_field_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "fusion.json"
    _model().save(path)
    path.write_text(path.read_text().replace('"method": "test"', '"unused": 0'))
    assert FusionModel.load(path) == replace(_model(), method="")


def test_a_model_over_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fusion.json"
    replace(_model(), features=FEATURES[:-1]).save(path)
    with pytest.raises(ValueError, match="features"):
        FusionModel.load(path)


def test_rescaling_to_fused_units_keeps_the_linear_models_order() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((30, len(FEATURES)))
    mean, scale = x.mean(axis=0), x.std(axis=0)
    weights = rng.normal(size=len(FEATURES))
    weights[FEATURES.index("fused")] = 2.0
    linear = ((x - mean) / scale) @ weights
    assert np.array_equal(np.argsort(from_linear(weights, mean, scale, "t").score(x)), np.argsort(linear))


def test_log_rank_puts_the_best_value_first() -> None:
    assert log_rank(np.array([0.1, 0.9, 0.5])).tolist() == pytest.approx([np.log(3), 0.0, np.log(2)])


def test_no_learned_fusion_is_shipped_so_relevance_stays_the_zscore_fusion() -> None:
    # Cross-validated it did not beat the z-score fusion (docs/quality.md).
    assert shipped_fusion() is None


def test_every_candidate_gets_every_feature(recommender: Recommender) -> None:
    state = recommender._require_state()
    text = "antrean panjang di puskesmas"
    vectors = [e.encode_queries([text])[0] for e in recommender.encoders]
    from recommender.filters import Filters

    c = state.candidates(text, vectors, Filters())
    assert c is not None
    x = state.features(text, c)
    assert x.shape == (len(c.docs), len(FEATURES)) and np.isfinite(x).all()
    assert np.allclose(x[:, FEATURES.index("fused")], c.fused)
    assert ((0 <= x[:, AT]) & (x[:, AT] <= 1 + 1e-9)).all()


def test_a_shipped_model_reranks_and_explains_each_result(
    recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "shipped_fusion", lambda: _model(5.0))
    result = recommender.recommend("antrean panjang di puskesmas", limit=3)
    top = result.matches[0].components
    learned = {k: v for k, v in top.items() if k.startswith("learned_")}
    assert learned and top["relevance"] == pytest.approx(top["fused"] + sum(learned.values()), abs=1e-4)
    plain = recommender.with_config(replace(recommender.config, learned_fusion=False))
    assert "fused" not in plain.recommend("antrean panjang di puskesmas").matches[0].components


def _sample(seed: int) -> Sample:
    rng = np.random.default_rng(seed)
    x = rng.random((20, len(FEATURES)))
    x[:, FEATURES.index("fused")] = 0.3 * x[:, AT] + 0.7 * x[:, FEATURES.index("fused")]
    grades = np.where(x[:, AT] > 0.7, 3, np.where(x[:, AT] > 0.5, 1, 0)).astype(float)
    return Sample(
        Query(f"q{seed}", "t", "k"), np.arange(20), x, grades, np.zeros(20), [str(i) for i in range(20)]
    )


@pytest.mark.parametrize("method", ["pointwise", "graded", "pairwise", "anchored"])
def test_fitting_finds_the_feature_that_predicts_the_grades(method: str) -> None:
    model = fit([_sample(s) for s in range(8)], method, c=10.0)
    coef = np.abs(model.coef)
    assert int(np.argmax(coef)) == AT and model.coef[AT] > 0


def test_an_english_query_reaches_the_lexical_legs_through_the_lexicon(recommender: Recommender) -> None:
    text = "birth certificate at the hospital"
    result = recommender.recommend(text, limit=3)
    assert result.matches[0].innovation.id == "akta-lahir-gamma"
    assert result.matches[0].components["bm25"] > 0


def test_the_no_match_signals_read_the_query_not_its_translation(recommender: Recommender) -> None:
    text = "the akta for a birth at the hospital"  # "akta" is known untranslated too
    on = recommender.recommend(text, limit=3).signals
    off = recommender.with_config(replace(recommender.config, english_lexicon_weight=0.0))
    assert 0 < on["bm25_normalised"] == off.recommend(text, limit=3).signals["bm25_normalised"]


@pytest.mark.heavy
def test_cross_validation_reports_every_method_per_kind(recommender: Recommender) -> None:
    from scripts.fit_fusion import METHODS, cross_validated, report, samples

    ids = [i.id for i in recommender.items]
    queries = [
        Query(f"q{n}", text, kind)
        for n, (text, kind) in enumerate(
            [
                ("antrean puskesmas", "keywords"),
                ("akta kelahiran bayi", "keywords"),
                ("sampah rumah tangga", "paraphrase"),
                ("pajak daerah online", "paraphrase"),
                ("gawat darurat ambulans", "keywords"),
            ]
            * 2
        )
    ]
    qrels = {q.id: {ids[n % len(ids)]: 2} for n, q in enumerate(queries)}
    figures = cross_validated(recommender, samples(recommender, queries, qrels), qrels)
    assert set(METHODS) <= set(figures) and figures["queries"] == len(queries)
    assert set(figures["z-score"]["by_kind"]) == {"keywords", "paraphrase"}
    assert "| anchored |" in report(figures)
