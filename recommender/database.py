"""One SQLite file shared by the stores in it: a connection per thread and one write lock."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Database:
    """A SQLite file opened once per thread; writes that must not interleave take ``_lock``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._local = threading.local()

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (opened once: a connect and a pragma per request showed up
        in profiles), in a transaction that commits on success and rolls back on error."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=True)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        db.row_factory = None
        try:
            with db:
                yield db
        except sqlite3.Error:
            self._local.db = None
            db.close()
            raise

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """This thread's connection in one transaction, for stores sharing this database (the
        replication registry); writes take the same lock as the catalogue's own."""
        if not write:
            with self._connect() as db:
                yield db
            return
        with self._lock, self._connect() as db:
            yield db
