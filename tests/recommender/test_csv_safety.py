"""CSV exports cannot inject spreadsheet formulas; an unterminated quote rejects, not swallows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from recommender.catalogue import Catalogue
from recommender.importing import export_csv, import_rows, read_rows
from recommender.record import validate_record
from tests.recommender.test_importing import row


def cells(data: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data, newline="")))


def test_formula_cells_are_neutralised_and_import_back_identical(tmp_path: Path) -> None:
    item = validate_record(
        row(
            "rumus",
            problem="=1+1",
            name="-minus",
            agency="'quoted",
            solution="@SUM(A1)",
            outcomes="+62 naik",
            steps="''dua",
            prerequisites="'",
            obstacles="' spasi",
            contact="biasa =1",
            awards=["=HYPERLINK(x)", "'a"],
            government="=",
            sources=["https://x.go.id"],
        )
    )
    data = "".join(export_csv([item]))
    written = cells(data)[0]
    assert written["problem"] == "'=1+1"
    assert written["name"] == "'-minus"
    assert written["agency"] == "''quoted"
    assert written["solution"] == "'@SUM(A1)"
    assert written["outcomes"] == "'+62 naik"
    assert written["steps"] == "'''dua"
    assert written["prerequisites"] == "''"
    assert written["government"] == "'="
    assert written["contact"] == "biasa =1"  # only the first character matters
    assert written["awards"] == json.dumps(["=HYPERLINK(x)", "'a"])  # JSON lists start with [
    for value in written.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
    fresh = Catalogue(tmp_path / "fresh.sqlite3")
    report = import_rows(fresh, data.encode(), "csv")
    assert report.rejected == [] and report.accepted == ["rumus"]
    assert fresh.get("rumus").to_dict() == item.to_dict()
    assert "".join(export_csv(fresh.all())) == data


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("'=1+1", "=1+1"),
        ("'-x", "-x"),
        ("'+x", "+x"),
        ("'@x", "@x"),
        ("''x", "'x"),
        ("'x", "'x"),
        ("'", "'"),
        ("x'", "x'"),
        ("=1+1", "=1+1"),
    ],
)
def test_csv_import_undoes_exactly_the_export_escape(cell: str, stored: str) -> None:
    data = f"id,name,level,sector,problem\nsatu,{cell},kota,lainnya,Masalah\n".encode()
    [(_, raw, error)] = list(read_rows(data, "csv"))
    assert error is None and raw["name"] == stored


def test_an_unterminated_quote_rejects_from_its_line_and_keeps_the_rows_before() -> None:
    data = (
        b"id,name,level,sector,problem\n"
        b"satu,Satu,kota,lainnya,Masalah satu\n"
        b'dua,"Dua ""kutip"", baik",kota,lainnya,"Masalah\ndua"\n'
        b'tiga,"Tiga tanpa tutup,kota,lainnya,Masalah tiga\n'
        b"empat,Empat,kota,lainnya,Masalah empat\n"
        b"lima,Lima,kota,lainnya,Masalah lima\n"
    )
    rows = list(read_rows(data, "csv"))
    good = [raw["id"] for _, raw, error in rows if error is None]
    assert good == ["satu", "dua"]
    bad = [(number, error) for number, _, error in rows if error is not None]
    assert len(bad) == 1
    number, error = bad[0]
    assert number == 3 and error.field == "record"
    assert error.reason == "unterminated quoted field starting on line 5"


def test_an_unterminated_quote_is_reported_in_an_import(tmp_path: Path) -> None:
    data = (
        b"id,name,level,sector,problem\n"
        b"satu,Satu,kota,lainnya,Masalah satu yang unik\n"
        b'dua,Dua,kota,lainnya,"Masalah dua\n'
        b"tiga,Tiga,kota,lainnya,Masalah tiga\n"
    )
    report = import_rows(Catalogue(tmp_path / "c.sqlite3"), data, "csv")
    assert report.accepted == ["satu"]
    assert [(r.row, r.field, r.reason) for r in report.rejected] == [
        (2, "record", "unterminated quoted field starting on line 3")
    ]


@pytest.mark.parametrize(
    "text",
    [
        'id,name\n"a\n"\n',  # a quoted field closed on the next line
        'id,name\na,"b""c"\n',
        'id,name\na,b"c\n',  # a quote inside an unquoted field is literal
        'id,name\r\n"a",b\r\n',
    ],
)
def test_balanced_csv_is_not_called_unterminated(text: str) -> None:
    assert all(
        error is None or "unterminated" not in error.reason for _, _, error in read_rows(text.encode(), "csv")
    )


def test_an_unterminated_quote_in_the_header_rejects_the_file() -> None:
    data = b'id,"name,level\nsatu,Satu,kota\n'
    assert [(n, e.field, e.reason) for n, _, e in read_rows(data, "csv") if e] == [
        (1, "header", "unterminated quoted field starting on line 1")
    ]
