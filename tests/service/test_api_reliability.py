"""Reliability defects over HTTP: slugs, HEAD, 500s, CORS on errors, body limits and timeouts."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.service.test_api_errors import assert_error

NDJSON = {"content-type": "application/x-ndjson"}


def drone(innovation_id: str = "drone-obat-lambda", **changes: object) -> dict:
    body = {"id": innovation_id, "name": "Drone Obat Lambda", "level": "kabupaten",
            "sector": "kesehatan", "problem": "Obat terlambat sampai ke pulau terpencil.",
            "solution": "Drone mengantar obat dari puskesmas induk ke pulau kecil."}
    return {**body, **changes}


# -- 1. slugs match whole --------------------------------------------------------------------
@pytest.mark.parametrize("field", ["id", "replication_of"])
def test_a_slug_with_a_trailing_newline_is_422_naming_the_field(
        client: TestClient, auth: dict, field: str) -> None:
    body = drone(**{field: "abc\n"})
    assert_error(client.post("/v1/innovations", json=body, headers=auth), 422, field)


@pytest.mark.parametrize("field", ["id", "replication_of"])
def test_an_import_row_with_a_trailing_newline_in_a_slug_is_rejected(
        client: TestClient, auth: dict, field: str) -> None:
    data = (json.dumps(drone(**{field: "abc\n"})) + "\n").encode()
    report = client.post("/v1/innovations:import", content=data,
                         headers={**auth, **NDJSON}).json()
    assert report["accepted"] == []
    assert [r["field"] for r in report["rejected"]] == [field]
    assert client.get("/v1/innovations/abc").status_code == 404
