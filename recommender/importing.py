"""Bulk import and export (JSONL, CSV): validate every row, keep the good ones, report the rest."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from recommender.adapters import Adapter, get_adapter
from recommender.catalogue import Catalogue
from recommender.csvtext import csv_lines, restore, unterminated_quote_line
from recommender.errors import InvalidRecord
from recommender.merging import Duplicate, duplicates_of, merge_into
from recommender.record import FIELDS, LIST_FIELDS, Innovation, validate_record
from recommender.rows import content_hash
from recommender.twins import TextIndex, check_near_duplicate, twin_error

__all__ = [
    "FORMATS",
    "ImportOptions",
    "ImportReport",
    "Rejection",
    "TextIndex",
    "check_near_duplicate",
    "check_rows",
    "detect_format",
    "export_csv",
    "export_jsonl",
    "file_line",
    "import_rows",
    "read_rows",
    "validate_rows",
]

FORMATS = ("jsonl", "csv")
BOM = "\ufeff"
# A list cell written by hand: "a; b" (our kit fields' form) or "a | b"; exports write JSON arrays.
LIST_SEPARATOR = re.compile(r"\s*[;|]\s*")


def delimiter_of(text: str) -> str:
    """';' for a file whose header has more semicolons than commas (Excel's CSV in an
    Indonesian locale, where the comma is the decimal mark), else ','."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


