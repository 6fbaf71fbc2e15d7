"""The innovation record: fields, allowed values and validation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

from recommender.errors import InvalidRecord

# Each vocabulary is a Literal (the API's schemas use it) and the tuple of its values.
Level = Literal["kementerian/lembaga", "provinsi", "kabupaten", "kota", "bumn", "bumd"]
Sector = Literal[
    "kesehatan",
    "kesehatan-ibu-anak",
    "gizi-anak",
    "kependudukan",
    "perizinan",
    "kebencanaan",
    "lingkungan",
    "air-sanitasi",
    "pendidikan",
    "ekonomi-umkm",
    "pertanian-pangan",
    "sosial-perlindungan",
    "keamanan-ketertiban",
    "transportasi",
    "keuangan-pajak",
    "pengaduan-partisipasi",
    "tata-kelola-digital",
    "pariwisata",
    "lainnya",
]
Status = Literal["berjalan", "berhenti"]
# Award tiers, lowest first; an innovation's tier is the highest its awards reach.
AwardTier = Literal["penghargaan-lain", "top-99", "top-40", "unpsa"]
LEVELS: tuple[str, ...] = get_args(Level)
SECTORS: tuple[str, ...] = get_args(Sector)
STATUSES: tuple[str, ...] = get_args(Status)
AWARD_TIERS: tuple[str, ...] = get_args(AwardTier)

# Anchored for JSON Schema (the API's pattern); Python code must use ID_PATTERN.fullmatch, since
# `$` also matches before a trailing newline.
ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
LONG_TEXT = 5000
SHORT_TEXT = 300
MAX_LIST = 50

TEXT_FIELDS = {
    "name": SHORT_TEXT,
    "agency": SHORT_TEXT,
    "government": SHORT_TEXT,
    "province": 100,
    "problem": LONG_TEXT,
    "solution": LONG_TEXT,
    "outcomes": LONG_TEXT,
    "prerequisites": LONG_TEXT,
    "steps": LONG_TEXT,
    "obstacles": LONG_TEXT,
    "contact": 500,
}
LIST_FIELDS = {"awards": 200, "replicated_by": 200, "sources": 1000}


@dataclass(slots=True)
class Innovation:
    """One public-service innovation, as stored and as returned."""

    id: str
    name: str
    level: str
    sector: str
    agency: str | None = None
    government: str | None = None
    province: str | None = None
    year: int | None = None
    awards: list[str] = field(default_factory=list)
    problem: str | None = None
    solution: str | None = None
    outcomes: str | None = None
    status: str | None = None
    replication_of: str | None = None
    replicated_by: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    last_verified: str | None = None
    prerequisites: str | None = None
    steps: str | None = None
    obstacles: str | None = None
    contact: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def award_tier(self) -> str | None:
        return award_tier(self.awards)


FIELDS = tuple(Innovation.__dataclass_fields__)


def award_tier(awards: list[str]) -> str | None:
    """Highest tier named by free-text award strings ('Top 40 KIPP 2018' -> 'top-40')."""
    best = -1
    for award in awards:
        text = award.lower()
        if "unpsa" in text and "nomina" not in text:
            tier = 3
        elif re.search(r"\btop (40|45)\b", text):
            tier = 2
        elif re.search(r"\btop 99\b", text):
            tier = 1
        else:
            tier = 0
        best = max(best, tier)
    return AWARD_TIERS[best] if best >= 0 else None


def _text(name: str, value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(name, f"must be a string, got {type(value).__name__}")
    value = value.strip()
    if _CONTROL.search(value):
        raise InvalidRecord(name, "contains control characters or invalid UTF-8")
    if len(value) > limit:
        raise InvalidRecord(name, f"is {len(value)} characters long, the limit is {limit}")
    return value or None


def _string_list(name: str, value: Any, limit: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(name, f"must be a list of strings, got {type(value).__name__}")
    if len(value) > MAX_LIST:
        raise InvalidRecord(name, f"has {len(value)} items, the limit is {MAX_LIST}")
    items = [_text(f"{name}[{i}]", item, limit) for i, item in enumerate(value)]
    return [item for item in items if item]


def _choice(name: str, value: Any, allowed: tuple[str, ...], required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidRecord(name, "is required")
        return None
    if value not in allowed:
        raise InvalidRecord(name, f"{value!r} is not one of: {', '.join(allowed)}")
    return str(value)


def _year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRecord("year", f"must be an integer, got {value!r}")
    if not 1945 <= value <= dt.date.today().year + 1:
        raise InvalidRecord("year", f"{value} is outside 1945..{dt.date.today().year + 1}")
    return value


def _slug(name: str, value: Any, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidRecord(name, "is required")
        return None
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise InvalidRecord(
            name, f"{value!r} is not a slug (lower-case letters, digits, hyphens; 1-120 characters)"
        )
    return value


def _date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise InvalidRecord("last_verified", f"{value!r} is not an ISO date (YYYY-MM-DD)") from exc


def check_fields(raw: Any, fields: Iterable[str], kind: str) -> dict[str, Any]:
    """A decoded row as a JSON object of ``fields`` only (InvalidRecord naming the first other)."""
    if not isinstance(raw, dict):
        raise InvalidRecord("record", "must be a JSON object")
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise InvalidRecord(unknown[0], f"is not a field of the {kind} record")
    return raw


def validate_record(raw: Any) -> Innovation:
    """Check a decoded row against the data model; raise InvalidRecord naming the field."""
    raw = check_fields(raw, FIELDS, "innovation")
    texts = {name: _text(name, raw.get(name), limit) for name, limit in TEXT_FIELDS.items()}
    if not texts["name"]:
        raise InvalidRecord("name", "is required")
    if not texts["problem"] and not texts["solution"]:
        raise InvalidRecord("problem", "at least one of problem or solution is required")
    lists = {name: _string_list(name, raw.get(name), limit) for name, limit in LIST_FIELDS.items()}
    record = Innovation(
        id=str(_slug("id", raw.get("id"), True)),
        level=str(_choice("level", raw.get("level"), LEVELS, True)),
        sector=str(_choice("sector", raw.get("sector"), SECTORS, True)),
        status=_choice("status", raw.get("status"), STATUSES, False),
        year=_year(raw.get("year")),
        replication_of=_slug("replication_of", raw.get("replication_of"), False),
        last_verified=_date(raw.get("last_verified")),
        **texts,  # type: ignore[arg-type]
        **lists,  # type: ignore[arg-type]
    )
    if record.replication_of == record.id:
        raise InvalidRecord("replication_of", "an innovation cannot be a replication of itself")
    return record
