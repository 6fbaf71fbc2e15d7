"""Every failure answers with one JSON shape and a 4xx for bad input; never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.encoders import HashingEncoder
from recommender.engine import Recommender
from service.settings import Settings
from tests.conftest import API_KEY, AppPool, open_copy

JSON = {"content-type": "application/json"}


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The pinned error shape: detail "<field>: <message>", errors [{field, message}], request id."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors", "request_id"}
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
        assert error["field"] and error["message"]
    assert body["detail"] == "; ".join(f"{e['field']}: {e['message']}" for e in body["errors"])
    assert body["request_id"] == response.headers["x-request-id"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, tiny_data_dir: Path, app_pool: AppPool
) -> Iterator[TestClient]:
    """One client shared by the many validation cases below; none of them writes."""
    folder = tmp_path_factory.mktemp("api-errors")
    recommender = open_copy(tiny_data_dir, folder, HashingEncoder(256))
    settings = Settings(data_dir=folder / "data", encoder="hashing-256", api_keys=API_KEY)
    with app_pool.serve(settings, recommender) as client:
        yield client


@pytest.fixture
def make_client(tmp_path: Path, recommender: Recommender, app_pool: AppPool) -> Iterator:
    """A separate app over the same recommender, with the settings a test needs."""
    with ExitStack() as clients:

        def make(**overrides: object) -> TestClient:
            settings = Settings(
                data_dir=tmp_path / "data", encoder="hashing-256", api_keys=API_KEY, **overrides
            )
            return clients.enter_context(app_pool.serve(settings, recommender))

        yield make


def test_the_error_shape_is_pinned(client: TestClient) -> None:
    response = client.post("/v1/recommendations", json={"problem": ""}, headers={"X-Request-ID": "req-123"})
    body = assert_error(response, 422, "problem")
    assert body["request_id"] == "req-123"
    assert body["detail"].startswith("problem: ")
    assert body == {
        "detail": body["detail"],
        "errors": [{"field": "problem", "message": body["errors"][0]["message"]}],
        "request_id": "req-123",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"problem": ""}, "problem"),
        ({"problem": "   "}, "problem"),
        ({"problem": "a" * 5001}, "problem"),
        ({"problem": "ambulans", "limit": 0}, "limit"),
        ({"problem": "ambulans", "limit": 51}, "limit"),
        ({"problem": "ambulans", "limit": "ten"}, "limit"),
        ({"problem": "ambulans", "limit": 2.5}, "limit"),
        ({"problem": 42}, "problem"),
        ({"problem": ["ambulans"]}, "problem"),
        ({}, "problem"),
        ({"problem": "ambulans", "filters": {"sector": ["roket"]}}, "filters.sector.0"),
        ({"problem": "ambulans", "filters": {"sector": "kesehatan"}}, "filters.sector"),
        ({"problem": "ambulans", "filters": {"level": ["desa"]}}, "filters.level.0"),
        ({"problem": "ambulans", "filters": {"status": ["mati"]}}, "filters.status.0"),
        ({"problem": "ambulans", "filters": {"award_tier": "top-1"}}, "filters.award_tier"),
        ({"problem": "ambulans", "filters": {"year_from": 1800}}, "filters.year_from"),
        ({"problem": "ambulans", "filters": {"year_from": 2020, "year_to": 2010}}, "filters.year_from"),
        ({"problem": "ambulans", "filters": {"colour": "red"}}, "filters.colour"),
        ({"problem": "ambulans", "filters": []}, "filters"),
        ({"problem": "ambulans", "asker": {"level": "desa"}}, "asker.level"),
        ({"problem": "ambulans", "asker": {"province": "x" * 101}}, "asker.province"),
        ({"problem": "ambulans", "unknown": 1}, "unknown"),
    ],
)
def test_bad_recommendation_requests_get_422_naming_the_field(
    api: TestClient, body: dict, field: str
) -> None:
    assert_error(api.post("/v1/recommendations", json=body), 422, field)


def test_the_limits_of_a_request_are_inclusive(client: TestClient) -> None:
    for body in ({"problem": "a" * 5000, "limit": 50}, {"problem": "x", "limit": 1}):
        assert client.post("/v1/recommendations", json=body).status_code == 200


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b'{"problem": ', JSON),
        (b'{"problem": "ambulans" "limit": 3}', JSON),
        (b"not json at all", JSON),
        (b'{"problem": "ambulans \xff\xfe datang"}', JSON),
        (b'{"problem": "\xc3"}', JSON),
        (b"[" * 50_000, JSON),
        (b'{"problem": "x", "limit": ' + b"9" * 5000 + b"}", JSON),
        (b"null", JSON),
        (b"[]", JSON),
        (b'"ambulans"', JSON),
        (b'{"problem": "ambulans"}', {"content-type": "text/plain"}),
        (b'{"problem": "ambulans"}', {}),
        (b"", JSON),
    ],
)
def test_malformed_bodies_get_422_in_the_error_shape(api: TestClient, content: bytes, headers: dict) -> None:
    assert_error(api.post("/v1/recommendations", content=content, headers=headers), 422)


def test_unpaired_surrogates_in_json_strings_are_refused(client: TestClient) -> None:
    response = client.post("/v1/recommendations", content=b'{"problem": "ambulans \\ud800"}', headers=JSON)
    assert_error(response, 422, "problem")


@pytest.mark.parametrize(
    "params",
    [
        {"sector": "roket"},
        {"level": "desa"},
        {"status": "mati"},
        {"award_tier": "emas"},
        {"year_from": "lama"},
        {"year_from": 1800},
        {"year_from": 2020, "year_to": 2000},
        {"limit": 0},
        {"limit": 201},
        {"offset": -1},
        {"limit": "x"},
        {"q": "x" * 501},
        {"province": ["x"] * 41},
    ],
)
def test_bad_list_parameters_get_422(api: TestClient, params: dict) -> None:
    assert_error(api.get("/v1/innovations", params=params), 422)


def test_unknown_ids_routes_and_methods_answer_in_the_error_shape(client: TestClient) -> None:
    assert_error(client.get("/v1/innovations/tidak-ada"), 404, "id")
    assert_error(client.get("/v1/innovations/tidak-ada/similar"), 404, "id")
    assert_error(client.get("/v1/tidak-ada"), 404, "path")
    assert_error(client.get("/v1/innovations:import"), 405, "method")
    assert_error(client.get("/v1/innovations/psc-119-alpha/similar", params={"limit": 0}), 422, "limit")


def test_a_body_over_the_limit_gets_413(make_client) -> None:
    small = make_client(max_body_bytes=2048)
    assert small.post("/v1/recommendations", json={"problem": "a" * 1500}).status_code == 200
    assert_error(small.post("/v1/recommendations", json={"problem": "a" * 3000}), 413, "body")
    headers = {"Authorization": f"Bearer {API_KEY}", "content-type": "text/csv"}
    assert_error(small.post("/v1/innovations:import", content=b"x" * 5000, headers=headers), 413, "body")


def test_a_chunked_body_over_the_limit_gets_413_without_content_length(make_client) -> None:
    small = make_client(max_body_bytes=2048)

    def chunks(total: int) -> Iterator[bytes]:
        yield b'{"problem": "'
        for _ in range(total // 100):
            yield b"a" * 100
        yield b'"}'

    response = small.post("/v1/recommendations", content=chunks(5000), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "body")
    # A chunked body under the limit still reaches the handler whole.
    fine = small.post("/v1/recommendations", content=chunks(1000), headers=JSON)
    assert fine.status_code == 200, fine.text


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    ids = {client.get("/health").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3 and all(ids)
    assert client.get("/health", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    # An id that is not short and plain is replaced rather than echoed.
    echoed = client.get("/health", headers={"X-Request-ID": "x" * 500}).headers["x-request-id"]
    assert echoed != "x" * 500 and echoed
    assert client.get("/v1/tidak-ada").headers["x-request-id"]


def test_an_unexpected_error_is_a_json_500_with_the_request_id(
    tmp_path: Path, recommender: Recommender, monkeypatch: pytest.MonkeyPatch, app_pool: AppPool
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(recommender.catalogue, "list", broken)
    settings = Settings(data_dir=tmp_path / "data", encoder="hashing-256")
    with app_pool.serve(settings, recommender, raise_server_exceptions=False) as client:
        response = client.get("/v1/innovations", headers={"X-Request-ID": "trace-me"})
    body = assert_error(response, 500)
    assert body["request_id"] == "trace-me" and "boom" not in body["detail"]


def test_cors_headers_only_for_configured_origins(make_client, client: TestClient) -> None:
    allowed = make_client(cors_origins="https://peta.example.go.id, https://lain.example")
    response = allowed.get("/health", headers={"Origin": "https://peta.example.go.id"})
    assert response.headers["access-control-allow-origin"] == "https://peta.example.go.id"
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
    preflight = allowed.options(
        "/v1/recommendations",
        headers={
            "Origin": "https://lain.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://lain.example"
    # Error responses carry the header too, so a browser client can read the JSON error.
    refused = allowed.post(
        "/v1/recommendations", json={"problem": ""}, headers={"Origin": "https://peta.example.go.id"}
    )
    assert refused.headers["access-control-allow-origin"] == "https://peta.example.go.id"
    other = allowed.get("/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    unconfigured = client.get("/health", headers={"Origin": "https://peta.example.go.id"})
    assert "access-control-allow-origin" not in unconfigured.headers


def test_the_openapi_document_declares_the_error_shape_and_the_key(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert set(doc["components"]["schemas"]["ErrorOut"]["required"]) == {"detail", "errors"}
    create = doc["paths"]["/v1/innovations"]["post"]
    assert create["security"] == [{"apiKey": []}]
    for status in ("401", "403", "409", "413", "422"):
        assert status in create["responses"]
    assert "security" not in doc["paths"]["/v1/innovations"]["get"]
    assert client.get("/docs").status_code == 200
