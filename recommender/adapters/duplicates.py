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


def _fitted(vectorizer: TfidfVectorizer, texts: list[str]) -> TfidfVectorizer | None:
    """The vectorizer fitted on ``texts``, or None when no term survives (punctuation only, or
    every term in more than max_df of them): that side then adds no similarity."""
    try:
        return vectorizer.fit(texts)
    except ValueError:
        return None


def _vectorizers(
    left: Sequence[Record], right: Sequence[Record]
) -> tuple[TfidfVectorizer | None, TfidfVectorizer | None]:
    names = TfidfVectorizer(preprocessor=normalise, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    bodies = TfidfVectorizer(
        preprocessor=normalise,
        ngram_range=(1, 2),
        min_df=1,
        sublinear_tf=True,
        max_df=0.5 if len(left) + len(right) > 3 else 1.0,
    )
    both = [*left, *right]
    return _fitted(names, [_name(r) for r in both]), _fitted(bodies, [_body(r) for r in both])


def similarity_matrix(
    records: Sequence[Record], items: Sequence[Record], name_weight: float = NAME_WEIGHT
) -> np.ndarray:
    """float64, (len(records), len(items)): name_weight * name cosine + the rest * text cosine.

    Names are compared on char 3-5-grams (acronyms, spelling variants), texts on words and
    word pairs; both vocabularies are fitted on the two sides together.
    """
    out = np.zeros((len(records), len(items)))
    if not records or not items:
        return out
    names, bodies = _vectorizers(records, items)
    for vectorizer, text, weight in ((names, _name, name_weight), (bodies, _body, 1 - name_weight)):
        if vectorizer is not None:
            sims = (
                vectorizer.transform([text(r) for r in records])
                @ vectorizer.transform([text(r) for r in items]).T
            )
            out += weight * sims.toarray()
    return out


def best_matches(
    records: Sequence[Record], items: Sequence[Record], block: int = 256, name_weight: float = NAME_WEIGHT
) -> list[tuple[int, float]]:
    """For each record, (index into items, similarity) of its best match; (-1, 0.0) when there
    are no items. Computed ``block`` records at a time: memory grows with block x items, not
    with records x items (thousands of rows against 50,000 stored innovations)."""
    if not items:
        return [(-1, 0.0)] * len(records)
    names, bodies = _vectorizers(records, items)
    sides = [
        (v, text, w)
        for v, text, w in ((names, _name, name_weight), (bodies, _body, 1 - name_weight))
        if v is not None
    ]
    stored = [(v.transform([text(i) for i in items]).T.tocsr(), v, text, w) for v, text, w in sides]
    found: list[tuple[int, float]] = []
    for start in range(0, len(records), block):
        chunk = records[start : start + block]
        sims = np.zeros((len(chunk), len(items)))
        for matrix, vectorizer, text, weight in stored:
            sims += weight * (vectorizer.transform([text(r) for r in chunk]) @ matrix).toarray()
        best = sims.argmax(axis=1)
        found += [(int(b), float(sims[i, b])) for i, b in enumerate(best)]
    return found


def find_duplicates(
    records: Iterable[tuple[int, Record]],
    catalogue_items: Iterable[Record],
    threshold: float = DUPLICATE_THRESHOLD,
) -> list[tuple[int, str, float]]:
    """(row, catalogue id, similarity) for every imported row whose best match reaches threshold.

    ``records`` are (row number, record) pairs: adapted raw dicts or validated Innovations.
    One pair per row (its best match), highest similarity first.
    """
    pairs = list(records)
    items = list(catalogue_items)
    best = best_matches([r for _, r in pairs], items)
    found = [
        (row, str(_get(items[index], "id")), round(similarity, 4))
        for (row, _record), (index, similarity) in zip(pairs, best, strict=True)
        if index >= 0 and similarity >= threshold
    ]
    return sorted(found, key=lambda t: (-t[2], t[0]))
