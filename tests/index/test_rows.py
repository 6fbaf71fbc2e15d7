"""assemble_rows equals gathering old rows and new rows in order, whatever the pattern."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from index.rows import assemble_rows


def naive(
    reuse_rows: list[int | None], old: sparse.csr_matrix, fresh: sparse.csr_matrix, columns: int
) -> np.ndarray:
    out, f = [], 0
    for r in reuse_rows:
        if r is None:
            row, f = fresh[f].toarray()[0], f + 1
        else:
            row = old[r].toarray()[0]
        out.append(np.pad(row, (0, columns - len(row))))
    return np.array(out, dtype=np.float32).reshape(len(reuse_rows), columns)


@pytest.mark.parametrize("seed", range(8))
def test_equals_gathering_the_rows(seed: int) -> None:
    rng = np.random.default_rng(seed)
    old = sparse.random(40, 12, density=0.3, format="csr", dtype=np.float32, random_state=seed)
    pattern: list[int | None] = list(range(40))
    rng.shuffle(pattern) if seed % 2 else None  # reordered, or in order as usual
    for _ in range(int(rng.integers(0, 6))):  # deletions
        pattern.pop(int(rng.integers(0, len(pattern))))
    for _ in range(int(rng.integers(0, 6))):  # new rows anywhere
        pattern.insert(int(rng.integers(0, len(pattern) + 1)), None)
    fresh = sparse.random(
        pattern.count(None), 15, density=0.4, format="csr", dtype=np.float32, random_state=seed + 100
    )
    got = assemble_rows(pattern, old, fresh, 15)
    assert got.shape == (len(pattern), 15) and got.dtype == np.float32
    np.testing.assert_array_equal(got.toarray(), naive(pattern, old, fresh, 15))


def test_edges_and_a_wrong_count() -> None:
    empty = sparse.csr_matrix((0, 3), dtype=np.float32)
    assert assemble_rows([], empty, empty, 3).shape == (0, 3)
    old = sparse.csr_matrix(np.eye(3, dtype=np.float32))
    assert (assemble_rows([2, 1, 0], old, empty, 3).toarray() == np.eye(3)[::-1]).all()
    with pytest.raises(ValueError):
        assemble_rows([None], old, empty, 3)
