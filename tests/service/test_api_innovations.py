"""/v1/innovations over HTTP: keys, writes visible to recommendations, listing, import, export."""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from recommender.engine import Recommender
from service.settings import Settings, hash_key
from tests.conftest import API_KEY, AppPool
from tests.service.test_api_errors import assert_error

DRONE_PROBLEM = "Obat dan vaksin terlambat sampai ke pulau terpencil karena kapal jarang berlayar."

# Writes return once committed; tests that search right after ask to wait for the index.
WAIT = {"wait": "true"}


def drone(innovation_id: str = "drone-obat-lambda", **changes: object) -> dict:
    body = {
        "id": innovation_id,
        "name": "Drone Obat Lambda",
        "level": "kabupaten",
        "sector": "kesehatan",
        "province": "Maluku",
        "year": 2022,
        "awards": ["Top 99 KIPP 2023"],
        "problem": DRONE_PROBLEM,
        "solution": "Drone mengantar obat dan vaksin dari puskesmas induk ke pulau kecil.",
        "status": "berjalan",
    }
    return {**body, **changes}


def ids_of(page: dict) -> list[str]:
    return [item["id"] for item in page["items"]]


def everything(client: TestClient) -> dict[str, dict]:
    page = client.get("/v1/innovations", params={"limit": 200}).json()
    assert page["next_offset"] is None
    return {item["id"]: item for item in page["items"]}


# -- keys -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/innovations"),
        ("put", "/v1/innovations/psc-119-alpha"),
        ("delete", "/v1/innovations/psc-119-alpha"),
        ("post", "/v1/innovations:import"),
    ],
)
def test_writes_need_a_key_401_without_403_with_a_wrong_one(
    client: TestClient, method: str, path: str
) -> None:
    body = drone("psc-119-alpha") if method != "delete" else None
    send = getattr(client, method)
    kwargs = {"json": body} if body is not None else {}
    missing = assert_error(send(path, **kwargs), 401, "authorization")
    assert "API key" in missing["detail"]
    assert send(path, headers={"Authorization": "Basic dXNlcjpwYXNz"}, **kwargs).status_code == 401
    wrong = send(path, headers={"Authorization": "Bearer not-the-key"}, **kwargs)
    assert_error(wrong, 403, "authorization")
    assert client.get("/v1/innovations/psc-119-alpha").json()["name"] == "PSC 119 Alpha"


def test_keys_are_kept_only_as_hashes(client: TestClient) -> None:
    state = client.app.state
    assert state.key_hashes == {hash_key(API_KEY): frozenset({"write", "registry", "analytics"})}
    assert API_KEY not in repr(state.settings.model_dump())


def test_keys_never_reach_the_log(client: TestClient, auth: dict, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client.post("/v1/innovations", params=WAIT, json=drone(), headers=auth)
    client.post(
        "/v1/innovations", params=WAIT, json=drone("lain"), headers={"Authorization": "Bearer salah-1"}
    )
    client.post("/v1/innovations:import", params=WAIT, content=b"{", headers=auth)
    assert caplog.records  # something was logged, and none of it holds a key
    assert API_KEY not in caplog.text and "salah-1" not in caplog.text


def test_a_key_given_as_its_hash_is_accepted(
    tmp_path: Path, recommender: Recommender, app_pool: AppPool
) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_key_hashes=hash_key("rahasia").upper())
    with app_pool.serve(settings, recommender) as client:
        response = client.post(
            "/v1/innovations", params=WAIT, json=drone(), headers={"Authorization": "Bearer rahasia"}
        )
    assert response.status_code == 201, response.text


def test_scoped_keys_parse_and_unknown_scopes_are_refused_at_start() -> None:
    settings = Settings(
        api_keys="a:write, b:registry+analytics, a:registry",
        api_key_hashes=f"{hash_key('c').upper()}:analytics",
    )
    assert settings.key_hashes() == {
        hash_key("a"): {"write", "registry"},
        hash_key("b"): {"registry", "analytics"},
        hash_key("c"): {"analytics"},
    }
    with pytest.raises(ValueError, match="api_keys: unknown scope wrte"):
        Settings(api_keys="a:wrte")
    with pytest.raises(ValueError, match="api_key_hashes: unknown scope"):
        Settings(api_key_hashes="abc:")


