"""Lexical index: BM25 with per-field weights (BM25F-style term frequencies) over sparse matrices."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from index.analysis import Analyzer
from index.rows import assemble_rows

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
        # Rows superseded by a later row (an appended edit) or deleted: they score 0 and count
        # in no statistic, so the index ranks as a fresh fit of the live rows would.
        self.retired = np.zeros(0, dtype=bool)

    def describe(self) -> dict[str, object]:
        return {
            "k1": self.k1,
            "b": self.b,
            "fields": self.field_weights,
            "analyzer": self.analyzer.describe(),
            "terms": len(self.vocabulary),
        }

    def _weighted_counts(self, fields: FieldTexts) -> dict[str, float]:
        counts: dict[str, float] = {}
        for field, text in fields:
            weight = self.field_weights.get(field, 0.0)
            if weight <= 0 or not text:
                continue
            for term in self.analyzer.terms(text):
                counts[term] = counts.get(term, 0.0) + weight
        return counts

    def fit(
        self,
        documents: Sequence[FieldTexts],
        *,
        reuse: LexicalIndex | None = None,
        reuse_rows: Sequence[int | None] | None = None,
    ) -> LexicalIndex:
        """Index documents given as lists of (field, text).

        With ``reuse``, document i whose ``reuse_rows[i]`` is a row of that index keeps the row's
        term frequencies (no re-analysis); the vocabulary only grows, so old columns stay valid.
        """
        usable = reuse is not None and reuse_rows is not None and reuse.field_weights == self.field_weights
        vocabulary = dict(reuse.vocabulary) if usable and reuse is not None else {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        kept: list[tuple[int, int]] = []  # (new row, old row)
        for row in range(len(documents)):  # a carried row's document is never read
            old_row = reuse_rows[row] if usable and reuse_rows is not None else None
            if old_row is not None:
                kept.append((row, old_row))
                continue
            for term, value in self._weighted_counts(documents[row]).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                vals.append(value)
        shape = (len(documents), len(vocabulary))
        data = np.asarray(vals, dtype=np.float32)
        r, c = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        self.vocabulary = vocabulary
        if kept and reuse is not None and reuse_rows is not None:
            # The new rows, numbered in their order among the documents, then every row in
            # place: one copy of the carried term frequencies instead of a gather and a sort.
            fresh_ids = np.flatnonzero(
                np.fromiter((x is None for x in reuse_rows), dtype=bool, count=len(reuse_rows))
            )
            position = np.searchsorted(fresh_ids, r)
            fresh = sparse.csr_matrix(
                (data, (position, c)), shape=(len(fresh_ids), shape[1]), dtype=np.float32
            )
            self.tf = assemble_rows(reuse_rows, reuse.tf, fresh, shape[1])
        else:
            self.tf = sparse.csr_matrix((data, (r, c)), shape=shape, dtype=np.float32)
        self._derive()
        return self

    def extend(self, documents: Sequence[FieldTexts], retired: np.ndarray) -> LexicalIndex:
        """A new index: these rows plus ``documents`` appended, with ``retired`` (bool, (n,) of
        the rows here) marking rows no longer live. The vocabulary only grows."""
        vocabulary = dict(self.vocabulary)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for row, fields in enumerate(documents):
            for term, value in self._weighted_counts(fields).items():
                rows.append(row)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                vals.append(value)
        width = len(vocabulary)
        fresh = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (np.asarray(rows, dtype=np.int64), cols)),
            shape=(len(documents), width),
            dtype=np.float32,
        )
        old = sparse.csr_matrix(
            (self.tf.data, self.tf.indices, self.tf.indptr), shape=(self.tf.shape[0], width)
        )
        other = LexicalIndex(self.analyzer, self.field_weights, k1=self.k1, b=self.b)
        other.vocabulary = vocabulary
        other.tf = sparse.vstack([old, fresh], format="csr", dtype=np.float32)
        other.retired = np.concatenate(
            [np.asarray(retired, dtype=bool), np.zeros(len(documents), dtype=bool)]
        )
        other._derive()
        return other

    @property
    def live_count(self) -> int:
        """Documents the statistics count (rows that are not retired)."""
        return int(self.tf.shape[0] - self.retired.sum())

    def _derive(self) -> None:
        n_rows = self.tf.shape[0]
        if not len(self.retired):
            self.retired = np.zeros(n_rows, dtype=bool)
        if len(self.retired) != n_rows:
            raise ValueError(f"{len(self.retired)} retired flags for {n_rows} rows")
        live_row = ~self.retired
        live = np.repeat(live_row, np.diff(self.tf.indptr))  # per stored entry
        n = int(live_row.sum())
        df = np.bincount(self.tf.indices[live], minlength=self.tf.shape[1]).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.lengths = np.asarray(self.tf.sum(axis=1), dtype=np.float32).ravel()
        # BM25 weight of every (document, term), precomputed once: a query sums a few columns.
        avg = float(self.lengths[live_row].mean()) if n else 1.0
        norm = self.k1 * (1 - self.b + self.b * self.lengths / (avg or 1.0))
        tf = self.tf.tocoo()
        weight = tf.data * (self.k1 + 1) / (tf.data + norm[tf.row]) * self.idf[tf.col] * live_row[tf.row]
        self.weights = sparse.csc_matrix(
            (weight.astype(np.float32), (tf.row, tf.col)), shape=self.tf.shape, dtype=np.float32
        )

    def query_terms(self, text: str) -> list[str]:
        """Distinct analysed query terms known to the index."""
        seen = dict.fromkeys(self.analyzer.terms(text))
        return [t for t in seen if t in self.vocabulary]

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every document for a query: float32, (n,); 0 where nothing matches.

        Costs the postings of the query's terms plus O(n) for the output, not a scan of the index.
        """
        n = self.tf.shape[0]
        terms = self.query_terms(text)
        if not terms or not n:
            return np.zeros(n, dtype=np.float32)
        w = self.weights
        spans = [(w.indptr[c], w.indptr[c + 1]) for c in (self.vocabulary[t] for t in terms)]
        rows = np.concatenate([w.indices[a:b] for a, b in spans])
        vals = np.concatenate([w.data[a:b] for a, b in spans])
        return np.bincount(rows, weights=vals, minlength=n).astype(np.float32)

    def feedback_terms(self, rows: np.ndarray, exclude: list[str], count: int) -> dict[int, float]:
        """Expansion terms from feedback documents (RM3-style): column -> weight, summing to 1.

        rows: int64 (m,) documents taken as relevant; each term weighs its mean BM25 weight in
        them (saturated tf x idf, so words every document shares count little). ``exclude``:
        the query's own terms. The ``count`` heaviest other terms are kept.
        """
        if not len(rows) or count <= 0:
            return {}
        tf = self.tf[rows].tocoo()
        avg = float(self.lengths[~self.retired].mean()) if self.live_count else 1.0
        norm = self.k1 * (1 - self.b + self.b * self.lengths[rows] / (avg or 1.0))
        weight = tf.data * (self.k1 + 1) / (tf.data + norm[tf.row]) * self.idf[tf.col]
        mass = np.bincount(tf.col, weights=weight, minlength=self.tf.shape[1]) / len(rows)
        skip = [self.vocabulary[t] for t in exclude if t in self.vocabulary]
        mass[skip] = 0.0
        # Only the feedback documents' own terms can weigh anything: rank those (heaviest
        # first, ties by column), not the whole vocabulary.
        held = np.unique(tf.col)
        top = held[np.lexsort((held, -mass[held]))][:count]
        top = top[mass[top] > 0]
        total = float(mass[top].sum())
        return {int(c): float(mass[c] / total) for c in top} if total else {}

    def weighted_scores(self, terms: dict[int, float]) -> np.ndarray:
        """Sum of each column's BM25 weights times its query weight: float32, (n,)."""
        n = self.tf.shape[0]
        out = np.zeros(n, dtype=np.float64)
        w = self.weights
        for column, value in terms.items():
            a, b = w.indptr[column], w.indptr[column + 1]
            out[w.indices[a:b]] += value * w.data[a:b]
        return out.astype(np.float32)

    META_FILES = ("lexical.json",)

    def same_meta(self, other: LexicalIndex) -> bool:
        """Whether ``other`` saves the same META_FILES (an incremental fit that added no term)."""
        return (self.k1, self.b, self.field_weights) == (
            other.k1,
            other.b,
            other.field_weights,
        ) and self.vocabulary == other.vocabulary

    def save(self, folder: Path, *, meta: bool = True) -> None:
        """Write the index; ``meta=False`` leaves out META_FILES (the caller links them)."""
        sparse.save_npz(folder / "lexical_tf.npz", self.tf, compressed=False)
        if meta:
            data = {
                "vocabulary": self.vocabulary,
                "k1": self.k1,
                "b": self.b,
                "field_weights": self.field_weights,
            }
            (folder / "lexical.json").write_text(json.dumps(data, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer, retired: np.ndarray | None = None) -> LexicalIndex:
        meta = json.loads((folder / "lexical.json").read_text())
        index = cls(analyzer, meta["field_weights"], k1=meta["k1"], b=meta["b"])
        index.vocabulary = {str(k): int(v) for k, v in meta["vocabulary"].items()}
        index.tf = sparse.load_npz(folder / "lexical_tf.npz").tocsr().astype(np.float32)
        if retired is not None:
            index.retired = np.asarray(retired, dtype=bool)
        index._derive()
        return index


MATRIX_PARTS = ("data", "indices", "indptr")


def _load_matrix(folder: Path, columns: int) -> sparse.csr_matrix:
    """The n-gram matrix, memory-mapped (read-only, shared by every process that serves this
    snapshot); snapshots written before format 5 hold it in one archive, read into memory."""
    if not (folder / "chars_data.npy").is_file():
        return sparse.load_npz(folder / "chars_tfidf.npz").tocsr()
    data, indices, indptr = (  # plain views of the maps: slices of a memmap subclass are slow
        np.load(folder / f"chars_{part}.npy", mmap_mode="r", allow_pickle=False).view(np.ndarray)
        for part in MATRIX_PARTS
    )
    return sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, columns), copy=False)


