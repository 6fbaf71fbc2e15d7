"""Personal data (NIK, phone numbers, e-mail addresses) never reaches the recommendation log."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from recommender.catalogue import Catalogue
from recommender.privacy import scrub


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIK saya 3201012345670001 tolong", "NIK saya [NIK] tolong"),
        ("KTP 3201 0123 4567 0001.", "KTP [NIK]."),
        ("nik 32.01.01.234567.0001", "nik [NIK]"),
        ("hubungi 081234567890 segera", "hubungi [telepon] segera"),
        ("hubungi 0812-3456-7890", "hubungi [telepon]"),
        ("WA +62 812 3456 7890, terima kasih", "WA [telepon], terima kasih"),
        ("telp 6281234567890", "telp [telepon]"),
        ("kantor (021) 555-1234", "kantor [telepon]"),
        ("surel budi.santoso+lapor@desa.go.id ya", "surel [email] ya"),
        ("Budi@Contoh.CO.ID", "[email]"),
    ],
)
def test_scrub_replaces_personal_data(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Angka stunting 27,7 persen pada 2019-2023 di 62 kabupaten",
        "Anggaran Rp 1.500.000.000 untuk 1.234 posyandu",
        "PSC 119 dan nomor darurat 112",
        "Kode pos 40115, RT 03 RW 07",
        "Ambulans datang terlambat ke desa terpencil",
        "",
    ],
)
def test_scrub_leaves_ordinary_text_alone(text: str) -> None:
    assert scrub(text) == text


def test_a_longer_number_is_not_half_a_nik() -> None:
    assert "[NIK]" not in scrub("nomor 32010123456700019999")


def entry(problem: str) -> dict:
    return {"kind": "api", "problem": problem, "filters": {}, "results": [], "no_good_match": True}


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    return Catalogue(tmp_path / "catalogue.sqlite3")


def test_the_log_stores_the_problem_scrubbed(catalogue: Catalogue) -> None:
    catalogue.log_recommendation(entry("Ibu hamil di 3201012345670001 hubungi 081234567890"))
    with sqlite3.connect(catalogue.path) as db:
        [(stored,)] = db.execute("SELECT problem FROM recommendation_log").fetchall()
    assert stored == "Ibu hamil di [NIK] hubungi [telepon]"
    assert catalogue.recommendation_log()[0]["problem"] == stored


def test_rows_logged_before_scrubbing_are_scrubbed_when_read(catalogue: Catalogue) -> None:
    catalogue.log_recommendation(entry("x"))
    with sqlite3.connect(catalogue.path) as db:
        db.execute("UPDATE recommendation_log SET problem = 'mail a@b.id'")
    assert catalogue.recommendation_log()[0]["problem"] == "mail [email]"


def _age(catalogue: Catalogue, days: int) -> None:
    """Backdate the newest log row by `days`."""
    stamp = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(catalogue.path) as db:
        db.execute(
            "UPDATE recommendation_log SET created_at = ? WHERE id = "
            "(SELECT MAX(id) FROM recommendation_log)",
            (stamp,),
        )


def test_purge_log_removes_the_text_of_rows_past_the_retention(catalogue: Catalogue) -> None:
    catalogue.log_recommendation(entry("lama sekali"))
    _age(catalogue, 200)
    catalogue.log_recommendation(entry("agak lama"))
    _age(catalogue, 10)
    catalogue.log_recommendation(entry("baru"))
    assert catalogue.purge_log(180) == 1
    assert [r["problem"] for r in catalogue.recommendation_log()] == ["baru", "agak lama", ""]
    # The rest of the row stays for the demand analytics.
    assert len(catalogue.recommendation_log()) == 3
    assert catalogue.purge_log(180) == 0  # already purged
    assert catalogue.purge_log(5) == 1
    assert catalogue.purge_log(0) == 1
    assert [r["problem"] for r in catalogue.recommendation_log()] == ["", "", ""]


def test_purge_log_refuses_a_negative_retention(catalogue: Catalogue) -> None:
    with pytest.raises(ValueError):
        catalogue.purge_log(-1)