@dataclass
class Rejection:
    row: int  # 1-based line (JSONL) or data row (CSV, header excluded)
    id: str | None
    field: str
    reason: str
    line: int | None = None  # the line a person finds it on: JSONL line, spreadsheet row

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "line": self.line if self.line is not None else self.row,
            "id": self.id,
            "field": self.field,
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do), row by row.

    ``accepted``: every id stored (new, updated, kept duplicates, merge targets); ``new``: ids
    the catalogue did not hold and that describe nothing it holds (as far as compared);
    ``updated``: ids it held;
    ``duplicates``: rows that likely describe a stored innovation (``of``); ``merged``: stored
    ids a merge filled in; ``review``: stored rows an adapter guessed at (low-confidence sector,
    no province), for a person to check.
    """

    accepted: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    review: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False
    # Stored id -> the row (and line) it came from; not part of the report's JSON.
    rows: dict[str, int] = field(default_factory=dict, repr=False)
    lines: dict[str, int] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "accepted_count": len(self.accepted),
            "new": self.new,
            "updated": self.updated,
            "duplicates": [d.to_dict() for d in self.duplicates],
            "merged": self.merged,
            "rejected": [r.to_dict() for r in self.rejected],
            "rejected_count": len(self.rejected),
            "review": self.review,
            "dry_run": self.dry_run,
        }


@dataclass(frozen=True)
class ImportOptions:
    """How an import treats rows that likely describe an innovation we hold (duplicates).

    ``adapter`` reads another portal's export instead of our JSONL/CSV. Rows from an adapter
    are compared with the catalogue (name and text); a duplicate is reported and not stored,
    unless ``merge`` (fill the stored innovation's empty fields from it, add its sources) or
    ``keep_duplicates`` (store it as an innovation of its own). Our own format's rows are
    compared only when ``merge`` is asked for: its ids are ours, and a re-import is an update.
    """

    adapter: Adapter | None = None
    merge: bool = False
    keep_duplicates: bool = False

    @classmethod
    def named(
        cls, fmt: str, *, merge: bool = False, keep_duplicates: bool = False, allow_paths: bool = False
    ) -> ImportOptions:
        """Options for a format name: ours (jsonl, csv) or an adapter's ('lan', 'mapping:…')."""
        if merge and keep_duplicates:
            raise InvalidRecord("merge", "merge and keep_duplicates exclude each other")
        try:
            adapter = None if fmt in FORMATS else get_adapter(fmt, allow_paths=allow_paths)
        except InvalidRecord as exc:
            raise InvalidRecord(
                "format", f"{fmt[:100]!r} is not jsonl, csv or an adapter ({exc.reason})"
            ) from exc
        return cls(adapter, merge, keep_duplicates)

    @property
    def compares(self) -> bool:
        return self.adapter is not None or self.merge


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
        raise InvalidRecord(
            "record",
            "contains an unpaired surrogate (\\ud800-\\udfff escape), which is not valid Unicode text",
        ) from exc


def _jsonl_rows(data: bytes) -> Iterator[tuple[int, Any, InvalidRecord | None]]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if number == 1:
            line = line.removeprefix(BOM.encode())
        if not line.strip():
            continue
        try:
            raw = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield number, None, InvalidRecord("record", f"line is not valid UTF-8 (byte {exc.start})")
        except json.JSONDecodeError as exc:
            yield number, None, InvalidRecord("record", f"not valid JSON ({exc.msg} at character {exc.pos})")
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
        return [v for v in LIST_SEPARATOR.split(value) if v]
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


def _csv_rows(
    data: bytes, fields: tuple[str, ...], kind: str
) -> Iterator[tuple[int, Any, InvalidRecord | None]]:
    try:
        text, undecodable = data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        # Keep the decodable rows: mark undecodable bytes, and reject the rows that hold them.
        text, undecodable = data.decode("utf-8-sig", errors="replace"), True
    # The reader would read an unclosed quoted field to the end of the file, swallowing the
    # rows after it into one cell; find where it opened, and stop with a rejection there.
    delimiter = delimiter_of(text)
    opened = unterminated_quote_line(text, delimiter)
    unterminated = f"unterminated quoted field starting on line {opened}"
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
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
            return InvalidRecord(
                name[:100] or "header", f"column {name[:100]!r} is not a field of the {kind} record"
            )
        if header.count(name) > 1:
            return InvalidRecord(name, "appears twice in the header")
    return None


def read_rows(
    data: bytes, fmt: str, fields: tuple[str, ...] = FIELDS, kind: str = "innovation"
) -> Iterator[tuple[int, Any, InvalidRecord | None]]:
    """(row number, the decoded row or what could be read of it, why it is unreadable or None).

    ``fields`` are the CSV header's allowed columns (another record kind, ``kind``, shares the
    reader: the replication registry)."""
    if fmt not in FORMATS:
        raise InvalidRecord("format", f"{fmt!r} is not one of: {', '.join(FORMATS)}")
    return _jsonl_rows(data) if fmt == "jsonl" else _csv_rows(data, fields, kind)


# -- import ---------------------------------------------------------------------------------
@dataclass
class _Checked:
    report: ImportReport
    good: list[tuple[int, Innovation]]
    twins: dict[int, Duplicate]


class _Keyed(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Keyed)


def check_rows(
    rows: Iterable[tuple[int, Any, InvalidRecord | None]],
    report: ImportReport,
    validate: Callable[[Any], R],
    accept: Callable[[int, R], None] = lambda number, item: None,
    *,
    line_of: Callable[[int], int | None],
) -> list[tuple[int, R]]:
    """The rows ``read_rows`` read that ``validate`` takes, each id in its first row only;
    every other row is a rejection in ``report``. ``accept`` may still refuse a valid row
    (InvalidRecord) before its id counts as taken; ``line_of`` gives a row's line in the file
    for its rejection (required: a caller that left it out reported no lines)."""
    good: list[tuple[int, R]] = []
    seen: dict[str, int] = {}
    for number, raw, error in rows:
        try:
            if error is not None:
                raise error
            item = validate(raw)
            if item.id in seen:
                raise InvalidRecord("id", f"duplicate of row {seen[item.id]} in this file")
            accept(number, item)
        except InvalidRecord as exc:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            ident = raw_id.strip() if isinstance(raw_id, str) and len(raw_id) <= 200 else None
            report.rejected.append(Rejection(number, ident, exc.field, exc.reason, line_of(number)))
            continue
        seen[item.id] = number
        good.append((number, item))
    return good


def file_line(fmt: str, row: int) -> int:
    """Where a person finds row ``row`` of a ``fmt`` file: its JSONL line, or its spreadsheet
    row (a spreadsheet's row numbers count the CSV header as row 1)."""
    return row + 1 if fmt == "csv" else row


def _line_of(fmt: str, options: ImportOptions, row: int) -> int:
    if options.adapter is not None:
        return options.adapter.line_of(row)
    return file_line(fmt, row)


def _check_innovations(
    data: bytes, fmt: str, texts: TextIndex, stored: set[str], options: ImportOptions
) -> _Checked:
    """Read the file (through the adapter, if any) and check its rows as innovations: valid,
    each id once, no text repeating another's (a new row repeating a stored innovation's text
    is reported as its duplicate instead, where the import compares)."""
    adapter = options.adapter
    rows = adapter.rows(data) if adapter is not None else read_rows(data, fmt)
    checked = _Checked(ImportReport(), [], {})

    def validate(raw: Any) -> Innovation:
        item = validate_record(raw)
        _check_encodable(item.to_dict())  # an adapter's rows come from JSON too
        return item

    def accept(number: int, item: Innovation) -> None:
        twin = texts.twin_of(item)
        if twin is not None and options.compares and twin in stored and item.id not in stored:
            # The same text as a stored innovation: the plainest duplicate, reported as one.
            checked.twins[number] = Duplicate(
                number, item.id, twin, round(texts.similarity(item, twin), 4), _line_of(fmt, options, number)
            )
        elif twin is not None:
            raise twin_error(twin)
        else:
            texts.add(item)

    checked.good = check_rows(
        rows, checked.report, validate, accept, line_of=lambda n: _line_of(fmt, options, n)
    )
    return checked


def _review(options: ImportOptions, row: int, line: int, item: Innovation) -> dict[str, Any] | None:
    flags = options.adapter.flags.get(row, {}) if options.adapter is not None else {}
    if not flags.get("needs_review"):
        return None
    return {
        "row": row,
        "line": line,
        "id": item.id,
        "reasons": list(flags.get("review_reasons", [])),
        "sector": item.sector,
        "sector_confidence": flags.get("sector_confidence"),
    }


def validate_rows(
    catalogue: Catalogue,
    data: bytes,
    fmt: str,
    options: ImportOptions | None = None,
    *,
    texts: TextIndex | None = None,
) -> tuple[ImportReport, list[Innovation]]:
    """Check every row against the data model, the file and the store; change nothing.

    Returns the report and the records to store: the accepted rows, except that with
    ``options.merge`` a row duplicating a stored innovation becomes that innovation, filled in.
    ``texts``: the catalogue's near-duplicate index, if the caller keeps one (it is extended).
    """
    options = options or ImportOptions()
    stored = catalogue.all()
    by_id = {item.id: item for item in stored}
    checked = _check_innovations(data, fmt, texts or TextIndex(stored), set(by_id), options)
    report = checked.report
    lines = {number: _line_of(fmt, options, number) for number, _ in checked.good}
    found = {
        **(duplicates_of(checked.good, stored, lines=lines) if options.compares else {}),
        **checked.twins,
    }
    store: dict[str, Innovation] = {}
    for number, item in checked.good:
        duplicate = found.get(number)
        if options.adapter is not None and item.id in by_id:
            # An id another portal's row was given collides with ours: the same innovation,
            # never a replacement of our record.
            duplicate = Duplicate(number, item.id, item.id, 1.0, lines[number])
        if duplicate is not None:
            report.duplicates.append(duplicate)
        if (
            duplicate is not None
            and not options.merge
            and (duplicate.of == item.id or not options.keep_duplicates or number in checked.twins)
        ):
            continue  # a twin's text may not be stored twice, kept or not
        if duplicate is not None and options.merge:
            target = store.get(duplicate.of) or by_id[duplicate.of]
            merged = merge_into(target, item)
            if content_hash(merged) != content_hash(target):
                store[merged.id] = merged
                report.rows[merged.id], report.lines[merged.id] = number, lines[number]
                if merged.id not in report.merged:
                    report.merged.append(merged.id)
            continue
        store[item.id] = item
        report.rows[item.id], report.lines[item.id] = number, lines[number]
        (report.updated if item.id in by_id else report.new if duplicate is None else []).append(item.id)
        flagged = _review(options, number, lines[number], item)
        if flagged is not None:
            report.review.append(flagged)
    report.duplicates.sort(key=lambda d: d.row)
    report.accepted = list(store)
    return report, list(store.values())


def import_rows(
    catalogue: Catalogue, data: bytes, fmt: str, options: ImportOptions | None = None
) -> ImportReport:
    """Validate every row, upsert the valid ones in one transaction (re-import is idempotent)."""
    report, good = validate_rows(catalogue, data, fmt, options)
    catalogue.upsert(good)
    return report


# -- export ---------------------------------------------------------------------------------
class Exportable(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


def export_jsonl(items: Iterable[Exportable]) -> Iterator[str]:
    """One JSON object a line (innovations, replication records)."""
    for item in items:
        yield json.dumps(item.to_dict(), ensure_ascii=False) + "\n"


def export_csv(items: Iterable[Innovation]) -> Iterator[str]:
    """CSV with list fields as JSON arrays, so an export imports back unchanged.

    Cells that a spreadsheet would run as formulas get a leading quote (see csvtext).
    """
    for_csv = (
        {**row, **{name: json.dumps(row[name], ensure_ascii=False) for name in LIST_FIELDS}}
        for row in (item.to_dict() for item in items)
    )
    return csv_lines(for_csv, FIELDS)
