"""The one write path: validate, commit to the catalogue at once, let the index catch up.

The API and the CLI both write through ``CatalogueWriter``. A write holds the catalogue's
write lock only for its own transaction; re-indexing happens in ``IndexUpdater``'s thread,
debounced so a burst of writes becomes one incremental build.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from index.snapshot import SnapshotError
from recommender.catalogue import Catalogue
from recommender.engine import Recommender
from recommender.errors import DuplicateInnovation, RecommenderError
from recommender.importing import ImportOptions, ImportReport, Rejection, TextIndex, validate_rows
from recommender.record import Innovation
from recommender.reviews import ReviewQueue
from recommender.rows import content_hash

logger = logging.getLogger(__name__)

LOCK_WAIT_SECONDS = 10.0
IMPORT_CHUNK = 500


class WriterBusy(RecommenderError):
    """Another write holds the catalogue longer than a request may wait."""


@dataclass
class Outcome:
    item: Innovation | None
    created: bool = True


class CatalogueWriter:
    """Every catalogue change goes through here; each returns as soon as it is committed."""

    def __init__(self, recommender: Recommender, on_change: Callable[[], None] | None = None) -> None:
        self.recommender = recommender
        self.catalogue: Catalogue = recommender.catalogue
        self.on_change = on_change or (lambda: None)
        self._texts: TextIndex | None = None
        self._texts_seq = -1
        self._texts_lock = threading.Lock()
        self.reviews = ReviewQueue(self.catalogue)

    # -- locking and the near-duplicate index ---------------------------------------------
    def _locked(self) -> threading.RLock:
        lock = self.catalogue.write_lock
        if not lock.acquire(timeout=LOCK_WAIT_SECONDS):
            raise WriterBusy("the catalogue is busy with another write; retry in a few seconds")
        return lock

    def _text_index(self) -> TextIndex:
        """Near-duplicate shingles of the catalogue, built once (seconds at 50,000), then
        caught up with the changes other processes made (the changes table)."""
        with self._texts_lock:
            texts, since = self._texts, self._texts_seq
            if texts is None:
                since = self.catalogue.seq()  # read first: later changes are caught up below
                texts = TextIndex(self.catalogue.all())
            seq = self.catalogue.seq()
            if seq != since:
                changed = self.catalogue.changed_since(since)
                stored = self.catalogue.records(changed)
                for key in changed:
                    texts.remove(key)
                    if key in stored:
                        texts.add(stored[key])
            self._texts, self._texts_seq = texts, seq
            return texts

    def warm(self) -> None:
        """Build the near-duplicate index ahead of the first write (a server starts it in the
        background), so no write pays for it."""
        try:
            self._text_index()
        except Exception:  # noqa: BLE001 - the first write builds it then, and reports why
            logger.exception("could not prepare the near-duplicate index")

    def _committed(self, added: list[Innovation], removed: list[str]) -> None:
        with self._texts_lock:
            texts = self._texts
            if texts is not None:
                for key in removed:
                    texts.remove(key)
                for item in added:
                    texts.add(item)
                # _texts_seq stays: a change another process committed meanwhile has a seq of
                # its own, and the next check catches up on it with ours (adding again is
                # idempotent); advancing it here would skip theirs.
        self.recommender.invalidate_pending()
        self.on_change()

    # -- single records --------------------------------------------------------------------
    def create(self, item: Innovation) -> Outcome:
        """Add one innovation; repeating an identical create returns the stored record."""
        lock = self._locked()
        try:
            stored = self.catalogue.records([item.id]).get(item.id)
            if stored is not None or self.catalogue.exists(item.id):
                if stored is not None and content_hash(stored) == content_hash(item):
                    return Outcome(stored, created=False)
                raise DuplicateInnovation(item.id)
            self._text_index().check(item)
            self.catalogue.create(item)
            self._committed([item], [])
        finally:
            lock.release()
        return Outcome(item)

    def replace(self, item: Innovation) -> Outcome:
        lock = self._locked()
        try:
            self.catalogue.get(item.id)  # 404 before anything else
            self._text_index().check(item)
            self.catalogue.replace(item)
            self.reviews.close([item.id])  # a person wrote it: what was guessed is checked
            self._committed([item], [item.id])
        finally:
            lock.release()
        return Outcome(item, created=False)

    def delete(self, innovation_id: str) -> None:
        lock = self._locked()
        try:
            self.catalogue.delete(innovation_id)
            self.reviews.close([innovation_id])
            self.recommender.registry.delete_of(innovation_id)  # no replication of nothing
            self.recommender.forget([innovation_id])
            self._committed([], [innovation_id])
        finally:
            lock.release()

    # -- bulk ------------------------------------------------------------------------------
    def import_rows(
        self,
        data: bytes,
        fmt: str,
        progress: Callable[[int, int], None] | None = None,
        options: ImportOptions | None = None,
        *,
        dry_run: bool = False,
    ) -> ImportReport:
        """Validate every row, then commit the changed ones in chunks (each chunk atomic).

        Rows equal to what is stored change nothing, so a repeated import re-indexes nothing.
        ``dry_run`` reports what the import would do and changes nothing.
        """
        if dry_run:
            report, _ = validate_rows(self.catalogue, data, fmt, options)
            report.dry_run = True
            return report
        lock = self._locked()
        try:
            # Read before validating: a row is stored only if its record is still as read then
            # (another process may write meanwhile; its write is never overwritten).
            seen = self.catalogue.content_hashes()
            # Checked against the writer's own near-duplicate index (through an overlay: the
            # rows enter it only once committed) instead of one built afresh (seconds at 50,000,
            # in the serving process beside the readers).
            report, good = validate_rows(
                self.catalogue, data, fmt, options, texts=self._text_index().overlay()
            )
            changed = [i for i in good if seen.get(i.id) != content_hash(i)]
            total = len(changed)
            if progress:
                progress(0, total)
            lost: list[str] = []
            for start in range(0, total, IMPORT_CHUNK):
                chunk = changed[start : start + IMPORT_CHUNK]
                conflicts = self.catalogue.upsert_unchanged(chunk, seen)
                stored = [i for i in chunk if i.id not in set(conflicts)]
                self._committed(stored, [i.id for i in stored])
                lost += conflicts
                if progress:
                    progress(min(start + IMPORT_CHUNK, total), total)
            _refuse_conflicts(report, lost)
            self.reviews.open([r for r in report.review if r["id"] not in set(lost)])
        finally:
            lock.release()
        return report


def _refuse_conflicts(report: ImportReport, ids: list[str]) -> None:
    """Rows whose innovation another writer changed during the import: not stored, reported."""
    if not ids:
        return
    gone = set(ids)
    report.accepted = [i for i in report.accepted if i not in gone]
    for name in ("new", "updated", "merged"):
        setattr(report, name, [i for i in getattr(report, name) if i not in gone])
    for key in ids:
        row = report.rows.get(key, 0)
        report.rejected.append(
            Rejection(
                row,
                key,
                "id",
                "changed by another writer while this import ran; nothing was overwritten: import it again",
                report.lines.get(key, row),
            )
        )
    report.rejected.sort(key=lambda r: r.row)


class IndexUpdater:
    """Keeps the live index following the catalogue, in one background thread per process.

    Debounced: a build starts once writes pause for ``debounce`` seconds (or ``max_delay``
    after the first pending one). Snapshots built by another process (the CLI, another worker)
    are picked up by polling the CURRENT pointer.
    """

    def __init__(
        self, recommender: Recommender, *, debounce: float = 0.3, max_delay: float = 3.0, poll: float = 1.0
    ) -> None:
        self.recommender = recommender
        self.debounce = debounce
        self.max_delay = max_delay
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._first_pending: float | None = None
        self._last_change = 0.0
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.builds = 0

    def notify(self) -> None:
        now = time.monotonic()
        self._last_change = now
        if self._first_pending is None:
            self._first_pending = now
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="index-updater", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                return
            self.step()

    def step(self, *, force: bool = False) -> bool:
        """One round: pick up others' snapshots, then build if the catalogue is ahead."""
        rec = self.recommender
        try:
            rec.refresh()
            rec.sync_registry()  # registry writes by other processes change ranking, not documents
            rec.mask_deleted()  # deletes made through another process leave results at once
            if not rec.behind() and not rec.problems and rec.persisted:
                self._first_pending = None
                return False
            now = time.monotonic()
            if self._first_pending is None and now - self._last_change > self.max_delay:
                # Behind without a write through this process (another worker, the CLI): the
                # same quiet time applies, and that process usually builds first.
                self._last_change = now
            first = self._first_pending if self._first_pending is not None else now
            self._first_pending = first
            quiet = now - self._last_change >= self.debounce
            if not (force or quiet or now - first >= self.max_delay):
                timer = threading.Timer(self.debounce, self._wake.set)
                timer.daemon = True
                timer.start()
                return False
            self._first_pending = None
            rec.rebuild()
            self.builds += 1
            self.last_error = None
            return True
        except (RecommenderError, SnapshotError, OSError, ValueError, RuntimeError) as exc:
            self.last_error = f"index update failed: {exc}"
            logger.exception("index update failed; retrying after the next change or poll")
            return False

    def wait_until_current(self, timeout: float = 30.0) -> bool:
        """Block until every committed change is searchable (tests and the CLI use it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.recommender.behind():
                return True
            self.step(force=True)
            if self.last_error is not None:
                return False  # a failing build: the change is stored, the caller is not held
        return not self.recommender.behind()


class Jobs:
    """Background jobs (bulk imports) with progress, kept in the catalogue database."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def start(self, kind: str, work: Callable[[Callable[[int, int], None]], dict[str, Any]]) -> str:
        job_id = uuid.uuid4().hex
        self.catalogue.save_job(job_id, kind, "queued", 0, 0)

        def progress(done: int, total: int) -> None:
            self.catalogue.save_job(job_id, kind, "running", done, total)

        def run() -> None:
            try:
                report = work(progress)
            except RecommenderError as exc:
                self.catalogue.save_job(job_id, kind, "failed", 0, 0, error=str(exc))
            except Exception as exc:  # noqa: BLE001 - a job's failure is its result, not a crash
                logger.exception("job %s failed", job_id)
                self.catalogue.save_job(job_id, kind, "failed", 0, 0, error=str(exc))
            else:
                done = int(report.get("accepted_count", 0))
                self.catalogue.save_job(
                    job_id, kind, "done", done, done, report=json.dumps(report, ensure_ascii=False)
                )

        threading.Thread(target=run, name=f"job-{job_id[:8]}", daemon=True).start()
        return job_id

    def get(self, job_id: str) -> dict[str, Any] | None:
        return self.catalogue.job(job_id)
