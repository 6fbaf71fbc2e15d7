"""Bulk import and export (JSONL, CSV): validate every row, keep the good ones, report the rest."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from index.analysis import raw_tokens
from recommender.catalogue import Catalogue
from recommender.csvtext import neutralise, restore, unterminated_quote_line
from recommender.errors import InvalidRecord
from recommender.record import FIELDS, LIST_FIELDS, Innovation, validate_record

FORMATS = ("jsonl", "csv")
# Two texts whose word 3-grams overlap this much (Jaccard) are the same text under another id.
NEAR_DUPLICATE_JACCARD = 0.9
SHINGLE = 3
BOM = "\ufeff"


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
    return "jsonl" if data.lstrip().removeprefix(BOM.encode()).lstrip()[:1] == b"{" else "csv"


# -- reading rows ---------------------------------------------------------------------------
def _check_encodable(raw: Any) -> None:
    """JSON may spell lone surrogates (\\ud800): valid JSON, but no UTF-8 text can hold them."""
    try:
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidRecord("record", "contains an unpaired surrogate (\\ud800-\\udfff escape), "
                                      "which is not valid Unicode text") from exc


def _jsonl_rows(data: bytes) -> Iterator[tuple[int, Any, InvalidRecord | None]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if number == 1:
            line = line.removeprefix(BOM.encode())
        if not line.strip():
            continue
        try:
            raw = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield number, None, InvalidRecord("record", f"line is not valid UTF-8 (byte "
                                                        f"{exc.start})")
        except json.JSONDecodeError as exc:
            yield number, None, InvalidRecord("record", f"not valid JSON ({exc.msg} at "
                                                        f"character {exc.pos})")
        except RecursionError:
            yield number, None, InvalidRecord("record", "not valid JSON (nested too deeply)")
        except ValueError as exc:  # e.g. an integer with more digits than Python converts
            yield number, None, InvalidRecord("record", f"not valid JSON ({exc})")
        else:
            try:
                _check_encodable(raw)
            except InvalidRecord as exc:
                yield number, raw, exc
            else:
                yield number, raw, None


def _csv_cell(name: str, value: str) -> Any:
    value = restore(value.strip())
    if name in LIST_FIELDS:
        if value.startswith("["):
            try:
                return json.loads(value)
            except (RecursionError, ValueError) as exc:
                raise InvalidRecord(name, "is not a JSON list of strings") from exc
        return [v.strip() for v in value.split("|") if v.strip()]
    if name == "year" and value:
        if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 6:
            raise InvalidRecord("year", f"must be an integer, got {value[:20]!r}")
        return int(value)
    return value or None


def _csv_record(row: dict[str | None, Any], undecodable: bool) -> dict[str, Any]:
    if None in row:
        raise InvalidRecord("record", "has more cells than the header")
    out: dict[str, Any] = {}
    for name, value in row.items():
        assert name is not None
        text = value or ""
        if undecodable and "\ufffd" in text:
            raise InvalidRecord(name, "is not valid UTF-8")
        out[name] = _csv_cell(name, text)
    return out


def _csv_rows(data: bytes, fields: tuple[str, ...], kind: str
              ) -> Iterator[tuple[int, Any, InvalidRecord | None]]:
    try:
        text, undecodable = data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        # Keep the decodable rows: mark undecodable bytes, and reject the rows that hold them.
        text, undecodable = data.decode("utf-8-sig", errors="replace"), True
    # The reader would read an unclosed quoted field to the end of the file, swallowing the
    # rows after it into one cell; find where it opened, and stop with a rejection there.
    opened = unterminated_quote_line(text)
    unterminated = f"unterminated quoted field starting on line {opened}"
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        yield 1, None, InvalidRecord("header", f"is not valid CSV ({exc})")
        return
    if opened is not None and reader.line_num >= opened:
        yield 1, None, InvalidRecord("header", unterminated)
        return
    header_error = _header_error(header, fields, kind)
    number = 0
    while True:
        number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell over the csv module's size limit
            if opened is not None and reader.line_num >= opened:
                yield number, None, InvalidRecord("record", unterminated)
                return
            yield number, None, InvalidRecord("record", f"is not valid CSV ({exc})")
            continue
        if opened is not None and reader.line_num >= opened:
            yield number, row, InvalidRecord("record", unterminated)
            return
        if header_error is not None:
            yield number, row, header_error
            continue
        try:
            yield number, _csv_record(row, undecodable), None
        except InvalidRecord as exc:
            yield number, row, exc


def _header_error(header: list[str], fields: tuple[str, ...], kind: str) -> InvalidRecord | None:
    """Every row of a file whose header names an unknown or repeated column is rejected."""
    for name in header:
        if name not in fields:
            return InvalidRecord(name[:100] or "header",
                                 f"column {name[:100]!r} is not a field of the {kind} record")
        if header.count(name) > 1:
            return InvalidRecord(name, "appears twice in the header")
    return None


def read_rows(data: bytes, fmt: str, fields: tuple[str, ...] = FIELDS, kind: str = "innovation"
              ) -> Iterator[tuple[int, Any, InvalidRecord | None]]:
    """(row number, the decoded row or what could be read of it, why it is unreadable or None).

    ``fields`` are the CSV header's allowed columns (another record kind, ``kind``, shares the
    reader: the replication registry)."""
    if fmt not in FORMATS:
        raise InvalidRecord("format", f"{fmt!r} is not one of: {', '.join(FORMATS)}")
    return _jsonl_rows(data) if fmt == "jsonl" else _csv_rows(data, fields, kind)


# -- near-duplicate texts -------------------------------------------------------------------
def _shingles(item: Innovation) -> frozenset[tuple[str, ...]]:
    """Word 3-grams of the normalised problem and solution (case, accents, punctuation ignored)."""
    words = raw_tokens(f"{item.problem or ''} {item.solution or ''}")
    if not words:
        return frozenset()  # nothing to compare: punctuation or symbols only
    if len(words) < SHINGLE:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


class TextIndex:
    """Finds an innovation whose problem and solution text nearly equal another's."""

    def __init__(self, items: Iterable[Innovation] = (),
                 threshold: float = NEAR_DUPLICATE_JACCARD) -> None:
        self.threshold = threshold
        self._shingles: dict[str, frozenset[tuple[str, ...]]] = {}
        self._postings: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for item in items:
            self.add(item)

    def add(self, item: Innovation) -> None:
        self.remove(item.id)
        shingles = _shingles(item)
        self._shingles[item.id] = shingles
        for shingle in shingles:
            self._postings[shingle].add(item.id)

    def remove(self, innovation_id: str) -> None:
        for shingle in self._shingles.pop(innovation_id, frozenset()):
            self._postings[shingle].discard(innovation_id)

    def twin_of(self, item: Innovation) -> str | None:
        """The id of another innovation with (nearly) the same text, if any."""
        mine = _shingles(item)
        if not mine:
            return None
        # Prefix filter (exact): a twin shares at least threshold x |mine| shingles, so it
        # shares one of any |mine| - ceil(threshold x |mine|) + 1 of them; take the rarest.
        prefix = len(mine) - math.ceil(self.threshold * len(mine) - 1e-9) + 1
        rarest = sorted(mine, key=lambda s: len(self._postings.get(s, ())))[:max(prefix, 1)]
        candidates = {other for s in rarest for other in self._postings.get(s, ())
                      if other != item.id}
        found = []
        for other in candidates:
            theirs = self._shingles[other]
            common = len(mine & theirs)
            if common / (len(mine) + len(theirs) - common) >= self.threshold:
                found.append((-common, other))
        return min(found)[1] if found else None