def test_a_key_without_the_write_scope_may_not_write(
    tmp_path: Path, recommender: Recommender, app_pool: AppPool
) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_keys="baca:analytics,tulis:write")
    with app_pool.serve(settings, recommender) as client:
        refused = client.post(
            "/v1/innovations", params=WAIT, json=drone(), headers={"Authorization": "Bearer baca"}
        )
        assert_error(refused, 403, "authorization")
        assert "'write' scope" in refused.json()["detail"]
        allowed = client.post(
            "/v1/innovations", params=WAIT, json=drone(), headers={"Authorization": "Bearer tulis"}
        )
    assert allowed.status_code == 201, allowed.text


def test_without_configured_keys_every_write_is_refused(
    tmp_path: Path, recommender: Recommender, app_pool: AppPool
) -> None:
    with app_pool.serve(Settings(data_dir=tmp_path / "data"), recommender) as client:
        response = client.post(
            "/v1/innovations", params=WAIT, json=drone(), headers={"Authorization": "Bearer anything"}
        )
    assert_error(response, 403, "authorization")


# -- writes -----------------------------------------------------------------------------------
def test_a_created_innovation_is_readable_and_recommended_at_once(client: TestClient, auth: dict) -> None:
    before = client.post("/v1/recommendations", json={"problem": DRONE_PROBLEM}).json()
    created = client.post("/v1/innovations", params=WAIT, json=drone(), headers=auth)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/innovations/drone-obat-lambda"
    assert created.json()["award_tier"] == "top-99"
    got = client.get("/v1/innovations/drone-obat-lambda").json()
    assert got == created.json()
    after = client.post("/v1/recommendations", json={"problem": DRONE_PROBLEM}).json()
    assert after["matches"][0]["id"] == "drone-obat-lambda"
    assert after["index_version"] != before["index_version"]
    assert client.get("/ready").json()["innovations"] == 11


def test_creating_an_existing_id_is_409_and_changes_nothing(client: TestClient, auth: dict) -> None:
    original = client.get("/v1/innovations/psc-119-alpha").json()
    response = client.post("/v1/innovations", params=WAIT, json=drone("psc-119-alpha"), headers=auth)
    assert_error(response, 409, "id")
    assert client.get("/v1/innovations/psc-119-alpha").json() == original


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": "desa"}, "level"),
        ({"sector": "roket"}, "sector"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"year": "2020"}, "year"),
        ({"year": 1900}, "year"),
        ({"year": 2099}, "year"),
        ({"id": "Bukan Slug"}, "id"),
        ({"problem": "p" * 5001}, "problem"),
        ({"awards": "Top 99"}, "awards"),
        ({"colour": "merah"}, "colour"),
        ({"last_verified": "kemarin"}, "last_verified"),
        ({"name": "a\x00b"}, "name"),
        ({"problem": None, "solution": None}, "problem"),
        ({"replication_of": "drone-obat-lambda"}, "replication_of"),
    ],
)
def test_invalid_innovations_are_422_naming_the_field(
    client: TestClient, auth: dict, changes: dict, field: str
) -> None:
    response = client.post("/v1/innovations", params=WAIT, json=drone(**changes), headers=auth)
    assert_error(response, 422, field)
    assert client.get("/v1/innovations/drone-obat-lambda").status_code == 404


def test_the_same_text_under_another_id_is_refused(client: TestClient, auth: dict) -> None:
    alpha = client.get("/v1/innovations/psc-119-alpha").json()
    copy = {**drone("psc-119-copy"), "problem": alpha["problem"].upper(), "solution": alpha["solution"]}
    assert_error(client.post("/v1/innovations", params=WAIT, json=copy, headers=auth), 422, "problem")


def test_put_replaces_and_the_change_is_searchable(client: TestClient, auth: dict) -> None:
    body = drone("izin-theta", name="Izin Drone Theta")
    response = client.put("/v1/innovations/izin-theta", params=WAIT, json=body, headers=auth)
    assert response.status_code == 200, response.text
    assert client.get("/v1/innovations/izin-theta").json()["name"] == "Izin Drone Theta"
    top = client.post("/v1/recommendations", json={"problem": DRONE_PROBLEM}).json()["matches"]
    assert top[0]["id"] == "izin-theta"


def test_put_with_another_id_in_the_body_is_422(client: TestClient, auth: dict) -> None:
    response = client.put("/v1/innovations/izin-theta", params=WAIT, json=drone("izin-lain"), headers=auth)
    assert_error(response, 422, "id")
    assert client.get("/v1/innovations/izin-theta").json()["name"] != "Drone Obat Lambda"


