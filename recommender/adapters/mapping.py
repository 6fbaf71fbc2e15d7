"""A declarative adapter: a JSON mapping from another portal's CSV or JSONL columns to our fields.

A mapping file (see recommender/adapters/mappings/sinovik_csv.json and docs/importing.md)::

    {"name": "sinovik-csv", "format": "csv", "delimiter": ",",
     "fields": {
       "name":   {"column": "Nama Inovasi", "transforms": ["strip_html", "tame_case"]},
       "year":   {"column": "Tanggal Mulai", "transforms": ["year"]},
       "problem": {"columns": ["Latar Belakang", "Permasalahan"], "join": " "},
       "awards": {"column": "Penghargaan", "transforms": [{"split": ";"}]},
       "level":  {"column": "Jenis Instansi", "map": {"Pemerintah Kabupaten": "kabupaten"},
                  "default": "kabupaten"},
       "sources": {"template": "SiNovik, nomor registrasi {No Registrasi}"}}}

Per field: one source (``column``, ``columns`` + ``join``, ``value`` or ``template``), then
``transforms`` in order, then ``map`` (case-insensitive; ``unmapped``: keep, drop or reject),
then ``default`` when still empty. ``optional: true`` lets a named column be absent from the
header. ``default_level`` applies only when the government's name does not tell the level. Fields left
unmapped are inferred as for every adapter: level from the government name, province from the
regency/city, sector by the classifier, id from the name and government.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from recommender.adapters.base import AdaptedRow, Adapter, jsonl_objects
from recommender.adapters.cleaning import strip_html, tame_case
from recommender.adapters.sector import SectorInference
from recommender.adapters.shaping import finish
from recommender.errors import InvalidRecord
from recommender.record import FIELDS, LEVELS, LIST_FIELDS

FORMATS = ("csv", "jsonl")
SOURCES = ("column", "columns", "value", "template")
KEYS = frozenset({*SOURCES, "join", "transforms", "map", "unmapped", "default", "optional"})
_YEAR = re.compile(r"(?<!\d)(19[4-9]\d|20\d\d)(?!\d)")
_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


def _year(value: Any) -> Any:
    """'2019', '12/03/2019', '2019-03-12', '12 Maret 2019' -> 2019; no year -> None."""
    if value is None or isinstance(value, int):
        return value
    found = _YEAR.findall(str(value))
    if not found:
        return None if not str(value).strip() else value  # left for validate_record to refuse
    return int(found[0])


def _text_only(fn: Callable[[str], Any]) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        if isinstance(value, list):
            return [fn(v) for v in value if isinstance(v, str)]
        return fn(value) if isinstance(value, str) else value

    return apply


TRANSFORMS: dict[str, Callable[[Any], Any]] = {
    "strip_html": _text_only(lambda v: strip_html(v)),
    "tame_case": _text_only(tame_case),
    "lower": _text_only(str.lower),
    "strip": _text_only(str.strip),
    "year": _year,
    "int": lambda v: int(v) if isinstance(v, str) and v.strip().isdigit() else v,
}


def _split(separator: str) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        return [part.strip() for part in value.split(separator) if part.strip()]

    return apply


class FieldRule:
    """How one of our fields is read from a source row."""

    def __init__(self, target: str, spec: Mapping[str, Any]) -> None:
        where = f"mapping field {target!r}"
        if not isinstance(spec, Mapping):
            raise InvalidRecord("mapping", f"{where} must be an object")
        unknown = sorted(set(spec) - KEYS)
        if unknown:
            raise InvalidRecord("mapping", f"{where}: unknown key {unknown[0]!r}")
        sources = [k for k in SOURCES if k in spec]
        if len(sources) > 1 or (not sources and "default" not in spec):
            raise InvalidRecord(
                "mapping", f"{where} needs exactly one of {', '.join(SOURCES)} (or only a default)"
            )
        self.target = target
        self.spec = spec
        self.columns: list[str] = (
            [spec["column"]]
            if "column" in spec
            else list(spec.get("columns", [])) or _TEMPLATE_FIELD.findall(str(spec.get("template", "")))
        )
        self.optional = bool(spec.get("optional", False))
        self.transforms = [self._transform(t, where) for t in spec.get("transforms", [])]
        table = spec.get("map") or {}
        self.table = {str(k).strip().lower(): v for k, v in table.items()}
        self.unmapped = spec.get("unmapped", "keep")
        if self.unmapped not in ("keep", "drop", "reject"):
            raise InvalidRecord("mapping", f"{where}: unmapped must be keep, drop or reject")

    @staticmethod
    def _transform(spec: Any, where: str) -> Callable[[Any], Any]:
        if isinstance(spec, str) and spec in TRANSFORMS:
            return TRANSFORMS[spec]
        if isinstance(spec, Mapping) and set(spec) == {"split"} and isinstance(spec["split"], str):
            return _split(spec["split"])
        raise InvalidRecord(
            "mapping",
            f'{where}: unknown transform {spec!r} (known: {", ".join(TRANSFORMS)}, {{"split": sep}})',
        )

    def read(self, row: Mapping[str, Any]) -> Any:
        spec = self.spec
        value: Any
        if "value" in spec:
            value = spec["value"]
        elif "template" in spec:
            cells = {c: _cell(row, c) for c in self.columns}
            value = (
                _TEMPLATE_FIELD.sub(lambda m: cells[m.group(1)] or "", spec["template"])
                if any(cells.values())
                else None
            )
        elif "columns" in spec:
            parts = [_cell(row, c) for c in self.columns]
            value = str(spec.get("join", " ")).join(p for p in parts if p) or None
        elif "column" in spec:
            value = _cell(row, spec["column"])
        else:
            value = None
        for transform in self.transforms:
            value = transform(value)
        if self.table and value not in (None, "", []):
            value = self._mapped(value)
        if value in (None, "", []) and "default" in spec:
            value = spec["default"]
        return value

    def _mapped(self, value: Any) -> Any:
        key = str(value).strip().lower()
        if key in self.table:
            return self.table[key]
        if self.unmapped == "reject":
            raise InvalidRecord(self.target, f"{str(value)[:100]!r} is not in the mapping's table")
        return None if self.unmapped == "drop" else value


def _cell(row: Mapping[str, Any], column: str) -> str | None:
    value = row.get(column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


class MappingAdapter(Adapter):
    """Reads a CSV (or JSONL) export through a mapping; infers what the mapping leaves out."""

    def __init__(self, spec: Mapping[str, Any], sectors: SectorInference | None = None) -> None:
        super().__init__()
        if not isinstance(spec, Mapping) or not isinstance(spec.get("fields"), Mapping):
            raise InvalidRecord("mapping", "must be an object with a 'fields' object")
        self.name = f"mapping:{spec.get('name') or 'unnamed'}"
        self.format = spec.get("format", "csv")
        if self.format not in FORMATS:
            raise InvalidRecord("mapping", f"format {self.format!r} is not one of csv, jsonl")
        self.delimiter = str(spec.get("delimiter", ","))
        if len(self.delimiter) != 1:
            raise InvalidRecord("mapping", "delimiter must be one character")
        unknown = sorted(set(spec["fields"]) - set(FIELDS))
        if unknown:
            raise InvalidRecord("mapping", f"{unknown[0]!r} is not a field of the innovation record")
        self.rules = [FieldRule(target, rule) for target, rule in spec["fields"].items()]
        # Applied after the level has been looked for in the government's name, unlike a
        # ``default`` on the level field, which would win over that inference.
        self.default_level = spec.get("default_level")
        if self.default_level is not None and self.default_level not in LEVELS:
            raise InvalidRecord(
                "mapping", f"default_level {self.default_level!r} is not one of: {', '.join(LEVELS)}"
            )
        self.sectors = sectors or SectorInference()

    @classmethod
    def from_file(cls, path: Path, sectors: SectorInference | None = None) -> MappingAdapter:
        try:
            spec = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidRecord("mapping", f"cannot read {Path(path).name}: {exc}") from exc
        return cls(spec, sectors)

    def line_of(self, row: int) -> int:
        return row + 1 if self.format == "csv" else row  # the header is the spreadsheet's row 1

    def adapt(self, data: bytes) -> Iterator[AdaptedRow]:
        seen: set[str] = set()
        rows = self._csv(data) if self.format == "csv" else jsonl_objects(data)
        for number, row, error in rows:
            if row is None or error is not None:
                yield AdaptedRow(number, None, error)
                continue
            try:
                raw = self.convert(row)
            except InvalidRecord as exc:
                yield AdaptedRow(number, None, exc)
                continue
            flags: dict[str, Any] = {}
            hints = (("agency", raw.get("agency")), ("contact", raw.get("contact")))
            finish(
                raw, flags, self.sectors, seen, f"row-{number}", hints=hints, default_level=self.default_level
            )
            yield AdaptedRow(number, raw, None, flags)

    def convert(self, row: Mapping[str, Any]) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        for rule in self.rules:
            value = rule.read(row)
            if rule.target in LIST_FIELDS and isinstance(value, str):
                value = [value]
            if value not in (None, "", []):
                raw[rule.target] = value
        return raw

    def _missing_columns(self, header: list[str]) -> list[str]:
        return [c for rule in self.rules if not rule.optional for c in rule.columns if c not in header]

    def _csv(self, data: bytes) -> Iterator[tuple[int, dict[str, Any] | None, InvalidRecord | None]]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield 1, None, InvalidRecord("record", f"file is not valid UTF-8 (byte {exc.start})")
            return
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True)
        try:
            header = [h.strip() for h in reader.fieldnames or []]
        except csv.Error as exc:
            yield 1, None, InvalidRecord("header", f"is not valid CSV ({exc})")
            return
        reader.fieldnames = header
        missing = self._missing_columns(header)
        number = 0
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield number, None, InvalidRecord("record", f"is not valid CSV ({exc})")
                return  # the reader cannot resynchronise after a broken quote
            if missing:
                yield (
                    number,
                    None,
                    InvalidRecord("header", f"column {missing[0]!r} named by the mapping is missing"),
                )
            elif None in row:
                yield number, None, InvalidRecord("record", "has more cells than the header")
            else:
                yield number, row, None
