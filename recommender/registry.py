"""The replication registry in the catalogue database: records, every version, filters, bulk files."""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from recommender.catalogue import Catalogue
from recommender.csvtext import csv_lines
from recommender.errors import DuplicateReplication, InvalidRecord, UnknownReplication
from recommender.importing import ImportReport, check_rows, file_line, read_rows
from recommender.replication import (
    FIELDS,
    Ledger,
    Replication,
    guess_level,
    proposed_id,
    validate_replication,
)
from recommender.rows import read_page, utc_now

# Set once the innovations' replicated_by entries were copied into the registry.
LEGACY_IMPORTED = "registry_imported_replicated_by"
LEGACY_NOTE = "Diimpor dari catatan replicated_by inovasi"
CHUNK = 900


@dataclass(frozen=True, slots=True)
class RegistryFilters:
    """Every field narrows the list; None means "any"."""

    innovation_id: str | None = None
    province: str | None = None
    level: str | None = None
    status: str | None = None
    year: int | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses, args = [], []
        for column, value in (
            ("innovation_id", self.innovation_id),
            ("level", self.level),
            ("status", self.status),
            ("year", self.year),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if self.province is not None:
            clauses.append("lower(province) = ?")
            args.append(self.province.casefold())
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def _load(record: str) -> Replication:
    return Replication(**json.loads(record))


def _put(db: sqlite3.Connection, item: Replication, op: str) -> None:
    """Store the record and append it to its history, in the caller's transaction."""
    record, now = json.dumps(item.to_dict(), ensure_ascii=False), utc_now()
    db.execute(
        "INSERT OR REPLACE INTO replications VALUES (?,?,?,?,?,?,?,?,?)",
        (
            item.id,
            item.innovation_id,
            item.government,
            item.level,
            item.province,
            item.year,
            item.status,
            record,
            now,
        ),
    )
    db.execute(
        "INSERT INTO replication_history (replication_id, innovation_id, government, op, "
        "record, at) VALUES (?,?,?,?,?,?)",
        (item.id, item.innovation_id, item.government, op, record, now),
    )


def _require_innovation(db: sqlite3.Connection, innovation_id: str) -> None:
    if db.execute("SELECT 1 FROM innovations WHERE id = ?", (innovation_id,)).fetchone() is None:
        raise InvalidRecord("innovation_id", f"no innovation with id {innovation_id!r}")


class Registry:
    """Replication records keyed by id; a write never overwrites a version without keeping it."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def seq(self) -> int:
        """Grows with every registry write (the history's last sequence number)."""
        with self.catalogue.transaction() as db:
            return int(db.execute("SELECT coalesce(max(seq), 0) FROM replication_history").fetchone()[0])

    def get(self, replication_id: str) -> Replication:
        with self.catalogue.transaction() as db:
            row = db.execute("SELECT record FROM replications WHERE id = ?", (replication_id,)).fetchone()
        if row is None:
            raise UnknownReplication(replication_id)
        return _load(row[0])

    def new_id(self, innovation_id: str, government: str) -> str:
        """A free id for a new record of this adopter (numbered when the adopter repeats)."""
        base = proposed_id(innovation_id, government)
        with self.catalogue.transaction() as db:
            taken = {
                r[0]
                for r in db.execute(
                    "SELECT id FROM replications WHERE id = ? OR id LIKE ?", (base, base[:116] + "-%")
                )
            }
        if base not in taken:
            return base
        return next(f"{base[:116]}-{n}" for n in range(2, 10_000) if f"{base[:116]}-{n}" not in taken)

    def create(self, item: Replication) -> Replication:
        with self.catalogue.transaction(write=True) as db:
            _require_innovation(db, item.innovation_id)
            if db.execute("SELECT 1 FROM replications WHERE id = ?", (item.id,)).fetchone():
                raise DuplicateReplication(item.id)
            _put(db, item, "create")
        return item

    def replace(self, item: Replication) -> Replication:
        """Store a new version; the one it replaces stays in the history."""
        with self.catalogue.transaction(write=True) as db:
            row = db.execute("SELECT record FROM replications WHERE id = ?", (item.id,)).fetchone()
            if row is None:
                raise UnknownReplication(item.id)
            _require_innovation(db, item.innovation_id)
            if _load(row[0]) != item:  # an identical PUT adds no version
                _put(db, item, "update")
        return item

    def delete(self, replication_id: str) -> None:
        """Remove the record; its versions stay, the last one marked as deleted."""
        with self.catalogue.transaction(write=True) as db:
            row = db.execute("SELECT record FROM replications WHERE id = ?", (replication_id,)).fetchone()
            if row is None:
                raise UnknownReplication(replication_id)
            item = _load(row[0])
            db.execute("DELETE FROM replications WHERE id = ?", (replication_id,))
            db.execute(
                "INSERT INTO replication_history (replication_id, innovation_id, "
                "government, op, record, at) VALUES (?,?,?,?,?,?)",
                (item.id, item.innovation_id, item.government, "delete", row[0], utc_now()),
            )

    def delete_of(self, innovation_id: str) -> int:
        """Remove every record of a deleted innovation (their versions stay, the last marked as
        deleted), so none is left pointing at nothing; returns how many."""
        with self.catalogue.transaction(write=True) as db:
            rows = db.execute(
                "SELECT id, government, record FROM replications WHERE innovation_id = ?", (innovation_id,)
            ).fetchall()
            db.execute("DELETE FROM replications WHERE innovation_id = ?", (innovation_id,))
            now = utc_now()
            db.executemany(
                "INSERT INTO replication_history (replication_id, innovation_id, "
                "government, op, record, at) VALUES (?,?,?,?,?,?)",
                [(key, innovation_id, government, "delete", record, now) for key, government, record in rows],
            )
        return len(rows)

    def history(self, replication_id: str) -> builtins.list[dict[str, Any]]:
        """Every version of a record, oldest first: {seq, op, at, record}."""
        with self.catalogue.transaction() as db:
            rows = db.execute(
                "SELECT seq, op, at, record FROM replication_history WHERE replication_id = ? ORDER BY seq",
                (replication_id,),
            ).fetchall()
        if not rows:
            raise UnknownReplication(replication_id)
        return [{"seq": s, "op": op, "at": at, "record": json.loads(r)} for s, op, at, r in rows]

    def list(
        self, filters: RegistryFilters, *, limit: int = 20, offset: int = 0
    ) -> tuple[builtins.list[Replication], int]:
        """A page of records in id order, and the total that match."""
        where, args = filters.where()
        with self.catalogue.transaction() as db:
            records, total = read_page(db, "replications", where, args, limit, offset)
        return [_load(r) for r in records], total

    def select(self, filters: RegistryFilters) -> builtins.list[Replication]:
        where, args = filters.where()
        with self.catalogue.transaction() as db:
            rows = db.execute(f"SELECT record FROM replications{where} ORDER BY id", args).fetchall()
        return [_load(r[0]) for r in rows]

    def latest(self, filters: RegistryFilters, limit: int = 20) -> builtins.list[Replication]:
        """The records written most recently first (new or changed), at most ``limit``."""
        where, args = filters.where()
        with self.catalogue.transaction() as db:
            rows = db.execute(
                f"SELECT record FROM replications{where} ORDER BY updated_at DESC, id LIMIT ?", [*args, limit]
            ).fetchall()
        return [_load(r[0]) for r in rows]

    def ledgers(self, ids: Iterable[str] | None = None) -> dict[str, Ledger]:
        """What the registry knows per innovation (all of them, or the given ids); innovations
        it never recorded are absent."""
        wanted = None if ids is None else builtins.list(dict.fromkeys(ids))
        records: dict[str, builtins.list[Replication]] = {}
        governed: dict[str, set[str]] = {}
        with self.catalogue.transaction() as db:
            for sql_in, args in _chunks(wanted):
                for (record,) in db.execute(f"SELECT record FROM replications{sql_in}", args):
                    item = _load(record)
                    records.setdefault(item.innovation_id, []).append(item)
                for key, name in db.execute(
                    f"SELECT DISTINCT innovation_id, government FROM replication_history{sql_in}", args
                ):
                    governed.setdefault(key, set()).add(str(name).casefold().strip())
        return {key: Ledger(tuple(records.get(key, ())), frozenset(names)) for key, names in governed.items()}

    def ledger(self, innovation_id: str) -> Ledger | None:
        return self.ledgers([innovation_id]).get(innovation_id)

    # -- bulk ------------------------------------------------------------------------------
    def import_rows(self, data: bytes, fmt: str) -> ImportReport:
        """Validate every row, then upsert the good ones by id in one transaction.

        A row without an id gets the id its innovation and adopter propose, so importing the
        same file twice changes nothing the second time. Rejected rows change nothing.
        """
        report = ImportReport()
        known = set(self.catalogue.content_hashes())

        def validate(raw: Any) -> Replication:
            item = validate_replication(_with_id(raw))
            if item.innovation_id not in known:
                raise InvalidRecord("innovation_id", f"no innovation with id {item.innovation_id!r}")
            return item

        rows = check_rows(
            read_rows(data, fmt, FIELDS, "replication"), report, validate, line_of=lambda n: file_line(fmt, n)
        )
        good = [item for _, item in rows]
        self._upsert(good, "import")
        report.accepted = [i.id for i in good]
        return report

    def _upsert(self, items: builtins.list[Replication], op: str) -> int:
        """Store the records that differ from what is stored; returns how many did."""
        with self.catalogue.transaction(write=True) as db:
            stored: dict[str, str] = {}
            for sql_in, args in _chunks([i.id for i in items], column="id"):
                stored.update(db.execute(f"SELECT id, record FROM replications{sql_in}", args))
            changed = [i for i in items if i.id not in stored or _load(stored[i.id]) != i]
            for item in changed:
                _put(db, item, op)
        return len(changed)

    def import_replicated_by(self) -> int:
        """Copy every innovation's replicated_by entries into the registry, once per database
        (the meta key marks it done); returns how many records were added."""
        if self.catalogue.get_meta(LEGACY_IMPORTED) is not None:
            return 0
        items = []
        for innovation in self.catalogue.all():
            names: dict[str, str] = {}
            for name in innovation.replicated_by:
                names.setdefault(name.casefold().strip(), name)
            for name in names.values():
                try:
                    items.append(
                        validate_replication(
                            {
                                "id": proposed_id(innovation.id, name),
                                "innovation_id": innovation.id,
                                "government": name,
                                "level": guess_level(name),
                                "status": "berjalan",
                                "note": LEGACY_NOTE,
                            }
                        )
                    )
                except InvalidRecord:
                    continue  # a name the registry cannot hold stays a replicated_by entry
        added = self._upsert([i for i in items if not self._exists(i.id)], "upgrade")
        self.catalogue.set_meta(LEGACY_IMPORTED, f"{added} replications")
        return added

    def _exists(self, replication_id: str) -> bool:
        with self.catalogue.transaction() as db:
            return (
                db.execute("SELECT 1 FROM replications WHERE id = ?", (replication_id,)).fetchone()
                is not None
            )


def _with_id(raw: Any) -> Any:
    """A bulk row without an id gets the one its innovation and government propose."""
    if (
        isinstance(raw, dict)
        and not raw.get("id")
        and isinstance(raw.get("innovation_id"), str)
        and isinstance(raw.get("government"), str)
        and raw["government"].strip()
    ):
        return {**raw, "id": proposed_id(raw["innovation_id"], raw["government"].strip())}
    return raw


def _chunks(
    ids: builtins.list[str] | None, column: str = "innovation_id"
) -> Iterator[tuple[str, builtins.list[str]]]:
    """(" WHERE column IN (...)", args) per chunk of ids; one unfiltered pass for None."""
    if ids is None:
        yield "", []
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield f" WHERE {column} IN ({','.join('?' * len(chunk))})", chunk


def export_csv(items: Iterable[Replication]) -> Iterator[str]:
    """CSV in FIELDS order; formula-like cells are neutralised (csvtext), so it imports back."""
    return csv_lines((item.to_dict() for item in items), FIELDS)
