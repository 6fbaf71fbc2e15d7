"""Reliability defects over HTTP: slugs, HEAD, 500s, CORS on errors, body limits and timeouts."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from recommender.engine import Recommender
from service.settings import Settings
from tests.conftest import API_KEY, AppPool
from tests.service.test_api_errors import JSON, assert_error

NDJSON = {"content-type": "application/x-ndjson"}


def drone(innovation_id: str = "drone-obat-lambda", **changes: object) -> dict:
    body = {
        "id": innovation_id,
        "name": "Drone Obat Lambda",
        "level": "kabupaten",
        "sector": "kesehatan",
        "problem": "Obat terlambat sampai ke pulau terpencil.",
        "solution": "Drone mengantar obat dari puskesmas induk ke pulau kecil.",
    }
    return {**body, **changes}


# -- 1. slugs match whole --------------------------------------------------------------------
@pytest.mark.parametrize("field", ["id", "replication_of"])
def test_a_slug_with_a_trailing_newline_is_422_naming_the_field(
    client: TestClient, auth: dict, field: str
) -> None:
    body = drone(**{field: "abc\n"})
    assert_error(client.post("/v1/innovations", json=body, headers=auth), 422, field)


@pytest.mark.parametrize("field", ["id", "replication_of"])
def test_an_import_row_with_a_trailing_newline_in_a_slug_is_rejected(
    client: TestClient, auth: dict, field: str
) -> None:
    data = (json.dumps(drone(**{field: "abc\n"})) + "\n").encode()
    report = client.post("/v1/innovations:import", content=data, headers={**auth, **NDJSON}).json()
    assert report["accepted"] == []
    assert [r["field"] for r in report["rejected"]] == [field]
    assert client.get("/v1/innovations/abc").status_code == 404


# -- 5. HTTP ---------------------------------------------------------------------------------
ORIGIN = "https://peta.example.go.id"


@pytest.fixture
def make_app(tmp_path: Path, recommender: Recommender, app_pool: AppPool) -> Iterator:
    """An app over the shared recommender with the settings a test needs (and its client)."""
    with ExitStack() as clients:

        def make(raise_server_exceptions: bool = True, **overrides: object) -> TestClient:
            settings = Settings(
                data_dir=tmp_path / "data", encoder="hashing-256", api_keys=API_KEY, **overrides
            )
            served = app_pool.serve(settings, recommender, raise_server_exceptions=raise_server_exceptions)
            return clients.enter_context(served)

        yield make


@pytest.fixture
def broken_list(recommender: Recommender, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(recommender.catalogue, "list", broken)


def test_a_500_logs_its_request_id_with_the_traceback(
    make_app, broken_list: None, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_app(raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        response = client.get("/v1/innovations", headers={"X-Request-ID": "trace-me"})
    assert_error(response, 500)
    logged = [r for r in caplog.records if "trace-me" in r.getMessage()]
    assert logged and logged[0].exc_info and logged[0].exc_info[0] is RuntimeError


def test_a_500_closes_the_connection_and_carries_cors_headers(make_app, broken_list: None) -> None:
    client = make_app(raise_server_exceptions=False, cors_origins=ORIGIN)
    response = client.get("/v1/innovations", headers={"Origin": ORIGIN})
    assert_error(response, 500)
    assert response.headers["connection"] == "close"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/health",
        "/ready",
        "/v1/innovations",
        "/v1/innovations/psc-119-alpha",
        "/v1/innovations:export",
        "/",
        "/static/style.css",
        "/openapi.json",
    ],
)
def test_head_answers_every_get_route_without_a_body(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    if "content-length" in get.headers:
        assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["x-request-id"]


def test_head_on_an_unknown_path_or_a_post_route_is_an_error_without_a_body(client: TestClient) -> None:
    assert client.head("/v1/tidak-ada").status_code == 404
    assert client.head("/v1/tidak-ada").content == b""
    assert client.head("/v1/recommendations").status_code == 405


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("get", "/health", {}),
        ("get", "/v1/tidak-ada", {}),
        ("get", "/", {}),
        ("get", "/static/style.css", {}),
        ("post", "/v1/recommendations", {"json": {"problem": ""}}),
        ("post", "/v1/innovations", {"json": {}}),
        ("options", "/v1/recommendations", {}),
    ],
)
def test_every_response_says_nosniff(client: TestClient, method: str, path: str, kwargs: dict) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_query_body_has_its_own_small_limit_imports_keep_the_large_one(make_app, auth: dict) -> None:
    client = make_app(max_query_body_bytes=2048)
    assert client.post("/v1/recommendations", json={"problem": "a" * 1500}).status_code == 200
    too_big = client.post("/v1/recommendations", json={"problem": "a" * 3000})
    assert "2048" in assert_error(too_big, 413, "body")["detail"]
    chunked = client.post(
        "/v1/recommendations", content=iter([b'{"problem": "', b"a" * 3000, b'"}']), headers=JSON
    )
    assert_error(chunked, 413, "body")
    data = (json.dumps(drone(problem="a" * 3000)) + "\n").encode()
    imported = client.post("/v1/innovations:import", content=data, headers={**auth, **NDJSON})
    assert imported.status_code == 200 and imported.json()["accepted"] == ["drone-obat-lambda"]


def test_the_query_body_limit_defaults_to_128_kib() -> None:
    assert Settings().max_query_body_bytes == 128 * 1024


def _call(
    app: object, method: str, path: str, headers: dict[str, str], chunks: list[bytes], stall: bool = False
) -> tuple[int, dict[str, str], bytes, int]:
    """Drive the ASGI app directly: (status, headers, body, how many times it read)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    sent: list[dict] = []
    reads = 0

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        if reads <= len(chunks):
            more = reads < len(chunks) or stall
            return {"type": "http.request", "body": chunks[reads - 1], "more_body": more}
        await anyio.sleep(3600)  # the client stalls
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    async def run() -> None:
        with anyio.fail_after(10):
            await app(scope, receive, send)  # type: ignore[operator]

    anyio.run(run)
    start = next(m for m in sent if m["type"] == "http.response.start")
    out_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], out_headers, body, reads


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"authorization": "Basic dXNlcjpwYXNz"}, 401),
        ({"authorization": "Bearer salah"}, 403),
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/innovations"),
        ("POST", "/v1/innovations:import"),
        ("PUT", "/v1/innovations/psc-119-alpha"),
        ("DELETE", "/v1/innovations/psc-119-alpha"),
    ],
)
def test_a_write_without_a_good_key_is_refused_before_its_body_is_read(
    client: TestClient, headers: dict, status: int, method: str, path: str
) -> None:
    body = json.dumps(drone("psc-119-alpha")).encode()
    sent = {**headers, "content-type": "application/json", "content-length": str(len(body))}
    code, out, content, reads = _call(client.app, method, path, sent, [body])
    assert (code, reads) == (status, 0)
    error = json.loads(content)
    assert [e["field"] for e in error["errors"]] == ["authorization"]
    assert error["request_id"] == out["x-request-id"] and out["connection"] == "close"
    if status == 401:
        assert out["www-authenticate"] == "Bearer"


