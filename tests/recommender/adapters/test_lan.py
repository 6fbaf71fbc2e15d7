"""The LAN adapter on the real export (../shared/data/lan), skipped where it is absent."""

from __future__ import annotations

import json
import re

import pytest

from recommender.adapters import LanAdapter, SectorInference, get_adapter
from recommender.adapters.base import AdaptedRow
from recommender.adapters.cleaning import ELLIPSIS
from recommender.adapters.measure import lan_citations
from recommender.errors import InvalidRecord
from recommender.record import ID_PATTERN, LIST_FIELDS, TEXT_FIELDS, validate_record

pytestmark = pytest.mark.heavy  # every test reads the LAN export

LEFTOVER = re.compile(
    r"<[a-zA-Z/!]|&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);|[A-Za-z0-9+/]{60,}|\s{2,}"
    r"|[\r\n\t\ue000\ue001\u00ad]",
    re.I,
)
REGIONAL = ("provinsi", "kabupaten", "kota", "bumd")


def by_source(rows: list[AdaptedRow]) -> dict[int, dict]:
    return {r.flags["source_id"]: r.raw for r in rows if r.raw is not None}


def test_every_row_is_a_valid_record_or_has_a_reason(lan_rows: list[AdaptedRow]) -> None:
    assert len(lan_rows) == 200
    rejected = [r for r in lan_rows if r.raw is None]
    # The one NGO innovator has no government level in our data model: said, not guessed.
    assert [(r.flags["source_id"], r.error.field if r.error else None) for r in rejected] == [(132, "level")]
    assert rejected[0].reason is not None and "LSM / NGO" in rejected[0].reason
    for row in lan_rows:
        if row.raw is not None:
            validate_record(row.raw)


def test_no_markup_entities_or_padding_left(lan_rows: list[AdaptedRow]) -> None:
    for row in lan_rows:
        for name, value in (row.raw or {}).items():
            values = value if isinstance(value, list) else [value]
            for text in values:
                if isinstance(text, str):
                    assert not LEFTOVER.search(text), (row.flags["source_id"], name, text[:200])
                    assert text == text.strip()


def test_provinces_filled_for_every_regional_government(lan_rows: list[AdaptedRow]) -> None:
    records = [r.raw for r in lan_rows if r.raw is not None]
    assert all(r["province"] for r in records if r["level"] in REGIONAL)
    # 142 of the 200 have no province in the export; nearly all get one, only national bodies
    # whose contact names no place stay empty.
    assert sum(1 for r in records if r["province"]) >= 185


@pytest.mark.parametrize(
    ("source_id", "province", "level", "government"),
    [
        (48, "DI Yogyakarta", "kabupaten", "Kabupaten Kulon Progo"),  # LAN gives the province
        (101, "Sulawesi Selatan", "kabupaten", "Kabupaten Bantaeng"),  # LAN gives none
        (141, "Sulawesi Utara", "kabupaten", "Kabupaten Minahasa Utara"),  # misspelt in the export
        (144, "Jawa Timur", "kabupaten", "Kabupaten Jember"),  # 'Pemda Jember'
        (172, "Sumatera Selatan", "provinsi", "Pemerintah Provinsi Sumatera Selatan"),
        (138, "DKI Jakarta", "provinsi", "Pemerintah Provinsi DKI Jakarta"),
        (187, "Jawa Timur", "bumd", "PDAM Kota Malang"),
        (47, "DKI Jakarta", "kementerian/lembaga", "Kementerian Hukum dan Hak Asasi Manusia RI"),
        (205, "DKI Jakarta", "bumn", "PT Bank Mandiri (PERSERO) TBK"),
    ],
)
def test_known_governments(
    lan_rows: list[AdaptedRow], source_id: int, province: str, level: str, government: str
) -> None:
    raw = by_source(lan_rows)[source_id]
    assert (raw["province"], raw["level"], raw["government"]) == (province, level, government)


