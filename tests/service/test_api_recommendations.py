"""POST /v1/recommendations over HTTP: the response shape, the query log, health and readiness."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from recommender.engine import Recommender
from service.settings import Settings
from tests.conftest import AppPool

AMBULANCE = "Ambulans lambat datang saat keadaan darurat medis"


def test_a_recommendation_has_every_documented_part(client: TestClient) -> None:
    response = client.post(
        "/v1/recommendations",
        json={
            "problem": AMBULANCE,
            "limit": 3,
            "filters": {
                "sector": ["kesehatan"],
                "level": ["kabupaten", "kota"],
                "status": ["berjalan", "tidak-diketahui"],
                "year_from": 2015,
                "year_to": 2025,
            },
            "asker": {"level": "kota", "province": "Jawa Timur"},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "matches",
        "no_good_match",
        "match_probability",
        "best_similarity",
        "candidates",
        "index_version",
        "query_terms",
    }
    assert body["index_version"] and body["no_good_match"] is False
    assert 0.0 <= body["match_probability"] <= 1.0
    assert body["candidates"] == 2 and len(body["matches"]) == 2
    first = body["matches"][0]
    assert first["rank"] == 1 and first["id"] in {"psc-119-alpha", "psc-119-beta"}
    assert "relevance" in first["components"]
    assert first["matched_terms"] and first["passage"]["text"]
    for start, end in first["passage"]["highlights"]:
        assert 0 <= start < end <= len(first["passage"]["text"])
    innovation = first["innovation"]
    assert innovation["id"] == first["id"] and innovation["agency"]
    assert {"awards", "status", "replicated_by", "sources", "contact"} <= set(innovation)
    assert first["award_tier"] == innovation["award_tier"]


def test_filters_nothing_passes_give_an_empty_answer(client: TestClient) -> None:
    body = client.post(
        "/v1/recommendations", json={"problem": AMBULANCE, "filters": {"province": ["Aceh"]}}
    ).json()
    assert body["matches"] == [] and body["candidates"] == 0 and body["no_good_match"]
    assert body["match_probability"] == 0.0


def test_similar_ranks_the_family_first_and_not_itself(client: TestClient) -> None:
    body = client.get("/v1/innovations/psc-119-alpha/similar", params={"limit": 3}).json()
    ids = [m["id"] for m in body["matches"]]
    assert ids[0] == "psc-119-beta" and "psc-119-alpha" not in ids


def test_each_request_is_recorded_without_personal_data(client: TestClient, recommender: Recommender) -> None:
    client.post(
        "/v1/recommendations",
        json={
            "problem": f"  {AMBULANCE}  ",
            "limit": 2,
            "filters": {"sector": ["kesehatan"]},
            "asker": {"level": "kota", "province": "Bali"},
        },
        headers={"X-Forwarded-For": "10.1.2.3", "User-Agent": "peramban-uji"},
    )
    client.post("/v1/recommendations", json={"problem": "x", "limit": 0})  # refused: not logged
    log = recommender.catalogue.recommendation_log()
    assert len(log) == 1
    row = log[0]
    assert row["problem"] == AMBULANCE and row["kind"] == "api"
    assert row["asker_level"] == "kota" and row["asker_province"] == "Bali"
    assert '"kesehatan"' in row["filters"] and row["result_count"] == 2
    assert row["index_version"] == recommender.index_version
    assert "10.1.2.3" not in str(row) and "peramban" not in str(row)
    assert not {"ip", "client", "user_agent", "host"} & set(row)


def test_the_log_keeps_the_request_id_a_client_sent_or_the_one_made_for_it(
    client: TestClient, recommender: Recommender
) -> None:
    mine = client.post(
        "/v1/recommendations", json={"problem": AMBULANCE}, headers={"X-Request-ID": "perencana-42"}
    )
    made = client.post(
        "/v1/recommendations", json={"problem": AMBULANCE}, headers={"X-Request-ID": "bukan id yang sah!"}
    )
    assert mine.headers["X-Request-ID"] == "perencana-42"
    ids = [r["request_id"] for r in recommender.catalogue.recommendation_log()]
    assert ids == [made.headers["X-Request-ID"], "perencana-42"] and ids[0] != "bukan id yang sah!"


def test_the_query_log_can_be_turned_off(tmp_path: Path, recommender: Recommender, app_pool: AppPool) -> None:
    settings = Settings(data_dir=tmp_path / "data", log_queries=False)
    with app_pool.serve(settings, recommender) as client:
        response = client.post("/v1/recommendations", json={"problem": AMBULANCE})
    assert response.status_code == 200
    assert recommender.catalogue.recommendation_log() == []


def test_a_broken_query_log_does_not_cost_the_answer(client: TestClient, recommender: Recommender) -> None:
    import sqlite3

    with sqlite3.connect(recommender.catalogue.path) as db:
        db.execute("DROP TABLE recommendation_log")
    assert client.post("/v1/recommendations", json={"problem": AMBULANCE}).status_code == 200


def test_health_and_readiness(
    client: TestClient, tmp_path: Path, recommender: Recommender, app_pool: AppPool
) -> None:
    assert client.get("/health").json()["status"] == "ok"
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["innovations"] == 10
    assert ready["index_version"] == recommender.index_version

    class Loading:
        ready = False

    with app_pool.serve(Settings(data_dir=tmp_path / "data"), recommender) as loading:
        loading.app.state.recommender = Loading()  # type: ignore[attr-defined]
        loading.app.state.index_error = "the index is loading"  # type: ignore[attr-defined]
        response = loading.get("/ready")
        assert response.status_code == 503
        assert response.json()["reason"] == "the index is loading"
        assert loading.get("/health").status_code == 200


def test_nonsense_is_flagged_with_its_probability(client: TestClient) -> None:
    for problem in ("xqzv blorp fnord", " ".join(["xqzv blorp fnord"] * 30)):
        body = client.post("/v1/recommendations", json={"problem": problem}).json()
        assert body["no_good_match"] is True and body["match_probability"] == 0.0