def test_a_write_with_the_key_and_a_query_without_one_still_work(client: TestClient) -> None:
    body = json.dumps(drone()).encode()
    headers = {
        "authorization": f"Bearer {API_KEY}",
        "content-type": "application/json",
        "content-length": str(len(body)),
    }
    assert _call(client.app, "POST", "/v1/innovations", headers, [body])[0] == 201
    query = json.dumps({"problem": "ambulans"}).encode()
    headers = {"content-type": "application/json", "content-length": str(len(query))}
    assert _call(client.app, "POST", "/v1/recommendations", headers, [query])[0] == 200


@pytest.mark.parametrize("length", [True, False])
def test_a_client_that_stalls_mid_body_gets_408(make_app, length: bool) -> None:
    client = make_app(body_timeout_seconds=0.05)
    headers = {"content-type": "application/json"}
    headers |= {"content-length": "100"} if length else {"transfer-encoding": "chunked"}
    code, out, content, _ = _call(
        client.app, "POST", "/v1/recommendations", headers, [b'{"problem": '], stall=True
    )
    assert code == 408 and out["connection"] == "close"
    assert [e["field"] for e in json.loads(content)["errors"]] == ["body"]


def test_a_client_that_sends_only_headers_gets_408(make_app) -> None:
    client = make_app(body_timeout_seconds=0.05)
    headers = {"content-type": "application/json", "content-length": "50"}
    code, *_ = _call(client.app, "POST", "/v1/recommendations", headers, [], stall=True)
    assert code == 408


def test_the_body_timeout_defaults_to_30_seconds() -> None:
    assert Settings().body_timeout_seconds == 30


@pytest.mark.parametrize(
    "problem",
    [
        "\u200b",
        "\u200b\u200c\u200d",
        "\ufeff\u2060",
        "!!!",
        "?.,;:",
        "\x01\x02",
        "\u200b!\u200c",
    ],
)
def test_a_problem_without_a_letter_or_digit_is_422(client: TestClient, problem: str) -> None:
    assert_error(client.post("/v1/recommendations", json={"problem": problem}), 422, "problem")


def test_invisible_characters_in_a_problem_are_ignored(client: TestClient) -> None:
    plain = client.post("/v1/recommendations", json={"problem": "ambulans lambat"}).json()
    hidden = client.post("/v1/recommendations", json={"problem": "\ufeffambu\u200blans lam\u200dbat"}).json()
    assert [m["id"] for m in hidden["matches"]] == [m["id"] for m in plain["matches"]]
    assert hidden["query_terms"] == plain["query_terms"]


@pytest.mark.parametrize(
    "exc",
    [
        sqlite3.OperationalError("attempt to write a readonly database"),
        PermissionError(13, "Permission denied"),
    ],
)
def test_a_read_only_data_directory_is_503_naming_it(
    make_app,
    recommender: Recommender,
    tmp_path: Path,
    auth: dict,
    monkeypatch: pytest.MonkeyPatch,
    exc: Exception,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(recommender.catalogue, "create", refuse)
    monkeypatch.setattr(recommender.catalogue, "upsert", refuse)
    client = make_app(raise_server_exceptions=False, cors_origins=ORIGIN)
    response = client.post("/v1/innovations", json=drone(), headers={**auth, "Origin": ORIGIN})
    body = assert_error(response, 503, "storage")
    assert str(tmp_path / "data") in body["detail"]
    assert response.headers["access-control-allow-origin"] == ORIGIN


def test_another_database_error_is_still_a_500(
    make_app, recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("no such table: innovations")

    monkeypatch.setattr(recommender.catalogue, "list", broken)
    client = make_app(raise_server_exceptions=False)
    assert_error(client.get("/v1/innovations"), 500)
