"""/v1/replications over HTTP: scopes, CRUD with history, filters, pages, bulk files, ranking."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from recommender.engine import Recommender
from service.settings import Settings
from tests.conftest import API_KEY, AppPool
from tests.service.test_api_errors import assert_error

AMBULANCE = "Ambulans lambat datang saat keadaan darurat medis"
REGISTRY = {"Authorization": "Bearer daftar"}
ANALYTICS = {"Authorization": "Bearer baca"}
WRITE_ONLY = {"Authorization": "Bearer tulis"}


@pytest.fixture
def api(tmp_path: Path, recommender: Recommender, app_pool: AppPool) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path / "data",
        encoder="hashing-256",
        api_keys=f"{API_KEY},daftar:registry,baca:analytics,tulis:write",
    )
    with app_pool.serve(settings, recommender) as client:
        yield client


def sleman(**changes: object) -> dict:
    body = {
        "innovation_id": "psc-119-beta",
        "government": "Kabupaten Sleman",
        "agency": "Dinas Kesehatan",
        "level": "kabupaten",
        "province": "DI Yogyakarta",
        "year": 2023,
        "status": "berjalan",
        "evidence": "https://contoh.go.id/perbup",
    }
    return {**body, **changes}


def match_of(client: TestClient, innovation_id: str, asker: dict | None = None) -> dict:
    body = client.post(
        "/v1/recommendations", json={"problem": AMBULANCE, "limit": 10, **({"asker": asker} if asker else {})}
    )
    return next(m for m in body.json()["matches"] if m["id"] == innovation_id)


# -- scopes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/replications"),
        ("put", "/v1/replications/r1"),
        ("delete", "/v1/replications/r1"),
        ("post", "/v1/replications:import"),
    ],
)
def test_registry_writes_need_the_registry_scope(api: TestClient, method: str, path: str) -> None:
    assert api.post("/v1/replications", json=sleman(id="r1"), headers=REGISTRY).status_code == 201
    send = getattr(api, method)
    kwargs = (
        {}
        if method == "delete"
        else {"content": b'{"innovation_id": "psc-119-beta"}'}
        if "import" in path
        else {"json": sleman(id="r1", status="berhenti")}
    )
    assert_error(send(path, **kwargs), 401, "authorization")
    for key in (ANALYTICS, WRITE_ONLY):
        refused = assert_error(send(path, headers=key, **kwargs), 403, "authorization")
        assert "'registry' scope" in refused["detail"]
    assert api.get("/v1/replications/r1").json()["status"] == "berjalan"


def test_reads_need_no_key(api: TestClient) -> None:
    assert api.get("/v1/replications").status_code == 200
    assert api.get("/v1/innovations/akta-lahir-gamma/replications").status_code == 200


# -- CRUD -------------------------------------------------------------------------------------
def test_create_read_replace_delete_with_history(api: TestClient) -> None:
    created = api.post("/v1/replications", json=sleman(), headers=REGISTRY)
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["id"] == "psc-119-beta--kabupaten-sleman"
    assert created.headers["location"] == f"/v1/replications/{record['id']}"
    assert api.get(f"/v1/replications/{record['id']}").json() == record
    again = api.post("/v1/replications", json=sleman(year=2024), headers=REGISTRY).json()
    assert again["id"] == record["id"] + "-2"  # the same adopter again: a numbered record
    assert_error(api.post("/v1/replications", json=sleman(id=record["id"]), headers=REGISTRY), 409, "id")

    replaced = api.put(
        f"/v1/replications/{record['id']}",
        headers=REGISTRY,
        json=sleman(status="berhenti", note="anggaran dihapus"),
    )
    assert replaced.status_code == 200 and replaced.json()["status"] == "berhenti"
    versions = api.get(f"/v1/replications/{record['id']}/history").json()
    assert [v["op"] for v in versions] == ["create", "update"]
    assert versions[0]["record"] == record and versions[1]["record"]["note"] == "anggaran dihapus"

    assert api.delete(f"/v1/replications/{record['id']}", headers=REGISTRY).status_code == 204
    assert_error(api.get(f"/v1/replications/{record['id']}"), 404, "id")
    assert [v["op"] for v in api.get(f"/v1/replications/{record['id']}/history").json()] == [
        "create",
        "update",
        "delete",
    ]


def test_unknown_ids_are_404_and_unknown_innovations_422(api: TestClient) -> None:
    assert_error(api.get("/v1/replications/tidak-ada"), 404, "id")
    assert_error(api.get("/v1/replications/tidak-ada/history"), 404, "id")
    assert_error(api.put("/v1/replications/tidak-ada", json=sleman(), headers=REGISTRY), 404, "id")
    assert_error(api.delete("/v1/replications/tidak-ada", headers=REGISTRY), 404, "id")
    assert_error(api.get("/v1/innovations/tidak-ada/replications"), 404, "id")
    unknown = api.post("/v1/replications", json=sleman(innovation_id="tidak-ada"), headers=REGISTRY)
    assert_error(unknown, 422, "innovation_id")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "selesai"}, "status"),
        ({"level": "desa"}, "level"),
        ({"year": "2020"}, "year"),
        ({"government": ""}, "government"),
        ({"warna": "merah"}, "warna"),
        ({"id": "Bukan Slug"}, "id"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(api: TestClient, changes: dict, field: str) -> None:
    response = api.post("/v1/replications", json=sleman(**changes), headers=REGISTRY)
    assert_error(response, 422, field)
    assert api.get("/v1/replications").json()["total"] == 2  # the two upgraded entries


def test_put_with_another_id_in_the_body_is_422(api: TestClient) -> None:
    api.post("/v1/replications", json=sleman(id="r1"), headers=REGISTRY)
    assert_error(api.put("/v1/replications/r1", json=sleman(id="r2"), headers=REGISTRY), 422, "id")


# -- listing ----------------------------------------------------------------------------------
def test_filters_and_pages(api: TestClient) -> None:
    for key, changes in {
        "b1": {},
        "b2": {"status": "direncanakan", "year": 2025},
        "a1": {
            "innovation_id": "psc-119-alpha",
            "level": "kota",
            "province": "Bali",
            "government": "Kota Denpasar",
        },
    }.items():
        assert (
            api.post("/v1/replications", json=sleman(id=key, **changes), headers=REGISTRY).status_code == 201
        )

    def ids(**params: object) -> list[str]:
        return [r["id"] for r in api.get("/v1/replications", params=params).json()["items"]]

    assert ids(innovation_id="psc-119-beta") == ["b1", "b2"]
    assert ids(province="bali") == ["a1"]
    assert ids(level="kota") == ["a1", "akta-lahir-gamma--kota-delta"]
    assert ids(status="direncanakan") == ["b2"]
    assert ids(year=2023, innovation_id="psc-119-beta") == ["b1"]
    first = api.get("/v1/replications", params={"limit": 2}).json()
    assert (first["total"], first["next_offset"], len(first["items"])) == (5, 2, 2)
    last = api.get("/v1/replications", params={"limit": 2, "offset": 4}).json()
    assert last["next_offset"] is None and len(last["items"]) == 1
    assert_error(api.get("/v1/replications", params={"status": "selesai"}), 422, "status")
    assert_error(api.get("/v1/replications", params={"limit": 0}), 422, "limit")


# -- bulk -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_imports_back_unchanged(api: TestClient, fmt: str) -> None:
    api.post(
        "/v1/replications",
        headers=REGISTRY,
        json=sleman(note='=HYPERLINK("x") koma, "kutip"\nbaris baru', agency="é 中文"),
    )
    exported = api.get("/v1/replications:export", params={"format": fmt})
    assert exported.status_code == 200 and f".{fmt}" in exported.headers["content-disposition"]
    original = api.get("/v1/replications").json()["items"]
    for record in original:
        assert api.delete(f"/v1/replications/{record['id']}", headers=REGISTRY).status_code == 204
    media = "text/csv" if fmt == "csv" else "application/x-ndjson"
    report = api.post(
        "/v1/replications:import", content=exported.content, headers={**REGISTRY, "content-type": media}
    ).json()
    assert report["rejected"] == [] and report["accepted"] == [r["id"] for r in original]
    assert api.get("/v1/replications").json()["items"] == original
    assert api.get("/v1/replications:export", params={"format": fmt}).content == exported.content


def test_an_import_reports_each_bad_row(api: TestClient) -> None:
    data = (
        b"innovation_id,government,status\npsc-119-beta,Kota Baru,berjalan\n"
        b"tidak-ada,Kota Baru,berjalan\npsc-119-beta,Kota Lain,selesai\n"
    )
    report = api.post("/v1/replications:import", content=data, headers=REGISTRY).json()
    assert report["accepted"] == ["psc-119-beta--kota-baru"]
    assert [(r["row"], r["field"]) for r in report["rejected"]] == [(2, "innovation_id"), (3, "status")]
    assert_error(api.post("/v1/replications:import", content=b"  ", headers=REGISTRY), 422, "body")


# -- the innovation and its recommendation ----------------------------------------------------
def test_replicated_by_is_imported_and_derived_from_the_registry(api: TestClient) -> None:
    body = api.get("/v1/innovations/akta-lahir-gamma/replications").json()
    assert [r["government"] for r in body["items"]] == ["Kabupaten Epsilon", "Kota Delta"]
    assert body["replicated_by"] == ["Kabupaten Epsilon", "Kota Delta"]
    delta = next(r for r in body["items"] if r["government"] == "Kota Delta")
    api.put(f"/v1/replications/{delta['id']}", json={**delta, "status": "berhenti"}, headers=REGISTRY)
    innovation = api.get("/v1/innovations/akta-lahir-gamma").json()
    assert innovation["replicated_by"] == ["Kabupaten Epsilon"]
    assert {(a["government"], a["status"]) for a in innovation["adopters"]} == {
        ("Kabupaten Epsilon", "berjalan"),
        ("Kota Delta", "berhenti"),
    }
    listed = api.get("/v1/innovations", params={"q": "akta"}).json()["items"][0]
    assert listed["replicated_by"] == ["Kabupaten Epsilon"]


def test_a_new_adopter_appears_on_the_recommendation_and_in_the_components(api: TestClient) -> None:
    asker = {"level": "kabupaten", "province": "Bali"}
    before = match_of(api, "psc-119-beta", asker)
    assert before["adopters"] == [] and before["components"]["adopter_level"] == 0.0
    assert api.post("/v1/replications", json=sleman(), headers=REGISTRY).status_code == 201
    after = match_of(api, "psc-119-beta", asker)  # no wait: the registry changes no document
    assert after["adopters"] == [
        {
            "government": "Kabupaten Sleman",
            "level": "kabupaten",
            "year": 2023,
            "status": "berjalan",
            "id": "psc-119-beta--kabupaten-sleman",
        }
    ]
    assert after["innovation"]["replicated_by"] == ["Kabupaten Sleman"]
    assert after["components"]["replications"] == pytest.approx(before["components"]["replications"] + 0.02)
    assert after["components"]["adopter_level"] == pytest.approx(0.02)
    assert after["score"] > before["score"]
    page = api.get("/", params={"problem": AMBULANCE, "asker_level": "kabupaten"}).text
    card = page[page.index('id="inovasi-psc-119-beta"') :]
    card = card[: card.index("</article>")]
    assert "Kabupaten Sleman" in card and "2023" in card and "berjalan" in card.lower()
    assert "Ditiru pemerintahan setingkat" in card


def test_the_registry_is_documented_with_an_example_and_its_security(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    schema = document["components"]["schemas"]["ReplicationIn"]
    assert schema["examples"][0]["government"] == "Kabupaten Sleman"
    assert all(
        schema["properties"][name].get("description")
        for name in ("innovation_id", "government", "status", "evidence", "year")
    )
    paths = document["paths"]
    assert paths["/v1/replications"]["post"]["security"]
    assert "security" not in paths["/v1/replications"]["get"]
    assert {"get", "put", "delete"} <= set(paths["/v1/replications/{replication_id}"])
    assert "/v1/innovations/{innovation_id}/replications" in paths


def test_deleting_an_innovation_removes_its_replications_and_keeps_their_history(api: TestClient) -> None:
    assert api.post("/v1/replications", json=sleman(id="r-hapus"), headers=REGISTRY).status_code == 201
    assert api.delete("/v1/innovations/psc-119-beta", headers=WRITE_ONLY).status_code == 204
    assert api.get("/v1/replications/r-hapus").status_code == 404
    assert api.get("/v1/replications", params={"innovation_id": "psc-119-beta"}).json()["total"] == 0
    history = api.get("/v1/replications/r-hapus/history").json()
    ops = [v["op"] for v in (history["versions"] if isinstance(history, dict) else history)]
    assert ops[-1] == "delete"


def test_the_content_type_names_the_import_format_before_the_body_does(api: TestClient) -> None:
    line = b'{"innovation_id": "psc-119-beta", "government": "Kota Rho", "status": "berjalan"}\n'
    as_csv = api.post(
        "/v1/replications:import", content=line, headers={**REGISTRY, "content-type": "text/csv"}
    )
    assert as_csv.status_code == 200 and as_csv.json()["accepted"] == []  # read as a header line
    sniffed = api.post("/v1/replications:import", content=line, headers=REGISTRY)
    assert sniffed.json()["accepted"] == ["psc-119-beta--kota-rho"], sniffed.text
    assert_error(api.post("/v1/replications:import", content=b" \n", headers=REGISTRY), 422, "body")
