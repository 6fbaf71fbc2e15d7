"""Steps every adapter ends with: lengths, level and province from the government, sector, id."""

from __future__ import annotations

import re
from typing import Any

from recommender.adapters.cleaning import cut_at_sentence, make_slug
from recommender.adapters.regions import province_in_text, region_named, regions_in_text
from recommender.adapters.sector import SectorInference
from recommender.record import LEVELS, LIST_FIELDS, MAX_LIST, SECTORS, TEXT_FIELDS

Flags = dict[str, Any]


def review(flags: Flags, reason: str) -> None:
    flags.setdefault("review_reasons", []).append(reason)
    flags["needs_review"] = True


def fit_lengths(raw: dict[str, Any], flags: Flags) -> None:
    """Cut long texts at a sentence end (and long lists) to the record's limits; say which."""
    cut: list[str] = []
    for name, limit in TEXT_FIELDS.items():
        value = raw.get(name)
        if isinstance(value, str) and len(value) > limit:
            raw[name] = cut_at_sentence(value, limit)
            cut.append(name)
    for name, limit in LIST_FIELDS.items():
        items = raw.get(name)
        if isinstance(items, list):
            fitted = [cut_at_sentence(i, limit) if isinstance(i, str) else i for i in items]
            if len(fitted) > MAX_LIST or fitted != items:
                cut.append(name)
            raw[name] = fitted[:MAX_LIST]
    if cut:
        flags["truncated"] = cut


_LEVEL_WORDS = (
    ("provinsi", r"\b(provinsi|prov\.?)\s"),
    ("kota", r"\b(kota|pemkot)\s"),
    ("kabupaten", r"\b(kabupaten|kab\.?|pemkab)\s"),
)


def level_from_government(government: str | None) -> str | None:
    """'Kabupaten Sragen' -> 'kabupaten'; None when the name does not say."""
    if not government:
        return None
    region = region_named(government)
    if region is not None:
        return region.kind
    text = government.lower()
    if re.search(r"\bkementerian|\bkementrian|\bbadan .* nasional|\blembaga\b", text):
        return "kementerian/lembaga"
    if re.search(r"\b(pdam|perumda|perusahaan daerah|bpd|bank daerah)\b", text):
        return "bumd"
    if re.search(r"\(persero\)|\bperum\b", text):
        return "bumn"
    for level, pattern in _LEVEL_WORDS:
        if re.search(pattern, text + " "):
            return level
    return None


def fill_province(raw: dict[str, Any], flags: Flags, *hints: tuple[str, str | None]) -> None:
    """Province from the government's name, else from ``hints`` ((field, text), in order)."""
    if raw.get("province"):
        flags.setdefault("province_source", "source")
        return
    government = raw.get("government")
    region = region_named(government) or next(iter(regions_in_text(government, fuzzy=True)), None)
    if region is not None:
        raw["province"] = region.province
        flags["province_source"] = "government" if region.how != "fuzzy" else "government-fuzzy"
        return
    for name, text in (("government", government), *hints):
        province = province_in_text(text)
        if province:
            raw["province"] = province
            flags["province_source"] = f"text:{name}"
            return
    flags["province_source"] = None
    if raw.get("level") in ("provinsi", "kabupaten", "kota", "bumd"):
        review(flags, "province not found")


def fill_sector(raw: dict[str, Any], flags: Flags, sectors: SectorInference) -> None:
    """Keep a valid source sector; otherwise store the classifier's guess and report it."""
    if raw.get("sector") in SECTORS:
        flags["sector_source"] = "source"
        return
    if raw.get("sector"):
        flags["sector_unmapped"] = str(raw["sector"])[:100]
    guess = sectors.guess(raw)
    raw["sector"] = guess.sector
    flags.update(
        sector_source="classifier",
        sector_guess=guess.sector,
        sector_confidence=guess.confidence,
        sector_runner_up=guess.runner_up,
    )
    if guess.needs_review(sectors.threshold):
        review(flags, f"sector guessed with confidence {guess.confidence:.2f} (< {sectors.threshold:.2f})")


def fill_level(raw: dict[str, Any], flags: Flags, default: str | None = None) -> None:
    if raw.get("level") in LEVELS:
        return
    level = level_from_government(raw.get("government")) or level_from_government(raw.get("agency"))
    if level is not None:
        flags["level_source"] = "government"
    elif default is not None:
        level = default
        flags["level_source"] = "default"
    if level is not None:
        raw["level"] = level


def assign_id(raw: dict[str, Any], seen: set[str], tiebreak: str) -> None:
    """A slug from the name and government; a second row with the same slug gets ``tiebreak``."""
    slug = raw.get("id") or make_slug(raw.get("name"), raw.get("government"))
    if slug in seen:
        suffix = "-" + make_slug(tiebreak, None)
        slug = slug[: 120 - len(suffix)].rstrip("-") + suffix
    seen.add(slug)
    raw["id"] = slug


def finish(
    raw: dict[str, Any],
    flags: Flags,
    sectors: SectorInference,
    seen: set[str],
    tiebreak: str,
    *,
    default_level: str | None = None,
    hints: tuple[tuple[str, str | None], ...] = (),
) -> None:
    """The shared last steps, in order: level, province, lengths, sector, id."""
    fill_level(raw, flags, default_level)
    fill_province(raw, flags, *hints)
    fit_lengths(raw, flags)
    fill_sector(raw, flags, sectors)
    assign_id(raw, seen, tiebreak)
    flags.setdefault("needs_review", False)
