"""Learned fusion: a linear correction of the fused relevance over each candidate's features."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from recommender.modelfile import load_model, save_model

MODEL_FILE = Path(__file__).with_name("fusion.json")
# Per-candidate features (SearchState.features), in the model's order. "fused" is the z-score
# fusion; the others correct it. Query-level signals enter as interactions only: a constant
# over one query's candidates cannot change its order.
FEATURES = (
    "fused",
    "dense",
    "bm25",
    "chars",  # each leg z-scored over the catalogue
    "cos_whole",
    "cos_passage",  # raw cosines: whole text, best single passage
    "rank_dense",
    "rank_bm25",
    "rank_chars",  # log(1 + the leg's rank among the candidates)
    "coverage",  # IDF-weighted share of the query's known terms the document holds
    "name_match",  # share of the query's terms in the innovation's name
    "english_dense",  # English query x dense z (the lexical legs are off for English)
    "length_bm25",  # log query length x BM25 z (short keyword queries lean on BM25)
    "length_coverage",  # log query length x coverage
)


@dataclass(frozen=True)
class FusionModel:
    """relevance = fused + sum_i coef_i * (x_i - mean_i) / scale_i (coef of fused is 0).

    The weights are those of a linear model divided by its weight on ``fused``, so the
    relevance keeps the fused score's z units and the replication value adds as before.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    method: str = ""

    def _standardised(self, x: np.ndarray) -> np.ndarray:
        return (x - np.asarray(self.mean)) / np.asarray(self.scale)

    def score(self, x: np.ndarray) -> np.ndarray:
        """Relevance of candidates with features x (m, len(features)): float32, (m,)."""
        fused = x[:, self.features.index("fused")]
        return (fused + self._standardised(x) @ np.asarray(self.coef)).astype(np.float32)

    def contributions(self, row: np.ndarray) -> dict[str, float]:
        """What each feature adds to one candidate's relevance (zero weights left out)."""
        parts = self._standardised(row[None, :])[0] * np.asarray(self.coef)
        return {
            f"learned_{f}": float(v) for f, v, c in zip(self.features, parts, self.coef, strict=True) if c
        }

    def save(self, path: Path = MODEL_FILE) -> None:
        save_model(self, path)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> FusionModel:
        model = load_model(cls, path, optional=("method",))
        if model.features != FEATURES:
            raise ValueError(f"{path}: features {model.features} are not {FEATURES}")
        return model


@lru_cache(maxsize=1)
def shipped_fusion() -> FusionModel | None:
    """The model fitted by ``python -m scripts.fit_fusion``; None when none is shipped."""
    return FusionModel.load() if MODEL_FILE.is_file() else None


def from_linear(
    weights: Sequence[float] | np.ndarray,
    mean: Sequence[float] | np.ndarray,
    scale: Sequence[float] | np.ndarray,
    method: str,
) -> FusionModel:
    """A fitted linear model over standardised FEATURES, rescaled to fused's z units."""
    w = np.asarray(weights, dtype=np.float64)
    at = FEATURES.index("fused")
    # Relevance = x_fused + sum of the others; the fused term's own weight becomes 1 / scale.
    if w[at] <= 1e-9:
        raise ValueError("the fitted model gives the fused score no positive weight")
    unit = w[at] / scale[at]
    coef = w / unit
    coef[at] = 0.0
    return FusionModel(
        FEATURES,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in coef),
        method,
    )


def log_rank(values: np.ndarray) -> np.ndarray:
    """log(1 + rank) of each value among the candidates, best (highest) first."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(len(values))
    return np.log1p(ranks)


def query_length(tokens: int) -> float:
    return math.log1p(tokens)
