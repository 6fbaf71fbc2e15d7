"""Planners' interest marks ("Kami tertarik mereplikasi ini"): demand, kept apart from the registry.

A mark holds the innovation, when, and the asker's level and province if given; never an
address or a name. A note is scrubbed of NIKs, phone numbers and e-mail addresses, like the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from index.analysis import normalise
from recommender.adapters.regions import PROVINCE_ALIASES, PROVINCES
from recommender.catalogue import Catalogue
from recommender.errors import InvalidRecord, UnknownInnovation
from recommender.privacy import scrub
from recommender.record import LEVELS
from recommender.rows import utc_now

MAX_NOTE = 500
FIELDS = ("asker_level", "asker_province", "note")
_PROVINCE_OF = {
    **{" ".join(normalise(p).split()): p for p in PROVINCES},
    **{" ".join(normalise(k).split()): v for k, v in PROVINCE_ALIASES.items()},
}


@dataclass(frozen=True, slots=True)
class InterestMark:
    innovation_id: str
    created_at: str
    asker_level: str | None = None
    asker_province: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _key(text: str) -> str:
    return " ".join(normalise(text).split())


def province_of(text: str) -> str | None:
    """One of the 38 provinces as the catalogue spells it (common short forms accepted), or None."""
    return _PROVINCE_OF.get(_key(text))


def validate_interest(
    innovation_id: str, raw: Mapping[str, Any] | None, created_at: str | None = None
) -> InterestMark:
    """A mark from untrusted input; InvalidRecord names the field at fault."""
    raw = dict(raw or {})
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise InvalidRecord(unknown[0], "is not a known field")
    level, province, note = (_text(name, raw.get(name)) for name in FIELDS)
    if level is not None and level not in LEVELS:
        raise InvalidRecord("asker_level", f"{level!r} is not one of: {', '.join(LEVELS)}")
    if province is not None:
        known = province_of(province)
        if known is None:
            raise InvalidRecord(
                "asker_province", f"{province[:100]!r} is not one of the 38 provinces of Indonesia"
            )
        province = known
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidRecord("note", f"at most {MAX_NOTE} characters")
    return InterestMark(
        innovation_id, created_at or utc_now(), level, province, scrub(note) if note else None
    )


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(name, "must be a string")
    return value.strip() or None


class InterestStore:
    """The `interest` table of the catalogue database."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def add(self, mark: InterestMark) -> InterestMark:
        """Store a mark of a stored innovation (UnknownInnovation otherwise)."""
        with self.catalogue.transaction(write=True) as db:
            if db.execute("SELECT 1 FROM innovations WHERE id = ?", (mark.innovation_id,)).fetchone() is None:
                raise UnknownInnovation(mark.innovation_id)
            db.execute(
                "INSERT INTO interest (innovation_id, created_at, asker_level, "
                "asker_province, note) VALUES (?,?,?,?,?)",
                (mark.innovation_id, mark.created_at, mark.asker_level, mark.asker_province, mark.note),
            )
        return mark

    def total(self, innovation_id: str) -> int:
        with self.catalogue.transaction() as db:
            return int(
                db.execute(
                    "SELECT count(*) FROM interest WHERE innovation_id = ?", (innovation_id,)
                ).fetchone()[0]
            )

    def counts(
        self, start: str, end: str, province: str | None = None, level: str | None = None
    ) -> dict[str, int]:
        """Marks per innovation id with ``start <= created_at < end`` (ISO UTC), optionally
        only from askers of one province (any spelling `province_of` knows) or level."""
        sql = "SELECT innovation_id, count(*) FROM interest WHERE created_at >= ? AND created_at < ?"
        args: list[Any] = [start, end]
        if level is not None:
            sql += " AND asker_level = ?"
            args.append(level)
        if province is not None:
            sql += " AND lower(asker_province) = ?"
            args.append((province_of(province) or province).casefold())
        with self.catalogue.transaction() as db:
            rows = db.execute(sql + " GROUP BY innovation_id", args).fetchall()
        return {str(key): int(n) for key, n in rows}
