"""Text encoders: sentence-transformers models (USE3, any local folder) and a test encoder."""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from index.analysis import raw_tokens

logger = logging.getLogger(__name__)


# Passages per encoder call while a build holds the encoder: a query waits for at most one
# chunk. USE3 encodes as many passages a second in chunks of 8 as of 64 (39-42 vs 21-41 /s,
# measured side by side, docs/benchmarks.md), and a chunk of 64 kept a query waiting ~0.45 s.
ENCODE_CHUNK = 8


class EncoderError(ValueError):
    """The configured encoder cannot be built (unknown name, missing folder)."""


class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors; queries and passages may differ (e5)."""

    name: str
    dim: int

    def encode_queries(self, texts: list[str]) -> np.ndarray: ...

    def encode_passages(self, texts: list[str], *, progress: bool = False) -> np.ndarray: ...


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


class HashingEncoder:
    """Deterministic bag of hashed word unigrams and bigrams, for tests: no model, exact ranks."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"hashing-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        tokens = raw_tokens(text)
        features = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
        vec = np.zeros(self.dim, dtype=np.float32)
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        return vec

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """float32, (n, dim), unit rows (zero rows stay zero)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(np.stack([self._vector(t) for t in texts]))

    def encode_passages(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        return self.encode_queries(texts)


class SentenceTransformerEncoder:
    """A sentence-transformers model; uses its ``query``/``passage`` prompts when it has them."""

    def __init__(self, model: Any, name: str) -> None:
        self.model = model
        self.name = name
        self.dim = int(model.get_embedding_dimension())
        prompts = getattr(model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else None
        # The model already uses the configured BLAS threads; concurrent calls from request
        # threads only oversubscribe the cores (measured in docs/benchmarks.md), so they queue.
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prompt: str | None, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), ENCODE_CHUNK)
        # The lock is taken per chunk, so a query waits for one chunk of a build, not all of it.
        for start in tqdm(starts, disable=not progress, unit="chunk", desc="encoding"):
            with self._lock:
                out[start : start + ENCODE_CHUNK] = self.model.encode(
                    texts[start : start + ENCODE_CHUNK],
                    prompt_name=prompt,
                    batch_size=32,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """float32, (n, dim), unit rows."""
        return self._encode(texts, self._query_prompt, False)

    def encode_passages(self, texts: list[str], *, progress: bool = False) -> np.ndarray:
        """float32, (n, dim), unit rows."""
        return self._encode(texts, self._passage_prompt, progress)


def _load_single(spec: str, threads: int) -> Encoder:
    if spec.startswith("hashing"):
        _, _, dim = spec.partition("-")
        return HashingEncoder(int(dim) if dim else 256)
    if spec == "use3":
        from index.use3 import load_use3

        return SentenceTransformerEncoder(load_use3(threads), "use3")
    folder = Path(spec)
    if not (folder / "modules.json").is_file():
        raise EncoderError(
            f"encoder {spec!r} is neither 'use3', 'hashing-<dim>' nor a sentence-transformers "
            "folder (no modules.json there; e5-small: python -m scripts.convert_e5 FOLDER)"
        )
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    return SentenceTransformerEncoder(model, folder.name)


def load_encoders(spec: str, *, threads: int = 2) -> list[Encoder]:
    """Encoders named by a spec such as ``use3`` or ``use3+var/models/e5`` (a model folder).

    Each becomes one dense leg of the ranker, in this order (the first is the primary leg,
    whose cosine drives the "no good match" signal).
    """
    pieces = [p.strip() for p in spec.split("+") if p.strip()]
    if not pieces:
        raise EncoderError("encoder spec is empty")
    return [_load_single(piece, threads) for piece in pieces]
