"""Score fusion, replication value, context fit and diversity: every component is kept for the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from recommender.filters import Asker, this_year
from recommender.record import Innovation


@dataclass(frozen=True)
class RankingConfig:
    """Ranking parameters; defaults are chosen on the development set (docs/quality.md)."""

    dense_weight: float = 0.7  # the lexical leg gets 1 - dense_weight
    # Field groups encoded as separate dense passages; an innovation scores its best passage.
    passages: tuple[tuple[str, ...], ...] = (
        ("name", "problem"), ("solution",), ("name", "problem", "solution"),
    )
    lexical_fields: dict[str, float] = field(default_factory=lambda: {
        "name": 2.0, "problem": 2.0, "solution": 1.0, "outcomes": 0.5,
    })
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    award_bonus: dict[str, float] = field(default_factory=lambda: {
        "penghargaan-lain": 0.005, "top-99": 0.01, "top-40": 0.015, "unpsa": 0.02,
    })
    evidence_bonus: float = 0.01  # outcomes that report numbers
    replication_bonus: float = 0.005  # per known adopter, capped
    replication_cap: int = 4
    stopped_penalty: float = 0.15
    recency_bonus: float = 0.005  # innovations of the last five years
    context_level_bonus: float = 0.01
    context_province_bonus: float = 0.005
    near_duplicate_cosine: float = 0.95
    no_match_threshold: float = 0.35  # on the raw dense cosine of the best result


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] over the candidates; a constant vector maps to zeros."""
    if not len(scores):
        return scores.astype(np.float32)
    low, high = float(scores.min()), float(scores.max())
    if high - low < 1e-9:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - low) / (high - low)).astype(np.float32)


def fuse(dense: np.ndarray, lexical: np.ndarray, dense_weight: float) -> np.ndarray:
    """Weighted sum of min-max normalised legs: float32, (n,)."""
    return (dense_weight * minmax(dense) + (1 - dense_weight) * minmax(lexical)).astype(np.float32)


_NUMBER = re.compile(r"\d")


def value_components(item: Innovation, config: RankingConfig) -> dict[str, float]:
    """Replication value: small, explained adjustments added to relevance."""
    tier = item.award_tier
    adopters = len(item.replicated_by) + sum("replikasi" in a.lower() for a in item.awards)
    recent = item.year is not None and item.year >= this_year() - 5
    return {
        "award": config.award_bonus.get(tier, 0.0) if tier else 0.0,
        "evidence": config.evidence_bonus if item.outcomes and _NUMBER.search(item.outcomes)
        else 0.0,
        "replications": config.replication_bonus * min(adopters, config.replication_cap),
        "status": -config.stopped_penalty if item.status == "berhenti" else 0.0,
        "recency": config.recency_bonus if recent else 0.0,
    }


def context_components(item: Innovation, asker: Asker, config: RankingConfig) -> dict[str, float]:
    same_level = asker.level is not None and item.level == asker.level
    same_province = (asker.province is not None and item.province is not None
                     and item.province.casefold() == asker.province.casefold())
    return {
        "same_level": config.context_level_bonus if same_level else 0.0,
        "same_province": config.context_province_bonus if same_province else 0.0,
    }


def family(item: Innovation) -> str:
    """Replicas and their source share one family."""
    return item.replication_of or item.id


def diversify(order: list[int], items: list[Innovation], vectors: np.ndarray, k: int,
              threshold: float) -> tuple[list[int], dict[int, int]]:
    """Keep one member per family or near-duplicate group in the first k; defer the others.

    order: candidate rows, best first; vectors: float32 (n, dim) unit document vectors.
    Returns the new order (same rows, nothing dropped) and, for each deferred row, the row
    it was grouped with. Deferred rows follow the kept ones, so filters never lose results.
    """
    kept: list[int] = []
    deferred: list[int] = []
    grouped_with: dict[int, int] = {}
    families: dict[str, int] = {}
    horizon = order[: max(k * 3, k + 20)]
    for row in horizon:
        fam = family(items[row])
        twin = families.get(fam)
        if twin is None and kept and len(kept) < k:
            sims = vectors[kept] @ vectors[row]
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                twin = kept[best]
        if twin is not None and len(kept) < k:
            deferred.append(row)
            grouped_with[row] = twin
            continue
        kept.append(row)
        families.setdefault(fam, row)
    return kept + deferred + order[len(horizon):], grouped_with


def doc_vectors(passage_vectors: np.ndarray, passage_doc: np.ndarray, n_docs: int) -> np.ndarray:
    """Mean passage vector per document, renormalised: float32, (n_docs, dim)."""
    dim = passage_vectors.shape[1] if passage_vectors.ndim == 2 else 0
    sums = np.zeros((n_docs, dim), dtype=np.float32)
    np.add.at(sums, passage_doc, passage_vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return sums / norms