def check_near_duplicate(catalogue: Catalogue, item: Innovation) -> None:
    """Raise InvalidRecord when another stored innovation has (nearly) the same text."""
    twin = TextIndex(catalogue.all()).twin_of(item)
    if twin is not None:
        raise InvalidRecord("problem", f"(nearly) the same problem and solution text as {twin!r}")


# -- import ---------------------------------------------------------------------------------
def validate_rows(catalogue: Catalogue, data: bytes, fmt: str) -> tuple[ImportReport, list[Innovation]]:
    """Check every row against the data model, the file and the store; change nothing.

    Returns the report (accepted ids, rejected rows with reasons) and the accepted records.
    """
    rows = read_rows(data, fmt)
    report = ImportReport()
    texts = TextIndex(catalogue.all())
    seen: dict[str, int] = {}
    good: list[Innovation] = []
    for number, raw, error in rows:
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            if error is not None:
                raise error
            item = validate_record(raw)
            if item.id in seen:
                raise InvalidRecord("id", f"duplicate of row {seen[item.id]} in this file")
            twin = texts.twin_of(item)
            if twin is not None:
                raise InvalidRecord("problem", f"(nearly) the same problem and solution text "
                                               f"as {twin!r}")
        except InvalidRecord as exc:
            ident = raw_id.strip() if isinstance(raw_id, str) and len(raw_id) <= 200 else None
            report.rejected.append(Rejection(number, ident, exc.field, exc.reason))
            continue
        seen[item.id] = number
        texts.add(item)
        good.append(item)
    report.accepted = [i.id for i in good]
    return report, good


def import_rows(catalogue: Catalogue, data: bytes, fmt: str) -> ImportReport:
    """Validate every row, upsert the valid ones in one transaction (re-import is idempotent)."""
    report, good = validate_rows(catalogue, data, fmt)
    catalogue.upsert(good)
    return report


# -- export ---------------------------------------------------------------------------------
def export_jsonl(items: Iterable[Innovation]) -> Iterator[str]:
    for item in items:
        yield json.dumps(item.to_dict(), ensure_ascii=False) + "\n"


def export_csv(items: Iterable[Innovation]) -> Iterator[str]:
    """CSV with list fields as JSON arrays, so an export imports back unchanged.

    Cells that a spreadsheet would run as formulas get a leading quote (see csvtext).
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for item in items:
        row = item.to_dict()
        for name in LIST_FIELDS:
            row[name] = json.dumps(row[name], ensure_ascii=False)
        writer.writerow({k: "" if v is None else neutralise(v) if isinstance(v, str) else v
                         for k, v in row.items()})
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()
