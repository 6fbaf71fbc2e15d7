import numpy as np
import pytest

from index.dense import DenseIndex
from index.encoders import HashingEncoder


def _unit(rows: list[list[float]]) -> np.ndarray:
    m = np.array(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_search_matches_hand_computed_inner_products() -> None:
    vectors = _unit([[1, 0], [0, 1], [1, 1]])
    index = DenseIndex(vectors)
    scores, rows = index.search(np.array([1, 0], dtype=np.float32), 3)
    assert rows[0].tolist() == [0, 2, 1]
    assert scores[0] == pytest.approx([1.0, np.sqrt(0.5), 0.0], abs=1e-6)


def test_scores_agree_with_a_numpy_oracle(tmp_path) -> None:
    rng = np.random.default_rng(7)
    vectors = _unit(rng.normal(size=(50, 16)).tolist())
    query = _unit(rng.normal(size=(1, 16)).tolist())[0]
    index = DenseIndex(vectors)
    np.testing.assert_allclose(index.scores(query), vectors @ query, atol=1e-5)
    index.save(tmp_path / "d.faiss")
    np.testing.assert_allclose(DenseIndex.load(tmp_path / "d.faiss").scores(query),
                               vectors @ query, atol=1e-5)


def test_hashing_encoder_is_deterministic_and_normalised() -> None:
    enc = HashingEncoder(64)
    a, b = enc.encode_queries(["ambulans lambat", "ambulans lambat"])
    np.testing.assert_array_equal(a, b)
    assert np.linalg.norm(a) == pytest.approx(1.0)
