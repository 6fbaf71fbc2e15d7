"""Imported rows that describe an innovation we already hold: found, reported, merged on request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recommender.adapters.duplicates import DUPLICATE_THRESHOLD, find_duplicates
from recommender.record import LIST_FIELDS, MAX_LIST, Innovation, validate_record

# Fields a merge never takes from an import: the identity of the stored record.
KEPT = ("id", "name")


@dataclass(frozen=True, slots=True)
class Duplicate:
    row: int
    id: str  # the imported row's id
    of: str  # the stored innovation it describes
    similarity: float
    line: int | None = None  # where a person finds the row (JSONL line, spreadsheet row)

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "line": self.line if self.line is not None else self.row,
            "id": self.id,
            "of": self.of,
            "similarity": self.similarity,
        }


def duplicates_of(
    rows: Sequence[tuple[int, Innovation]],
    stored: Sequence[Innovation],
    threshold: float = DUPLICATE_THRESHOLD,
    *,
    lines: Mapping[int, int] | None = None,
) -> dict[int, Duplicate]:
    """Row number -> the stored innovation that row most likely describes (name + text).

    Only rows whose id is not stored are compared: a row with a stored id is an update of it.
    """
    known = {item.id for item in stored}
    fresh = [(row, item) for row, item in rows if item.id not in known]
    if not fresh or not stored:
        return {}
    ids = {row: item.id for row, item in fresh}
    found = find_duplicates(fresh, stored, threshold)
    lines = lines or {}
    return {row: Duplicate(row, ids[row], of, sim, lines.get(row)) for row, of, sim in found}


def merge_into(existing: Innovation, incoming: Innovation) -> Innovation:
    """``existing`` with its empty fields filled from ``incoming`` and the import's sources
    appended; nothing ``existing`` holds is overwritten."""
    current, offered = existing.to_dict(), incoming.to_dict()
    merged: dict[str, Any] = dict(current)
    for name, value in offered.items():
        if name in KEPT or name in LIST_FIELDS or value in (None, ""):
            continue
        if current.get(name) in (None, ""):
            merged[name] = value
    for name in LIST_FIELDS:
        if name == "replicated_by" and current[name]:
            continue  # the stored adopters are curated; an import adds only to an empty list
        extra = [v for v in offered[name] if v not in current[name]]
        merged[name] = [*current[name], *extra][:MAX_LIST]
    if merged.get("replication_of") == existing.id:
        merged["replication_of"] = current.get("replication_of")
    return validate_record(merged)
