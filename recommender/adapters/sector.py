"""Sector inference: TF-IDF (word and char n-grams) + logistic regression on a labelled catalogue."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from index.analysis import normalise

logger = logging.getLogger(__name__)

# The bundled labelled catalogue; the importer may pass the live catalogue instead.
BUNDLED_CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "innovations.jsonl"
# Below this probability a guessed sector is kept but flagged needs_review. From the 5-fold CV
# on the bundled catalogue (docs/importing.md): guesses at 0.5 or above were right 93% of the
# time, the 0.4-0.5 band only 67%; on the LAN records our catalogue cites (held out) 91%.
REVIEW_THRESHOLD = 0.5
TEXT_FIELDS = ("name", "agency", "problem", "solution", "outcomes")


def as_mapping(record: Any) -> Mapping[str, Any]:
    """A raw dict as is; a stored Innovation (or anything with to_dict) as its dict."""
    return record if isinstance(record, Mapping) else record.to_dict()


def record_text(record: Mapping[str, Any]) -> str:
    """The text a sector is read from: name and agency (say 'Dinas Kesehatan') first."""
    return " \n".join(str(record[f]) for f in TEXT_FIELDS if record.get(f))


@dataclass(frozen=True, slots=True)
class SectorGuess:
    sector: str
    confidence: float  # the classifier's probability of ``sector``, 0..1
    runner_up: str | None

    def needs_review(self, threshold: float = REVIEW_THRESHOLD) -> bool:
        return self.confidence < threshold


class SectorClassifier:
    """Fits on (text, sector) pairs in well under a second for a few hundred records."""

    def __init__(self, *, c: float = 10.0, seed: int = 0) -> None:
        self._c = c
        self._seed = seed
        self._words = TfidfVectorizer(preprocessor=normalise, ngram_range=(1, 2), min_df=1, sublinear_tf=True)
        self._chars = TfidfVectorizer(
            preprocessor=normalise, analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True
        )
        # newton-cg with a loose tolerance fits in ~0.3 s here; lbfgs took 4-15 s for the same accuracy.
        self._model = LogisticRegression(C=c, solver="newton-cg", tol=1e-2, max_iter=500)
        self.classes: tuple[str, ...] = ()

    def fit(self, texts: Sequence[str], sectors: Sequence[str]) -> SectorClassifier:
        if len(set(sectors)) < 2:
            raise ValueError("a sector classifier needs at least two labelled sectors")
        # A char n-gram seen once is noise in a few hundred records, but all there is in a few.
        self._chars.min_df = 2 if len(texts) >= 50 else 1
        self._model.fit(self._features(texts, fit=True), list(sectors))
        self.classes = tuple(str(c) for c in self._model.classes_)
        return self

    def _features(self, texts: Sequence[str], fit: bool = False) -> sparse.csr_matrix:
        if fit:
            parts = [self._words.fit_transform(texts), self._chars.fit_transform(texts)]
        else:
            parts = [self._words.transform(texts), self._chars.transform(texts)]
        # Each half is L2-normalised; scale so the joined row is L2-normalised too.
        return sparse.hstack(parts).tocsr() * np.float32(np.sqrt(0.5))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """float64, (len(texts), len(self.classes)); rows sum to 1."""
        return np.asarray(self._model.predict_proba(self._features(texts)))

    def guess(self, texts: Sequence[str]) -> list[SectorGuess]:
        probs = self.probabilities(texts)
        order = np.argsort(-probs, axis=1)
        return [
            SectorGuess(
                self.classes[row[0]],
                round(float(p[row[0]]), 4),
                self.classes[row[1]] if len(row) > 1 else None,
            )
            for p, row in zip(probs, order, strict=True)
        ]

    @classmethod
    def from_records(cls, records: Iterable[Any], **kwargs: Any) -> SectorClassifier:
        """Trained on raw dicts or Innovations; those without a sector are skipped."""
        rows = [r for r in map(as_mapping, records) if r.get("sector")]
        return cls(**kwargs).fit([record_text(r) for r in rows], [str(r["sector"]) for r in rows])


def read_catalogue(path: Path = BUNDLED_CATALOGUE) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass(frozen=True, slots=True)
class CrossValidation:
    accuracy: float
    folds: int
    evaluated: int
    excluded_sectors: tuple[str, ...]  # too rare to stratify (fewer members than folds)
    # (lower bound of the confidence band, guesses in it, right guesses in it), lowest first
    bands: tuple[tuple[float, int, int], ...]

    def precision_above(self, threshold: float) -> tuple[float, float]:
        """(precision, coverage) of the guesses whose confidence is at least ``threshold``."""
        kept = [(n, right) for low, n, right in self.bands if low >= threshold - 1e-9]
        total = sum(n for n, _ in kept)
        return (sum(r for _, r in kept) / total if total else 0.0, total / self.evaluated)


BANDS = (0.0, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6)


def cross_validate(
    records: Sequence[Mapping[str, Any]], folds: int = 5, seed: int = 0, **kwargs: Any
) -> CrossValidation:
    """Stratified k-fold accuracy, and how often the guesses in each confidence band are right."""
    counts = Counter(str(r["sector"]) for r in records if r.get("sector"))
    rare = tuple(sorted(s for s, n in counts.items() if n < folds))
    rows = [r for r in records if r.get("sector") and r["sector"] not in rare]
    texts = [record_text(r) for r in rows]
    labels = np.array([str(r["sector"]) for r in rows])
    confidence = np.zeros(len(rows))
    right = np.zeros(len(rows), dtype=bool)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        model = SectorClassifier(**kwargs).fit([texts[i] for i in train], labels[train].tolist())
        guesses = model.guess([texts[i] for i in test])
        confidence[test] = [g.confidence for g in guesses]
        right[test] = [g.sector == labels[i] for g, i in zip(guesses, test, strict=True)]
    edges = (*BANDS, 1.01)
    bands = tuple(
        (
            low,
            int(((confidence >= low) & (confidence < high)).sum()),
            int((right & (confidence >= low) & (confidence < high)).sum()),
        )
        for low, high in zip(edges, edges[1:], strict=False)
    )
    return CrossValidation(float(right.mean()), folds, len(rows), rare, bands)


class SectorInference:
    """Guesses sectors with a classifier trained on first use, not at import or construction.

    ``training`` is the labelled catalogue: records (raw dicts or the live store's Innovations)
    or a JSONL path; one with fewer than two sectors falls back to the bundled catalogue.
    """

    def __init__(
        self, training: Iterable[Any] | Path = BUNDLED_CATALOGUE, *, threshold: float = REVIEW_THRESHOLD
    ) -> None:
        self._training = training
        self.threshold = threshold
        self._classifier: SectorClassifier | None = None

    @property
    def classifier(self) -> SectorClassifier:
        if self._classifier is None:
            training = self._training
            records = (
                read_catalogue(training) if isinstance(training, Path) else [as_mapping(r) for r in training]
            )
            if len({r.get("sector") for r in records if r.get("sector")}) < 2:
                # An empty or one-sector live catalogue cannot teach sectors; the bundled one can.
                logger.warning(
                    "sector inference: training catalogue has fewer than two "
                    "sectors; using the bundled catalogue"
                )
                records = read_catalogue(BUNDLED_CATALOGUE)
            self._classifier = SectorClassifier.from_records(records)
        return self._classifier

    def guess(self, record: Mapping[str, Any]) -> SectorGuess:
        return self.classifier.guess([record_text(record)])[0]
