"""Exact filters over innovations and the asker's context, shared by search, listing and evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from recommender.errors import InvalidRecord
from recommender.record import AWARD_TIERS, LEVELS, SECTORS, Innovation, Status

UNKNOWN_STATUS = "tidak-diketahui"
# A status filter: a record's status, or "not recorded" (the API's schemas use the Literal).
StatusFilter = Literal[Status, "tidak-diketahui"]
STATUS_FILTER_VALUES: tuple[str, ...] = get_args(StatusFilter)


def _values(name: str, value: Any, allowed: tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
        raise InvalidRecord(f"filters.{name}", "must be a string or a list of strings")
    for item in items:
        if allowed is not None and item not in allowed:
            raise InvalidRecord(f"filters.{name}", f"{item!r} is not one of: {', '.join(allowed)}")
    return tuple(dict.fromkeys(items))


def _year(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
        raise InvalidRecord(f"filters.{name}", f"must be a year between 1900 and 2100, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Filters:
    """Every field narrows the result; empty tuples and None mean "any"."""

    sector: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    province: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    award_tier: str | None = None  # minimum tier: "top-99" also admits top-40 and UNPSA
    year_from: int | None = None
    year_to: int | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> Filters:
        """Validate filters given with the catalogue's field names; unknown keys are errors."""
        raw = dict(raw or {})
        known = {"sector", "level", "province", "status", "award_tier", "year_from", "year_to"}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InvalidRecord(f"filters.{unknown[0]}", "is not a known filter")
        tier = raw.get("award_tier")
        if tier is not None and tier not in AWARD_TIERS:
            raise InvalidRecord("filters.award_tier", f"{tier!r} is not one of: {', '.join(AWARD_TIERS)}")
        made = cls(
            sector=_values("sector", raw.get("sector"), SECTORS),
            level=_values("level", raw.get("level"), LEVELS),
            province=_values("province", raw.get("province"), None),
            status=_values("status", raw.get("status"), STATUS_FILTER_VALUES),
            award_tier=tier,
            year_from=_year("year_from", raw.get("year_from")),
            year_to=_year("year_to", raw.get("year_to")),
        )
        if made.year_from and made.year_to and made.year_from > made.year_to:
            raise InvalidRecord("filters.year_from", "is after filters.year_to")
        return made

    def is_empty(self) -> bool:
        return self == Filters()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("sector", "level", "province", "status"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        for name in ("award_tier", "year_from", "year_to"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    def matches(self, item: Innovation) -> bool:
        if self.sector and item.sector not in self.sector:
            return False
        if self.level and item.level not in self.level:
            return False
        if self.province and (item.province or "").casefold() not in {p.casefold() for p in self.province}:
            return False
        if self.status and (item.status or UNKNOWN_STATUS) not in self.status:
            return False
        if self.award_tier is not None:
            tier = item.award_tier
            if tier is None or AWARD_TIERS.index(tier) < AWARD_TIERS.index(self.award_tier):
                return False
        if self.year_from is not None and (item.year is None or item.year < self.year_from):
            return False
        return self.year_to is None or (item.year is not None and item.year <= self.year_to)

    def select(self, items: Iterable[Innovation]) -> list[Innovation]:
        return [item for item in items if self.matches(item)]


@dataclass(frozen=True, slots=True)
class Asker:
    """Who is asking: their government level and province (both optional)."""

    level: str | None = None
    province: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> Asker:
        raw = dict(raw or {})
        unknown = sorted(set(raw) - {"level", "province"})
        if unknown:
            raise InvalidRecord(f"asker.{unknown[0]}", "is not a known field")
        level = raw.get("level")
        if level is not None and level not in LEVELS:
            raise InvalidRecord("asker.level", f"{level!r} is not one of: {', '.join(LEVELS)}")
        province = raw.get("province")
        if province is not None and (not isinstance(province, str) or len(province) > 100):
            raise InvalidRecord("asker.province", "must be a string of at most 100 characters")
        return cls(level=level, province=province or None)


def this_year() -> int:
    return dt.date.today().year
