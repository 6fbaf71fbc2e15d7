"""Bulk import and export: per-row validation, near-duplicates, idempotence, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.catalogue import Catalogue
from recommender.errors import InvalidRecord
from recommender.importing import (
    TextIndex,
    check_near_duplicate,
    detect_format,
    export_csv,
    export_jsonl,
    import_rows,
    validate_rows,
)
from recommender.record import validate_record
from tests.conftest import TINY

LONG_PROBLEM = (
    "Warga desa di pegunungan harus menempuh perjalanan tiga jam untuk mengurus surat "
    "keterangan, kartu keluarga, dan akta kelahiran di kantor kecamatan, sehingga "
    "banyak keluarga menunda pengurusan dokumen kependudukan selama bertahun-tahun. "
    "Akibatnya anak tidak bisa mendaftar sekolah, lansia tidak menerima bantuan "
    "sosial, dan pemerintah daerah tidak punya data penduduk yang akurat untuk "
    "merencanakan layanan kesehatan, pendidikan, dan perlindungan sosial di desa"
)


def row(innovation_id: str, **changes: object) -> dict:
    base = {
        "id": innovation_id,
        "name": f"Inovasi {innovation_id}",
        "level": "kota",
        "sector": "lainnya",
        "problem": f"Masalah khas {innovation_id} yang unik",
        "solution": f"Solusi khas {innovation_id}",
    }
    return {**base, **changes}


def jsonl(*rows: dict) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    store = Catalogue(tmp_path / "catalogue.sqlite3")
    report = import_rows(store, TINY.read_bytes(), "jsonl")
    assert report.rejected == [] and len(report.accepted) == 10
    return store


def snapshot(store: Catalogue) -> dict[str, dict]:
    return {item.id: item.to_dict() for item in store.all()}


def test_jsonl_lines_that_cannot_be_read_are_reported_one_by_one(catalogue: Catalogue) -> None:
    before = snapshot(catalogue)
    data = b"\n".join(
        [
            b"\xef\xbb\xbf" + json.dumps(row("pertama")).encode(),  # a BOM on the first line
            b"{broken",
            b'{"id": "rusak", "name": "\xff\xfe"}',
            b"   ",
            b"[" * 10_000,
            b'{"id": "angka", "year": ' + b"9" * 5000 + b"}",
            b'{"id": "surrogat", "name": "x\\udc00"}',
            b'"just a string"',
            json.dumps(row("kedua")).encode() + b"\r",
        ]
    )
    report = import_rows(catalogue, data, "jsonl")
    assert report.accepted == ["pertama", "kedua"]
    rejected = {r.row: (r.id, r.field) for r in report.rejected}
    assert rejected == {
        2: (None, "record"),
        3: (None, "record"),
        5: (None, "record"),
        6: (None, "record"),
        7: ("surrogat", "record"),
        8: (None, "record"),
    }
    reasons = {r.row: r.reason for r in report.rejected}
    assert "UTF-8" in reasons[3] and "nested" in reasons[5] and "surrogate" in reasons[7]
    assert "JSON object" in reasons[8]
    assert {k: v for k, v in snapshot(catalogue).items() if k in before} == before


def test_csv_rows_are_checked_cell_by_cell(catalogue: Catalogue) -> None:
    header = "id,name,level,sector,year,awards,problem,solution\n"
    body = (
        header + "satu,Satu,kota,lainnya,2020,Top 99 KIPP 2020|Lain,Masalah satu unik,Solusi satu\n"
        'dua,Dua,kota,lainnya,2020,"[""A"", ""B""]",Masalah dua unik,Solusi dua\n'
        "tiga,Tiga,kota,lainnya,20x0,,Masalah tiga,Solusi tiga\n"
        "empat,Empat,kota,lainnya,2020,[rusak,Masalah empat,Solusi empat\n"
        "lima,Lima,kota,lainnya,2020,,Masalah lima,Solusi lima,sel lebih\n"
        "enam,Enam \xff,kota,lainnya,2020,,Masalah enam,Solusi enam\n"
        "tujuh,Tujuh,kota,lainnya,1800,,Masalah tujuh,Solusi tujuh\n"
        "delapan,,kota,lainnya,,,Masalah delapan,Solusi delapan\n"
    )
    data = b"\xef\xbb\xbf" + body.encode().replace(b"\xc3\xbf", b"\xff")
    report = import_rows(catalogue, data, "csv")
    assert report.accepted == ["satu", "dua"]
    assert {r.row: (r.id, r.field) for r in report.rejected} == {
        3: ("tiga", "year"),
        4: ("empat", "awards"),
        5: ("lima", "record"),
        6: ("enam", "name"),
        7: ("tujuh", "year"),
        8: ("delapan", "name"),
    }
    assert catalogue.get("satu").awards == ["Top 99 KIPP 2020", "Lain"]
    assert catalogue.get("dua").awards == ["A", "B"]


def test_a_csv_cell_over_the_csv_module_limit_rejects_only_its_row(catalogue: Catalogue) -> None:
    huge = "x" * 200_000
    data = (
        "id,name,level,sector,problem\n"
        f'besar,Besar,kota,lainnya,"{huge}"\n'
        "kecil,Kecil,kota,lainnya,Masalah kecil yang unik\n"
    ).encode()
    report = import_rows(catalogue, data, "csv")
    assert "kecil" in report.accepted and "besar" not in report.accepted
    assert report.rejected and report.rejected[0].row == 1


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("id,name,level,sector,problem,warna\n", "warna"),
        ("id,name,name,level,sector,problem\n", "name"),
    ],
)
def test_a_bad_csv_header_rejects_every_row(catalogue: Catalogue, header: str, field: str) -> None:
    data = (header + "satu,Satu,kota,lainnya,Masalah,x\n").encode()
    report = import_rows(catalogue, data, "csv")
    assert report.accepted == [] and [r.field for r in report.rejected] == [field]


def test_an_id_repeated_in_the_file_keeps_the_first(catalogue: Catalogue) -> None:
    report = import_rows(catalogue, jsonl(row("sama"), row("sama", name="Kedua")), "jsonl")
    assert report.accepted == ["sama"]
    assert [(r.row, r.field) for r in report.rejected] == [(2, "id")]
    assert "row 1" in report.rejected[0].reason
    assert catalogue.get("sama").name == "Inovasi sama"


def test_near_duplicate_texts_under_another_id_are_rejected(catalogue: Catalogue) -> None:
    alpha = catalogue.get("psc-119-alpha")
    shouted = row("psc-119-teriak", problem=f"  {alpha.problem.upper()}!!", solution=alpha.solution)
    long_one = row("jauh-a", problem=LONG_PROBLEM, solution="Layanan keliling setiap pekan")
    one_word = row(
        "jauh-b",
        problem=LONG_PROBLEM.replace("tiga jam", "tiga  jam,"),
        solution="Layanan keliling setiap pekan.",
    )
    edited = row(
        "jauh-c",
        problem=LONG_PROBLEM.replace("kecamatan", "kabupaten"),
        solution="Layanan keliling setiap pekan",
    )
    distinct = row(
        "jauh-d",
        problem="Anak desa jarang membaca karena tidak ada perpustakaan",
        solution="Layanan keliling setiap pekan",
    )
    report = import_rows(catalogue, jsonl(shouted, long_one, one_word, edited, distinct), "jsonl")
    assert report.accepted == ["jauh-a", "jauh-d"]
    twins = {r.id: r.reason for r in report.rejected}
    assert set(twins) == {"psc-119-teriak", "jauh-b", "jauh-c"}
    assert "'psc-119-alpha'" in twins["psc-119-teriak"] and "'jauh-a'" in twins["jauh-c"]
    # Replications with their own wording are not duplicates (the tiny catalogue has two).
    assert {"psc-119-alpha", "psc-119-beta"} <= {i.id for i in catalogue.all()}


def test_an_innovation_may_keep_or_change_its_own_text(catalogue: Catalogue) -> None:
    alpha = catalogue.get("psc-119-alpha").to_dict()
    assert import_rows(catalogue, jsonl(alpha), "jsonl").accepted == ["psc-119-alpha"]
    moved = {
        **alpha,
        "problem": "Teks baru sama sekali tentang sampah sungai yang menumpuk",
        "solution": "Perahu pengangkut sampah",
    }
    taker = row("pengambil", problem=alpha["problem"], solution=alpha["solution"])
    # In one file: alpha gets new text first, so its old text is free for another id.
    report = import_rows(catalogue, jsonl(moved, taker), "jsonl")
    assert report.accepted == ["psc-119-alpha", "pengambil"] and report.rejected == []
    check_near_duplicate(catalogue, validate_record(row("lain")))
    with pytest.raises(InvalidRecord) as raised:
        check_near_duplicate(
            catalogue,
            validate_record({**row("lain"), "problem": alpha["problem"], "solution": alpha["solution"]}),
        )
    assert raised.value.field == "problem" and "pengambil" in raised.value.reason


def test_text_index_ignores_texts_without_words() -> None:
    texts = TextIndex([validate_record(row("a", problem="???", solution=None))])
    assert texts.twin_of(validate_record(row("b", problem="!!!", solution=None))) is None


def test_validate_rows_changes_nothing_and_import_is_idempotent(catalogue: Catalogue) -> None:
    before = catalogue.content_hashes()
    report, good = validate_rows(catalogue, jsonl(row("baru"), row("baru2", level="desa")), "jsonl")
    assert [i.id for i in good] == report.accepted == ["baru"]
    assert catalogue.content_hashes() == before
    data = jsonl(row("baru"), *[i.to_dict() for i in catalogue.all()[:3]])
    first = import_rows(catalogue, data, "jsonl")
    hashes = catalogue.content_hashes()
    second = import_rows(catalogue, data, "jsonl")
    assert first.accepted == second.accepted and second.rejected == []
    assert first.new == ["baru"] and second.new == [] and "baru" in second.updated
    assert catalogue.content_hashes() == hashes and catalogue.count() == 11


def test_an_unknown_format_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(InvalidRecord):
        import_rows(catalogue, b"a", "xml")


def test_detect_format() -> None:
    assert detect_format("x.CSV", b"{") == "csv"
    assert detect_format("x.ndjson", b"id,name") == "jsonl"
    assert detect_format(None, b'\xef\xbb\xbf  {"id": 1}') == "jsonl"
    assert detect_format(None, b"id,name\n") == "csv"


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_round_trips_through_import(catalogue: Catalogue, tmp_path: Path, fmt: str) -> None:
    tricky = row(
        "tricky",
        name='Koma, "kutip"',
        problem="a\nb\r\nc\td [x] | y",
        awards=["A | B", "[C]"],
        sources=["https://x.go.id/a,b"],
        year=2020,
        contact="é 中文 🚑",
        last_verified="2024-02-29",
        status="berhenti",
        replicated_by=["Kota A"],
        replication_of="psc-119-alpha",
    )
    import_rows(catalogue, jsonl(tricky), "jsonl")
    items = catalogue.all()
    exporter = export_jsonl if fmt == "jsonl" else export_csv
    data = "".join(exporter(items)).encode()
    fresh = Catalogue(tmp_path / "fresh.sqlite3")
    report = import_rows(fresh, data, fmt)
    assert report.rejected == [] and len(report.accepted) == 11
    assert [i.to_dict() for i in fresh.all()] == [i.to_dict() for i in items]
    assert fresh.catalogue_hash() == catalogue.catalogue_hash()
    assert "".join(exporter(fresh.all())).encode() == data


def test_an_empty_export_is_a_header_or_nothing() -> None:
    assert list(export_jsonl([])) == []
    assert "".join(export_csv([])).startswith("id,name,level,sector")


def test_semicolon_csv_from_a_spreadsheet_is_read_with_its_row_numbers(catalogue: Catalogue) -> None:
    body = (
        "id;name;level;sector;year;awards;problem;solution\r\n"
        'satu;Satu;kota;lainnya;2020;"Top 99 KIPP 2020; Lain";"Masalah satu, dengan koma";Solusi\r\n'
        'dua;Dua;kota;lainnya;2020;"[""A""]";"Masalah dua\r\ndua baris";Solusi dua\r\n'
        "tiga;Tiga;desa;lainnya;2020;;Masalah tiga;Solusi tiga\r\n"
    )
    report = import_rows(catalogue, body.encode(), "csv")
    assert report.accepted == ["satu", "dua"]
    assert catalogue.get("satu").awards == ["Top 99 KIPP 2020", "Lain"]
    assert catalogue.get("satu").problem == "Masalah satu, dengan koma"
    # 'tiga' is the third data row: row 4 of the spreadsheet, though line 5 of the text.
    assert [(r.row, r.line, r.field) for r in report.rejected] == [(3, 4, "level")]


def test_an_unterminated_quote_in_a_semicolon_csv_is_found(catalogue: Catalogue) -> None:
    body = (
        "id;name;level;sector;problem\n"
        "satu;Satu;kota;lainnya;Masalah satu yang unik\n"
        'dua;Dua;kota;lainnya;"Masalah dua tanpa penutup\n'
        "tiga;Tiga;kota;lainnya;Masalah tiga\n"
    )
    report = import_rows(catalogue, body.encode(), "csv")
    assert report.accepted == ["satu"]
    assert "unterminated quoted field starting on line 3" in report.rejected[0].reason
