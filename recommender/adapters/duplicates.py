"""Imported rows that describe an innovation the catalogue already holds (name + text TF-IDF)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from index.analysis import normalise
from recommender.record import Innovation

# A pair at or above this blended cosine is reported. Measured on the 199 LAN rows against the
# bundled catalogue, whose 110 records summarise 111 of them (docs/importing.md): at 0.25
# precision and recall are both 0.95; 0.35 is the lowest with no false match (recall 0.87).
DUPLICATE_THRESHOLD = 0.25
NAME_WEIGHT = 0.5  # the rest goes to the problem/solution/outcomes text

Record = Mapping[str, Any] | Innovation


def _get(record: Record, name: str) -> Any:
    return record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)


def _name(record: Record) -> str:
    return " ".join(str(_get(record, f) or "") for f in ("name", "government"))


def _body(record: Record) -> str:
    return " ".join(str(_get(record, f) or "") for f in ("problem", "solution", "outcomes"))


def similarity_matrix(records: Sequence[Record], items: Sequence[Record],
                      name_weight: float = NAME_WEIGHT) -> np.ndarray:
    """float64, (len(records), len(items)): name_weight * name cosine + the rest * text cosine.

    Names are compared on char 3-5-grams (acronyms, spelling variants), texts on words and
    word pairs; both vocabularies are fitted on the two sides together.
    """
    if not records or not items:
        return np.zeros((len(records), len(items)))
    names = TfidfVectorizer(preprocessor=normalise, analyzer="char_wb", ngram_range=(3, 5),
                            sublinear_tf=True)
    bodies = TfidfVectorizer(preprocessor=normalise, ngram_range=(1, 2), min_df=1,
                             sublinear_tf=True, max_df=0.5)
    left = [*records]
    names.fit([_name(r) for r in [*left, *items]])
    bodies.fit([_body(r) for r in [*left, *items]])
    name_sim = names.transform([_name(r) for r in left]) @ names.transform(
        [_name(r) for r in items]).T
    body_sim = bodies.transform([_body(r) for r in left]) @ bodies.transform(
        [_body(r) for r in items]).T
    return np.asarray(name_weight * name_sim.toarray() + (1 - name_weight) * body_sim.toarray())


def find_duplicates(records: Iterable[tuple[int, Record]], catalogue_items: Iterable[Record],
                    threshold: float = DUPLICATE_THRESHOLD) -> list[tuple[int, str, float]]:
    """(row, catalogue id, similarity) for every imported row whose best match reaches threshold.

    ``records`` are (row number, record) pairs: adapted raw dicts or validated Innovations.
    One pair per row (its best match), highest similarity first.
    """
    pairs = list(records)
    items = list(catalogue_items)
    sims = similarity_matrix([r for _, r in pairs], items)
    found: list[tuple[int, str, float]] = []
    for (row, _record), scores in zip(pairs, sims, strict=True):
        if not len(scores):
            continue
        best = int(np.argmax(scores))
        if scores[best] >= threshold:
            found.append((row, str(_get(items[best], "id")), round(float(scores[best]), 4)))
    return sorted(found, key=lambda t: (-t[2], t[0]))
