"""Query signals for the no-good-match model: what tells an answerable query from one that is not."""

from __future__ import annotations

import math

import numpy as np

from index.analysis import ENGLISH_STOPWORDS, indonesian_stopwords, raw_tokens
from index.lexical import LexicalIndex


def idf_coverage(lexical: LexicalIndex, terms: list[str], row: int) -> tuple[float, float]:
    """(share of the query's IDF mass that document ``row`` contains, share the catalogue knows).

    A term the catalogue never saw weighs as a term in no document: a query whose distinctive
    words are all unknown is barely covered, however well its few common words match.
    """
    n = lexical.live_count
    unseen = math.log1p((n + 0.5) / 0.5)
    columns = [lexical.vocabulary.get(t, -1) for t in terms]
    weights = [float(lexical.idf[c]) if c >= 0 else unseen for c in columns]
    mass = sum(weights)
    if not mass or row < 0:
        return 0.0, 0.0
    present = lexical.tf[row].indices if n else np.zeros(0, dtype=np.int64)
    held = set(int(c) for c in present)
    covered = sum(w for c, w in zip(columns, weights, strict=True) if c in held)
    known = sum(w for c, w in zip(columns, weights, strict=True) if c >= 0)
    return covered / mass, known / mass


def query_signals(
    lexical: LexicalIndex,
    text: str,
    english: bool,
    bm25: np.ndarray,
    allowed: np.ndarray,
    fused: np.ndarray,
    legs: list[np.ndarray],
    whole: np.ndarray,
) -> dict[str, float]:
    """The signals of one query; ``fused``, ``legs`` and ``whole`` (the first encoder's
    whole-text cosines) are aligned with the fused candidates, ``bm25`` and ``allowed`` with
    the catalogue."""
    terms = list(dict.fromkeys(lexical.analyzer.terms(text)))
    known = [t for t in terms if t in lexical.vocabulary]
    # The most a document could score: every known term at saturated term frequency.
    ceiling = sum(float(lexical.idf[lexical.vocabulary[t]]) for t in known) * (lexical.k1 + 1)
    everyone = bool(len(allowed)) and bool(allowed.all())  # no mask to apply
    scored = bm25 if everyone else np.where(allowed, bm25, -np.inf)
    best_row = int(np.argmax(scored)) if everyone or allowed.any() else -1
    best_bm25 = float(bm25[best_row]) if best_row >= 0 else 0.0
    coverage, known_mass = idf_coverage(lexical, terms, best_row if best_bm25 > 0 else -1)
    top = int(np.argmax(fused)) if len(fused) else -1
    agreement = float(np.mean([top in np.argsort(-leg, kind="stable")[:5] for leg in legs]))
    cosines = np.sort(whole)[::-1] if len(whole) else np.zeros(1)
    tokens = raw_tokens(text)
    function_words = indonesian_stopwords() | ENGLISH_STOPWORDS
    return {
        "bm25_normalised": best_bm25 / ceiling if ceiling else 0.0,
        "idf_coverage": coverage,
        "known_idf_share": known_mass,
        "agreement": agreement if len(fused) else 0.0,
        "known_share": len(known) / max(len(terms), 1),
        "relevance": float(fused.max()) if len(fused) else 0.0,
        "dense_margin": float(cosines[0] - cosines[min(9, len(cosines) - 1)]),
        "log_length": math.log1p(len(tokens)),
        "english": float(english),
        # Not one word the catalogue or either language knows: "xqzv blorp fnord".
        "nonsense": float(not known and not any(t in function_words for t in tokens)),
    }
