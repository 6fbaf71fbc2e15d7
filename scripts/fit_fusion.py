"""Fit and cross-validate the learned fusion on the dev set: python -m scripts.fit_fusion."""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from recommender import markdown
from recommender.evaluation import Query, load_qrels, load_queries, mean_metrics, metrics
from recommender.filters import Filters
from recommender.fusion import FEATURES, MODEL_FILE, FusionModel, from_linear
from recommender.workspace import BUNDLED_CATALOGUE, open_recommender
from scripts.query_set import add_query_set, missing_file
from service.settings import Settings

FOLDS, REPEATS = 5, 10  # k-fold grouped by query, repeated with other seeds; figures are means
METHODS = ("pointwise", "graded", "pairwise", "anchored")
C = 0.1  # inverse L2 strength of the logistic regressions, fixed before any held-out figure
ANCHOR_L2 = 0.03  # L2 on the corrections of the anchored fit (0.3 and 0.003: docs/quality.md)


@dataclass
class Sample:
    """One query's candidates: features, grades, and the adjustments added after relevance."""

    query: Query
    docs: np.ndarray
    x: np.ndarray
    grades: np.ndarray
    extra: np.ndarray  # replication value (the asker is unknown: no context)
    ids: list[str]


def samples(recommender: Any, queries: list[Query], qrels: dict[str, dict[str, int]]) -> list[Sample]:
    """Candidates and features of every query as the shipped ranker sees them."""
    plain = recommender.with_config(replace(recommender.config, learned_fusion=False))
    state = plain._require_state()
    out = []
    for query in queries:
        vectors = [enc.encode_queries([query.text])[0] for enc in plain.encoders]
        c = state.candidates(query.text, vectors, Filters.from_mapping(query.filters))
        if c is None:
            continue
        ids = [state.items[int(r)].id for r in c.docs]
        grades = qrels.get(query.id, {})
        out.append(
            Sample(
                query,
                c.docs,
                state.features(query.text, c),
                np.array([grades.get(i, 0) for i in ids], dtype=np.float64),
                state.value[c.docs].astype(np.float64),
                ids,
            )
        )
    return out


def _standardise(rows: list[Sample]) -> tuple[np.ndarray, np.ndarray]:
    x = np.vstack([s.x for s in rows])
    return x.mean(axis=0), np.maximum(x.std(axis=0), 1e-9)


def fit(rows: list[Sample], method: str, c: float = C) -> FusionModel:
    """Logistic regression over standardised features: pointwise (relevant or not), graded
    (each candidate weighted by its grade), or pairwise (the better of two candidates of one
    query, weighted by the grade difference)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = _standardise(rows)
    if method == "anchored":
        return _anchored(rows, mean, scale, ANCHOR_L2)
    if method == "pairwise":
        d, _, w = _pairs(rows, mean, scale)
        # Both orientations, so the model needs no intercept and stays symmetric.
        model = LogisticRegression(C=c, max_iter=2000, fit_intercept=False)
        model.fit(
            np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))], sample_weight=np.r_[w, w] * len(d)
        )
    else:
        x = (np.vstack([s.x for s in rows]) - mean) / scale
        grades = np.concatenate([s.grades for s in rows])
        weight = np.where(grades > 0, grades, 1.0) if method == "graded" else None
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(x, grades > 0, sample_weight=weight)
    return from_linear(model.coef_[0], mean, scale, method)


def _pairs(
    rows: list[Sample], mean: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(standardised feature differences, fused differences, weights) of every pair of one
    query's candidates with different grades, the better first, weighted by the grade gap."""
    at = FEATURES.index("fused")
    diffs, fused, weights = [], [], []
    for s in rows:
        z = (s.x - mean) / scale
        better, worse = np.nonzero(s.grades[:, None] > s.grades[None, :])
        diffs.append(z[better] - z[worse])
        fused.append(s.x[better, at] - s.x[worse, at])
        weights.append(s.grades[better] - s.grades[worse])
    w = np.concatenate(weights)
    return np.vstack(diffs), np.concatenate(fused), w / max(float(w.sum()), 1e-9)


def _anchored(rows: list[Sample], mean: np.ndarray, scale: np.ndarray, l2: float) -> FusionModel:
    """Pairwise logistic loss on a * fused + corrections, with L2 on the corrections only: the
    regularisation pulls towards the z-score fusion, not towards a constant."""
    from scipy.optimize import minimize

    others = [i for i, f in enumerate(FEATURES) if f != "fused"]
    d, o, w = _pairs(rows, mean, scale)
    d = d[:, others]

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        margin = p[0] * o + d @ p[1:]
        slope = -w / (1.0 + np.exp(margin))
        grad = np.concatenate([[slope @ o], d.T @ slope + 2 * l2 * p[1:]])
        return float(w @ np.logaddexp(0.0, -margin) + l2 * p[1:] @ p[1:]), grad

    fitted = minimize(loss, np.r_[1.0, np.zeros(len(others))], jac=True, method="L-BFGS-B").x
    coef = np.zeros(len(FEATURES))
    coef[others] = fitted[1:] / max(float(fitted[0]), 1e-9)
    return FusionModel(
        FEATURES,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in coef),
        "anchored",
    )


