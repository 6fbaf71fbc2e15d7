"""The catalogue store: innovations and the recommendation log in one SQLite file."""

from __future__ import annotations

import builtins
import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from recommender.errors import DuplicateInnovation, UnknownInnovation
from recommender.filters import Filters
from recommender.record import Innovation
from recommender.requestlog import RequestLog
from recommender.rows import (
    decode_record,
    encode_row,
    hash_of_contents,
    note_changes,
    read_page,
    rows_by_id,
    utc_now,
    where_clause,
)
from recommender.schema import SCHEMA, TABLES, migrate

logger = logging.getLogger(__name__)


class Catalogue(RequestLog):
    """Innovations keyed by id; every write is one transaction, so a failed batch changes nothing."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        # Held by callers across a change and the index rebuild that follows it, so a failed
        # rebuild can restore the previous versions without undoing someone else's change.
        self.write_lock = threading.RLock()
        self.brand_new = not self.path.exists()
        # Rows that could not be decoded, by id: skipped (and reported), never fatal.
        self.row_errors: dict[str, str] = {}
        self.warnings: builtins.list[str] = []
        with self._connect() as db:
            found = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            self.missing_tables = [] if self.brand_new else [t for t in TABLES if t not in found]
            db.executescript(SCHEMA)
            migrate(db)

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM innovations").fetchone()[0])

    def get(self, innovation_id: str) -> Innovation:
        with self._connect() as db:
            row = db.execute("SELECT record FROM innovations WHERE id = ?", (innovation_id,)).fetchone()
        if row is None:
            raise UnknownInnovation(innovation_id)
        return decode_record(row[0])

    def exists(self, innovation_id: str) -> bool:
        with self._connect() as db:
            return (
                db.execute("SELECT 1 FROM innovations WHERE id = ?", (innovation_id,)).fetchone() is not None
            )

    def all(self) -> list[Innovation]:
        """Every decodable innovation in id order; undecodable rows are skipped and reported."""
        with self._connect() as db:
            rows = db.execute("SELECT id, record FROM innovations ORDER BY id").fetchall()
        return self._decode(rows)

    def all_with_hashes(
        self, known: Mapping[str, tuple[str, Innovation]] | None = None
    ) -> tuple[builtins.list[Innovation], builtins.list[str]]:
        """Every decodable innovation in id order with its stored content hash.

        ``known`` maps ids to (hash, record) already decoded (the live index's): rows whose
        hash is unchanged are taken from it, so a build after one edit decodes one row, not all.
        Rows that fail to decode are never in ``known``, so ``row_errors`` stays complete.
        """
        known = known or {}
        with self._connect() as db:
            listed = db.execute("SELECT id, content_hash FROM innovations ORDER BY id").fetchall()
            wanted = [str(key) for key, digest in listed if (k := known.get(key)) is None or k[0] != digest]
            fetched = rows_by_id(db, wanted)
        decoded = {i.id: i for i in self._decode([(r[0], r[1]) for r in fetched])}
        hashes = {str(key): str(digest) for key, digest in listed}
        hashes.update({str(r[0]): str(r[2]) for r in fetched})  # as of the record read
        items: builtins.list[Innovation] = []
        for key, _ in listed:
            item = decoded.get(key)
            if item is None and key in known and key not in wanted:
                item = known[key][1]
            if item is not None:
                items.append(item)
        return items, [hashes[i.id] for i in items]

    def _decode(self, rows: Iterable[tuple[str, str]]) -> builtins.list[Innovation]:
        items, errors = [], {}
        for key, record in rows:
            try:
                items.append(decode_record(record))
            except (ValueError, TypeError) as exc:
                errors[str(key)] = f"stored record is unreadable ({type(exc).__name__}: {exc})"
        for key, reason in errors.items():
            if key not in self.row_errors:
                logger.error("catalogue row %r skipped: %s", key, reason)
        self.row_errors = errors
        return items

    def records(self, ids: Iterable[str]) -> dict[str, Innovation]:
        """The stored, decodable records of the given ids (missing ones are absent)."""
        return {key: item for key, (item, _) in self.records_with_hashes(ids).items()}

    def records_with_hashes(self, ids: Iterable[str]) -> dict[str, tuple[Innovation, str]]:
        """The stored, decodable records of the given ids with their content hashes."""
        with self._connect() as db:
            rows = rows_by_id(db, builtins.list(dict.fromkeys(ids)))
        found: dict[str, tuple[Innovation, str]] = {}
        for key, record, digest in rows:
            try:
                found[key] = (decode_record(record), digest)
            except (ValueError, TypeError) as exc:
                self.row_errors[key] = f"stored record is unreadable ({type(exc).__name__})"
        return found

    # -- the change sequence the index follows ---------------------------------------------
    def seq(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0])

    def pending(self, since: int) -> int:
        """Distinct innovations changed after sequence number ``since``."""
        with self._connect() as db:
            return int(
                db.execute(
                    "SELECT count(DISTINCT innovation_id) FROM changes WHERE seq > ?", (since,)
                ).fetchone()[0]
            )

    def changed_since(self, since: int) -> builtins.list[str]:
        """Distinct ids created, replaced or deleted after sequence number ``since``."""
        with self._connect() as db:
            rows = db.execute("SELECT DISTINCT innovation_id FROM changes WHERE seq > ?", (since,)).fetchall()
        return [str(r[0]) for r in rows]

    def deleted_since(self, since: int) -> builtins.list[str]:
        """Ids deleted after sequence number ``since`` that do not exist now."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT DISTINCT c.innovation_id FROM changes c WHERE c.seq > ? AND "
                "c.op = 'delete' AND NOT EXISTS (SELECT 1 FROM innovations i "
                "WHERE i.id = c.innovation_id)",
                (since,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def get_meta(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def save_job(
        self,
        job_id: str,
        kind: str,
        state: str,
        done: int,
        total: int,
        *,
        report: str | None = None,
        error: str | None = None,
    ) -> None:
        now = utc_now()
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                "state=excluded.state, done=excluded.done, total=excluded.total, "
                "report=coalesce(excluded.report, report), "
                "error=coalesce(excluded.error, error), updated_at=excluded.updated_at",
                (job_id, kind, state, done, total, report, error, now, now),
            )

    def job(self, job_id: str) -> dict[str, Any] | None:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["report"] = json.loads(out["report"]) if out["report"] else None
        return out

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def list(
        self, filters: Filters, q: str | None = None, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[Innovation], int]:
        """A page of innovations in id order, and the total that match."""
        where, args = where_clause(filters, q)
        with self._connect() as db:
            records, total = read_page(db, "innovations", where, args, limit, offset)
        return [decode_record(r) for r in records], total

    def upsert(self, items: Iterable[Innovation]) -> None:
        rows = [encode_row(i) for i in items]
        if not rows:
            return
        with self._lock, self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            note_changes(db, [r[0] for r in rows], "upsert")

    def upsert_unchanged(
        self, items: Iterable[Innovation], expected: Mapping[str, str]
    ) -> builtins.list[str]:
        """Store the items whose stored content hash is still ``expected[id]`` (absent from
        ``expected``: the id must still be free), checked and written in one transaction that
        holds the database's write lock throughout, so a write another process made since the
        caller read the catalogue is never overwritten. Returns the ids not stored for that."""
        items = builtins.list(items)
        if not items:
            return []
        with self._lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            ids = [i.id for i in items]
            current: dict[str, str] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                current.update(
                    db.execute(
                        "SELECT id, content_hash FROM innovations WHERE id IN "
                        f"({','.join('?' * len(chunk))})",
                        chunk,
                    )
                )
            changed = {key for key in ids if current.get(key) != expected.get(key)}
            rows = [encode_row(i) for i in items if i.id not in changed]
            if rows:
                db.executemany("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
                note_changes(db, [r[0] for r in rows], "upsert")
        return [key for key in ids if key in changed]

    def versions(self, ids: Iterable[str]) -> dict[str, Innovation | None]:
        """The stored version of each id (None where there is none), to restore later."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Innovation | None] = dict.fromkeys(wanted)
        with self._connect() as db:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = db.execute(
                    f"SELECT id, record FROM innovations WHERE id IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                found.update({key: decode_record(record) for key, record in rows})
        return found

    def restore(self, versions: dict[str, Innovation | None]) -> None:
        """Put back the versions `versions()` returned, in one transaction."""
        keep = [encode_row(item) for item in versions.values() if item is not None]
        drop = [(key,) for key, item in versions.items() if item is None]
        with self._lock, self._connect() as db:
            db.executemany("DELETE FROM innovations WHERE id = ?", drop)
            db.executemany("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", keep)
            note_changes(db, versions, "restore")

    def create(self, item: Innovation) -> None:
        row = encode_row(item)
        with self._lock, self._connect() as db:
            if db.execute("SELECT 1 FROM innovations WHERE id = ?", (item.id,)).fetchone():
                raise DuplicateInnovation(item.id)
            db.execute("INSERT INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            note_changes(db, [item.id], "create")

    def replace(self, item: Innovation) -> None:
        row = encode_row(item)
        with self._lock, self._connect() as db:
            if not db.execute("SELECT 1 FROM innovations WHERE id = ?", (item.id,)).fetchone():
                raise UnknownInnovation(item.id)
            db.execute("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            note_changes(db, [item.id], "replace")

    def delete(self, innovation_id: str) -> None:
        with self._lock, self._connect() as db:
            cursor = db.execute("DELETE FROM innovations WHERE id = ?", (innovation_id,))
            if cursor.rowcount == 0:
                raise UnknownInnovation(innovation_id)
            note_changes(db, [innovation_id], "delete")

    def content_hashes(self) -> dict[str, str]:
        with self._connect() as db:
            return dict(db.execute("SELECT id, content_hash FROM innovations ORDER BY id"))

    def catalogue_hash(self) -> str:
        """Changes whenever any record changes; recorded in every index snapshot."""
        return hash_of_contents(self.content_hashes())
