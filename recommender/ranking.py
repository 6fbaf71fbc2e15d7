"""Score fusion, replication value, context fit and diversity: every component is kept for the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from recommender.filters import Asker, this_year
from recommender.record import LEVELS, Innovation
from recommender.replication import Adopter, Ledger, active_governments, adopters_of


@dataclass(frozen=True)
class RankingConfig:
    """Ranking parameters; defaults are chosen on the development set (docs/quality.md)."""

    # Fusion weights of the z-scored signals; dense weights follow the encoders in order.
    dense_weights: tuple[float, ...] = (0.3, 0.2)
    bm25_weight: float = 0.3
    chars_weight: float = 0.2
    english_lexical: bool = False  # English queries share few words with Indonesian texts
    # ...unless translated: with the lexicon (index/english_lexicon.json) the lexical legs of an
    # English query read its Indonesian terms, at this share of their usual weight (0: off).
    english_lexicon_weight: float = 0.5
    english_lexicon_power: float = 1.0  # ... times (share of its words translated) ** this
    # Correct the fused relevance with the learned fusion (recommender/fusion.json) if shipped.
    learned_fusion: bool = True
    # A document's dense score mixes its whole text with its best single passage.
    whole_weight: float = 0.5
    passages: tuple[tuple[str, ...], ...] = (
        ("name", "problem"),
        ("solution",),
        ("outcomes",),
    )
    # The replication kit (only some innovations have one) adds its words at a small weight:
    # dev nDCG@10 0.759 -> 0.767, as a dense passage it changed nothing (docs/quality.md).
    lexical_fields: dict[str, float] = field(
        default_factory=lambda: {
            "name": 1.0,
            "problem": 1.0,
            "solution": 1.0,
            "outcomes": 1.0,
            "prerequisites": 0.25,
            "steps": 0.25,
            "obstacles": 0.25,
        }
    )
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    # Each leg proposes this many documents (dense: twice as many passages); only their
    # union is re-scored and fused (docs/quality.md: K chosen on the development set).
    candidates_per_leg: int = 100
    feedback_docs: int = 3  # pseudo-relevance feedback on the dense legs; 0 turns it off
    feedback_weight: float = 0.2
    # Pseudo-relevance feedback on BM25 (RM3-style): the heaviest terms of the first fusion's
    # best documents join the query at this share of its own terms' weight (0 terms: off).
    # Only for English queries, whose translation lacks most of the documents' words: on every
    # query it cost long and paraphrased ones (docs/quality.md; chosen with cross-validation).
    lexical_feedback_terms: int = 10
    lexical_feedback_docs: int = 5
    lexical_feedback_weight: float = 1.0
    lexical_feedback_english_only: bool = True
    award_bonus: dict[str, float] = field(
        default_factory=lambda: {
            "penghargaan-lain": 0.02,
            "top-99": 0.04,
            "top-40": 0.06,
            "unpsa": 0.08,
        }
    )
    evidence_bonus: float = 0.04  # outcomes that report numbers
    replication_bonus: float = 0.02  # per distinct adopter (registry and replicated_by), capped
    replication_cap: int = 4
    adopter_level_bonus: float = 0.02  # an adopter of the asker's level: proof it fits that level
    stopped_penalty: float = 0.5
    recency_bonus: float = 0.02  # innovations of the last five years
    context_level_bonus: float = 0.05
    context_province_bonus: float = 0.03
    diversity: bool = True
    near_duplicate_cosine: float = 0.95

    def without_adjustments(self) -> RankingConfig:
        """Relevance only: the 'hybrid' system of the evaluation."""
        return replace(
            self,
            award_bonus={},
            evidence_bonus=0.0,
            replication_bonus=0.0,
            stopped_penalty=0.0,
            recency_bonus=0.0,
            context_level_bonus=0.0,
            context_province_bonus=0.0,
            adopter_level_bonus=0.0,
            diversity=False,
        )


def zscore(scores: np.ndarray) -> np.ndarray:
    """Standardise one signal over the catalogue so differently scaled signals can be added."""
    if not len(scores):
        return scores.astype(np.float32)
    std = float(scores.std())
    return ((scores - scores.mean()) / max(std, 1e-9)).astype(np.float32)


_NUMBER = re.compile(r"\d")


def replication_count(item: Innovation, ledger: Ledger | None = None) -> int:
    """Distinct governments whose replication has not stopped (the registry's and the legacy
    replicated_by entries it does not hold), plus each award for replication."""
    return count_replications(item, adopters_of(item, ledger))


def count_replications(item: Innovation, adopters: list[Adopter]) -> int:
    """`replication_count` from adopters already gathered (a result's, shown beside its score)."""
    return len(active_governments(adopters)) + sum("replikasi" in a.lower() for a in item.awards)


def adopter_levels(item: Innovation, ledger: Ledger | None = None) -> int:
    """A bit per level (LEVELS order) at which a government replicates it and has not stopped."""
    mask = 0
    for adopter in adopters_of(item, ledger):
        if adopter.active and adopter.level is not None:
            mask |= 1 << LEVELS.index(adopter.level)
    return mask


def value_components(
    item: Innovation, config: RankingConfig, ledger: Ledger | None = None
) -> dict[str, float]:
    """Replication value: small, explained adjustments added to relevance.

    ``ledger``: what the replication registry holds about the item (None: nothing)."""
    tier = item.award_tier
    adopters = replication_count(item, ledger)
    recent = item.year is not None and item.year >= this_year() - 5
    return {
        "award": config.award_bonus.get(tier, 0.0) if tier else 0.0,
        "evidence": config.evidence_bonus if item.outcomes and _NUMBER.search(item.outcomes) else 0.0,
        "replications": config.replication_bonus * min(adopters, config.replication_cap),
        "status": -config.stopped_penalty if item.status == "berhenti" else 0.0,
        "recency": config.recency_bonus if recent else 0.0,
    }


def context_components(
    item: Innovation, asker: Asker, config: RankingConfig, ledger: Ledger | None = None
) -> dict[str, float]:
    same_level = asker.level is not None and item.level == asker.level
    adopted_at_level = asker.level is not None and bool(
        adopter_levels(item, ledger) & 1 << LEVELS.index(asker.level)
    )
    same_province = (
        asker.province is not None
        and item.province is not None
        and item.province.casefold() == asker.province.casefold()
    )
    return {
        "same_level": config.context_level_bonus if same_level else 0.0,
        "same_province": config.context_province_bonus if same_province else 0.0,
        "adopter_level": config.adopter_level_bonus if adopted_at_level else 0.0,
    }


def family(item: Innovation) -> str:
    """Replicas and their source share one family."""
    return item.replication_of or item.id


def diversify(
    order: list[int], items: list[Innovation], vectors: np.ndarray, k: int, threshold: float
) -> tuple[list[int], dict[int, int]]:
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
    return kept + deferred + order[len(horizon) :], grouped_with