def test_fields_mapped_from_the_source(lan_bytes: bytes, lan_rows: list[AdaptedRow]) -> None:
    source = {json.loads(line)["id"]: json.loads(line) for line in lan_bytes.splitlines()}
    raw = by_source(lan_rows)[52]
    assert raw["name"] == "Akte Kelahiran Jemput Bola"
    assert raw["year"] == source[52]["tahun_implementasi"]
    assert raw["agency"].endswith("Kota Surakarta")
    kit = {
        "prerequisites": "prasyarat_replikasi",
        "steps": "tahapan_proses",
        "obstacles": "faktor_penghambat",
        "problem": "faktor_pendorong",
    }
    for ours, theirs in kit.items():
        items = re.findall(r"<li>", source[52][theirs])
        if items:  # one '; '-separated point per list item, as our catalogue writes kits
            assert raw[ours].count("; ") >= len(items) - 1, ours
    assert raw["sources"][0].startswith(
        "Database Inovasi LAN (GitHub edison8301/inovasi-lan, data/table-inovasi.sql, id 52)"
    )


def test_sources_cite_lan_in_the_catalogue_form(lan_rows: list[AdaptedRow]) -> None:
    records = [r.raw for r in lan_rows if r.raw is not None]
    cited = lan_citations(records)  # the parser that reads our catalogue's citations
    assert set(cited) == {r.flags["source_id"] for r in lan_rows if r.raw is not None}
    assert all(cited[i] is raw for i, raw in by_source(lan_rows).items())


def test_long_texts_cut_at_a_sentence_and_flagged(lan_rows: list[AdaptedRow]) -> None:
    flagged = [r for r in lan_rows if r.flags.get("truncated")]
    assert flagged, "the export has descriptions over 5,000 characters"
    for row in lan_rows:
        for name, limit in TEXT_FIELDS.items():
            value = (row.raw or {}).get(name)
            assert value is None or len(value) <= limit
    for row in flagged:
        for name in row.flags["truncated"]:
            assert name in TEXT_FIELDS or name in LIST_FIELDS
            raw = row.raw or {}
            text = raw[name] if name in TEXT_FIELDS else raw[name][-1]
            assert text.endswith((".", "!", "?", ";", ELLIPSIS, ".”", '."', ")")), text[-60:]


def test_ids_are_valid_unique_and_stable(
    lan_bytes: bytes, lan_rows: list[AdaptedRow], sectors: SectorInference
) -> None:
    ids = [r.raw["id"] for r in lan_rows if r.raw is not None]
    assert all(ID_PATTERN.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)
    again = [r.raw["id"] for r in LanAdapter(sectors).adapt(lan_bytes) if r.raw is not None]
    assert again == ids


def test_low_confidence_sectors_are_flagged_never_silent(
    lan_rows: list[AdaptedRow], sectors: SectorInference
) -> None:
    guessed = [r for r in lan_rows if r.raw is not None]
    assert all(r.flags["sector_source"] == "classifier" for r in guessed)  # LAN has no sector
    low = [r for r in guessed if r.flags["sector_confidence"] < sectors.threshold]
    assert low and all(r.flags["needs_review"] for r in low)
    assert all((r.raw or {})["sector"] == r.flags["sector_guess"] for r in guessed)
    assert any(not r.flags["needs_review"] for r in guessed)


def test_read_yields_tuples_and_keeps_flags(lan_bytes: bytes, sectors: SectorInference) -> None:
    adapter = get_adapter("lan", sectors=sectors)
    head = b"\n".join(lan_bytes.splitlines()[:3]) + b"\n{not json\n[1]\n"
    out = list(adapter.read(head))
    assert [(n, raw is not None, reason is None) for n, raw, reason in out] == [
        (1, True, True),
        (2, True, True),
        (3, True, True),
        (4, False, False),
        (5, False, False),
    ]
    assert out[3][2] is not None and out[3][2].startswith("record: not valid JSON")
    assert out[4][2] == "record: must be a JSON object"
    assert set(adapter.flags) == {1, 2, 3, 4, 5}
    assert "sector_confidence" in adapter.flags[1]


def test_rows_matches_the_importers_read_rows_shape(lan_bytes: bytes, sectors: SectorInference) -> None:
    line = lan_bytes.splitlines()[0]
    ((number, raw, error),) = list(LanAdapter(sectors).rows(line))
    assert number == 1 and error is None and validate_record(raw).id == raw["id"]
    ((_, _, error),) = list(LanAdapter(sectors).rows(b"\xff\xfe{}"))
    assert isinstance(error, InvalidRecord) and error.field == "record"
