"""The declarative mapping adapter on an invented SiNovik-style CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.adapters import MappingAdapter, SectorInference, adapter_names, get_adapter
from recommender.adapters.base import AdaptedRow
from recommender.errors import InvalidRecord
from recommender.record import LONG_TEXT, validate_record

from .conftest import FIXTURES

SAMPLE = FIXTURES / "sinovik_sample.csv"


def raw_of(row: AdaptedRow) -> dict:
    assert row.raw is not None, row.reason
    return row.raw


@pytest.fixture(scope="module")
def rows(sectors: SectorInference) -> list[AdaptedRow]:
    return list(get_adapter("mapping:sinovik_csv", sectors=sectors).adapt(SAMPLE.read_bytes()))


def test_builtin_mapping_is_registered() -> None:
    assert "mapping:sinovik_csv" in adapter_names()


def test_first_row_fully_mapped(rows: list[AdaptedRow]) -> None:
    raw = rows[0].raw
    assert raw is not None
    assert validate_record(raw).to_dict() == {
        "id": "posyandu-keliling-perahu-kabupaten-kepulauan-sangihe",
        "name": "Posyandu Keliling Perahu",
        "level": "kabupaten",
        "sector": "kesehatan-ibu-anak",
        "agency": "Dinas Kesehatan",
        "government": "Kabupaten Kepulauan Sangihe",
        "province": "Sulawesi Utara",
        "year": 2019,
        "awards": ["Top 99 KIPP 2020", "Top 45 KIPP 2020"],
        "problem": "Warga pulau kecil jarang membawa balita ke posyandu karena ongkos perahu mahal. "
        "Cakupan penimbangan balita di pulau terluar rendah.",
        "solution": "Kader dan bidan berkeliling dengan perahu desa setiap bulan; "
        "Penimbangan & imunisasi dilakukan di dermaga",
        "outcomes": "Cakupan penimbangan naik dari 40% menjadi 85% dalam dua tahun.",
        "status": "berjalan",
        "replication_of": None,
        "replicated_by": [],
        "sources": [
            "SiNovik KemenPANRB, nomor registrasi SNV-0001",
            "https://contoh.invalid/posyandu-perahu",
        ],
        "last_verified": None,
        "prerequisites": "Perahu desa dan jadwal kader",
        "steps": "Pemetaan pulau; pelatihan kader; jadwal keliling",
        "obstacles": "Cuaca buruk di musim barat",
        "contact": "Dinas Kesehatan Kab. Kepulauan Sangihe",
    }
    assert rows[0].flags == {
        "province_source": "government",
        "sector_source": "source",
        "needs_review": False,
    }


def test_inferred_fields_are_flagged(rows: list[AdaptedRow]) -> None:
    raw, flags = rows[1].raw, rows[1].flags
    assert raw is not None
    # No 'Jenis Pemda': the level comes from the name; '12/03/2018' gives the year.
    assert (raw["level"], raw["province"], raw["year"]) == ("kota", "Jawa Tengah", 2018)
    assert flags["level_source"] == flags["province_source"] == "government"
    # 'Pelayanan Publik' is not in the category table: the classifier guesses, and says so.
    assert flags["sector_source"] == "classifier" and raw["sector"] == flags["sector_guess"]
    assert 0 < flags["sector_confidence"] <= 1
    assert raw["status"] == "berjalan"  # 'aktif', case-insensitive


def test_row_without_problem_or_solution_fails_validation_with_a_reason(rows: list[AdaptedRow]) -> None:
    raw = rows[3].raw
    with pytest.raises(InvalidRecord, match="at least one of problem or solution"):
        validate_record(raw)


def test_every_other_row_validates(rows: list[AdaptedRow]) -> None:
    assert [r.row for r in rows] == [1, 2, 3, 4, 5]
    for row in (rows[0], rows[1], rows[2], rows[4]):
        validate_record(row.raw)
    last, third = raw_of(rows[4]), raw_of(rows[2])
    assert last["year"] == 2016 and last["status"] == "berhenti"
    assert third["province"] == "DI Yogyakarta"


def _adapter(fields: dict, sectors: SectorInference, **spec: object) -> MappingAdapter:
    return MappingAdapter({"name": "t", "fields": fields, **spec}, sectors)


def test_transforms_constants_joins_and_truncation(sectors: SectorInference) -> None:
    adapter = _adapter(
        {
            "name": {"column": "Judul"},
            "government": {"value": "Kota Tegal"},
            "solution": {"columns": ["A", "B"], "join": " | ", "transforms": ["strip_html"]},
            "replicated_by": {"column": "Replikasi", "transforms": [{"split": ","}]},
            "sector": {"value": "pendidikan"},
            "year": {"column": "Mulai", "transforms": ["year"]},
        },
        sectors,
    )
    long = "Kalimat panjang tentang layanan. " * 200
    data = (
        f'Judul,A,B,Replikasi,Mulai\nContoh,<b>satu</b>,"{long}","Kota Bima, Kabupaten Sikka",2015-07-01\n'
    ).encode()
    (row,) = list(adapter.adapt(data))
    record = validate_record(row.raw)
    assert record.solution is not None and record.solution.startswith("satu | Kalimat panjang")
    assert len(record.solution) <= LONG_TEXT and record.solution.endswith(".")
    assert row.flags["truncated"] == ["solution"]
    assert record.replicated_by == ["Kota Bima", "Kabupaten Sikka"]
    assert (record.level, record.province, record.year) == ("kota", "Jawa Tengah", 2015)
    assert row.flags["sector_source"] == "source"


def test_default_level_applies_only_when_the_government_does_not_say(sectors: SectorInference) -> None:
    adapter = _adapter(
        {"name": {"column": "n"}, "government": {"column": "g"}, "solution": {"column": "s"}},
        sectors,
        default_level="bumd",
    )
    data = "n,g,s\nSatu,Kota Bitung,Layanan air\nDua,Perusahaan Air Sejahtera,Layanan air\n"
    first, second = adapter.adapt(data.encode())
    assert raw_of(first)["level"] == "kota" and first.flags["level_source"] == "government"
    assert raw_of(second)["level"] == "bumd" and second.flags["level_source"] == "default"


def test_unmapped_reject_is_a_row_reason(sectors: SectorInference) -> None:
    adapter = _adapter(
        {
            "name": {"column": "n"},
            "solution": {"column": "s"},
            "level": {"column": "l", "map": {"Kota": "kota"}, "unmapped": "reject"},
        },
        sectors,
    )
    first, second = adapter.read(b"n,l,s\nA,Kota,teks\nB,Desa,teks\n")
    assert first[2] is None
    assert second[1] is None and second[2] == "level: 'Desa' is not in the mapping's table"


def test_missing_column_rejects_rows_with_a_header_reason(sectors: SectorInference) -> None:
    adapter = _adapter({"name": {"column": "Nama Inovasi"}}, sectors)
    out = list(adapter.read(b"Nama\nSatu\nDua\n"))
    assert [reason for _, _, reason in out] == [
        "header: column 'Nama Inovasi' named by the mapping is missing"
    ] * 2


def test_broken_csv_stops_with_a_reason(sectors: SectorInference) -> None:
    adapter = _adapter({"name": {"column": "n"}, "solution": {"column": "s"}}, sectors)
    out = list(adapter.read(b'n,s\nA,"ok"x\n'))
    assert out[-1][1] is None and out[-1][2] is not None
    assert out[-1][2].startswith("record: is not valid CSV")
    ((_, _, reason),) = list(adapter.read(b"n,s\nA,\xff\n"))
    assert reason is not None and "UTF-8" in reason


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"fields": {"nama": {"column": "x"}}}, "'nama' is not a field"),
        ({"fields": {"name": {"column": "x", "transforms": ["shout"]}}}, "unknown transform"),
        ({"fields": {"name": {"column": "x", "value": "y"}}}, "exactly one of"),
        ({"fields": {"name": {"colum": "x"}}}, "unknown key 'colum'"),
        ({"fields": {"name": {"column": "x"}}, "format": "xlsx"}, "format 'xlsx'"),
        ({"fields": {"name": {"column": "x"}}, "default_level": "desa"}, "default_level 'desa'"),
        ({"fields": []}, "'fields' object"),
    ],
)
def test_bad_mappings_are_refused(spec: dict, message: str) -> None:
    with pytest.raises(InvalidRecord, match=message) as caught:
        MappingAdapter(spec)
    assert caught.value.field == "mapping"


def test_mapping_from_a_path_only_when_allowed(tmp_path: Path, sectors: SectorInference) -> None:
    path = tmp_path / "portal.json"
    path.write_text(
        json.dumps(
            {
                "name": "portal",
                "format": "jsonl",
                "fields": {
                    "name": {"column": "judul"},
                    "solution": {"column": "uraian"},
                    "government": {"column": "daerah"},
                },
            }
        )
    )
    with pytest.raises(InvalidRecord, match="is not one of"):
        get_adapter(f"mapping:{path}")
    with pytest.raises(InvalidRecord, match="is not one of"):
        get_adapter("mapping:../../etc/passwd")
    adapter = get_adapter(f"mapping:{path}", sectors=sectors, allow_paths=True)
    line = json.dumps(
        {"judul": "Layanan Cepat", "uraian": "Izin usaha selesai sehari.", "daerah": "Kabupaten Gresik"}
    ).encode()
    ((_, raw, reason),) = list(adapter.read(line))
    assert reason is None and validate_record(raw).province == "Jawa Timur"
    assert adapter.name == "mapping:portal"


def test_unknown_adapter_name() -> None:
    with pytest.raises(InvalidRecord) as caught:
        get_adapter("sinovik")
    assert caught.value.field == "adapter" and "lan" in caught.value.reason


def test_same_name_and_government_get_distinct_stable_ids(sectors: SectorInference) -> None:
    adapter = _adapter(
        {"name": {"column": "n"}, "government": {"column": "g"}, "solution": {"column": "s"}}, sectors
    )
    data = b"n,g,s\nLayanan Cepat,Kota Tegal,Satu\nLayanan Cepat,Kota Tegal,Dua\n"
    ids = [raw_of(row)["id"] for row in adapter.adapt(data)]
    assert ids == ["layanan-cepat-kota-tegal", "layanan-cepat-kota-tegal-row-2"]
    assert [raw_of(row)["id"] for row in adapter.adapt(data)] == ids