class _WordCachedVectorizer(TfidfVectorizer):
    """``char_wb`` TF-IDF whose fit splits each distinct word into n-grams once.

    A word's n-grams do not depend on its neighbours, and a catalogue repeats its words: a fit
    spent most of its time re-slicing the same words (docs/benchmarks.md, 8 December). Same
    n-grams in the same order, so the same vocabulary and matrix; the cache lives for one fit.
    """

    _word_grams: dict[str, tuple[str, ...]] | None = None

    def _char_wb_ngrams(self, text_document: str) -> list[str]:
        cache = self._word_grams
        if cache is None:
            return super()._char_wb_ngrams(text_document)  # type: ignore[no-any-return]
        grams: list[str] = []
        for word in text_document.split():
            known = cache.get(word)
            if known is None:
                known = cache[word] = tuple(super()._char_wb_ngrams(word))
            grams.extend(known)
        return grams

    def fit_transform(self, raw_documents: Sequence[str], y: object = None) -> sparse.csr_matrix:
        self._word_grams = {}
        try:
            return super().fit_transform(raw_documents, y)
        finally:
            self._word_grams = None


class CharNgramIndex:
    """TF-IDF over character 3-5-grams inside word boundaries: robust to affixes and typos."""

    def __init__(self, ngram_range: tuple[int, int] = (3, 5)) -> None:
        self.ngram_range = ngram_range
        self._vectorizer = self._make(None)
        self._grams: Callable[[str], list[str]] | None = None
        self.matrix = sparse.csr_matrix((0, 0), dtype=np.float32)

    def _make(self, vocabulary: dict[str, int] | None) -> TfidfVectorizer:
        return _WordCachedVectorizer(
            analyzer="char_wb",
            ngram_range=self.ngram_range,
            sublinear_tf=True,
            vocabulary=vocabulary,
            dtype=np.float32,
        )

    def describe(self) -> dict[str, object]:
        return {
            "ngram_range": list(self.ngram_range),
            "features": len(getattr(self._vectorizer, "vocabulary_", {})),
        }

    def fit(
        self,
        texts: Sequence[str],
        *,
        reuse: CharNgramIndex | None = None,
        reuse_rows: Sequence[int | None] | None = None,
    ) -> CharNgramIndex:
        """Fit on the texts; with ``reuse``, keep its n-gram vocabulary and IDF, carry the rows
        of unchanged texts (``reuse_rows[i]``) and transform only the others.

        An incremental fit ignores n-grams the previous fit never saw until the next full fit.
        """
        if (
            reuse is not None
            and reuse.fitted
            and reuse_rows is not None
            and tuple(reuse.ngram_range) == tuple(self.ngram_range)
        ):
            self._vectorizer = reuse._vectorizer
            columns = reuse.matrix.shape[1]
            fresh_rows = [i for i, r in enumerate(reuse_rows) if r is None]
            fresh = (
                self._vectorizer.transform([texts[i] for i in fresh_rows]).tocsr()
                if fresh_rows
                else sparse.csr_matrix((0, columns), dtype=np.float32)
            )
            self.matrix = assemble_rows(reuse_rows, reuse.matrix, fresh, columns)
            return self
        try:
            self.matrix = self._vectorizer.fit_transform(list(texts)).tocsr()
        except ValueError:
            # No n-gram at all (an empty catalogue): an empty index that scores zeros.
            self._vectorizer = self._make(None)
            self.matrix = sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return self

    def extend(self, texts: Sequence[str]) -> CharNgramIndex:
        """A new index: these rows plus ``texts`` appended, under the same vocabulary and IDF
        (a fitted index only: an empty one has no vocabulary to keep)."""
        if not self.fitted:
            raise ValueError("an unfitted n-gram index cannot be extended; fit it")
        other = CharNgramIndex(self.ngram_range)
        other._vectorizer = self._vectorizer
        other.matrix = self.matrix
        if texts:
            fresh = self._vectorizer.transform(list(texts)).tocsr().astype(np.float32)
            other.matrix = sparse.vstack([self.matrix, fresh], format="csr", dtype=np.float32)
        return other

    @property
    def fitted(self) -> bool:
        return hasattr(self._vectorizer, "idf_")

    def query_vector(self, text: str) -> sparse.csr_matrix:
        """The text's TF-IDF row, as ``transform`` gives it, without its per-call overhead
        (several milliseconds of validation for one short query)."""
        vectorizer = self._vectorizer
        if not self.fitted:
            return vectorizer.transform([text]).tocsr()
        if self._grams is None:
            self._grams = vectorizer.build_analyzer()
        vocabulary = vectorizer.vocabulary_
        # Counted per distinct n-gram first (in C): a query repeats many of its n-grams.
        counts: dict[int, int] = {}
        for gram, count in Counter(self._grams(text)).items():
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = count
        columns = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
        tf = np.fromiter((counts[c] for c in columns), dtype=np.float64, count=len(columns))
        values = (1.0 + np.log(tf)) * vectorizer.idf_[columns]  # sublinear tf, then idf
        norm = float(np.sqrt(np.dot(values, values)))
        if norm > 0:
            values /= norm
        return sparse.csr_matrix(
            (values.astype(np.float32), columns, [0, len(columns)]), shape=(1, len(vocabulary))
        )

    def scores(
        self,
        text: str | sparse.csr_matrix,
        rows: np.ndarray | None = None,
        matrix: sparse.csr_matrix | None = None,
    ) -> np.ndarray:
        """Cosine of the query's n-gram vector with ``rows`` (every document when None), or with
        the rows of a given ``matrix`` (a pre-gathered slice of this index)."""
        if matrix is None:
            matrix = self.matrix if rows is None else self.matrix[rows]
        if not self.fitted or not matrix.shape[0]:
            return np.zeros(matrix.shape[0], dtype=np.float32)
        query = self.query_vector(text) if isinstance(text, str) else text
        if matrix.format == "csc":
            # Only the query's n-gram columns: their postings, not every stored entry.
            return np.asarray(matrix[:, query.indices] @ query.data, dtype=np.float32).ravel()
        dense = np.zeros(matrix.shape[1], dtype=np.float32)
        dense[query.indices] = query.data
        return np.asarray(matrix @ dense, dtype=np.float32).ravel()

    META_FILES = ("chars_idf.npy", "chars.json")

    def same_meta(self, other: CharNgramIndex) -> bool:
        """Whether ``other`` saves the same META_FILES (an incremental fit keeps the vectorizer)."""
        return self.fitted and self._vectorizer is other._vectorizer

    def save(self, folder: Path, *, meta: bool = True) -> None:
        """Write the index; ``meta=False`` leaves out META_FILES (the caller links them)."""
        # Three plain arrays, not an .npz: an archive's members cannot be memory-mapped.
        for part in MATRIX_PARTS:
            np.save(folder / f"chars_{part}.npy", getattr(self.matrix, part), allow_pickle=False)
        if not meta:
            return
        idf = self._vectorizer.idf_ if self.fitted else np.zeros(0, dtype=np.float32)
        np.save(folder / "chars_idf.npy", idf, allow_pickle=False)
        vocabulary = self._vectorizer.vocabulary_ if self.fitted else {}
        data = {
            "ngram_range": list(self.ngram_range),
            "vocabulary": {k: int(v) for k, v in vocabulary.items()},
        }
        (folder / "chars.json").write_text(json.dumps(data, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> CharNgramIndex:
        meta = json.loads((folder / "chars.json").read_text())
        index = cls(tuple(meta["ngram_range"]))  # type: ignore[arg-type]
        index.matrix = _load_matrix(folder, len(meta["vocabulary"]))
        if meta["vocabulary"]:
            index._vectorizer = index._make(meta["vocabulary"])
            index._vectorizer.idf_ = np.load(folder / "chars_idf.npy", allow_pickle=False)
        return index