def test_put_and_delete_of_an_unknown_id_are_404(client: TestClient, auth: dict) -> None:
    assert_error(
        client.put("/v1/innovations/tidak-ada", params=WAIT, json=drone("tidak-ada"), headers=auth), 404, "id"
    )
    assert_error(client.delete("/v1/innovations/tidak-ada", params=WAIT, headers=auth), 404, "id")


def test_delete_removes_from_reads_and_recommendations(client: TestClient, auth: dict) -> None:
    response = client.delete("/v1/innovations/bank-sampah-delta", params=WAIT, headers=auth)
    assert response.status_code == 204 and response.content == b""
    assert_error(client.get("/v1/innovations/bank-sampah-delta"), 404, "id")
    result = client.post(
        "/v1/recommendations", json={"problem": "sampah rumah tangga menumpuk", "limit": 50}
    ).json()
    assert "bank-sampah-delta" not in [m["id"] for m in result["matches"]]
    assert client.delete("/v1/innovations/bank-sampah-delta", params=WAIT, headers=auth).status_code == 404


def test_a_failing_index_build_loses_no_write_and_catches_up_once_it_works(
    client: TestClient, auth: dict, recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = recommender.index_version

    def broken_rebuild(*args: object, **kwargs: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(recommender, "rebuild", broken_rebuild)
    created = client.post("/v1/innovations", params=WAIT, json=drone(), headers=auth)
    assert created.status_code == 201  # committed: the catalogue is the source of truth
    assert client.get("/v1/innovations/drone-obat-lambda").status_code == 200
    assert recommender.index_version == version
    ready = client.get("/ready").json()
    assert ready["status"] == "degraded" and ready["pending_changes"] == 1
    assert "disk full" in ready["reason"]
    assert (
        client.post("/v1/recommendations", json={"problem": DRONE_PROBLEM}).headers["x-index-pending"] == "1"
    )
    monkeypatch.undo()
    client.app.state.updater.wait_until_current()
    top = client.post("/v1/recommendations", json={"problem": DRONE_PROBLEM})
    assert top.json()["matches"][0]["id"] == "drone-obat-lambda"
    assert top.headers["x-index-pending"] == "0"
    assert client.get("/ready").json()["status"] == "ready"


# -- listing ----------------------------------------------------------------------------------
def test_listing_is_in_stable_id_order_and_pages_without_gaps(client: TestClient) -> None:
    full = client.get("/v1/innovations", params={"limit": 200}).json()
    assert full["total"] == 10 and ids_of(full) == sorted(ids_of(full))
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get("/v1/innovations", params={"limit": 3, "offset": offset}).json()
        assert page["total"] == 10 and page["limit"] == 3 and page["offset"] == offset
        seen += ids_of(page)
        offset = page["next_offset"]
    assert seen == ids_of(full)
    past = client.get("/v1/innovations", params={"offset": 50}).json()
    assert past["items"] == [] and past["next_offset"] is None and past["total"] == 10


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sector": "kependudukan"}, {"akta-lahir-gamma", "ktp-keliling-kappa"}),
        ({"sector": ["kependudukan", "perizinan"]}, {"akta-lahir-gamma", "ktp-keliling-kappa", "izin-theta"}),
        ({"level": "provinsi"}, {"kdrt-eta"}),
        ({"province": "jawa tengah"}, {"psc-119-alpha", "izin-theta"}),
        ({"status": "berhenti"}, {"dbd-zeta"}),
        ({"status": "berjalan"}, {"psc-119-alpha", "pajak-online-epsilon"}),
        ({"award_tier": "top-40"}, {"akta-lahir-gamma", "pajak-online-epsilon"}),
        ({"year_from": 2021, "year_to": 2022}, {"psc-119-beta", "kdrt-eta"}),
        ({"q": "ambulans"}, {"psc-119-alpha", "psc-119-beta"}),
        ({"q": "AMBULANS desa"}, {"psc-119-alpha"}),
        ({"q": "ambulans", "level": "kota"}, {"psc-119-beta"}),
        ({"q": "tidakadakatasepertiini"}, set()),
    ],
)
def test_list_filters_and_full_text(client: TestClient, params: dict, expected: set) -> None:
    page = client.get("/v1/innovations", params=params).json()
    assert set(ids_of(page)) == expected
    assert page["total"] == len(expected)


# -- import and export ------------------------------------------------------------------------
CSV_HEADER = "id,name,level,sector,province,year,awards,problem,solution\n"


