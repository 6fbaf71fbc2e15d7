"""Lexical index: BM25 with per-field weights (BM25F-style term frequencies) over sparse matrices."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from index.analysis import Analyzer

FieldTexts = Sequence[tuple[str, str]]


class LexicalIndex:
    """BM25 over weighted fields: tf = sum of field weight x field tf, length likewise."""

    def __init__(
        self,
        analyzer: Analyzer,
        field_weights: dict[str, float],
        *,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        self.analyzer = analyzer
        self.field_weights = dict(field_weights)
        self.k1 = k1
        self.b = b
        self.vocabulary: dict[str, int] = {}
        self.tf = sparse.csr_matrix((0, 0), dtype=np.float32)
        self.idf = np.zeros(0, dtype=np.float32)
        self.lengths = np.zeros(0, dtype=np.float32)

    def describe(self) -> dict[str, object]:
        return {"k1": self.k1, "b": self.b, "fields": self.field_weights,
                "analyzer": self.analyzer.describe(), "terms": len(self.vocabulary)}

    def _weighted_counts(self, fields: FieldTexts) -> Counter[str]:
        counts: Counter[str] = Counter()
        for field, text in fields:
            weight = self.field_weights.get(field, 0.0)
            if weight <= 0 or not text:
                continue
            for term in self.analyzer.terms(text):
                counts[term] += weight
        return counts

    def fit(self, documents: Sequence[FieldTexts]) -> LexicalIndex:
        """Index documents given as lists of (field, text)."""
        counts = [self._weighted_counts(doc) for doc in documents]
        vocabulary: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for row, counter in enumerate(counts):
            for term, value in counter.items():
                col = vocabulary.setdefault(term, len(vocabulary))
                rows.append(row)
                cols.append(col)
                vals.append(value)
        shape = (len(documents), len(vocabulary))
        self.vocabulary = vocabulary
        self.tf = sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)
        self._derive()
        return self

    def _derive(self) -> None:
        n = self.tf.shape[0]
        df = np.bincount(self.tf.indices, minlength=self.tf.shape[1]).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.lengths = np.asarray(self.tf.sum(axis=1), dtype=np.float32).ravel()

    def query_terms(self, text: str) -> list[str]:
        """Distinct analysed query terms known to the index."""
        seen = dict.fromkeys(self.analyzer.terms(text))
        return [t for t in seen if t in self.vocabulary]

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every document for a query: float32, (n,); 0 where nothing matches."""
        n = self.tf.shape[0]
        terms = self.query_terms(text)
        if not terms or not n:
            return np.zeros(n, dtype=np.float32)
        cols = [self.vocabulary[t] for t in terms]
        tf = self.tf[:, cols].toarray()
        avg = float(self.lengths.mean()) or 1.0
        norm = self.k1 * (1 - self.b + self.b * self.lengths / avg)
        weight = tf * (self.k1 + 1) / (tf + norm[:, None])
        return (weight @ self.idf[cols]).astype(np.float32)

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "lexical_tf.npz", self.tf)
        meta = {"vocabulary": self.vocabulary, "k1": self.k1, "b": self.b,
                "field_weights": self.field_weights}
        (folder / "lexical.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer) -> LexicalIndex:
        meta = json.loads((folder / "lexical.json").read_text())
        index = cls(analyzer, meta["field_weights"], k1=meta["k1"], b=meta["b"])
        index.vocabulary = {str(k): int(v) for k, v in meta["vocabulary"].items()}
        index.tf = sparse.load_npz(folder / "lexical_tf.npz").tocsr().astype(np.float32)
        index._derive()
        return index


class CharNgramIndex:
    """TF-IDF over character 3-5-grams inside word boundaries: robust to affixes and typos."""

    def __init__(self, ngram_range: tuple[int, int] = (3, 5)) -> None:
        self.ngram_range = ngram_range
        self._vectorizer = self._make(None)
        self.matrix = sparse.csr_matrix((0, 0), dtype=np.float32)

    def _make(self, vocabulary: dict[str, int] | None) -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range,
                               sublinear_tf=True, vocabulary=vocabulary, dtype=np.float32)

    def describe(self) -> dict[str, object]:
        return {"ngram_range": list(self.ngram_range),
                "features": len(getattr(self._vectorizer, "vocabulary_", {}))}

    def fit(self, texts: Sequence[str]) -> CharNgramIndex:
        try:
            self.matrix = self._vectorizer.fit_transform(list(texts)).tocsr()
        except ValueError:
            # No n-gram at all (an empty catalogue): an empty index that scores zeros.
            self._vectorizer = self._make(None)
            self.matrix = sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return self

    @property
    def fitted(self) -> bool:
        return hasattr(self._vectorizer, "idf_")

    def scores(self, text: str) -> np.ndarray:
        """Cosine of the query's n-gram vector with every document: float32, (n,)."""
        if not self.fitted or not self.matrix.shape[0]:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        query = self._vectorizer.transform([text])
        return np.asarray((self.matrix @ query.T).todense(), dtype=np.float32).ravel()

    def save(self, folder: Path) -> None:
        sparse.save_npz(folder / "chars_tfidf.npz", self.matrix)
        idf = self._vectorizer.idf_ if self.fitted else np.zeros(0, dtype=np.float32)
        np.save(folder / "chars_idf.npy", idf, allow_pickle=False)
        vocabulary = self._vectorizer.vocabulary_ if self.fitted else {}
        meta = {"ngram_range": list(self.ngram_range),
                "vocabulary": {k: int(v) for k, v in vocabulary.items()}}
        (folder / "chars.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> CharNgramIndex:
        meta = json.loads((folder / "chars.json").read_text())
        index = cls(tuple(meta["ngram_range"]))  # type: ignore[arg-type]
        index.matrix = sparse.load_npz(folder / "chars_tfidf.npz").tocsr()
        if meta["vocabulary"]:
            index._vectorizer = index._make(meta["vocabulary"])
            index._vectorizer.idf_ = np.load(folder / "chars_idf.npy", allow_pickle=False)
        return index
