"""Dense index: exact inner product over unit float32 vectors (FAISS)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class DenseIndex:
    """Exact inner-product search; rows are integer positions, the caller maps them to ids."""

    def __init__(self, vectors: np.ndarray) -> None:
        """vectors: float32, (n, dim), L2-normalised rows."""
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.dim = int(self.vectors.shape[1])
        self._index = faiss.IndexFlatIP(self.dim)
        if len(self.vectors):
            self._index.add(self.vectors)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows per query: (scores float32 (q, k), rows int64 (q, k)); -1 pads."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k = max(1, min(k, len(self)))
        if not len(self):
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        scores, rows = self._index.search(queries, k)
        return scores, rows

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine of one query (float32, (dim,)) against every row: float32, (n,)."""
        out = np.zeros(len(self), dtype=np.float32)
        if not len(self):
            return out
        scores, rows = self.search(query.reshape(1, -1), len(self))
        out[rows[0]] = scores[0]
        return out

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        index = faiss.read_index(str(path))
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros(
            (0, index.d), dtype=np.float32
        )
        return cls(np.asarray(vectors, dtype=np.float32))
