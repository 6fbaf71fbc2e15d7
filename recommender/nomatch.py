"""Calibrated "no good match": a small logistic regression over query signals, saved as JSON."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from recommender.modelfile import load_model, save_model

MODEL_FILE = Path(__file__).with_name("no_match.json")
# The model's inputs, in its order: signals the ranker reports (recommender/signals.py) or
# DERIVED from them. Chosen by repeated k-fold CV against the other sets in scripts.fit_no_match.
FEATURES = ("dense_cosine", "idf_coverage_indonesian", "english", "dense_cosine_english")
# English words are mostly unknown to the Indonesian lexical index, so its coverage says nothing
# about an English query: coverage counts for Indonesian queries only, and English queries get
# a cosine slope of their own.
DERIVED: dict[str, Callable[[Mapping[str, float]], float]] = {
    "idf_coverage_indonesian": lambda s: s.get("idf_coverage", 0.0) * (1 - s.get("english", 0.0)),
    "dense_cosine_english": lambda s: s.get("dense_cosine", 0.0) * s.get("english", 0.0),
    "known_share_x_bm25": lambda s: s.get("known_share", 0.0) * s.get("bm25_normalised", 0.0),
    "low_dense": lambda s: max(0.0, 0.3 - s.get("dense_cosine", 0.0)),
}
# Flag below this probability unless a fit says otherwise: scripts.fit_no_match saves, with the
# weights, the highest threshold whose cross-validated judged flags stay within one in ten.
THRESHOLD = 0.25


def value(signals: Mapping[str, float], feature: str) -> float:
    """One model input: a reported signal, or one DERIVED from them (0 when absent)."""
    derive = DERIVED.get(feature)
    return derive(signals) if derive else signals.get(feature, 0.0)


@dataclass(frozen=True)
class NoMatchModel:
    """P(the best result is relevant) = sigmoid(intercept + coef . standardised features)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = THRESHOLD  # flag "no good match" below this probability

    def probability(self, signals: dict[str, float]) -> float:
        if signals.get("nonsense"):
            return 0.0  # no word the catalogue or either language knows: nothing can fit
        z = self.intercept + sum(
            c * (value(signals, f) - m) / s
            for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def flags(self, probability: float) -> bool:
        return probability < self.threshold

    def save(self, path: Path = MODEL_FILE) -> None:
        save_model(self, path)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> NoMatchModel:
        return load_model(cls, path)


@lru_cache(maxsize=1)
def shipped_model() -> NoMatchModel:
    """The model fitted by ``python -m scripts.fit_no_match`` (docs/quality.md)."""
    return NoMatchModel.load()


def matrix(signals: Sequence[dict[str, float]], features: Sequence[str] = FEATURES) -> np.ndarray:
    """Feature rows of many queries: float64, (n, len(features))."""
    return np.array([[value(s, f) for f in features] for s in signals], dtype=np.float64)


def fit(
    signals: Sequence[dict[str, float]],
    relevant: Sequence[bool],
    threshold: float = THRESHOLD,
    c: float = 1.0,
    features: Sequence[str] = FEATURES,
) -> NoMatchModel:
    """Fit on labelled queries (relevant: the best result is relevant); nonsense rows are left
    out, the rule decides them."""
    from sklearn.linear_model import LogisticRegression

    keep = [i for i, s in enumerate(signals) if not s.get("nonsense")]
    x = matrix([signals[i] for i in keep], features)
    y = np.array([bool(relevant[i]) for i in keep])
    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-9)
    # Unweighted classes: the probability stays calibrated; the threshold sets the trade-off.
    model = LogisticRegression(C=c, max_iter=1000)
    model.fit((x - mean) / scale, y)
    return NoMatchModel(
        tuple(features),
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in model.coef_[0]),
        float(model.intercept_[0]),
        threshold,
    )


def cross_validate(
    signals: Sequence[dict[str, float]],
    relevant: Sequence[bool],
    folds: int = 5,
    seed: int = 0,
    features: Sequence[str] = FEATURES,
) -> list[float]:
    """Out-of-fold probabilities: each query scored by a model fitted without its fold."""
    order = np.random.default_rng(seed).permutation(len(signals))
    # Stratified: positives and negatives dealt round-robin over the folds.
    fold_of = np.zeros(len(signals), dtype=np.int64)
    for label in (True, False):
        rows = [i for i in order if bool(relevant[i]) == label]
        fold_of[rows] = np.arange(len(rows)) % folds
    out = [0.0] * len(signals)
    for k in range(folds):
        train = [i for i in range(len(signals)) if fold_of[i] != k]
        model = fit([signals[i] for i in train], [relevant[i] for i in train], features=features)
        for i in np.flatnonzero(fold_of == k):
            out[int(i)] = model.probability(signals[int(i)])
    return out


def flag_figures(
    probabilities: Sequence[float], relevant: Sequence[bool], threshold: float = THRESHOLD
) -> dict[str, float]:
    """Precision and recall of the flag, whose positive class is 'no good match'."""
    flagged = [p < threshold for p in probabilities]
    gaps = [not r for r in relevant]
    hit = sum(f and g for f, g in zip(flagged, gaps, strict=True))
    return {
        "precision": hit / max(sum(flagged), 1),
        "recall": hit / max(sum(gaps), 1),
        "flagged": sum(flagged),
        "gaps": sum(gaps),
        "caught": hit,
    }
