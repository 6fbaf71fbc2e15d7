"""Sparse matrices assembled from the rows of a previous one and a few new rows (incremental fits)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse


def assemble_rows(
    reuse_rows: Sequence[int | None], old: sparse.csr_matrix, fresh: sparse.csr_matrix, columns: int
) -> sparse.csr_matrix:
    """float32 CSR, (len(reuse_rows), columns): row i is ``old``'s row ``reuse_rows[i]``, or,
    where that is None, the next row of ``fresh`` (its rows in the order of the Nones).

    Equal to gathering and stacking the rows, but with one copy of the data: consecutive rows
    of ``old`` (an unchanged catalogue keeps its order) are copied as one slice, so an edit
    of one document costs a copy of the matrix, not a fancy index, a stack and a reorder.
    """
    n = len(reuse_rows)
    source = np.fromiter((-1 if r is None else r for r in reuse_rows), dtype=np.int64, count=n)
    kept = source >= 0
    if int((~kept).sum()) != fresh.shape[0]:
        raise ValueError(f"{int((~kept).sum())} new rows expected, fresh has {fresh.shape[0]}")
    lengths = np.zeros(n, dtype=np.int64)
    old_indptr = np.asarray(old.indptr, dtype=np.int64)
    lengths[kept] = old_indptr[source[kept] + 1] - old_indptr[source[kept]]
    lengths[~kept] = np.diff(np.asarray(fresh.indptr, dtype=np.int64))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    # A run goes on while old rows follow each other, or while new rows follow each other.
    same = np.zeros(n, dtype=bool)
    same[1:] = (kept[1:] & kept[:-1] & (source[1:] == source[:-1] + 1)) | (~kept[1:] & ~kept[:-1])
    starts = np.flatnonzero(~same)
    ends = np.append(starts[1:], n) if n else starts
    fresh_at = np.cumsum(~kept) - 1  # the fresh row of each new row
    data, indices = [], []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if kept[start]:
            matrix, first, last = old, old_indptr[source[start]], old_indptr[source[end - 1] + 1]
        else:
            matrix = fresh
            first, last = fresh.indptr[fresh_at[start]], fresh.indptr[fresh_at[end - 1] + 1]
        data.append(np.asarray(matrix.data[first:last], dtype=np.float32))
        indices.append(np.asarray(matrix.indices[first:last], dtype=np.int32))
    return sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, dtype=np.float32),
            np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
            indptr,
        ),
        shape=(n, columns),
        dtype=np.float32,
    )
