"""Snapshots of the catalogue: a fresh or incremental build, or the changed documents appended."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from index.analysis import Analyzer
from index.encoders import Encoder
from index.lexical import CharNgramIndex, LexicalIndex
from index.snapshot import Snapshot, SnapshotStore
from recommender.catalogue import Catalogue, hash_of_contents
from recommender.documents import Lazy, lexical_fields, passages, whole_text
from recommender.ranking import RankingConfig
from recommender.record import Innovation
from recommender.search import SearchState

# A full fit (fresh vocabularies, IDF) instead of an incremental one once this share changed.
FULL_REFIT_SHARE = 0.2
# Changed documents are appended to the live snapshot (their old rows retired) until retired
# rows would pass this share of the live ones; then one incremental build compacts the rows.
APPEND_MAX_SHARE = 0.1


@dataclass(frozen=True)
class Built:
    """A snapshot not yet served, with the records and content hashes of its documents."""

    snapshot: Snapshot
    records: dict[str, Innovation]
    hashes: dict[str, str]


class SnapshotMaker:
    """Makes snapshots of the catalogue; serving, persisting and locking are the caller's."""

    def __init__(
        self,
        catalogue: Catalogue,
        snapshots: SnapshotStore,
        encoders: list[Encoder],
        config: RankingConfig,
        analyzer: Analyzer,
    ) -> None:
        self.catalogue, self.snapshots, self.encoders = catalogue, snapshots, encoders
        self.config, self.analyzer = config, analyzer

    def build(self, state: SearchState | None, seq: int, *, full: bool, progress: bool) -> Built:
        """Every live record, reusing the unchanged documents' vectors, term rows and n-gram
        rows of the live snapshot (an incremental build) unless ``full`` or too much changed."""
        items, keys = self.catalogue.all_with_hashes({} if state is None or full else decoded(state))
        reuse = state.snapshot if state is not None else None
        old_rows = None if reuse is None or full else _reusable_rows(reuse, items, keys)
        cfg = self.config
        lexical = LexicalIndex(self.analyzer, cfg.lexical_fields, k1=cfg.bm25_k1, b=cfg.bm25_b)
        # Lazy views: an incremental fit reads only the changed documents' texts.
        lexical.fit(
            Lazy(items, partial(lexical_fields, config=cfg)),
            reuse=reuse.lexical if reuse and old_rows else None,
            reuse_rows=old_rows,
        )
        chars = CharNgramIndex().fit(
            Lazy(items, whole_text),
            reuse=reuse.chars if reuse and old_rows else None,
            reuse_rows=old_rows,
        )
        snapshot = self.snapshots.build(
            doc_ids=[i.id for i in items],
            doc_keys=keys,
            passages=[passages(i, cfg) for i in items],
            lexical=lexical,
            chars=chars,
            encoders=self.encoders,
            catalogue_hash=hash_of_contents({i.id: k for i, k in zip(items, keys, strict=True)}),
            catalogue_seq=seq,
            analyzer=self.analyzer,
            reuse=reuse,
            progress=progress,
        )
        hashes = {i.id: k for i, k in zip(items, keys, strict=True)}
        return Built(snapshot, {i.id: i for i in items}, hashes)

    def appended(self, state: SearchState, seq: int) -> Built | None:
        """The live snapshot with the documents changed since it appended (their old rows
        retired), in memory; None when a compacting build is due instead.

        Only the changed records are read, analysed and encoded; unchanged rows, vectors and
        the trained IVF quantizer are kept.
        """
        base = state.snapshot
        changed = sorted(self.catalogue.changed_since(base.catalogue_seq))
        retired = base.retired.copy()
        retired[[r for d in changed if (r := state.rows.get(d)) is not None]] = True
        if not self._can_append(base, retired, len(changed)):
            return None
        fetched = self.catalogue.records_with_hashes(changed)
        new = [fetched[d][0] for d in changed if d in fetched]
        keys = [fetched[i.id][1] for i in new]
        records = {
            d: item
            for r, (d, item) in enumerate(zip(base.doc_ids, state.items, strict=True))
            if item is not None and not retired[r]
        }
        hashes = {d: k for d, k in state.hashes.items() if d in records}
        records.update((i.id, i) for i in new)
        hashes.update((i.id, k) for i, k in zip(new, keys, strict=True))
        snapshot = self.snapshots.extend(
            base,
            doc_ids=[i.id for i in new],
            doc_keys=keys,
            passages=[passages(i, self.config) for i in new],
            retired=retired,
            lexical=base.lexical.extend([lexical_fields(i, self.config) for i in new], retired),
            chars=base.chars.extend([whole_text(i) for i in new]),
            encoders=self.encoders,
            catalogue_hash=hash_of_contents(hashes),
            catalogue_seq=seq,
        )
        return Built(snapshot, records, hashes)

    def _can_append(self, base: Snapshot, retired: np.ndarray, changed: int) -> bool:
        total_retired = int(retired.sum())
        live = len(base.retired) - total_retired
        cfg = self.config
        return not (
            not base.chars.fitted
            or total_retired > APPEND_MAX_SHARE * max(live, 1)
            or changed > FULL_REFIT_SHARE * max(live, 1)  # vocabularies are refitted instead
            # Settings changed since the base was built: a build applies them.
            or (base.lexical.k1, base.lexical.b, base.lexical.field_weights)
            != (cfg.bm25_k1, cfg.bm25_b, dict(cfg.lexical_fields))
            # An IVF index grown past its trained list count is retrained by a build.
            or any(d.needs_training(len(d)) for d in base.dense)
        )


def _reusable_rows(reuse: Snapshot, items: list[Innovation], keys: list[str]) -> list[int | None] | None:
    """Each record's row in ``reuse`` when its content is unchanged; None when too many changed
    for an incremental fit."""
    where = {
        (d, k): r
        for r, (d, k) in enumerate(zip(reuse.doc_ids, reuse.doc_keys, strict=True))
        if not reuse.retired[r]
    }
    old_rows = [where.get((i.id, k)) for i, k in zip(items, keys, strict=True)]
    if sum(r is None for r in old_rows) > FULL_REFIT_SHARE * max(len(items), 1):
        return None
    return old_rows


def decoded(state: SearchState) -> dict[str, tuple[str, Innovation]]:
    """The state's live records with their content hashes, by id (what a catalogue scan
    need not decode again)."""
    return {
        d: (state.hashes[d], item)
        for d, item in zip(state.snapshot.doc_ids, state.items, strict=True)
        if item is not None and d in state.hashes
    }
