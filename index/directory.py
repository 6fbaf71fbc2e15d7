"""Snapshots read back: the loaded Snapshot, and the directory that finds, loads, holds and prunes them."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from index.analysis import Analyzer
from index.dense import ANN_MIN_ROWS, DenseIndex
from index.encoders import Encoder
from index.leases import fsync_dir, remove_unless_in_use, take_lease
from index.lexical import CharNgramIndex, LexicalIndex
from index.manifest import SnapshotError, read_manifest

logger = logging.getLogger(__name__)

CURRENT = "CURRENT"
KEEP = 3
BUILD_LOCK = "build.lock"


def text_key(encoder_name: str, text: str) -> str:
    """Cache key of one passage's vector: the same text under the same encoder never re-encodes."""
    return hashlib.sha1(f"{encoder_name}\x00{text}".encode()).hexdigest()


@dataclass
class Snapshot:
    """A loaded snapshot: documents, their passages, one dense index per encoder, lexical indexes."""

    path: Path
    manifest: dict[str, Any]
    doc_ids: list[str]
    doc_keys: list[str]  # content key of each document when indexed: unchanged ones are reused
    passage_doc: np.ndarray  # int32, (p,): document row of each passage
    passage_field: list[str]
    passage_keys: list[list[str]]  # per encoder: text_key of each passage
    dense: list[DenseIndex]  # aligned with the encoders the snapshot was built with
    lexical: LexicalIndex
    chars: CharNgramIndex
    # bool, (n,): rows superseded by a row appended later (an edit) or deleted; never served.
    retired: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # False for an appended snapshot until SnapshotStore.persist has written it.
    persisted: bool = True
    _lease: IO[bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not len(self.retired):
            self.retired = np.zeros(len(self.doc_ids), dtype=bool)

    @property
    def version(self) -> str:
        return self.path.name

    @property
    def catalogue_seq(self) -> int:
        return int(self.manifest.get("catalogue_seq", 0))

    def cached_vectors(
        self, position: int, encoder_name: str, wanted: set[str] | None = None
    ) -> dict[str, np.ndarray]:
        """Vectors of the given encoder keyed by text_key, for reuse by the next build; with
        ``wanted``, only those keys, copied out of the map (an edit usually keeps some of
        its passages)."""
        names = [e["name"] for e in self.manifest.get("encoders", [])]
        if position >= len(names) or names[position] != encoder_name or wanted == set():
            return {}
        vectors = self.dense[position].vectors
        keys = self.passage_keys[position]
        if wanted is None:
            return {key: vectors[i] for i, key in enumerate(keys)}
        return {key: np.array(vectors[i]) for i, key in enumerate(keys) if key in wanted}

    def release(self) -> None:
        """Drop this process's claim on the snapshot (it may then be pruned)."""
        if self._lease is not None:
            self._lease.close()
            self._lease = None


class SnapshotDirectory:
    """A directory of snapshots and a CURRENT pointer that is replaced atomically: what reading
    them needs (SnapshotStore adds the writing)."""

    def __init__(self, root: Path, *, ann_min_rows: int = ANN_MIN_ROWS) -> None:
        self.root = Path(root)
        self.ann_min_rows = ann_min_rows

    # -- pointers and locks ----------------------------------------------------------------
    def current_name(self) -> str | None:
        """The name CURRENT points at (cheap: one small read), or None."""
        try:
            return (self.root / CURRENT).read_text().strip() or None
        except OSError:
            return None

    def candidates(self) -> list[Path]:
        """Snapshot directories to try, CURRENT first, then the others newest first."""
        snaps = sorted((p for p in self.root.glob("snap-*") if p.is_dir()), reverse=True)
        current = self.current_name()
        first = [p for p in snaps if p.name == current]
        return first + [p for p in snaps if p.name != current]

    @contextlib.contextmanager
    def build_lock(self, *, wait: bool = True) -> Iterator[bool]:
        """One builder at a time across processes (server workers and the CLI)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / BUILD_LOCK, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- loading ---------------------------------------------------------------------------
    def load(self, encoders: Sequence[Encoder], analyzer: Analyzer) -> tuple[Snapshot, list[str]]:
        """The newest loadable snapshot, and why any newer ones were skipped.

        A corrupt snapshot (checksum, count or format) is skipped for the previous good one;
        one built for other encoders is refused, never loaded misaligned.
        """
        problems: list[str] = []
        for path in self.candidates():
            try:
                return self.load_path(path, encoders, analyzer), problems
            except SnapshotError as exc:
                problems.append(str(exc))
                logger.warning("skipping snapshot: %s", exc)
        if not problems:
            problems.append(f"no index snapshot in {self.root}; run 'replikasi build-index'")
        raise SnapshotError("; ".join(problems))

    def load_path(
        self,
        path: Path,
        encoders: Sequence[Encoder],
        analyzer: Analyzer,
        *,
        verify: bool = True,
        lexical: LexicalIndex | None = None,
        chars: CharNgramIndex | None = None,
    ) -> Snapshot:
        lease = take_lease(path)
        try:
            snapshot = self._read(path, encoders, analyzer, verify, lexical, chars)
        except SnapshotError:
            lease.close()
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            lease.close()
            raise SnapshotError(f"snapshot {path.name} is unreadable: {exc}") from exc
        snapshot._lease = lease
        return snapshot

    def _read(
        self,
        path: Path,
        encoders: Sequence[Encoder],
        analyzer: Analyzer,
        verify: bool,
        lexical: LexicalIndex | None = None,
        chars: CharNgramIndex | None = None,
    ) -> Snapshot:
        manifest = read_manifest(path, encoders, verify)
        table = json.loads((path / "passages.json").read_text())
        retired = np.zeros(len(table["doc_ids"]), dtype=bool)
        retired[np.asarray(table.get("retired", []), dtype=np.int64)] = True
        snapshot = Snapshot(
            path=path,
            manifest=manifest,
            doc_ids=list(table["doc_ids"]),
            doc_keys=list(table["doc_keys"]),
            passage_doc=np.asarray(table["passage_doc"], dtype=np.int32),
            passage_field=list(table["passage_field"]),
            passage_keys=[list(k) for k in table["passage_keys"]],
            dense=[DenseIndex.load(path, i) for i in range(len(encoders))],
            lexical=lexical or LexicalIndex.load(path, analyzer, retired),
            chars=chars or CharNgramIndex.load(path),
            retired=retired,
        )
        check_counts(snapshot)
        return snapshot

    @contextlib.contextmanager
    def hold(self, snapshot: Snapshot) -> Iterator[None]:
        """Keep a persisted snapshot from being pruned meanwhile (a lease of this block's own)."""
        lease = take_lease(snapshot.path) if snapshot.persisted else None
        try:
            yield
        finally:
            if lease is not None:
                lease.close()

    def _point_to(self, final: Path) -> None:
        pointer_tmp = self.root / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        pointer_tmp.write_text(final.name)
        os.replace(pointer_tmp, self.root / CURRENT)
        fsync_dir(self.root)

    def prune(self) -> None:
        """Delete old snapshots beyond the newest KEEP, never CURRENT nor one a process serves."""
        current = self.current_name()
        snaps = sorted(p for p in self.root.glob("snap-*") if p.is_dir())
        for old in snaps[:-KEEP]:
            if old.name != current:
                remove_unless_in_use(old)
        # Leftovers of builds that were killed half-way.
        for stale in self.root.glob(".tmp-*"):
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)


def check_counts(snapshot: Snapshot) -> None:
    n, p = len(snapshot.doc_ids), len(snapshot.passage_doc)
    checks = [
        ("documents", int(snapshot.manifest.get("count", -1)), n),
        ("document keys", len(snapshot.doc_keys), n),
        ("passage fields", len(snapshot.passage_field), p),
        ("passages", int(snapshot.manifest.get("passages", -1)), p),
        ("lexical rows", snapshot.lexical.tf.shape[0], n),
        ("n-gram rows", snapshot.chars.matrix.shape[0], n),
    ]
    checks += [("retired flags", len(snapshot.retired), n)]
    checks += [(f"dense-{i} rows", len(d), p) for i, d in enumerate(snapshot.dense)]
    checks += [(f"passage keys {i}", len(k), p) for i, k in enumerate(snapshot.passage_keys)]
    for what, found, expected in checks:
        if found != expected:
            raise SnapshotError(f"snapshot {snapshot.version}: {what} {found} != {expected}")
    if p and (snapshot.passage_doc.min() < 0 or snapshot.passage_doc.max() >= n):
        raise SnapshotError(f"snapshot {snapshot.version}: passage rows out of range")
