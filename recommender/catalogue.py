"""The catalogue store: innovations and the recommendation log in one SQLite file."""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from recommender.errors import DuplicateInnovation, InvalidRecord, UnknownInnovation
from recommender.filters import UNKNOWN_STATUS, Filters
from recommender.privacy import scrub
from recommender.record import AWARD_TIERS, Innovation

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS innovations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    sector TEXT NOT NULL,
    province TEXT,
    year INTEGER,
    status TEXT,
    award_rank INTEGER NOT NULL,
    replication_of TEXT,
    search_text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    record TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS innovations_sector ON innovations(sector);
CREATE INDEX IF NOT EXISTS innovations_level ON innovations(level);
CREATE TABLE IF NOT EXISTS recommendation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    problem TEXT NOT NULL,
    filters TEXT NOT NULL,
    asker_level TEXT,
    asker_province TEXT,
    result_count INTEGER NOT NULL,
    top_score REAL,
    no_good_match INTEGER NOT NULL,
    results TEXT NOT NULL,
    index_version TEXT,
    request_id TEXT
);
CREATE INDEX IF NOT EXISTS recommendation_log_created ON recommendation_log(created_at);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    innovation_id TEXT NOT NULL,
    op TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    done INTEGER NOT NULL,
    total INTEGER NOT NULL,
    report TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS replications (
    id TEXT PRIMARY KEY,
    innovation_id TEXT NOT NULL,
    government TEXT NOT NULL,
    level TEXT,
    province TEXT,
    year INTEGER,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS replications_innovation ON replications(innovation_id);
CREATE TABLE IF NOT EXISTS replication_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    replication_id TEXT NOT NULL,
    innovation_id TEXT NOT NULL,
    government TEXT NOT NULL,
    op TEXT NOT NULL,
    record TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS replication_history_id ON replication_history(replication_id);
CREATE INDEX IF NOT EXISTS replication_history_innovation ON replication_history(innovation_id);
CREATE TABLE IF NOT EXISTS reviews (
    innovation_id TEXT PRIMARY KEY,
    reasons TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS interest (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    innovation_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    asker_level TEXT,
    asker_province TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS interest_created ON interest(created_at);
"""
# A database lacking one of these was damaged. Later tables (replications,
# replication_history, reviews, interest) are not listed: an older database simply gains them.
TABLES = ("innovations", "recommendation_log", "changes", "meta", "jobs")
# Columns added after a table first shipped: (table, column, declaration), added on open.
ADDED_COLUMNS = (("recommendation_log", "request_id", "TEXT"),)


def content_hash(item: Innovation) -> str:
    return hashlib.sha256(json.dumps(item.to_dict(), sort_keys=True).encode()).hexdigest()


def _migrate(db: sqlite3.Connection) -> None:
    """Add the columns a database made by an older version lacks (its rows keep NULL there)."""
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _record_json(item: Innovation) -> str:
    text = json.dumps(item.to_dict(), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Lone surrogates (from JSON escapes such as \ud800) cannot be stored as UTF-8 text.
        raise InvalidRecord(
            "record", "contains an unpaired surrogate, which is not valid Unicode text"
        ) from exc
    return text


def _row(item: Innovation) -> tuple[Any, ...]:
    tier = item.award_tier
    record = _record_json(item)
    search = " ".join(
        x
        for x in (
            item.name,
            item.agency,
            item.government,
            item.province,
            item.problem,
            item.solution,
            item.outcomes,
        )
        if x
    ).casefold()
    return (
        item.id,
        item.name,
        item.level,
        item.sector,
        item.province,
        item.year,
        item.status,
        AWARD_TIERS.index(tier) if tier else -1,
        item.replication_of,
        search,
        content_hash(item),
        record,
        utc_now(),
    )


def _load(record: str) -> Innovation:
    return Innovation(**json.loads(record))


def utc_now(ago: float = 0.0) -> str:
    """The time ``ago`` seconds back as the database stores times: ISO 8601 UTC, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - ago))


def _note(db: sqlite3.Connection, ids: Iterable[str], op: str) -> None:
    """Record changed ids in the same transaction: the index catches up from this sequence."""
    at = utc_now()
    db.executemany(
        "INSERT INTO changes (innovation_id, op, at) VALUES (?,?,?)", [(key, op, at) for key in ids]
    )


def _where(filters: Filters, q: str | None) -> tuple[str, list[Any]]:
    """SQL for the same semantics as Filters.matches (a test holds the two together)."""
    clauses: list[str] = []
    args: list[Any] = []

    def any_of(column: str, values: Iterable[Any]) -> None:
        values = list(values)
        clauses.append(f"{column} IN ({','.join('?' * len(values))})")
        args.extend(values)

    if filters.sector:
        any_of("sector", filters.sector)
    if filters.level:
        any_of("level", filters.level)
    if filters.province:
        any_of("lower(province)", [p.casefold() for p in filters.province])
    if filters.status:
        known = [s for s in filters.status if s != UNKNOWN_STATUS]
        parts = [f"status IN ({','.join('?' * len(known))})"] if known else []
        args.extend(known)
        if UNKNOWN_STATUS in filters.status:
            parts.append("status IS NULL")
        clauses.append("(" + " OR ".join(parts) + ")")
    if filters.award_tier is not None:
        clauses.append("award_rank >= ?")
        args.append(AWARD_TIERS.index(filters.award_tier))
    if filters.year_from is not None:
        clauses.append("year >= ?")
        args.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("year <= ?")
        args.append(filters.year_to)
    for word in (q or "").casefold().split():
        clauses.append("instr(search_text, ?) > 0")
        args.append(word)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def hash_of_contents(hashes: Mapping[str, str]) -> str:
    """The catalogue hash of ids and their content hashes, taken in id order."""
    digest = hashlib.sha256()
    for key in sorted(hashes):
        digest.update(f"{key}\x00{hashes[key]}\n".encode())
    return digest.hexdigest()


class Catalogue:
    """Innovations keyed by id; every write is one transaction, so a failed batch changes nothing."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._local = threading.local()
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
            _migrate(db)

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

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM innovations").fetchone()[0])

    def get(self, innovation_id: str) -> Innovation:
        with self._connect() as db:
            row = db.execute("SELECT record FROM innovations WHERE id = ?", (innovation_id,)).fetchone()
        if row is None:
            raise UnknownInnovation(innovation_id)
        return _load(row[0])

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
            fetched = _rows_by_id(db, wanted)
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
                items.append(_load(record))
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
            rows = _rows_by_id(db, builtins.list(dict.fromkeys(ids)))
        found: dict[str, tuple[Innovation, str]] = {}
        for key, record, digest in rows:
            try:
                found[key] = (_load(record), digest)
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
        where, args = _where(filters, q)
        with self._connect() as db:
            records, total = read_page(db, "innovations", where, args, limit, offset)
        return [_load(r) for r in records], total

    def upsert(self, items: Iterable[Innovation]) -> None:
        rows = [_row(i) for i in items]
        if not rows:
            return
        with self._lock, self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            _note(db, [r[0] for r in rows], "upsert")

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
            rows = [_row(i) for i in items if i.id not in changed]
            if rows:
                db.executemany("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
                _note(db, [r[0] for r in rows], "upsert")
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
                found.update({key: _load(record) for key, record in rows})
        return found

    def restore(self, versions: dict[str, Innovation | None]) -> None:
        """Put back the versions `versions()` returned, in one transaction."""
        keep = [_row(item) for item in versions.values() if item is not None]
        drop = [(key,) for key, item in versions.items() if item is None]
        with self._lock, self._connect() as db:
            db.executemany("DELETE FROM innovations WHERE id = ?", drop)
            db.executemany("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", keep)
            _note(db, versions, "restore")

    def create(self, item: Innovation) -> None:
        row = _row(item)
        with self._lock, self._connect() as db:
            if db.execute("SELECT 1 FROM innovations WHERE id = ?", (item.id,)).fetchone():
                raise DuplicateInnovation(item.id)
            db.execute("INSERT INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            _note(db, [item.id], "create")

    def replace(self, item: Innovation) -> None:
        row = _row(item)
        with self._lock, self._connect() as db:
            if not db.execute("SELECT 1 FROM innovations WHERE id = ?", (item.id,)).fetchone():
                raise UnknownInnovation(item.id)
            db.execute("INSERT OR REPLACE INTO innovations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            _note(db, [item.id], "replace")

    def delete(self, innovation_id: str) -> None:
        with self._lock, self._connect() as db:
            cursor = db.execute("DELETE FROM innovations WHERE id = ?", (innovation_id,))
            if cursor.rowcount == 0:
                raise UnknownInnovation(innovation_id)
            _note(db, [innovation_id], "delete")

    def content_hashes(self) -> dict[str, str]:
        with self._connect() as db:
            return dict(db.execute("SELECT id, content_hash FROM innovations ORDER BY id"))

    def catalogue_hash(self) -> str:
        """Changes whenever any record changes; recorded in every index snapshot."""
        return hash_of_contents(self.content_hashes())

    def log_recommendation(self, entry: dict[str, Any]) -> None:
        """Store one answered request (no personal data: no IPs, no user ids, and the problem
        text scrubbed of NIKs, phone numbers and e-mail addresses).

        ``request_id`` is the request's X-Request-ID (so other systems can join on it);
        ``created_at`` (ISO, UTC) defaults to now: a replay of past demand may set it.

        Analytics must never cost a planner the answer: a failure to record is logged, not raised.
        """
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT INTO recommendation_log (created_at, kind, problem, filters, "
                    "asker_level, asker_province, result_count, top_score, no_good_match, results,"
                    " index_version, request_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        entry.get("created_at") or utc_now(),
                        entry["kind"],
                        scrub(entry["problem"]),
                        json.dumps(entry["filters"], ensure_ascii=False),
                        entry.get("asker_level"),
                        entry.get("asker_province"),
                        len(entry["results"]),
                        entry.get("top_score"),
                        int(entry["no_good_match"]),
                        json.dumps(entry["results"]),
                        entry.get("index_version"),
                        entry.get("request_id"),
                    ),
                )
        except (sqlite3.Error, UnicodeEncodeError) as exc:
            logger.warning("could not record a recommendation request: %s", exc)

    def recommendation_log(self, limit: int = 100) -> builtins.list[dict[str, Any]]:
        """The newest logged requests first; problems are scrubbed again, for rows stored
        before scrubbing existed."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT * FROM recommendation_log ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [{**dict(r), "problem": scrub(r["problem"])} for r in rows]

    def log_between(self, start: str, end: str) -> builtins.list[dict[str, Any]]:
        """Logged requests with ``start <= created_at < end`` (ISO UTC strings), oldest first;
        problems scrubbed again, results decoded."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT * FROM recommendation_log WHERE created_at >= ? AND "
                "created_at < ? ORDER BY created_at, id",
                (start, end),
            ).fetchall()
        return [
            {
                **dict(r),
                "problem": scrub(r["problem"]),
                "results": json.loads(r["results"]),
                "no_good_match": bool(r["no_good_match"]),
            }
            for r in rows
        ]

    def purge_log(self, older_than_days: int) -> int:
        """Blank the free problem text of requests logged over `older_than_days` days ago
        (0: all of them); the rest of each row, which holds no personal data, stays for the
        demand analytics. Returns how many rows lost their text."""
        if older_than_days < 0:
            raise ValueError(f"older_than_days must be >= 0, got {older_than_days}")
        cutoff = utc_now(older_than_days * 86400)
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE recommendation_log SET problem = '' WHERE created_at <= ? AND problem != ''",
                (cutoff,),
            )
        return cursor.rowcount


def read_page(
    db: sqlite3.Connection, table: str, where: str, args: list[Any], limit: int, offset: int
) -> tuple[list[str], int]:
    """The stored records of one page of ``table`` in id order, and how many match ``where``
    in all, read in one snapshot."""
    db.execute("BEGIN")
    total = int(db.execute(f"SELECT count(*) FROM {table}{where}", args).fetchone()[0])
    rows = db.execute(
        f"SELECT record FROM {table}{where} ORDER BY id LIMIT ? OFFSET ?", [*args, limit, offset]
    ).fetchall()
    return [r[0] for r in rows], total


def _rows_by_id(db: sqlite3.Connection, ids: list[str]) -> list[tuple[str, str, str]]:
    """(id, record, content_hash) of the stored rows among ``ids``, queried in chunks that stay
    under SQLite's limit on bound parameters."""
    rows: list[tuple[str, str, str]] = []
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT id, record, content_hash FROM innovations WHERE id IN ({marks})"
        rows += [(str(a), str(b), str(c)) for a, b, c in db.execute(query, chunk)]
    return rows
