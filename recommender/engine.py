"""The recommender: a planner's problem in, ranked and explained proven innovations out."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np

from index.analysis import Analyzer
from index.encoders import Encoder
from index.snapshot import Snapshot, SnapshotError, SnapshotStore
from recommender.answers import Answerer
from recommender.builds import ChildBuildFailed, ChildBuilds, build_in_child
from recommender.catalogue import Catalogue
from recommender.documents import passages, whole_text
from recommender.errors import IndexNotReady, InvalidRecord, UnknownInnovation
from recommender.explain import Explainer
from recommender.filters import Asker, Filters
from recommender.indexing import SnapshotMaker, decoded
from recommender.nomatch import NoMatchModel, shipped_model
from recommender.query import clean_problem
from recommender.ranking import RankingConfig
from recommender.record import Innovation
from recommender.registry import Registry
from recommender.results import Recommendations
from recommender.search import SearchState

logger = logging.getLogger(__name__)

MAX_LIMIT = 50
MAX_CHILD_FAILURES = 2


def validate_problem(problem: object) -> str:
    return clean_problem(problem)


def validate_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidRecord("limit", f"must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    return limit


class Recommender:
    """Hybrid retrieval over the catalogue's snapshot, then replication value, context, diversity.

    The live search state is one reference (``self._state``); queries read it once. Building
    and loading snapshots swap it; nothing on the query path re-reads it.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        encoders: Encoder | list[Encoder],
        snapshots: SnapshotStore,
        config: RankingConfig | None = None,
        analyzer: Analyzer | None = None,
        no_match: NoMatchModel | None = None,
        builds: ChildBuilds | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.registry = Registry(catalogue)
        self.encoders = encoders if isinstance(encoders, list) else [encoders]
        self.snapshots = snapshots
        self.config = config or RankingConfig()
        self.analyzer = analyzer or Analyzer()
        self.explainer = Explainer(self.analyzer)
        self.no_match = no_match or shipped_model()
        self.answerer = Answerer(self.encoders, self.config, self.explainer, self.no_match)
        self.maker = SnapshotMaker(catalogue, snapshots, self.encoders, self.config, self.analyzer)
        self._state: SearchState | None = None
        self._build_lock = threading.Lock()
        self._swap_lock = threading.Lock()
        # Snapshots that failed to load, shown by /ready until a good build replaces them.
        self.problems: list[str] = []
        self._pending_cache: tuple[float, int] | None = None
        # Snapshot names CURRENT held that proved older than the served state (never reloaded),
        # and when a failed write of the served snapshot may be tried again (doubling waits).
        self._older: set[str] = set()
        self._save_retry_at, self._save_wait = 0.0, 1.0
        # Bulk changes are built in a child process (None: always here); after this many
        # failed children in a row the next build runs here, so a change is never stuck.
        self.builds = builds
        self._child_failures = 0

    # -- index lifecycle -------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._state is not None

    @property
    def index_version(self) -> str | None:
        state = self._state
        return state.version if state else None

    @property
    def indexed_seq(self) -> int:
        state = self._state
        return state.snapshot.catalogue_seq if state else 0

    def pending(self) -> int:
        """Catalogue changes (distinct innovations) not yet searchable."""
        return self.catalogue.pending(self.indexed_seq) if self._state else self.catalogue.count()

    def pending_cached(self, max_age: float = 0.5) -> int:
        """pending(), recomputed at most every ``max_age`` seconds (for response headers)."""
        now = time.monotonic()
        cached = self._pending_cache
        if cached is None or now - cached[0] > max_age:
            cached = (now, self.pending())
            self._pending_cache = cached
        return cached[1]

    def invalidate_pending(self) -> None:
        self._pending_cache = None

    @property
    def persisted(self) -> bool:
        """Whether the served snapshot is on disk (an appended one is served before it is)."""
        state = self._state
        return state is None or state.snapshot.persisted

    def behind(self) -> bool:
        return self._state is None or self.catalogue.seq() > self.indexed_seq

    def ensure_index(self, *, progress: bool = False) -> str:
        """Serve the newest good snapshot at once; build only when there is none at all.

        A stale snapshot is served as it is: the caller (the index updater) catches up.
        """
        try:
            snapshot, self.problems = self.snapshots.load(self.encoders, self.analyzer)
        except SnapshotError as exc:
            logger.info("building the index: %s", exc)
            self.problems = [str(exc)] if self.snapshots.candidates() else []
            return self.rebuild(progress=progress)
        self._swap(snapshot)
        # Finds (and reports) unreadable rows the snapshot never held; the rows the state just
        # decoded are not decoded again.
        assert self._state is not None
        self.catalogue.all_with_hashes(decoded(self._state))
        return snapshot.version

    def refresh(self, *, trusted: str | None = None) -> bool:
        """Load the snapshot CURRENT names if another process built a newer one, checking its
        files' checksums unless it is ``trusted`` (the one a child of this process just wrote
        and checked)."""
        name = self.snapshots.current_name()
        state = self._state
        if name is None or (state is not None and state.version == name) or name in self._older:
            return False
        try:
            snapshot = self.snapshots.load_path(
                self.snapshots.root / name, self.encoders, self.analyzer, verify=name != trusted
            )
        except SnapshotError as exc:
            logger.warning("not switching to snapshot %s: %s", name, exc)
            if str(exc) not in self.problems:
                self.problems.append(str(exc))
            return False
        if state is not None and snapshot.catalogue_seq < state.snapshot.catalogue_seq:
            snapshot.release()
            self._older.add(name)
            return False
        self._swap(snapshot)
        return True

    def rebuild(self, *, progress: bool = False, full: bool = False) -> str:
        """Build a snapshot of the catalogue as it is now and swap it in.

        Unchanged documents keep their vectors, term rows and n-gram rows (an incremental
        build); ``full`` refits the vocabularies and IDF from scratch.
        """
        with self._build_lock:
            if not full and self._child_due():
                if not self._waited_for_another_build() or self._child_due():
                    return self._build_in_child()
            version = self._build_here(progress=progress, full=full)
            self._child_failures = 0  # everything pending is built: the next bulk change tries a child
            return version

    def _child_due(self) -> bool:
        """Whether the pending changes are a bulk change for a child process to build."""
        state = self._state
        return (
            self.builds is not None
            and state is not None
            and self._child_failures < MAX_CHILD_FAILURES
            and self.catalogue.pending(state.snapshot.catalogue_seq) >= self.builds.min_changes
        )

    def _build_in_child(self) -> str:
        """Build in a child process (which takes the snapshot build lock itself), then serve
        what it wrote; a failed child leaves the live state and the pending changes as they are."""
        assert self.builds is not None
        try:
            written = build_in_child(
                self.builds,
                self.catalogue.path,
                self.snapshots.root,
                self.snapshots.ann_min_rows,
                self.config,
                self.analyzer,
            )
        except ChildBuildFailed:
            self._child_failures += 1
            raise
        self._child_failures = 0
        if not self.refresh(trusted=written) and self.behind():
            self._child_failures += 1  # what it wrote cannot be served: the next build runs here
        return self.index_version or ""

    def _waited_for_another_build(self) -> bool:
        """Whether another process (a worker's child, the CLI) held the build lock; if so,
        wait until it lets go and load what it wrote. Each worker of a server sees the same
        bulk change, and only one of them should spawn a child for it."""
        with self.snapshots.build_lock(wait=False) as free:
            pass
        if free:
            return False
        with self.snapshots.build_lock():
            pass
        self.refresh()
        return True

    def _build_here(self, *, progress: bool, full: bool) -> str:
        with self.snapshots.build_lock():
            if not full:
                # Another process may have built while this one waited for the lock.
                self.refresh()
                state = self._state
                if state is not None and not self.behind() and not self.problems and self.persisted:
                    return state.version
                if not self.persisted and not self.behind() and time.monotonic() < self._save_retry_at:
                    return self.index_version or ""  # the failed write is retried later
            seq = self.catalogue.seq()  # read first: changes made during the build stay pending
            state = self._state
            if not full and state is not None:
                appended = self._append(state, seq)
                if appended is not None:
                    return appended
            built = self.maker.build(state, seq, full=full, progress=progress)
            self._swap(built.snapshot, built.records, built.hashes)
            self.problems = []
            return built.snapshot.version

    def _append(self, state: SearchState, seq: int) -> str | None:
        """Append the documents changed since the live snapshot to it and serve the result at
        once, then write it; None when a compacting build is due instead.

        Only the changed records are read, analysed and encoded; unchanged rows, vectors and
        the trained IVF quantizer are kept (the old row of an edited document is retired).
        """
        built = self.maker.appended(state, seq)
        if built is None:
            return None
        base, snapshot = state.snapshot, built.snapshot
        with self.snapshots.hold(base):  # its vocabulary files are copied by persist
            self._swap(snapshot, built.records, built.hashes)  # searchable from here on
            try:
                mapped = self.snapshots.persist(snapshot, base)
            except BaseException as exc:
                # Served from memory; the next update retries the write (a restart rebuilds).
                self.problems = [f"the index is served but could not be saved: {exc!r}"]
                logger.exception("index snapshot %s could not be written", snapshot.version)
                self._save_retry_at = time.monotonic() + self._save_wait
                self._save_wait = min(self._save_wait * 2, 60.0)
                if not isinstance(exc, (OSError, SnapshotError, ValueError, RuntimeError)):
                    raise
                return snapshot.version
        self._remap(snapshot, mapped)
        self.problems = []
        self._save_wait = 1.0
        return snapshot.version

    def _remap(self, snapshot: Snapshot, mapped: Snapshot) -> None:
        """Serve the written copy of an in-memory snapshot (vectors mapped, lease held)."""
        with self._swap_lock:
            state = self._state
            if state is not None and state.snapshot is snapshot:
                self._state = state.with_snapshot(mapped)
                return
        mapped.release()

    def _swap(
        self,
        snapshot: Snapshot,
        records: dict[str, Innovation] | None = None,
        hashes: dict[str, str] | None = None,
    ) -> None:
        """Make a snapshot live with the catalogue's current records for its documents."""
        try:
            new = self._state_for(snapshot, records, hashes)
        except BaseException:
            snapshot.release()  # never served: its lease must not keep it from pruning
            raise
        with self._swap_lock:
            current = self._state
            if (
                current is not None
                and current.snapshot is not snapshot
                and snapshot.catalogue_seq < current.snapshot.catalogue_seq
            ):
                snapshot.release()  # a slower concurrent load must not replace a newer state
                return
            # Deletes committed while this snapshot was built must not come back to life.
            new = new.without(self.catalogue.deleted_since(snapshot.catalogue_seq))
            old, self._state = self._state, new
        self._pending_cache = None
        if old is not None and old.snapshot is not snapshot:
            old.snapshot.release()

    def _state_for(
        self, snapshot: Snapshot, records: dict[str, Innovation] | None, hashes: dict[str, str] | None
    ) -> SearchState:
        """A search state over a snapshot, re-reading only records that changed since the live
        state (or all of them, on first load)."""
        if records is None or hashes is None:
            hashes = self.catalogue.content_hashes()
            state = self._state
            known = state.hashes if state is not None else {}
            stale = [d for d in snapshot.doc_ids if d in hashes and known.get(d) != hashes[d]]
            records = self.catalogue.records(stale)
            if state is not None:
                for key in snapshot.doc_ids:
                    row = state.rows.get(key)
                    if key not in records and row is not None and known.get(key) == hashes.get(key):
                        item = state.items[row]
                        if item is not None:
                            records[key] = item
        items = [
            None if gone else records.get(d)
            for d, gone in zip(snapshot.doc_ids, snapshot.retired, strict=True)
        ]
        seq = self.registry.seq()  # read first: a registry write meanwhile is synced later
        return SearchState(
            snapshot,
            items,
            hashes,
            self.config,
            previous=self._state,
            ledgers=self.registry.ledgers(),
            registry_seq=seq,
        )

    def sync_registry(self) -> bool:
        """Rescore the innovations whose registry entries changed since the live state (by a
        write here or in another process); no snapshot is built. True when it changed."""
        state = self._state
        if state is None:
            return False
        seq = self.registry.seq()
        if seq == state.registry_seq:
            return False
        ledgers = self.registry.ledgers()
        with self._swap_lock:
            current = self._state
            if current is None or current.registry_seq >= seq:
                return False  # a newer state was swapped in meanwhile
            self._state = current.with_ledgers(ledgers, seq)
        return True

    def forget(self, ids: list[str]) -> None:
        """Mask deleted innovations out of the live state at once, before the next build."""
        with self._swap_lock:
            state = self._state
            if state is not None:
                self._state = state.without(ids)
        self._pending_cache = None

    def mask_deleted(self) -> int:
        """Mask innovations deleted since the live snapshot, by any process (another worker or
        the CLI), so a delete leaves every worker's results before the next build. Returns how
        many were newly masked."""
        state = self._state
        if state is None:
            return 0
        gone = [
            d
            for d in self.catalogue.deleted_since(state.snapshot.catalogue_seq)
            if (row := state.rows.get(d)) is not None and state.items[row] is not None
        ]
        if gone:
            self.forget(gone)
        return len(gone)

    def passages(self, item: Innovation) -> list[tuple[str, str]]:
        """The texts ``item`` is indexed by under this recommender's config (documents.passages)."""
        return passages(item, self.config)

    @property
    def manifest(self) -> dict[str, Any]:
        """The loaded snapshot's manifest (encoders, counts, catalogue hash, build time)."""
        return self._require_state().snapshot.manifest

    @property
    def items(self) -> list[Innovation]:
        """The indexed innovations that still exist, in index row order."""
        return [i for i in self._require_state().items if i is not None]

    @property
    def row_items(self) -> list[Innovation | None]:
        """The innovation of every index row, None where the row is deleted or retired (the
        evaluation's whole-catalogue baselines score rows)."""
        return list(self._require_state().items)

    def document_vectors(self, position: int = 0) -> tuple[list[Innovation], np.ndarray]:
        """The live innovations (index row order) and their whole-text vectors under encoder
        ``position`` (from the snapshot: nothing is encoded): float32, (n, dim), unit rows."""
        state = self._require_state()
        rows = np.array([r for r, i in enumerate(state.items) if i is not None], dtype=np.int64)
        items = [state.items[r] for r in rows.tolist()]
        vectors = (
            state.whole_vectors(position, rows)
            if len(rows)
            else np.zeros((0, self.encoders[position].dim), dtype=np.float32)
        )
        return [i for i in items if i is not None], vectors

    def with_config(self, config: RankingConfig) -> Recommender:
        """The same loaded index ranked with other parameters (used to compare systems)."""
        state = self._require_state()
        other = Recommender(
            self.catalogue, self.encoders, self.snapshots, config, self.analyzer, self.no_match
        )
        other._state = SearchState(
            state.snapshot,
            state.items,
            state.hashes,
            config,
            ledgers=state.ledgers,
            registry_seq=state.registry_seq,
        )
        return other

    def _require_state(self) -> SearchState:
        state = self._state
        if state is None:
            raise IndexNotReady("the search index is not loaded yet")
        return state

    # -- queries ---------------------------------------------------------------------------
    def recommend(
        self,
        problem: str,
        filters: Filters | None = None,
        asker: Asker | None = None,
        limit: int = 10,
        queries: list[np.ndarray] | None = None,
    ) -> Recommendations:
        """Top ``limit`` innovations for a problem text, with score components and reasons."""
        text = validate_problem(problem)
        limit = validate_limit(limit)
        state = self._require_state()
        if queries is None:
            queries = [enc.encode_queries([text])[0] for enc in self.encoders]
        return self.answerer.answer(state, text, queries, filters or Filters(), asker or Asker(), limit, None)

    def similar(self, innovation_id: str, filters: Filters | None = None, limit: int = 10) -> Recommendations:
        """Innovations most like a given one (itself excluded)."""
        limit = validate_limit(limit)
        state = self._require_state()
        row = state.rows.get(innovation_id)
        item = state.items[row] if row is not None else None
        if row is None or item is None:
            raise UnknownInnovation(innovation_id)
        queries = [state.whole_vectors(i, np.array([row]))[0] for i in range(len(self.encoders))]
        return self.answerer.answer(
            state, whole_text(item), queries, filters or Filters(), Asker(), limit, exclude=row
        )

    def eligible(self, filters: Filters) -> np.ndarray:
        """Rows passing the filters (the evaluation's baselines use it): int64, (m,)."""
        return np.flatnonzero(self._require_state().columns.mask(filters)).astype(np.int64)

    def whole_catalogue_signals(self, text: str, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """BM25 and the primary leg's dense score (whole/best-passage mix) of every document.

        For the evaluation's single-leg baselines only; the ranker scores candidates.
        """
        state = self._require_state()
        docs = np.arange(len(state.items), dtype=np.int64)
        return state.snapshot.lexical.scores(text), state.dense_scores(0, query, docs)
