"""Reads during writes: every search sees one state, whatever the writers and the updater do."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from tests.service.test_api_innovations import drone

PROBLEMS = [
    "ambulans lambat datang saat gawat darurat",
    "bayi belum punya akta kelahiran",
    "sampah menumpuk di pasar",
    "izin usaha lama dan lewat calo",
    "obat terlambat sampai ke pulau terpencil",
]


@pytest.mark.heavy
def test_200_concurrent_searches_during_a_create_delete_loop_never_fail(
    client: TestClient, auth: dict
) -> None:
    client.app.state.updater.debounce = 0.0
    stop = threading.Event()
    write_errors: list[str] = []

    def churn() -> None:
        n = 0
        while not stop.is_set():
            key = f"drone-obat-{n % 3}"
            body = drone(key, problem=f"Obat terlambat ke pulau nomor {n} karena kapal jarang.")
            for response in (
                client.post("/v1/innovations", json=body, headers=auth),
                client.delete(f"/v1/innovations/{key}", headers=auth),
            ):
                if response.status_code >= 500:
                    write_errors.append(response.text)
            n += 1

    def search(i: int) -> tuple[int, str]:
        if i % 4 == 0:
            response = client.get("/v1/innovations/psc-119-alpha/similar")
        elif i % 4 == 1:
            response = client.get("/", params={"problem": PROBLEMS[i % 5]})
        else:
            response = client.post("/v1/recommendations", json={"problem": PROBLEMS[i % 5], "limit": 5})
        return response.status_code, response.text[:200]

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(search, range(200)))
    finally:
        stop.set()
        writer.join()
    failures = [r for r in results if r[0] >= 500]
    assert not failures, failures[:3]
    assert not write_errors, write_errors[:3]
    assert client.app.state.updater.builds > 0  # the index really was swapped meanwhile
    client.app.state.updater.wait_until_current()
    ids = {
        m["id"]
        for m in client.post("/v1/recommendations", json={"problem": "obat pulau kapal"}).json()["matches"]
    }
    assert not {i for i in ids if i.startswith("drone-obat-")}  # every one was deleted last


def test_a_deleted_innovation_leaves_results_before_the_index_catches_up(
    client: TestClient, auth: dict
) -> None:
    client.app.state.updater.stop()
    client.app.state.updater.debounce = 60
    problem = {"problem": "sampah menumpuk di pasar", "limit": 10}
    assert "bank-sampah-delta" in {
        m["id"] for m in client.post("/v1/recommendations", json=problem).json()["matches"]
    }
    assert client.delete("/v1/innovations/bank-sampah-delta", headers=auth).status_code == 204
    after = client.post("/v1/recommendations", json=problem)
    assert "bank-sampah-delta" not in {m["id"] for m in after.json()["matches"]}
    assert after.headers["x-index-pending"] == "1"
    similar = client.get("/v1/innovations/bank-sampah-delta/similar")
    assert similar.status_code == 404
