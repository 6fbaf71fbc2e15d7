"""Figures for docs/importing.md: sector CV, agreement on the LAN records our catalogue cites."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender import markdown
from recommender.adapters.duplicates import similarity_matrix
from recommender.adapters.lan import LanAdapter
from recommender.adapters.sector import SectorClassifier, SectorInference, record_text

_CITATION = re.compile(r"inovasi-lan\b.*?\bid\s+(\d+(?:\s*(?:&|,|dan)\s*\d+)*)", re.I)


def lan_citations(catalogue: Sequence[Mapping[str, Any]]) -> dict[int, Mapping[str, Any]]:
    """LAN record id -> our record whose sources cite it ('… inovasi-lan …, id 51 & 81)')."""
    cited: dict[int, Mapping[str, Any]] = {}
    for record in catalogue:
        for source in record.get("sources") or []:
            match = _CITATION.search(source)
            if match:
                for number in re.findall(r"\d+", match.group(1)):
                    cited[int(number)] = record
    return cited


def adapted_lan(data: bytes, catalogue: Sequence[Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """LAN id -> adapted raw record (sector guessed by a model trained on ``catalogue``)."""
    adapter = LanAdapter(SectorInference(catalogue))
    return {row.flags["source_id"]: row.raw for row in adapter.adapt(data) if row.raw is not None}


@dataclass(frozen=True, slots=True)
class Agreement:
    cited: int
    full_model: float  # trained on the whole catalogue, the citing records included
    held_out: float  # 5 folds over the citing records: each guessed without its own summary
    # (threshold, share of guesses at or above it, their agreement), held-out model
    by_threshold: tuple[tuple[float, float, float], ...]


def sector_agreement(
    data: bytes,
    catalogue: Sequence[Mapping[str, Any]],
    folds: int = 5,
    thresholds: Sequence[float] = (0.2, 0.25, 0.3, 0.4, 0.5),
) -> Agreement:
    cited = lan_citations(catalogue)
    lan = {k: v for k, v in adapted_lan(data, catalogue).items() if k in cited}
    ids = sorted(lan)
    full = np.mean([lan[i]["sector"] == cited[i]["sector"] for i in ids])
    right = np.zeros(len(ids), dtype=bool)
    confidence = np.zeros(len(ids))
    for fold in range(folds):
        test = [i for n, i in enumerate(ids) if n % folds == fold]
        held = {id(cited[i]) for i in test}
        train = [r for r in catalogue if id(r) not in held]
        guesses = SectorClassifier.from_records(train).guess([record_text(lan[i]) for i in test])
        for i, guess in zip(test, guesses, strict=True):
            right[ids.index(i)] = guess.sector == cited[i]["sector"]
            confidence[ids.index(i)] = guess.confidence
    rows = tuple(
        (
            t,
            float((confidence >= t).mean()),
            float(right[confidence >= t].mean()) if (confidence >= t).any() else 0.0,
        )
        for t in thresholds
    )
    return Agreement(len(ids), float(full), float(right.mean()), rows)


@dataclass(frozen=True, slots=True)
class DuplicateCheck:
    threshold: float
    precision: float
    recall: float
    flagged: int
    positives: int


def duplicate_check(
    data: bytes, catalogue: Sequence[Mapping[str, Any]], thresholds: Sequence[float]
) -> list[DuplicateCheck]:
    """Each LAN row's best catalogue match vs. the record that really cites it."""
    cited = lan_citations(catalogue)
    lan = adapted_lan(data, catalogue)
    ids = sorted(lan)
    sims = similarity_matrix([lan[i] for i in ids], catalogue)
    best = sims.argmax(axis=1)
    score = sims.max(axis=1)
    truth = [cited.get(i) for i in ids]
    hit = np.array([t is not None and catalogue[b] is t for t, b in zip(truth, best, strict=True)])
    positives = sum(t is not None for t in truth)
    out = []
    for t in thresholds:
        flagged = score >= t
        tp = int((flagged & hit).sum())
        out.append(
            DuplicateCheck(
                t, tp / max(1, int(flagged.sum())), tp / max(1, positives), int(flagged.sum()), positives
            )
        )
    return out


def markdown_report(data: bytes, catalogue: Sequence[Mapping[str, Any]]) -> str:
    """The figures of docs/importing.md, as markdown (regenerate after changing a model)."""
    from recommender.adapters.duplicates import DUPLICATE_THRESHOLD
    from recommender.adapters.sector import REVIEW_THRESHOLD, cross_validate

    cv = cross_validate(catalogue)
    lines = [
        f"Sector classifier, stratified {cv.folds}-fold CV on {cv.evaluated} catalogue records "
        f"(excluded, too rare to stratify: {', '.join(cv.excluded_sectors) or 'none'}): "
        f"accuracy **{cv.accuracy:.3f}**.",
        "",
    ]
    edges = [low for low, _, _ in cv.bands] + [1.0]
    lines += markdown.table(
        ["confidence band", "guesses", "right", "precision"],
        (
            [f"{low:.2f}-{high:.2f}", n, right, f"{right / n if n else 0:.2f}"]
            for (low, n, right), high in zip(cv.bands, edges[1:], strict=True)
        ),
    )
    precision, coverage = cv.precision_above(REVIEW_THRESHOLD)
    lines += [
        "",
        f"At or above the review threshold {REVIEW_THRESHOLD}: precision {precision:.3f}, "
        f"coverage {coverage:.3f}.",
        "",
    ]
    agreement = sector_agreement(data, catalogue)
    lines += [
        f"LAN records our catalogue cites: {agreement.cited}. Agreement with our sector: "
        f"full model **{agreement.full_model:.3f}**, held out **{agreement.held_out:.3f}**.",
        "",
    ]
    lines += markdown.table(
        ["threshold", "share at or above", "agreement there"],
        ([t, f"{share:.3f}", f"{agree:.3f}"] for t, share, agree in agreement.by_threshold),
    )
    checks = duplicate_check(data, catalogue, sorted({0.2, DUPLICATE_THRESHOLD, 0.3, 0.35}))
    lines += [
        "",
        *markdown.table(
            ["duplicate threshold", "flagged", "precision", "recall"],
            ([c.threshold, c.flagged, f"{c.precision:.3f}", f"{c.recall:.3f}"] for c in checks),
        ),
    ]
    return "\n".join(lines) + "\n"
