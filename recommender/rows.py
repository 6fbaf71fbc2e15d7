"""Innovations as rows of the catalogue database: encoding, decoding, hashes, and the SQL that reads them."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any

from recommender.errors import InvalidRecord
from recommender.filters import UNKNOWN_STATUS, Filters
from recommender.record import AWARD_TIERS, Innovation


def content_hash(item: Innovation) -> str:
    return hashlib.sha256(json.dumps(item.to_dict(), sort_keys=True).encode()).hexdigest()


def record_json(item: Innovation) -> str:
    text = json.dumps(item.to_dict(), ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Lone surrogates (from JSON escapes such as \ud800) cannot be stored as UTF-8 text.
        raise InvalidRecord(
            "record", "contains an unpaired surrogate, which is not valid Unicode text"
        ) from exc
    return text


def encode_row(item: Innovation) -> tuple[Any, ...]:
    tier = item.award_tier
    record = record_json(item)
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


def decode_record(record: str) -> Innovation:
    return Innovation(**json.loads(record))


def utc_now(ago: float = 0.0) -> str:
    """The time ``ago`` seconds back as the database stores times: ISO 8601 UTC, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - ago))


def note_changes(db: sqlite3.Connection, ids: Iterable[str], op: str) -> None:
    """Record changed ids in the same transaction: the index catches up from this sequence."""
    at = utc_now()
    db.executemany(
        "INSERT INTO changes (innovation_id, op, at) VALUES (?,?,?)", [(key, op, at) for key in ids]
    )


def where_clause(filters: Filters, q: str | None) -> tuple[str, list[Any]]:
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


def rows_by_id(db: sqlite3.Connection, ids: list[str]) -> list[tuple[str, str, str]]:
    """(id, record, content_hash) of the stored rows among ``ids``, queried in chunks that stay
    under SQLite's limit on bound parameters."""
    rows: list[tuple[str, str, str]] = []
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT id, record, content_hash FROM innovations WHERE id IN ({marks})"
        rows += [(str(a), str(b), str(c)) for a, b, c in db.execute(query, chunk)]
    return rows
