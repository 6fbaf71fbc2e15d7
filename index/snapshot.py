"""Versioned index snapshots: built in a temporary directory, renamed into place, checksummed.

A snapshot is loaded whole (vectors memory-mapped) and never re-read lazily; a process holds a
shared lock on the manifest of every snapshot it serves, so pruning never deletes one in use.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.analysis import Analyzer
from index.dense import DenseIndex
from index.directory import KEEP, Snapshot, SnapshotDirectory, check_counts, text_key
from index.encoders import Encoder
from index.leases import fsync_dir, take_lease
from index.lexical import CharNgramIndex, FieldTexts, LexicalIndex
from index.manifest import SnapshotError, file_checksum, make_manifest, passage_table

# Imported from here by the engine, the index build and the command line.
__all__ = ["KEEP", "Snapshot", "SnapshotError", "SnapshotStore", "text_key"]

logger = logging.getLogger(__name__)


def encode_passages(
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


class SnapshotStore(SnapshotDirectory):
    """A directory of snapshots that builds new ones, appends to them and persists them."""

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
        name = snapshot_name(catalogue_hash)
        tmp = self.root / f".tmp-{name}"
        tmp.mkdir()
        try:
            keys, described = [], []
            for position, encoder in enumerate(encoders):
                cache = reuse.cached_vectors(position, encoder.name) if reuse else {}
                vectors, enc_keys = encode_passages(encoder, texts, cache, progress)
                del cache
                previous = reuse.dense[position] if reuse and position < len(reuse.dense) else None
                index = DenseIndex.build(vectors, ann_min_rows=self.ann_min_rows, reuse=previous)
                index.save(tmp, position)
                described.append(index.describe())
                keys.append(enc_keys)
                del vectors, index
            table = passage_table(
                doc_ids, doc_keys, [r for r, _, _ in flat], [f for _, f, _ in flat], keys, []
            )
            manifest = make_manifest(
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
        carried = carry(
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
            p.name: carried.get(p.name) or file_checksum(p) for p in sorted(tmp.iterdir()) if p.is_file()
        }
        # The manifest is written last: a directory without one is never loaded.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        fsync_dir(tmp)
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
            vectors, enc_keys = encode_passages(
                encoder, texts, base.cached_vectors(position, encoder.name, wanted), False
            )
            dense.append(base.dense[position].extend(vectors, ann_min_rows=self.ann_min_rows))
            keys.append([*base.passage_keys[position], *enc_keys])
        name = snapshot_name(catalogue_hash)
        all_retired = np.concatenate(
            [base.retired | np.asarray(retired, dtype=bool), np.zeros(len(doc_ids), bool)]
        )
        manifest = make_manifest(
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
        check_counts(snapshot)
        return snapshot

    def persist(self, snapshot: Snapshot, reuse: Snapshot | None) -> Snapshot:
        """Write an appended snapshot, point CURRENT at it and return it loaded back (vectors
        memory-mapped); ``reuse`` (its base, still on disk) lends unchanged vocabulary files."""
        tmp = self.root / f".tmp-{snapshot.version}"
        tmp.mkdir(parents=True)
        try:
            for position, index in enumerate(snapshot.dense):
                index.save(tmp, position)
            table = passage_table(
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
        lease = take_lease(final)
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


def carry(folder: Path, reuse: Snapshot | None, groups: list[tuple[tuple[str, ...], bool]]) -> dict[str, str]:
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


def snapshot_name(catalogue_hash: str) -> str:
    """A new snapshot's directory name; names sort in the order they were made (to the
    microsecond: appended snapshots follow each other within a second)."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}"
    return f"snap-{stamp}-{catalogue_hash[:10]}-{uuid.uuid4().hex[:6]}"
