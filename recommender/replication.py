"""A replication record (who adopted which innovation, how it is going) and an innovation's adopters."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from recommender.errors import InvalidRecord
from recommender.record import ID_PATTERN, LEVELS, Innovation, _choice, _slug, _text, _year, check_fields

ReplicationStatus = Literal["direncanakan", "berjalan", "berhenti"]
STATUSES: tuple[str, ...] = get_args(ReplicationStatus)
TEXT_LIMITS = {"government": 300, "agency": 300, "province": 100, "evidence": 1000, "note": 2000}
FIELDS = (
    "id",
    "innovation_id",
    "government",
    "agency",
    "level",
    "province",
    "year",
    "status",
    "evidence",
    "note",
)
# Legacy `replicated_by` entries carry a government's name only; its first word names the level.
_LEVEL_WORDS = {
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kota": "kota",
    "provinsi": "provinsi",
    "prov": "provinsi",
}


@dataclass(slots=True, frozen=True)
class Replication:
    """One region's replication of one innovation, as stored and as returned."""

    id: str
    innovation_id: str
    government: str
    status: str
    agency: str | None = None
    level: str | None = None
    province: str | None = None
    year: int | None = None
    evidence: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}


def validate_replication(raw: Any) -> Replication:
    """Check a decoded row against the data model; raise InvalidRecord naming the field."""
    raw = check_fields(raw, FIELDS, "replication")
    texts = {name: _text(name, raw.get(name), limit) for name, limit in TEXT_LIMITS.items()}
    if not texts["government"]:
        raise InvalidRecord("government", "is required (the adopting government)")
    return Replication(
        id=str(_slug("id", raw.get("id"), True)),
        innovation_id=str(_slug("innovation_id", raw.get("innovation_id"), True)),
        status=str(_choice("status", raw.get("status"), STATUSES, True)),
        level=_choice("level", raw.get("level"), LEVELS, False),
        year=_year(raw.get("year")),
        **texts,  # type: ignore[arg-type]
    )


def proposed_id(innovation_id: str, government: str) -> str:
    """A readable id for a new replication: the innovation's id and the adopter's name."""
    words = re.sub(r"[^a-z0-9]+", "-", government.casefold()).strip("-") or "daerah"
    candidate = f"{innovation_id}--{words}"[:120].strip("-")
    return candidate if ID_PATTERN.fullmatch(candidate) else innovation_id[:110] + "--daerah"


def guess_level(government: str) -> str | None:
    """The level a government's name states ("Kabupaten Sleman" -> kabupaten), if it does."""
    words = re.sub(r"^(pemerintah|pemkab|pemkot|pemprov)\s+", "", government.casefold().strip())
    first = re.split(r"[\s.]+", words, maxsplit=1)[0] if words else ""
    return _LEVEL_WORDS.get(first)


@dataclass(frozen=True, slots=True)
class Adopter:
    """A government that replicated an innovation; status None: a legacy entry of replicated_by."""

    government: str
    level: str | None
    year: int | None
    status: str | None
    id: str | None = None

    @property
    def active(self) -> bool:
        return self.status != "berhenti"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Ledger:
    """What the registry holds about one innovation: its records, and every government it has
    ever recorded (history included), whose legacy replicated_by entries it therefore governs."""

    records: tuple[Replication, ...] = ()
    governed: frozenset[str] = frozenset()


def adopters_of(item: Innovation, ledger: Ledger | None) -> list[Adopter]:
    """Registry records first (by year), then replicated_by entries the registry does not know.

    A government the registry ever recorded is decided by the registry alone, so an adopter
    marked 'berhenti' or deleted there stops counting even if replicated_by still names it.
    """
    ledger = ledger or Ledger()
    out = [
        Adopter(r.government, r.level, r.year, r.status, r.id)
        for r in sorted(ledger.records, key=lambda r: (r.year or 9999, r.government.casefold(), r.id))
    ]
    seen = set(ledger.governed)
    for name in item.replicated_by:
        key = name.casefold().strip()
        if key and key not in seen:
            seen.add(key)
            out.append(Adopter(name, guess_level(name), None, None))
    return out


def active_governments(adopters: list[Adopter]) -> list[str]:
    """The distinct governments (first spelling kept) whose replication has not stopped:
    `replicated_by` as the API shows it, and what the ranking counts."""
    names: dict[str, str] = {}
    for adopter in adopters:
        if adopter.active:
            names.setdefault(adopter.government.casefold().strip(), adopter.government)
    return list(names.values())
