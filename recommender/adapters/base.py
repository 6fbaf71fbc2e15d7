"""The adapter contract: another portal's export in, rows in our record's field names out."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from recommender.errors import InvalidRecord

BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class AdaptedRow:
    """One source row: our raw record (for validate_record) or why there is none, and flags.

    Flags say what the adapter guessed or changed, for the import report: ``sector_guess``,
    ``sector_confidence``, ``truncated`` (fields cut at a sentence end), ``province_source``,
    ``review_reasons`` and ``needs_review`` (True when a person should look at the row).
    """

    row: int  # 1-based line (JSONL) or data row (CSV, header excluded)
    raw: dict[str, Any] | None
    error: InvalidRecord | None = None
    flags: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str | None:
        """'<field>: <message>', the shape of the API's error detail."""
        return None if self.error is None else f"{self.error.field}: {self.error.reason}"


class Adapter(ABC):
    """Turns a whole export (bytes) into adapted rows, one per source row, in order."""

    name: str = ""

    def __init__(self) -> None:
        self.flags: dict[int, dict[str, Any]] = {}

    @abstractmethod
    def adapt(self, data: bytes) -> Iterator[AdaptedRow]:
        """Every source row, converted or rejected with a reason; never raises for a bad row."""

    def line_of(self, row: int) -> int:
        """Where a person finds ``row`` in the file: its line (JSONL) or spreadsheet row."""
        return row

    def read(self, data: bytes) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
        """(row number, raw record in our field names or None, error reason or None).

        Each row's flags are in ``self.flags[row]`` once the row has been yielded.
        """
        self.flags = {}
        for item in self.adapt(data):
            self.flags[item.row] = item.flags
            yield item.row, item.raw, item.reason

    def rows(self, data: bytes) -> Iterator[tuple[int, Any, InvalidRecord | None]]:
        """The shape of ``recommender.importing.read_rows``, so the importer can take either."""
        self.flags = {}
        for item in self.adapt(data):
            self.flags[item.row] = item.flags
            yield item.row, item.raw, item.error


def jsonl_objects(data: bytes) -> Iterator[tuple[int, dict[str, Any] | None, InvalidRecord | None]]:
    """(line number, the JSON object or None, why the line is unreadable or None)."""
    for number, line in enumerate(data.removeprefix(BOM).split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield number, None, InvalidRecord("record", f"line is not valid UTF-8 (byte {exc.start})")
            continue
        except (RecursionError, ValueError) as exc:
            yield number, None, InvalidRecord("record", f"not valid JSON ({str(exc)[:120]})")
            continue
        if not isinstance(value, dict):
            yield number, None, InvalidRecord("record", "must be a JSON object")
        else:
            yield number, value, None
