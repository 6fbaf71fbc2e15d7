"""The recommendation log over HTTP: scrubbed problems, a retention that is applied, no IPs."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from recommender.engine import Recommender
from service.settings import Settings
from tests.conftest import AppPool

AMBULANCE = "Ambulans lambat datang saat keadaan darurat medis"


def backdate_all(recommender: Recommender, days: int) -> None:
    stamp = (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(recommender.catalogue.path) as db:
        db.execute("UPDATE recommendation_log SET created_at = ?", (stamp,))


def problems(recommender: Recommender) -> list[str]:
    return [r["problem"] for r in recommender.catalogue.recommendation_log()]


def test_a_logged_problem_is_scrubbed(client: TestClient, recommender: Recommender) -> None:
    problem = f"{AMBULANCE}, hubungi saya di 0812-3456-7890 atau budi@contoh.id"
    assert client.post("/v1/recommendations", json={"problem": problem}).status_code == 200
    assert problems(recommender) == [f"{AMBULANCE}, hubungi saya di [telepon] atau [email]"]


def test_the_retention_is_applied_at_the_first_request_and_then_hourly(
    tmp_path: Path, recommender: Recommender, app_pool: AppPool
) -> None:
    settings = Settings(data_dir=tmp_path / "data", log_retention_days=30)
    with app_pool.serve(settings, recommender) as client:
        recommender.catalogue.log_recommendation(
            {
                "kind": "api",
                "problem": "dari jalan sebelumnya",
                "filters": {},
                "results": [],
                "no_good_match": True,
            }
        )
        backdate_all(recommender, 31)
        client.app.state.log_purged_at -= 3601  # the purge at start-up ran before the row existed
        client.post("/v1/recommendations", json={"problem": AMBULANCE})
        assert problems(recommender) == [AMBULANCE, ""]
        backdate_all(recommender, 31)
        client.post("/v1/recommendations", json={"problem": "kedua"})
        assert problems(recommender) == ["kedua", AMBULANCE, ""]  # purged under an hour ago
        client.app.state.log_purged_at -= 3601
        client.post("/v1/recommendations", json={"problem": "ketiga"})
        assert problems(recommender) == ["ketiga", "kedua", "", ""]


def test_a_retention_of_zero_keeps_no_problem_text(
    tmp_path: Path, recommender: Recommender, app_pool: AppPool
) -> None:
    settings = Settings(data_dir=tmp_path / "data", log_retention_days=0)
    with app_pool.serve(settings, recommender) as client:
        assert client.post("/v1/recommendations", json={"problem": AMBULANCE}).status_code == 200
    log = recommender.catalogue.recommendation_log()
    assert [r["problem"] for r in log] == [""] and log[0]["result_count"] >= 1


def test_the_retention_defaults_to_180_days_and_cannot_be_negative() -> None:
    assert Settings().log_retention_days == 180
    with pytest.raises(ValidationError):
        Settings(log_retention_days=-1)