def ranked_ids(recommender: Any, sample: Sample, relevance: np.ndarray, limit: int = 50) -> list[str]:
    """The full ranker's order for a given relevance: + replication value, then diversity."""
    state = recommender._require_state()
    final = relevance + sample.extra
    order = [int(sample.docs[i]) for i in np.lexsort((sample.docs, -final))]
    order, _ = state._diversify(order, limit)
    return [state.items[r].id for r in order[:limit]]


def _figures(per_query: dict[str, dict[str, float]], rows: list[Sample]) -> dict[str, Any]:
    by_kind = defaultdict(list)
    for s in rows:
        by_kind[s.query.kind].append(per_query[s.query.id])
    return {
        **mean_metrics(list(per_query.values())),
        "by_kind": {k: mean_metrics(v) for k, v in sorted(by_kind.items())},
    }


def evaluate(
    recommender: Any, rows: list[Sample], qrels: dict[str, dict[str, int]], model: FusionModel | None
) -> dict[str, dict[str, float]]:
    """Per-query metrics of the full ranker with this fusion (None: the z-score fusion)."""
    out = {}
    for s in rows:
        relevance = model.score(s.x) if model is not None else s.x[:, FEATURES.index("fused")]
        out[s.query.id] = metrics(ranked_ids(recommender, s, relevance), qrels[s.query.id])
    return out


def cross_validated(
    recommender: Any, rows: list[Sample], qrels: dict[str, dict[str, int]], methods: tuple[str, ...] = METHODS
) -> dict[str, Any]:
    """Each method's held-out figures: folds grouped by query, REPEATS seeds averaged."""
    judged = [s for s in rows if s.grades.max() > 0]
    result: dict[str, Any] = {
        "folds": FOLDS,
        "repeats": REPEATS,
        "c": C,
        "queries": len(judged),
        "z-score": _figures(evaluate(recommender, judged, qrels, None), judged),
    }
    for method in methods:
        runs = []
        for seed in range(REPEATS):
            fold = np.random.default_rng(seed).permutation(len(judged)) % FOLDS
            per_query: dict[str, dict[str, float]] = {}
            for k in range(FOLDS):
                train = [s for s, f in zip(judged, fold, strict=True) if f != k]
                test = [s for s, f in zip(judged, fold, strict=True) if f == k]
                per_query.update(evaluate(recommender, test, qrels, _fit_or_none(train, method)))
            runs.append(_figures(per_query, judged))
        result[method] = _mean_of(runs)
    return result


def _fit_or_none(rows: list[Sample], method: str) -> FusionModel | None:
    """A fold's fit; a model that gives the fused score no positive weight would not be
    shipped, so that fold keeps the z-score fusion."""
    try:
        return fit(rows, method)
    except ValueError:
        return None


def _mean_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k in runs[0] if k != "by_kind"]
    return {
        **{k: float(np.mean([r[k] for r in runs])) for k in keys},
        "by_kind": {
            kind: {m: float(np.mean([r["by_kind"][kind][m] for r in runs])) for m in runs[0]["by_kind"][kind]}
            for kind in runs[0]["by_kind"]
        },
    }


def report(figures: dict[str, Any]) -> str:
    systems = [n for n in ("z-score", *METHODS) if n in figures]
    kinds = list(figures["z-score"]["by_kind"])
    title = (
        f"\nLearned fusion, cross-validated ({figures['folds']}-fold grouped by query, mean "
        f"of {figures['repeats']} splits, {figures['queries']} judged queries; full ranker "
        f"nDCG@10)"
    )
    rows = (
        [
            name,
            f"{f['ndcg@10']:.3f}",
            *(f"{f['by_kind'][k]['ndcg@10']:.3f}" for k in kinds),
            f"{f['mrr@10']:.3f}",
        ]
        for name, f in ((n, figures[n]) for n in systems)
    )
    return "\n".join([title, *markdown.table(["fusion", "all", *kinds, "mrr@10"], rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.fit_fusion", description=__doc__)
    add_query_set(parser)
    parser.add_argument("--method", choices=METHODS, default="pairwise")
    parser.add_argument("--out", type=Path, help=f"write the fitted model (e.g. {MODEL_FILE})")
    parser.add_argument("--data-dir", type=Path, help="reuse this data directory between runs")
    args = parser.parse_args(argv)
    if missing_file("fit_fusion", (args.queries, args.qrels)):
        return 2
    with tempfile.TemporaryDirectory(prefix="replikasi-fusion-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        settings = Settings().model_copy(update={"data_dir": data_dir})
        recommender = open_recommender(data_dir, settings.load_encoders(), seed=BUNDLED_CATALOGUE)
        recommender.ensure_index()
        qrels = load_qrels(args.qrels)
        rows = samples(recommender, load_queries(args.queries), qrels)
        print(report(cross_validated(recommender, rows, qrels)))
        judged = [s for s in rows if s.grades.max() > 0]
        model = fit(judged, args.method)
    print(f"\n{args.method} weights (relevance = fused + these x standardised feature):")
    print(", ".join(f"{f} {c:+.3f}" for f, c in zip(model.features, model.coef, strict=True)))
    if args.out:
        model.save(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
