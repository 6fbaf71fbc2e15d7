"""The `replikasi` command: import, recommend and errors, on the tiny catalogue."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from scripts.cli import main
from tests.conftest import TINY

GOOD_AND_BAD = (
    "id,name,level,sector,problem,solution,year,awards\n"
    "ok-one,Satu,kota,kesehatan,Antrean puskesmas panjang,Antrean daring,2020,Top 99 KIPP 2020\n"
    "bad-level,Dua,desa,kesehatan,Masalah,Solusi,2020,\n"
    ",Tanpa Id,kota,kesehatan,Masalah,Solusi,2020,\n"
    "bad-year,Tiga,kota,kesehatan,Masalah,Solusi,dua ribu,\n"
    "ok-two,Empat,kabupaten,lingkungan,Sampah sungai,Bank sampah,,\n"
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REPLIKASI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REPLIKASI_ENCODER", "hashing-256")
    return tmp_path


@pytest.mark.heavy
def test_import_keeps_good_rows_and_lists_each_bad_one(env: Path, capsys) -> None:
    csv_file = env / "mixed.csv"
    csv_file.write_text(GOOD_AND_BAD, encoding="utf-8")
    # Rejected rows make the exit status 1 (scripts must notice), the good rows are kept.
    assert main(["import", str(csv_file)]) == 1
    out = capsys.readouterr().out
    assert "imported 2 innovations: 2 new, 0 updated;" in out and "; 3 rejected" in out
    # Spreadsheet rows: the header is row 1.
    assert "line 3 (bad-level): rejected: level:" in out
    assert "line 4 (no id): rejected: id: is required" in out
    assert "line 5 (bad-year): rejected: year:" in out


LAN_EXPORT = Path(__file__).resolve().parents[3] / "shared" / "data" / "lan" / "inovasi_lan.jsonl"


@pytest.mark.heavy
def test_a_lan_export_dry_run_then_merge(env: Path, capsys) -> None:
    if not LAN_EXPORT.is_file():
        pytest.skip("../shared/data/lan/inovasi_lan.jsonl is not here")
    report_file = env / "report.json"
    args = ["import", "--format", "lan", str(LAN_EXPORT), "--no-index"]
    assert main([*args, "--dry-run", "--report", str(report_file)]) == 1  # one row is rejected
    out = capsys.readouterr().out
    report = json.loads(report_file.read_text())
    assert out.startswith(f"would import {len(report['new'])} innovations")
    assert report["dry_run"] and len(report["duplicates"]) > 100
    assert "possible duplicate of ktp-1-jam-surakarta (similarity" in out
    assert "line 86 (no id): rejected: level: innovator group 'LSM / NGO'" in out
    assert main([*args, "--merge", "--report", str(report_file)]) == 1
    merged = json.loads(report_file.read_text())
    assert merged["new"] == report["new"] and merged["merged"] and not merged["dry_run"]
    capsys.readouterr()
    assert main([*args, "--merge"]) == 1  # again: every row is stored now, nothing to fill
    summary = capsys.readouterr().out.splitlines()[0]
    assert ": 0 new, 0 updated;" in summary and "(0 of those merged)" in summary


@pytest.mark.heavy
def test_import_reads_standard_input(env: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TINY.read_bytes())))
    assert main(["import", "-"]) == 0
    assert "imported 10 innovations: 10 new, 0 updated;" in capsys.readouterr().out


@pytest.mark.heavy
def test_rows_the_cli_imports_are_searchable_and_a_server_process_picks_them_up(env: Path, capsys) -> None:
    from index.encoders import HashingEncoder
    from recommender.workspace import open_recommender

    served = open_recommender(env / "data", [HashingEncoder(256)])  # a "running server"
    served.ensure_index()
    before = served.index_version
    item = (
        '{"id": "perahu-pustaka-zeta", "name": "Perahu Pustaka Zeta", "level": "kabupaten", '
        '"sector": "pendidikan", "problem": "Anak pulau kecil tidak punya perpustakaan."}\n'
    )
    (env / "one.jsonl").write_text(item, encoding="utf-8")
    assert main(["import", str(env / "one.jsonl")]) == 0
    assert main(["recommend", "perpustakaan anak pulau", "-k", "1"]) == 0
    assert "perahu-pustaka-zeta" in capsys.readouterr().out
    assert served.refresh() and served.index_version != before
    top = served.recommend("perpustakaan anak pulau", limit=1).matches[0]
    assert top.innovation.id == "perahu-pustaka-zeta"


@pytest.mark.heavy
def test_build_index_runs_never_delete_the_snapshot_a_server_serves(env: Path) -> None:
    from index.encoders import HashingEncoder
    from recommender.workspace import open_recommender

    served = open_recommender(env / "data", [HashingEncoder(256)])
    served.ensure_index()
    first = served.snapshots.root / served.index_version
    for _ in range(4):
        assert main(["build-index"]) == 0
    assert first.is_dir()  # leased by the serving process
    assert served.refresh()
    assert served.recommend("ambulans gawat darurat").matches


@pytest.mark.heavy
def test_recommend_prints_ranked_innovations_with_reasons(env: Path, capsys) -> None:
    assert main(["recommend", "sampah rumah tangga menumpuk", "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith("1.")
    assert "kata cocok:" in out and "relevansi" in out


@pytest.mark.heavy
def test_errors_are_one_line_and_a_non_zero_exit(env: Path, capsys) -> None:
    assert main(["recommend", "sampah", "--sector", "luar-angkasa"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "filters.sector" in err and "Traceback" not in err
    assert main(["import", str(env / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_a_bad_setting_is_reported_without_a_traceback(env: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("REPLIKASI_THREADS", "zero")
    assert main(["build-index"]) == 2
    assert "REPLIKASI_THREADS" in capsys.readouterr().err


@pytest.mark.heavy
def test_an_index_that_could_not_be_saved_fails_the_command(env: Path, capsys, monkeypatch) -> None:
    import recommender.indexing as indexing
    from index.snapshot import SnapshotStore

    assert main(["build-index"]) == 0  # seeds and builds the tiny catalogue
    monkeypatch.setattr(indexing, "APPEND_MAX_SHARE", 1.0)
    jsonl = env / "edit.jsonl"
    row = json.loads(TINY.read_text().splitlines()[0])
    jsonl.write_text(json.dumps({**row, "outcomes": "Diperluas ke seluruh desa."}) + "\n", encoding="utf-8")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SnapshotStore, "persist", full_disk)
    capsys.readouterr()
    assert main(["import", str(jsonl)]) == 1  # the append was served in memory, never written
    err = capsys.readouterr().err
    assert "could not be saved" in err and "No space left" in err


def test_serve_with_workers_gives_each_worker_time_to_start(env: Path, monkeypatch) -> None:
    """uvicorn kills a worker that misses its health ping (5 s by default); a worker busy
    importing the model or loading a large snapshot must not be killed for it."""
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(app=app, **options))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "REPLIKASI_THREADS"):
        monkeypatch.setenv(name, "1")  # _serve sets them for its workers; undone after the test
    assert main(["serve", "--workers", "2", "--port", "8799"]) == 0
    assert seen["app"] == "service.app:create_app" and seen["workers"] == 2
    assert isinstance(seen["timeout_worker_healthcheck"], int) and seen["timeout_worker_healthcheck"] >= 30
