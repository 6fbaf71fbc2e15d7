"""`replikasi report`: one self-contained HTML file with the demand sections and inline charts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recommender.engine import Recommender
from recommender.interest import InterestStore, validate_interest
from scripts.cli import main
from tests.recommender.demand import GAP

SECTIONS = ("tema", "tren", "inovasi", "celah", "duplikat")


@pytest.fixture
def recommender(logged_recommender: Recommender) -> Recommender:
    """Every test here reads the constructed query log: a copy of it, not written anew."""
    return logged_recommender


@pytest.fixture
def data_dir(recommender: Recommender, monkeypatch: pytest.MonkeyPatch) -> Path:
    InterestStore(recommender.catalogue).add(
        validate_interest("stunting-iota", {"asker_province": "Aceh"}, created_at="2025-03-05T10:00:00Z")
    )
    monkeypatch.setenv("REPLIKASI_ENCODER", "hashing-256")
    return recommender.catalogue.path.parent


def _report(data_dir: Path, out: Path, *extra: str) -> str:
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "report",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-31",
            "--out",
            str(out),
            *extra,
        ]
    )
    assert code == 0
    return out.read_text(encoding="utf-8")


def test_the_report_has_every_section_with_charts_and_no_external_urls(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html = _report(data_dir, tmp_path / "laporan.html")
    assert "written to" in capsys.readouterr().out
    assert html.startswith("<!doctype html>") and '<html lang="id">' in html
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    assert html.count('<g class="bar">') >= 2 and "<polyline" in html
    assert not re.search(r'(src|href)\s*=\s*["\']?\s*(https?:)?//', html, re.I)
    # Nothing fetched from anywhere: the only URL is the SVG namespace name, which is never fetched.
    outside = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in outside and "https://" not in outside
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "<style>" in html and "@media print" in html
    assert "Periode 2025-03-01 sampai 2025-03-31" in html and "46 permintaan" in html
    assert any(problem in html for problem in GAP)  # the gap's examples
    assert "tidak dirinci (kurang dari 3 permintaan)" not in html.split('id="celah"')[1]
    demanded = html.split('id="inovasi"')[1].split("</section>")[0]
    row = demanded.split("<td>Dapur Gizi Iota</td>")[1].split("</tr>")[0]
    assert re.findall(r'<td class="n">(\d+)</td>', row)[:3] == ["20", "24", "1"]  # 1 mark


def test_a_province_narrows_the_report(data_dir: Path, tmp_path: Path) -> None:
    html = _report(data_dir, tmp_path / "aceh.html", "--province", "Aceh")
    assert "Aceh" in html and "seluruh daerah" not in html
    assert "permintaan, " in html and "46 permintaan" not in html


def test_a_bad_date_or_level_exits_2(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.html"
    assert main(["--data-dir", str(data_dir), "report", "--from", "2025-13-01", "--out", str(out)]) == 2
    assert "from:" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "report", "--level", "desa", "--out", str(out)]) == 2
    assert "level:" in capsys.readouterr().err and not out.exists()