def test_a_csv_import_keeps_good_rows_and_reports_each_bad_one(client: TestClient, auth: dict) -> None:
    before = everything(client)
    rows = [
        "drone-obat-lambda,Drone Obat,kabupaten,kesehatan,Maluku,2022,Top 99 KIPP 2023|Lain,"
        f"{DRONE_PROBLEM},Drone mengantar obat ke pulau kecil.",
        "psc-119-alpha,PSC 119 Alpha (desa),desa,kesehatan,Jawa Tengah,2019,,Ambulans,Panggil",
        "tanpa-nama,,kota,kesehatan,Bali,2020,,Jalan rusak tidak diperbaiki,Lapor lewat aplikasi",
        "kdrt-eta,Ruang Aman \xff,provinsi,sosial-perlindungan,NTT,2022,,Kekerasan,Pendampingan",
        "drone-obat-lambda,Drone Kedua,kota,kesehatan,Maluku,2021,,Kapal jarang,Drone lain",
        f"terlalu-panjang,Panjang,kota,kesehatan,Bali,2020,,{'a' * 5001},Solusi",
        "tahun-aneh,Tahun,kota,kesehatan,Bali,dua ribu,,Masalah tahun,Solusi tahun",
        "perpustakaan-mu,Perpustakaan Keliling,kota,pendidikan,Aceh,2019,,"
        "Anak desa jarang membaca buku,Mobil perpustakaan keliling ke sekolah desa",
    ]
    data = (CSV_HEADER + "\n".join(rows) + "\n").encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    response = client.post(
        "/v1/innovations:import", params=WAIT, content=data, headers={**auth, "content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] == ["drone-obat-lambda", "perpustakaan-mu"]
    assert report["accepted_count"] == 2 and report["rejected_count"] == 6
    reasons = {r["row"]: (r["id"], r["field"], r["reason"]) for r in report["rejected"]}
    assert reasons[2][:2] == ("psc-119-alpha", "level") and "'desa'" in reasons[2][2]
    assert reasons[3][:2] == ("tanpa-nama", "name") and "required" in reasons[3][2]
    assert reasons[4][:2] == ("kdrt-eta", "name") and "UTF-8" in reasons[4][2]
    assert reasons[5][:2] == ("drone-obat-lambda", "id") and "row 1" in reasons[5][2]
    assert reasons[6][:2] == ("terlalu-panjang", "problem") and "5000" in reasons[6][2]
    assert reasons[7][:2] == ("tahun-aneh", "year")
    after = everything(client)
    # Rows rejected for ids already stored left those innovations exactly as they were.
    assert after["psc-119-alpha"] == before["psc-119-alpha"]
    assert after["kdrt-eta"] == before["kdrt-eta"]
    assert set(after) == set(before) | {"drone-obat-lambda", "perpustakaan-mu"}
    assert after["drone-obat-lambda"]["awards"] == ["Top 99 KIPP 2023", "Lain"]
    top = client.post("/v1/recommendations", json={"problem": DRONE_PROBLEM}).json()
    assert top["matches"][0]["id"] == "drone-obat-lambda"
    assert top["index_version"] == report["index_version"]


def test_a_jsonl_import_with_bad_lines_and_bad_utf8(client: TestClient, auth: dict) -> None:
    lines = [
        json.dumps(drone()).encode(),
        b"{not json",
        b'{"id": "rusak", "name": "\xff"}',
        b"",
        json.dumps(drone("psc-119-alpha", level="desa")).encode(),
        b'{"id": "surrogat", "name": "a\\ud800"}',
        b"[1, 2]",
    ]
    response = client.post(
        "/v1/innovations:import",
        params=WAIT,
        content=b"\n".join(lines),
        headers={**auth, "content-type": "application/x-ndjson"},
    )
    report = response.json()
    assert report["accepted"] == ["drone-obat-lambda"]
    assert {r["row"]: r["field"] for r in report["rejected"]} == {
        2: "record",
        3: "record",
        5: "level",
        6: "record",
        7: "record",
    }
    assert client.get("/v1/innovations/psc-119-alpha").json()["level"] == "kabupaten"


def test_whatever_the_importer_stores_can_be_read_back(client: TestClient, auth: dict) -> None:
    """Response models must never be stricter than the record check (that would be a 500)."""
    edge = drone(
        year=datetime.date.today().year + 1,
        last_verified="18500101",
        name=" ".join(["x" * 9] * 30),
        awards=["a" * 200] * 50,
        contact="\t" + "c" * 499,
    )
    report = client.post(
        "/v1/innovations:import",
        params=WAIT,
        content=json.dumps(edge).encode(),
        headers={**auth, "content-type": "application/x-ndjson"},
    ).json()
    assert report["accepted"] == ["drone-obat-lambda"], report
    got = client.get("/v1/innovations/drone-obat-lambda")
    assert got.status_code == 200 and got.json()["last_verified"] == "1850-01-01"
    assert client.get("/v1/innovations", params={"q": "xxxxxxxxx"}).json()["total"] == 1
    similar = client.get("/v1/innovations/drone-obat-lambda/similar")
    assert similar.status_code == 200
    found = client.post("/v1/recommendations", json={"problem": DRONE_PROBLEM}).json()
    assert found["matches"][0]["innovation"]["year"] == edge["year"]


def test_reimporting_the_same_file_is_idempotent(client: TestClient, auth: dict) -> None:
    data = (json.dumps(drone()) + "\n").encode()
    headers = {**auth, "content-type": "application/x-ndjson"}
    first = client.post("/v1/innovations:import", params=WAIT, content=data, headers=headers).json()
    stored = everything(client)
    second = client.post("/v1/innovations:import", params=WAIT, content=data, headers=headers).json()
    assert first["accepted"] == second["accepted"] == ["drone-obat-lambda"]
    assert second["rejected"] == []
    assert second["index_version"] == first["index_version"]  # nothing changed, nothing rebuilt
    assert everything(client) == stored
    changed = (json.dumps(drone(name="Drone Obat Baru")) + "\n").encode()
    third = client.post("/v1/innovations:import", params=WAIT, content=changed, headers=headers).json()
    assert third["accepted"] == ["drone-obat-lambda"]
    assert client.get("/v1/innovations/drone-obat-lambda").json()["name"] == "Drone Obat Baru"
    assert len(everything(client)) == 11


def test_import_format_comes_from_the_parameter_the_type_or_the_body(client: TestClient, auth: dict) -> None:
    row = drone()
    csv_body = (
        CSV_HEADER
        + ",".join(str(row[k]) if k != "awards" else "" for k in CSV_HEADER.strip().split(","))
        + "\n"
    ).encode()
    sniffed = client.post("/v1/innovations:import", params=WAIT, content=csv_body, headers=auth)
    assert sniffed.json()["accepted"] == ["drone-obat-lambda"], sniffed.text
    forced = client.post(
        "/v1/innovations:import",
        params={"format": "jsonl"},
        content=csv_body,
        headers={**auth, "content-type": "text/csv"},
    )
    assert forced.json()["accepted"] == [] and forced.json()["rejected_count"] == 2
    assert_error(
        client.post("/v1/innovations:import", params=WAIT, content=b"  \n", headers=auth), 422, "body"
    )
    assert_error(
        client.post("/v1/innovations:import", params={"format": "xml"}, content=csv_body, headers=auth),
        422,
        "format",
    )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_imports_back_unchanged(client: TestClient, auth: dict, fmt: str) -> None:
    tricky = drone(
        "koma-kutip",
        name='Nama, dengan "kutip" dan koma',
        problem="Baris satu\nbaris dua\r\nbaris tiga; tab\tdi sini",
        solution="Solusi [bukan daftar] | pipa",
        awards=["A | B", "Top 40 KIPP"],
        sources=["https://contoh.go.id/a,b"],
        contact="é ü 中文 🚑",
        last_verified="2024-02-29",
    )
    assert client.post("/v1/innovations", params=WAIT, json=tricky, headers=auth).status_code == 201
    exported = client.get("/v1/innovations:export", params={"format": fmt})
    assert exported.status_code == 200
    media = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
    assert exported.headers["content-type"].startswith(media)
    assert f".{fmt}" in exported.headers["content-disposition"]
    original = everything(client)
    assert len(original) == 11

    # Empty the store completely; the index must survive an empty catalogue.
    for innovation_id in sorted(original):
        assert client.delete(f"/v1/innovations/{innovation_id}", headers=auth).status_code == 204
    assert everything(client) == {}
    assert client.post("/v1/recommendations", json={"problem": "ambulans"}).json()["matches"] == []
    report = client.post(
        "/v1/innovations:import",
        params=WAIT,
        content=exported.content,
        headers={**auth, "content-type": media},
    ).json()
    assert report["rejected"] == [] and report["accepted"] == sorted(original)

    # Deleting an innovation ended its registry replications (kept in their history), so
    # the adopters derived from the registry are not part of the round trip; the record is.
    def records(items: dict[str, dict]) -> dict[str, dict]:
        return {
            k: {f: v for f, v in item.items() if f not in ("adopters", "replicated_by")}
            for k, item in items.items()
        }

    assert records(everything(client)) == records(original)
    assert client.get("/v1/innovations:export", params={"format": fmt}).content == exported.content
    again = client.post(
        "/v1/innovations:import",
        params=WAIT,
        content=exported.content,
        headers={**auth, "content-type": media},
    ).json()
    assert again["rejected"] == [] and records(everything(client)) == records(original)


def test_export_applies_the_filters(client: TestClient) -> None:
    lines = client.get("/v1/innovations:export", params={"sector": "kependudukan"}).text
    ids = [json.loads(line)["id"] for line in lines.splitlines()]
    assert ids == ["akta-lahir-gamma", "ktp-keliling-kappa"]
    header_only = client.get("/v1/innovations:export", params={"format": "csv", "province": "Aceh"}).text
    assert header_only.splitlines() == [header_only.splitlines()[0]]
    assert header_only.startswith("id,name,level,sector")


LAN_EXPORT = Path(__file__).resolve().parents[3] / "shared" / "data" / "lan" / "inovasi_lan.jsonl"


@pytest.mark.heavy
def test_another_portals_export_imports_through_its_adapter(client: TestClient, auth: dict) -> None:
    if not LAN_EXPORT.is_file():
        pytest.skip("../shared/data/lan/inovasi_lan.jsonl is not here")
    data, before = LAN_EXPORT.read_bytes(), everything(client)
    dry = client.post(
        "/v1/innovations:import", params={"format": "lan", "dry_run": "true"}, content=data, headers=auth
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] and report["accepted_count"] == len(report["new"]) > 150
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(86, "level")]
    assert everything(client) == before
    real = client.post(
        "/v1/innovations:import", params={"format": "lan", **WAIT}, content=data, headers=auth
    ).json()
    assert real["new"] == report["new"] and not real["dry_run"]
    page = client.get("/v1/innovations", params={"limit": 1}).json()
    assert page["total"] == len(before) + len(report["new"])
    assert client.get(f"/v1/innovations/{report['new'][0]}").status_code == 200
    # What the adapter guessed waits for a person; their edit of the record closes it.
    queue = client.get("/v1/reviews").json()["items"]
    assert {r["id"] for r in queue} == {r["id"] for r in real["review"]} != set()
    assert all(r["reasons"] and r["created_at"] for r in queue)
    checked = queue[0]["id"]
    record = client.get(f"/v1/innovations/{checked}").json()
    assert (
        client.put(
            f"/v1/innovations/{checked}", json={**record, "sector": "lainnya"}, headers=auth
        ).status_code
        == 200
    )
    assert checked not in {r["id"] for r in client.get("/v1/reviews").json()["items"]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"format": "mapping:/etc/passwd"}, "format"),
        ({"format": "lan", "merge": "true", "keep_duplicates": "true"}, "merge"),
    ],
)
def test_an_unknown_import_format_or_contradicting_options_are_422(
    client: TestClient, auth: dict, params: dict, field: str
) -> None:
    response = client.post("/v1/innovations:import", params=params, content=b"{}", headers=auth)
    assert_error(response, 422, field)


