"""The LAN innovation database export (JSONL, the source's own field names) as our records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from recommender.adapters.base import AdaptedRow, Adapter, jsonl_objects
from recommender.adapters.cleaning import html_items, strip_html, tame_case
from recommender.adapters.regions import Region, province_named, region_named, regions_in_text
from recommender.adapters.sector import SectorInference
from recommender.adapters.shaping import finish, review
from recommender.errors import InvalidRecord

# The form our catalogue cites LAN records in (data/innovations.jsonl, `sources`).
PROVENANCE = "Database Inovasi LAN (GitHub edison8301/inovasi-lan, data/table-inovasi.sql, id {id})"
REGIONAL, MINISTRY, STATE_COMPANY = "Provinsi / Kabupaten / Kota", "Kementrian / Lembaga", "BUMN / BUMD"
# A company is a regional one (BUMD) when its name says so; national ones (BUMN) otherwise.
_BUMD = re.compile(
    r"\b(pdam|pd|perumda|perusahaan daerah|bpr|bank daerah|bank pembangunan daerah|"
    r"bank jatim|bank jogja|bank dki|jamkrida|transjakarta|pembangunan jaya|"
    r"pedaringan)\b",
    re.I,
)
_AWARD = re.compile(r"\btop\s*(99|40|45|35|25)\b(?:\D{0,40}?\b(20[0-3]\d)\b)?", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_LEAD_PUNCT = " :;,.-–—•\t"
SOURCE_TEXT_LIMIT = 65535  # MySQL TEXT: the dump's longest fields end here, cut mid-sentence


def _text(value: Any) -> str | None:
    return strip_html(value) if isinstance(value, str) else None


def _plain(value: Any) -> str | None:
    text = strip_html(value) if isinstance(value, str) else None
    return text.strip(_LEAD_PUNCT) or None if text else None


def _awards(sumber: str | None) -> list[str]:
    """'Top 99 Sinovik 2016' in the source note -> 'Top 99 KIPP 2016' (KIPP is SiNovik's contest)."""
    found = []
    for match in _AWARD.finditer(sumber or ""):
        award = f"Top {match.group(1)} KIPP" + (f" {match.group(2)}" if match.group(2) else "")
        if award not in found:
            found.append(award)
    return found


def _sources(obj: dict[str, Any], provenance: str) -> list[str]:
    notes = [n.strip(_LEAD_PUNCT) for n in html_items(obj.get("sumber") or "")]
    urls = [u.rstrip(".,;)") for n in notes for u in _URL.findall(n)]
    words = [w for w in (_URL.sub("", n).strip(_LEAD_PUNCT) for n in notes) if w]
    first = provenance.format(id=obj.get("id"))
    if words:
        first += ", sumber: " + "; ".join(words)
    return [first, *dict.fromkeys(urls)]


def _year(obj: dict[str, Any], flags: dict[str, Any]) -> int | None:
    for name in ("tahun_implementasi", "tahun_inisiasi"):
        value = obj.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 1945 <= value <= 2100:
            flags["year_source"] = name
            return value
    return None


def _regional(obj: dict[str, Any]) -> Region | None:
    for name in ("nama_instansi", "kabkota"):
        region = region_named(obj.get(name)) or next(iter(regions_in_text(obj.get(name), fuzzy=True)), None)
        if region is not None:
            return region
    return next(iter(regions_in_text(_plain(obj.get("unit_instansi")))), None)


def _level_and_government(obj: dict[str, Any]) -> tuple[str, str | None, Region | None]:
    group = (obj.get("kelompok_inovator") or "").strip()
    government = _plain(obj.get("nama_instansi"))
    government = tame_case(government) if government else None
    if group == REGIONAL:
        region = _regional(obj)
        if region is None:
            raise InvalidRecord("level", f"cannot tell which province, regency or city {government!r} is")
        return region.kind, region.government, region
    if group == MINISTRY:
        return "kementerian/lembaga", government, None
    if group == STATE_COMPANY:
        names = f"{obj.get('nama_instansi') or ''} {obj.get('unit_instansi') or ''}"
        return ("bumd" if _BUMD.search(names) else "bumn"), government, None
    raise InvalidRecord(
        "level",
        f"innovator group {group!r} is not a government level of ours "
        "(kementerian/lembaga, provinsi, kabupaten, kota, bumn, bumd)",
    )


def _agency(obj: dict[str, Any], level: str, region: Region | None) -> str | None:
    agency = _plain(obj.get("unit_instansi"))
    if not agency:
        return None
    agency = tame_case(agency)
    if region is not None and level in ("kota", "kabupaten"):
        place = region.government.split(" ", 1)[1]
        if place.lower() not in agency.lower():
            agency = f"{agency} {region.government}"  # 'Dinas Kesehatan' -> '... Kota Tangerang'
    return agency


class LanAdapter(Adapter):
    """``inovasi_lan.jsonl``: HTML cleaned, fields mapped, province and sector inferred."""

    name = "lan"

    def __init__(self, sectors: SectorInference | None = None, *, provenance: str = PROVENANCE) -> None:
        super().__init__()
        self.sectors = sectors or SectorInference()
        self.provenance = provenance

    def adapt(self, data: bytes) -> Iterator[AdaptedRow]:
        seen: set[str] = set()
        for number, obj, error in jsonl_objects(data):
            if obj is None:
                yield AdaptedRow(number, None, error)
                continue
            try:
                raw, flags = self.convert(obj)
            except InvalidRecord as exc:
                yield AdaptedRow(number, None, exc, {"source_id": obj.get("id")})
                continue
            hints = (("agency", raw.get("agency")), ("contact", raw.get("contact")))
            finish(raw, flags, self.sectors, seen, f"lan-{obj.get('id', number)}", hints=hints)
            yield AdaptedRow(number, raw, None, flags)

    def convert(self, obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The record before the shared steps (province fallback, lengths, sector, id)."""
        flags: dict[str, Any] = {"source_id": obj.get("id")}
        name = _plain(obj.get("nama_inovasi"))
        if not name:
            raise InvalidRecord("name", "nama_inovasi is empty")
        level, government, region = _level_and_government(obj)
        province = province_named(obj.get("provinsi"))
        if region is not None:
            if province and province != region.province:
                review(
                    flags,
                    f"LAN says province {province!r}, the government "
                    f"{region.government!r} is in {region.province!r}",
                )
            province = region.province
            flags["province_source"] = "government" if region.how != "fuzzy" else "government-fuzzy"
        elif province:
            flags["province_source"] = "provinsi"
        raw: dict[str, Any] = {
            "name": tame_case(name),
            "agency": _agency(obj, level, region),
            "government": government,
            "level": level,
            "province": province,
            "year": _year(obj, flags),
            "awards": _awards(obj.get("sumber")),
            "problem": _text(obj.get("faktor_pendorong")),
            "solution": _text(obj.get("deskripsi")) or _plain(obj.get("produk_inovasi")),
            "outcomes": " ".join(
                t for t in (_text(obj.get(f)) for f in ("manfaat", "output", "outcome")) if t
            )
            or None,
            "prerequisites": _text(obj.get("prasyarat_replikasi")),
            "steps": _text(obj.get("tahapan_proses")),
            "obstacles": _text(obj.get("faktor_penghambat")),
            "contact": _plain(obj.get("kontak")),
            "sources": _sources(obj, self.provenance),
        }
        cut = [f for f, v in obj.items() if isinstance(v, str) and len(v) >= SOURCE_TEXT_LIMIT]
        if cut:
            flags["source_truncated"] = cut  # the export itself stops mid-text in these fields
        if raw["awards"]:
            flags["awards_source"] = "sumber"
        return raw, flags
