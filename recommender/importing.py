"""Bulk import and export (JSONL, CSV): validate every row, keep the good ones, report the rest."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from index.analysis import raw_tokens
from recommender.catalogue import Catalogue
from recommender.errors import InvalidRecord
from recommender.record import FIELDS, LIST_FIELDS, Innovation, validate_record

FORMATS = ("jsonl", "csv")


@dataclass
class Rejection:
    row: int  # 1-based line (JSONL) or data row (CSV, header excluded)
    id: str | None
    field: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.id, "field": self.field, "reason": self.reason}


@dataclass
class ImportReport:
    accepted: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "accepted_count": len(self.accepted),
                "rejected": [r.to_dict() for r in self.rejected],
                "rejected_count": len(self.rejected)}


def detect_format(name: str | None, data: bytes) -> str:
    if name and name.lower().endswith(".csv"):
        return "csv"
    if name and name.lower().endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    return "jsonl" if data.lstrip()[:1] == b"{" else "csv"


def _jsonl_rows(data: bytes) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            yield number, InvalidRecord("record", "line is not valid UTF-8")
        except json.JSONDecodeError as exc:
            yield number, InvalidRecord("record", f"not valid JSON ({exc.msg})")


def _csv_cell(name: str, value: str) -> Any:
    value = value.strip()
    if name in LIST_FIELDS:
        if value.startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise InvalidRecord(name, f"is not a JSON list ({exc.msg})") from exc
        return [v.strip() for v in value.split("|") if v.strip()]
    if name == "year" and value:
        if not value.lstrip("-").isdigit():
            raise InvalidRecord("year", f"must be an integer, got {value!r}")
        return int(value)
    return value or None


def _csv_rows(data: bytes) -> Iterator[tuple[int, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Keep the decodable rows: mark undecodable bytes, and reject the rows that hold them.
        text = data.decode("utf-8", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    unknown = [c for c in (reader.fieldnames or []) if c not in FIELDS]
    for number, row in enumerate(reader, start=1):
        if unknown:
            yield number, InvalidRecord(unknown[0], "is not a field of the innovation record")
            continue
        if None in row:
            yield number, InvalidRecord("record", "has more cells than the header")
            continue
        try:
            yield number, {k: _csv_cell(k, v or "") for k, v in row.items()}
        except InvalidRecord as exc:
            yield number, exc


def _fingerprint(item: Innovation) -> str:
    """Normalised problem + solution: equal fingerprints mean the same text under another id."""
    return " ".join(raw_tokens(f"{item.problem or ''} {item.solution or ''}"))


def import_rows(catalogue: Catalogue, data: bytes, fmt: str) -> ImportReport:
    """Validate every row, upsert the valid ones in one transaction (re-import is idempotent)."""
    if fmt not in FORMATS:
        raise InvalidRecord("format", f"{fmt!r} is not one of: {', '.join(FORMATS)}")
    rows = _jsonl_rows(data) if fmt == "jsonl" else _csv_rows(data)
    report = ImportReport()
    existing = {_fingerprint(i): i.id for i in catalogue.all()}
    seen: dict[str, int] = {}
    good: list[Innovation] = []
    for number, raw in rows:
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            if isinstance(raw, InvalidRecord):
                raise raw
            item = validate_record(raw)
            if item.id in seen:
                raise InvalidRecord("id", f"duplicate of row {seen[item.id]} in this file")
            owner = existing.get(_fingerprint(item))
            if owner is not None and owner != item.id:
                raise InvalidRecord("problem", f"same problem and solution text as {owner!r}")
        except InvalidRecord as exc:
            ident = raw_id if isinstance(raw_id, str) else None
            report.rejected.append(Rejection(number, ident, exc.field, exc.reason))
            continue
        seen[item.id] = number
        existing[_fingerprint(item)] = item.id
        good.append(item)
    catalogue.upsert(good)
    report.accepted = [i.id for i in good]
    return report


def export_jsonl(items: list[Innovation]) -> Iterator[str]:
    for item in items:
        yield json.dumps(item.to_dict(), ensure_ascii=False) + "\n"


def export_csv(items: list[Innovation]) -> Iterator[str]:
    """CSV with list fields as JSON arrays, so an export imports back unchanged."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for item in items:
        row = item.to_dict()
        for name in LIST_FIELDS:
            row[name] = json.dumps(row[name], ensure_ascii=False)
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
