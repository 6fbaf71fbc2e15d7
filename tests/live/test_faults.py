"""The fault suite: a real server process over HTTP, writes, CLI runs, kill -9 and corruption.

It uses the test encoder so each restart takes seconds; the real model has its own layer.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.conftest import TINY
from tests.live.conftest import ROOT, serve

KEY = "fault-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
ENCODER = "hashing-256"
PROBLEMS = [
    "ambulans lambat datang saat gawat darurat",
    "bayi belum punya akta kelahiran",
    "sampah menumpuk di pasar",
    "izin usaha lama dan lewat calo",
]


def _record(key: str, n: int = 0) -> dict:
    return {
        "id": key,
        "name": f"Perahu Obat {key}",
        "level": "kabupaten",
        "sector": "kesehatan",
        "problem": f"Obat terlambat ke pulau nomor {n} {key} karena kapal jarang berlayar.",
        "solution": f"Perahu cepat {key} mengantar obat dari puskesmas induk tiap pekan {n}.",
    }


def _cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REPLIKASI_DATA_DIR": str(data), "REPLIKASI_ENCODER": ENCODER}
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _seeded(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert _cli(data, "import", str(TINY)).returncode == 0
    return data


def _wait_current(url: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        ready = httpx.get(f"{url}/ready", timeout=5).json()
        if ready.get("pending_changes") == 0 and ready["status"] == "ready":
            return ready
        assert time.monotonic() < deadline, ready
        time.sleep(0.2)


def test_200_concurrent_searches_during_creates_and_deletes_get_no_5xx(tmp_path: Path) -> None:
    with serve(
        _seeded(tmp_path),
        KEY,
        "faults-concurrency.log",
        encoder=ENCODER,
        extra_env={"REPLIKASI_INDEX_DEBOUNCE_SECONDS": "0"},
    ) as url:
        stop = threading.Event()
        write_status: list[int] = []

        def churn() -> None:
            with httpx.Client(base_url=url, timeout=30) as http:
                n = 0
                while not stop.is_set():
                    key = f"perahu-obat-{n % 4}"
                    write_status.append(
                        http.post("/v1/innovations", json=_record(key, n), headers=AUTH).status_code
                    )
                    write_status.append(http.delete(f"/v1/innovations/{key}", headers=AUTH).status_code)
                    n += 1

        def search(i: int) -> int:
            with httpx.Client(base_url=url, timeout=30) as http:
                if i % 5 == 0:
                    return http.get("/v1/innovations/psc-119-alpha/similar").status_code
                if i % 5 == 1:
                    return http.get("/", params={"problem": PROBLEMS[i % 4]}).status_code
                return http.post("/v1/recommendations", json={"problem": PROBLEMS[i % 4]}).status_code

        writer = threading.Thread(target=churn)
        writer.start()
        try:
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(search, range(200)))
        finally:
            stop.set()
            writer.join()
        assert [s for s in statuses if s >= 500] == []
        assert statuses.count(200) == 200
        assert write_status and all(s < 500 for s in write_status)


def test_build_index_runs_against_a_live_server_then_writes_and_searches_work(tmp_path: Path) -> None:
    data = _seeded(tmp_path)
    with serve(data, KEY, "faults-cli.log", encoder=ENCODER) as url:
        for _ in range(3):
            assert _cli(data, "build-index").returncode == 0
        newest = (data / "snapshots" / "CURRENT").read_text().strip()
        created = httpx.post(
            f"{url}/v1/innovations", json=_record("perahu-obat-cli"), headers=AUTH, timeout=30
        )
        assert created.status_code == 201, created.text
        ready = _wait_current(url)
        assert ready["index_version"] >= newest
        found = httpx.post(
            f"{url}/v1/recommendations",
            timeout=30,
            json={"problem": "obat terlambat ke pulau perahu-obat-cli"},
        ).json()
        assert found["matches"][0]["id"] == "perahu-obat-cli"
        # Rows the CLI imports while the server runs become searchable through the server.
        extra = tmp_path / "extra.jsonl"
        extra.write_text(json.dumps(_record("perahu-obat-impor")) + "\n")
        assert _cli(data, "import", "--no-index", str(extra)).returncode == 0
        _wait_current(url)
        found = httpx.post(
            f"{url}/v1/recommendations",
            timeout=30,
            json={"problem": "obat terlambat ke pulau perahu-obat-impor"},
        ).json()
        assert found["matches"][0]["id"] == "perahu-obat-impor"


def test_kill_9_during_an_import_then_the_old_snapshot_serves_at_once_and_catches_up(tmp_path: Path) -> None:
    data = _seeded(tmp_path)
    procs: list[subprocess.Popen[bytes]] = []
    rows = "".join(json.dumps(_record(f"perahu-massal-{i}", i)) + "\n" for i in range(3000))
    with serve(data, KEY, "faults-kill.log", encoder=ENCODER, procs=procs) as url:
        before = httpx.get(f"{url}/ready").json()["index_version"]

        def load() -> None:
            try:
                httpx.post(
                    f"{url}/v1/innovations:import",
                    content=rows.encode(),
                    timeout=120,
                    headers={**AUTH, "content-type": "application/x-ndjson"},
                )
            except httpx.HTTPError:
                pass  # the server dies under it

        loader = threading.Thread(target=load)
        loader.start()
        deadline = time.monotonic() + 60
        while httpx.get(f"{url}/ready").json().get("pending_changes", 0) == 0:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(procs[0].pid, signal.SIGKILL)
        loader.join()
    db = sqlite3.connect(data / "replikasi.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = db.execute("SELECT count(*) FROM innovations").fetchone()[0]
    db.close()
    assert stored > 10
    started = time.monotonic()
    with serve(data, KEY, "faults-kill-restart.log", encoder=ENCODER) as url:
        first = httpx.get(f"{url}/ready").json()
        assert time.monotonic() - started < 30
        assert first["innovations"] == stored
        assert first["index_version"] is not None
        assert before is not None
        ready = _wait_current(url, timeout=120)
        assert ready["indexed"] == stored


def test_a_truncated_vector_file_is_recovered_without_a_write(tmp_path: Path) -> None:
    data = _seeded(tmp_path)
    assert _cli(data, "build-index").returncode == 0
    current = data / "snapshots" / (data / "snapshots" / "CURRENT").read_text().strip()
    vectors = current / "dense-0.npy"
    vectors.write_bytes(vectors.read_bytes()[:1000])
    with serve(data, KEY, "faults-corrupt.log", encoder=ENCODER) as url:
        answer = httpx.post(f"{url}/v1/recommendations", json={"problem": PROBLEMS[0]})
        assert answer.status_code == 200
        ready = httpx.get(f"{url}/ready").json()
        deadline = time.monotonic() + 60
        while ready["status"] != "ready":
            assert "checksum" in (ready["reason"] or "") or "unreadable" in (ready["reason"] or "")
            assert time.monotonic() < deadline
            time.sleep(0.2)
            ready = httpx.get(f"{url}/ready").json()
        assert ready["index_version"] != current.name