def test_every_record_read_can_be_written_back_unchanged(client: TestClient, auth: dict) -> None:
    before = everything(client)
    for innovation_id, item in before.items():
        response = client.put(f"/v1/innovations/{innovation_id}", json=item, headers=auth)
        assert response.status_code == 200, (innovation_id, response.text)
    assert everything(client) == before


def test_every_schema_field_is_described_and_the_main_requests_have_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    missing = [
        f"{name}.{field}"
        for name, schema in spec["components"]["schemas"].items()
        if not name.startswith(("HTTPValidationError", "ValidationError"))
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert missing == []
    for name in ("InnovationIn", "RecommendationRequest", "ReplicationIn"):
        assert spec["components"]["schemas"][name].get("examples"), name


def test_the_apis_vocabularies_are_the_domains() -> None:
    """Every value list the schemas accept is the one recommender/ spells, never a copy."""
    from typing import get_args

    from recommender import filters, record, replication
    from service import schemas

    assert get_args(schemas.Level) == record.LEVELS and get_args(schemas.Sector) == record.SECTORS
    assert get_args(schemas.Status) == record.STATUSES
    assert get_args(schemas.AwardTier) == record.AWARD_TIERS
    assert get_args(schemas.ReplicationStatus) == replication.STATUSES
    assert get_args(schemas.StatusFilter) == filters.STATUS_FILTER_VALUES
