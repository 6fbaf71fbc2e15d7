"""Seeding only a brand-new data directory, and damage reported instead of re-seeded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from index.encoders import HashingEncoder
from recommender.workspace import DATABASE, open_catalogue, open_recommender
from service.app import create_app
from service.settings import Settings
from tests.conftest import TINY


def test_an_emptied_catalogue_stays_empty_on_restart(tmp_path: Path) -> None:
    catalogue = open_catalogue(tmp_path, seed=TINY)
    assert catalogue.count() == 10
    for item in catalogue.all():
        catalogue.delete(item.id)
    again = open_catalogue(tmp_path, seed=TINY)
    assert again.count() == 0 and again.warnings == []


def _ready(data: Path) -> tuple[int, dict]:
    rec = open_recommender(data, [HashingEncoder(256)], seed=TINY)
    rec.ensure_index()  # a ready recommender: the app answers /ready without a loading race
    settings = Settings(data_dir=data, encoder="hashing-256")
    with TestClient(create_app(settings, rec)) as client:
        response = client.get("/ready")
    return response.status_code, response.json()


def test_a_zero_byte_database_is_reported_not_reseeded(tmp_path: Path) -> None:
    rec = open_recommender(tmp_path, [HashingEncoder(256)], seed=TINY)
    rec.ensure_index()
    rec.catalogue.close()
    (tmp_path / DATABASE).write_bytes(b"")
    for extra in ("-wal", "-shm"):
        (tmp_path / (DATABASE + extra)).unlink(missing_ok=True)
    status, body = _ready(tmp_path)
    assert status == 503 and body["innovations"] == 0
    assert "not re-seeded" in body["reason"]


def test_a_dropped_table_is_reported(tmp_path: Path) -> None:
    open_catalogue(tmp_path, seed=TINY)
    db = sqlite3.connect(tmp_path / DATABASE)
    db.execute("DROP TABLE innovations")
    db.commit()
    db.close()
    catalogue = open_catalogue(tmp_path, seed=TINY)
    assert catalogue.count() == 0
    assert catalogue.warnings and "innovations" in catalogue.warnings[0]


def test_an_unreadable_row_is_skipped_and_reported_the_rest_still_served(tmp_path: Path) -> None:
    rec = open_recommender(tmp_path, [HashingEncoder(256)], seed=TINY)
    db = sqlite3.connect(tmp_path / DATABASE)
    db.execute("UPDATE innovations SET record = '{broken' WHERE id = 'psc-119-alpha'")
    db.commit()
    db.close()
    rec.ensure_index()
    assert len(rec.items) == 9
    assert "psc-119-alpha" in rec.catalogue.row_errors
    status, body = _ready(tmp_path)
    assert status == 200 and body["status"] == "degraded", body
    assert "psc-119-alpha" in body["reason"]


def test_an_unreadable_row_the_snapshot_never_held_is_reported_at_restart(tmp_path: Path) -> None:
    """A damaged row written behind the catalogue's back (no change logged, so nothing is
    pending): the snapshot loads as it is, and the start-up scan still finds the row."""
    open_recommender(tmp_path, [HashingEncoder(256)], seed=TINY).ensure_index()
    db = sqlite3.connect(tmp_path / DATABASE)
    columns = [r[1] for r in db.execute("PRAGMA table_info(innovations)")]
    copied = ", ".join("'rusak-baru'" if c == "id" else "'{broken'" if c == "record" else c for c in columns)
    db.execute(f"INSERT INTO innovations SELECT {copied} FROM innovations WHERE id = 'psc-119-alpha'")
    db.commit()
    db.close()
    rec = open_recommender(tmp_path, [HashingEncoder(256)], seed=TINY)
    rec.ensure_index()
    assert list(rec.catalogue.row_errors) == ["rusak-baru"] and len(rec.items) == 10


def test_two_processes_opening_a_new_data_directory_seed_it_once_and_both_see_it(
    tmp_path: Path, monkeypatch
) -> None:
    """Two server workers start on a new directory: the second waits for the first's seeding
    instead of finding its database already there and empty (and indexing nothing)."""
    import threading
    import time

    import recommender.workspace as workspace

    seeding, seeded = threading.Event(), []
    real_import = workspace.import_rows

    def slow_import(*args, **kwargs):  # the first opener is mid-seed when the second arrives
        seeding.set()
        time.sleep(0.3)
        seeded.append(1)
        return real_import(*args, **kwargs)

    monkeypatch.setattr(workspace, "import_rows", slow_import)
    counts: dict[str, int] = {}

    def open_as(name: str) -> None:
        counts[name] = open_catalogue(tmp_path / "data", seed=TINY).count()

    first = threading.Thread(target=open_as, args=("first",))
    first.start()
    assert seeding.wait(10)
    open_as("second")
    first.join()
    assert counts == {"first": 10, "second": 10} and seeded == [1]
