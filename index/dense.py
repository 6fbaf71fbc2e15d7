"""Dense index: unit float32 vectors, exact masked scans, and an IVF index above a measured size."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import faiss
import numpy as np

logger = logging.getLogger(__name__)

# Below this many vectors an exact scan (one BLAS mat-vec) is fast enough and exact; above it
# an IVF index proposes candidates (docs/benchmarks.md: at 33,000 passages an exact scan took
# 6.8 ms, IVF with a quarter of the lists probed 0.5 ms at recall@100 0.956).
ANN_MIN_ROWS = 20_000
# A filtered search scans the eligible rows exactly when there are at most this many and they
# are under half the rows (above that, IVF with the filter as a selector finds k as easily).
EXACT_FILTER_ROWS = 40_000
# The share of IVF lists probed per query, up to ~1,600 lists (~160,000 vectors)...
PROBE_SHARE = 4
# ...and above that PROBE_ROOT x sqrt(lists): the lists a query needs grow more slowly than the
# lists there are (at 4,000 lists a quarter took 14.5-19.5 ms, recall@100 1.000 at half that;
# docs/benchmarks.md, 8 December). The two meet at 1,600 lists, so smaller indexes are unchanged.
PROBE_ROOT = 10
# The IVF index proposes this many times the rows asked for, all re-scored exactly: the 8-bit
# codes then only choose a shortlist, not the order, and a nearby query (the feedback query)
# can be answered from the same shortlist without a second search (docs/benchmarks.md,
# 4 December: recall@200 0.973 -> 0.982 at the same lists probed).
SHORTLIST = 5


def _nlist(n: int) -> int:
    return max(16, int(4 * math.sqrt(n)))


def probes(nlist: int) -> int:
    """IVF lists probed per query for an index of ``nlist`` lists (at least 32)."""
    return max(32, min(nlist // PROBE_SHARE, round(PROBE_ROOT * math.sqrt(nlist))))


class DenseIndex:
    """Rows are integer positions; the caller maps them to documents.

    ``vectors`` (float32, (n, dim), unit rows) is the only full-precision copy; it may be a
    read-only memory map. ``ann`` is an optional FAISS IVF index (8-bit codes) over the same rows
    that proposes candidates, re-scored exactly from ``vectors``.
    """

    def __init__(self, vectors: np.ndarray, ann: faiss.Index | None = None, nprobe: int = 0) -> None:
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be 2-D, got shape {vectors.shape}")
        self.vectors = vectors if vectors.dtype == np.float32 else vectors.astype(np.float32)
        self.dim = int(vectors.shape[1])
        self.ann = ann
        # From the lists the index was trained with, so a loaded copy probes as the built one.
        self.nprobe = nprobe or (probes(faiss.extract_index_ivf(ann).nlist) if ann is not None else 0)
        if ann is not None:
            if ann.ntotal != len(vectors) or ann.d != self.dim:
                raise ValueError(
                    f"ANN index holds {ann.ntotal} x {ann.d}, vectors are {len(vectors)} x {self.dim}"
                )
            faiss.extract_index_ivf(ann).nprobe = self.nprobe

    @classmethod
    def build(
        cls, vectors: np.ndarray, *, ann_min_rows: int = ANN_MIN_ROWS, reuse: DenseIndex | None = None
    ) -> DenseIndex:
        """Exact below ``ann_min_rows`` vectors, IVF above (reusing a trained quantizer)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(vectors) < ann_min_rows or len(vectors) == 0:
            return cls(vectors)
        nlist = _nlist(len(vectors))
        ann: faiss.Index | None = None
        if reuse is not None and reuse.ann is not None and reuse.dim == vectors.shape[1]:
            old = faiss.extract_index_ivf(reuse.ann)
            if 0.5 * nlist <= old.nlist <= 2 * nlist:
                ann = faiss.clone_index(reuse.ann)
                ann.reset()
        if ann is None:
            quantizer = faiss.IndexFlatIP(vectors.shape[1])
            ann = faiss.IndexIVFScalarQuantizer(
                quantizer, vectors.shape[1], nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            rng = np.random.default_rng(0)
            sample = vectors[np.sort(rng.choice(len(vectors), min(len(vectors), nlist * 40), replace=False))]
            # Trained once, then reused by incremental builds (see ``reuse`` above).
            ann.train(sample)
        ann.add(vectors)
        return cls(vectors, ann)

    def extend(self, vectors: np.ndarray, *, ann_min_rows: int = ANN_MIN_ROWS) -> DenseIndex:
        """A new index: these rows plus ``vectors`` (float32, (m, dim)) appended as rows n.. n+m-1.

        An IVF index is cloned and the new vectors added to it (its quantizer stays trained);
        an exact index that grows past ``ann_min_rows`` is built afresh.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        joined = np.concatenate([np.asarray(self.vectors), vectors]) if len(vectors) else self.vectors
        if self.ann is None:
            if len(joined) >= ann_min_rows:
                return DenseIndex.build(joined, ann_min_rows=ann_min_rows)
            return DenseIndex(joined)
        ann = faiss.clone_index(self.ann)
        if len(vectors):
            ann.add(vectors)
        return DenseIndex(joined, ann, self.nprobe)

    def needs_training(self, rows: int) -> bool:
        """Whether an IVF index has drifted from the list count ``rows`` vectors want (more than
        2x either way: a build trains a fresh quantizer then)."""
        if self.ann is None:
            return False
        nlist = faiss.extract_index_ivf(self.ann).nlist
        return not 0.5 * _nlist(rows) <= nlist <= 2 * _nlist(rows)

    @property
    def kind(self) -> str:
        return "ivf-sq8" if self.ann is not None else "exact"

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "rows": len(self)}
        if self.ann is not None:
            out |= {
                "nlist": int(faiss.extract_index_ivf(self.ann).nlist),
                "nprobe": self.nprobe,
                "shortlist": SHORTLIST,
            }
        return out

    def __len__(self) -> int:
        return int(self.vectors.shape[0])

    def scores(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Exact cosine of one query (float32, (dim,)) with ``rows`` (all when None): float32."""
        matrix = self.vectors if rows is None else self.vectors[rows]
        return (matrix @ np.asarray(query, dtype=np.float32)).astype(np.float32, copy=False)

    def top(
        self,
        query: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        within: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k best rows (int64) and their exact cosines (float32), best first.

        ``allowed`` (bool, (n,)) restricts the search exactly: every allowed row can be returned,
        so a selective filter still yields k rows whenever k exist. ``within`` (int64 rows, as
        ``shortlist`` gives them) restricts it to those rows instead, scored exactly.
        """
        n = len(self)
        if n == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if within is None:
            within = self.shortlist(query, k, allowed)
        if within is not None:
            return _best(within, self.scores(query, within), k)
        if allowed is not None and allowed.all():
            allowed = None
        if allowed is None:
            return _best(np.arange(n), self.scores(query), k)
        rows = np.flatnonzero(allowed)
        if self.ann is None and len(rows) > n // 4:
            # A scan of everything then a mask beats gathering most of the rows.
            return _best(rows, self.scores(query)[rows], k)
        return _best(rows, self.scores(query, rows), k)

    def shortlist(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray | None:
        """The rows the IVF index proposes for the k best (int64, up to SHORTLIST * k, in no
        order), for ``top(within=...)``; None where this index scans exactly: no IVF index, or
        a filter selective enough for the exact masked scan."""
        if self.ann is None or k <= 0:
            return None
        if allowed is not None and allowed.all():
            allowed = None
        n = len(self)
        if allowed is not None:
            eligible = int(np.count_nonzero(allowed))
            if eligible <= EXACT_FILTER_ROWS and eligible < n // 2:
                return None
        params = faiss.SearchParametersIVF(nprobe=self.nprobe)
        if allowed is not None:
            bitmap = np.packbits(allowed.astype(np.uint8), bitorder="little")
            params.sel = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap))
        _, found = self.ann.search(np.asarray(query, np.float32).reshape(1, -1), SHORTLIST * k, params=params)
        return found[0][found[0] >= 0].astype(np.int64)

    def save(self, folder: Path, position: int) -> list[Path]:
        """Write the vectors (.npy, memory-mappable) and the ANN index if any; returns the files."""
        files = [folder / f"dense-{position}.npy"]
        np.save(files[0], np.ascontiguousarray(self.vectors), allow_pickle=False)
        if self.ann is not None:
            files.append(folder / f"dense-{position}.ivf")
            faiss.write_index(self.ann, str(files[1]))
        return files

    def mapped(self, folder: Path, position: int) -> DenseIndex:
        """This index with its vectors read from the file ``save`` wrote (memory-mapped, so the
        in-memory copy can go); the ANN index is the same object."""
        vectors = np.asarray(np.load(folder / f"dense-{position}.npy", mmap_mode="r", allow_pickle=False))
        if vectors.shape != self.vectors.shape:
            raise ValueError(
                f"{folder.name}: dense-{position} holds {vectors.shape}, expected {self.vectors.shape}"
            )
        return DenseIndex(vectors, self.ann, self.nprobe)

    @classmethod
    def load(cls, folder: Path, position: int) -> DenseIndex:
        # A plain ndarray view of the map: numpy's memmap subclass makes every gather slower.
        vectors = np.asarray(np.load(folder / f"dense-{position}.npy", mmap_mode="r", allow_pickle=False))
        ann_path = folder / f"dense-{position}.ivf"
        ann = faiss.read_index(str(ann_path)) if ann_path.is_file() else None
        return cls(vectors, ann)


def _best(rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k highest scores (ties by row), best first."""
    if len(rows) > k:
        # argpartition splits rows tied with the k-th score arbitrarily: keep all of them, and
        # the sort takes the lowest rows among them.
        cut = scores[np.argpartition(-scores, k - 1)[k - 1]]
        keep = np.flatnonzero(scores >= cut)
        rows, scores = rows[keep], scores[keep]
    order = np.lexsort((rows, -scores))[:k]
    return rows[order].astype(np.int64), scores[order].astype(np.float32)
