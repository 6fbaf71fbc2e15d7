"""Grouping by meaning: themes of short texts, near-duplicate components, distinctive terms."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer

from index.analysis import indonesian_stopwords, normalise, raw_tokens

# Average-linkage cosine distance at which two groups of problems stop being one theme, per
# encoder family. Measured on the constructed log of tests/recommender/demand.py (24 stunting,
# 12 KTP-el, 8 wildlife, 2 tidal-flood problems; docs/analytics.md): USE3 recovers the four
# themes exactly (adjusted Rand 1.0) from 0.70 to 0.75, merges two at 0.80 and splits one at
# 0.65; the hashing test encoder only from 0.90. An encoder not measured gets the USE3 figure.
THEME_DISTANCE = {"use3": 0.72, "hashing": 0.90}
# Whole-text cosine at and above which two innovations are near-duplicates. Measured on the
# bundled catalogue (252 records): with USE3, 0.70 gives 12 pairs/triples, each the same idea
# by different agencies (three of the four PSC 119 services together); 0.65 starts chaining
# (a component of 7 disaster-information systems), 0.75 loses the PSC 119 cluster. The hashing
# encoder separates ideas far less well (the PSC 119 records are 0.07-0.29 apart, below
# the catalogue's 99th percentile of 0.30), so its figure only serves the tests.
DUPLICATE_SIMILARITY = {"use3": 0.70, "hashing": 0.50}
MAX_TERMS = 8


def family(encoder_name: str) -> str:
    return "hashing" if encoder_name.startswith("hashing") else encoder_name


def theme_distance(encoder_name: str) -> float:
    return THEME_DISTANCE.get(family(encoder_name), THEME_DISTANCE["use3"])


def duplicate_similarity(encoder_name: str) -> float:
    return DUPLICATE_SIMILARITY.get(family(encoder_name), DUPLICATE_SIMILARITY["use3"])


def cluster_vectors(vectors: np.ndarray, distance: float) -> np.ndarray:
    """Cluster label (0..k-1) of each unit row: agglomerative, cosine, average linkage.

    Average linkage keeps a theme from growing by chains of near neighbours (single linkage
    would), and needs no number of themes in advance, only the distance that separates them.
    """
    n = len(vectors)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    # Zero vectors (texts the encoder has no features for) have no cosine: keep them apart.
    safe = vectors.copy()
    empty = ~np.any(safe, axis=1)
    safe[empty] = np.eye(safe.shape[1], dtype=safe.dtype)[np.arange(int(empty.sum())) % safe.shape[1]]
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
    )
    return np.asarray(model.fit_predict(safe), dtype=np.int64)


def coherence(vectors: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(mean cosine of pairs within a cluster, mean cosine of pairs across clusters)."""
    sims = vectors @ vectors.T
    same = labels[:, None] == labels[None, :]
    np.fill_diagonal(same, False)
    across = labels[:, None] != labels[None, :]
    inside = float(sims[same].mean()) if same.any() else 1.0
    return inside, float(sims[across].mean()) if across.any() else 0.0


def components(similarity: np.ndarray, threshold: float) -> list[list[int]]:
    """Rows linked by a chain of pairs at or above ``threshold``, groups of two or more,
    largest first (ties: by first row)."""
    if not len(similarity):
        return []
    linked = np.triu(similarity >= threshold, 1)
    count, labels = connected_components(csr_matrix(linked), directed=False)
    groups = [np.flatnonzero(labels == c).tolist() for c in range(count)]
    return sorted((g for g in groups if len(g) > 1), key=lambda g: (-len(g), g[0]))


def _tokens(text: str) -> list[str]:
    stop = indonesian_stopwords()
    return [t for t in raw_tokens(text) if t not in stop and len(t) > 2 and not t.isdigit()]


def distinctive_terms(
    texts: Sequence[str], labels: np.ndarray, limit: int = MAX_TERMS
) -> dict[int, list[str]]:
    """Per cluster, its words with the highest TF-IDF when each cluster is one document (a
    class-based TF-IDF): frequent in the cluster, rare in the others. Words as written, so a
    label reads as words, not stems."""
    clusters = sorted(set(labels.tolist()))
    documents = [" ".join(t for t, lab in zip(texts, labels, strict=True) if lab == c) for c in clusters]
    if not any(_tokens(d) for d in documents):
        return {c: [] for c in clusters}
    vectorizer = TfidfVectorizer(
        preprocessor=normalise, tokenizer=_tokens, token_pattern=None, lowercase=False, sublinear_tf=True
    )
    weights = vectorizer.fit_transform(documents).toarray()
    vocabulary = np.array(vectorizer.get_feature_names_out())
    out: dict[int, list[str]] = {}
    for row, cluster in enumerate(clusters):
        order = np.lexsort((vocabulary, -weights[row]))  # ties alphabetical: stable labels
        out[cluster] = [str(vocabulary[i]) for i in order[:limit] if weights[row, i] > 0]
    return out
