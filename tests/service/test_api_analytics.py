"""/v1/analytics over HTTP: bodies, period parameters, scopes and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.encoders import HashingEncoder
from service.settings import Settings
from tests.conftest import AppPool, open_copy
from tests.recommender.demand import GAP

ANALYST, WRITER = "kunci-analis", "kunci-penulis"
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
ROUTES = ("themes", "innovations", "gaps", "duplicates")


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, logged_data_dir: Path, app_pool: AppPool
) -> Iterator[TestClient]:
    """One client for the module: every test here only reads the constructed query log."""
    folder = tmp_path_factory.mktemp("analytics")
    recommender = open_copy(logged_data_dir, folder, HashingEncoder(256))
    settings = Settings(
        data_dir=folder / "data",
        encoder="hashing-256",
        api_keys=f"{ANALYST}:analytics,{WRITER}:write+registry",
        log_retention_days=3650,
    )  # the constructed log is from 2025
    with app_pool.serve(settings, recommender, headers={"Authorization": f"Bearer {ANALYST}"}) as client:
        yield client


def test_each_route_answers_with_its_documented_body(api: TestClient) -> None:
    for route, key in zip(ROUTES, ("themes", "innovations", "gaps", "clusters"), strict=True):
        response = api.get(f"/v1/analytics/{route}", params=MARCH)
        assert response.status_code == 200, response.text
        assert list(response.json()) == [key] and response.json()[key], route


def test_themes_carry_counts_regions_and_the_request_ids(api: TestClient) -> None:
    themes = api.get("/v1/analytics/themes", params=MARCH).json()["themes"]
    assert [t["queries"] for t in themes] == [24, 12, 8, 2]
    stunting = themes[0]
    assert stunting["province_count"] == 10 and "stunting" in stunting["terms"]
    assert {f"stunting-{i}" for i in range(24)} == set(stunting["request_ids"])
    assert themes[-1]["regions"] == [] and themes[-1]["regions_suppressed"]
    [gap] = api.get("/v1/analytics/gaps", params=MARCH).json()["gaps"]
    assert gap["no_good_match_share"] == 1.0 and set(gap["examples"]) <= set(GAP)


def test_filters_narrow_the_answer(api: TestClient) -> None:
    papua = api.get("/v1/analytics/themes", params={**MARCH, "province": "Papua"}).json()
    assert [t["queries"] for t in papua["themes"]] == [2]  # stunting, from Papua only
    ranked = api.get("/v1/analytics/innovations", params={**MARCH, "level": "kota"}).json()["innovations"]
    assert ranked and all(r["regions"] <= 10 for r in ranked)
    before = api.get("/v1/analytics/themes", params={"from": "2020-01-01", "to": "2020-12-31"})
    assert before.json() == {"themes": []}
    clusters = api.get("/v1/analytics/duplicates").json()["clusters"]
    assert clusters[0]["members"] == ["psc-119-alpha", "psc-119-beta"]
    assert clusters[0]["representative"] == "psc-119-alpha"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-02-30"}, "from"),
        ({"to": "maret"}, "to"),
        ({"from": "2025-03-05", "to": "2025-03-01"}, "from"),
        ({"level": "desa"}, "level"),
        ({"to": "9999-12-31"}, "to"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "0001-01-01"}, "from"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(api: TestClient, params: dict[str, str], field: str) -> None:
    response = api.get("/v1/analytics/themes", params=params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field, response.json()


def test_analytics_need_a_key_with_the_analytics_scope(api: TestClient) -> None:
    for route in ROUTES:
        bare = api.get(f"/v1/analytics/{route}", headers={"Authorization": ""})
        other = api.get(f"/v1/analytics/{route}", headers={"Authorization": f"Bearer {WRITER}"})
        unknown = api.get(f"/v1/analytics/{route}", headers={"Authorization": "Bearer salah"})
        assert (bare.status_code, other.status_code, unknown.status_code) == (401, 403, 403)
        assert "analytics" in other.json()["detail"]


def test_the_openapi_document_describes_the_analytics(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    themes = document["paths"]["/v1/analytics/themes"]["get"]
    assert {p["name"] for p in themes["parameters"]} == {"from", "to", "province", "level"}
    assert themes["security"] and {"401", "403", "422"} <= set(themes["responses"])
    theme = document["components"]["schemas"]["Theme"]["properties"]
    assert "X-Request-ID" in theme["request_ids"]["description"]
    assert "Cluster" in document["components"]["schemas"]
