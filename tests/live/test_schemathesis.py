"""Schemathesis against the served OpenAPI document: no 5xx, every response matches its schema.

Two runs, each bounded by a number of examples per operation (about a minute each):
- the shared live server (bundled catalogue, real model): reads, plus writes without a key, so
  nothing the other live tests rely on can change;
- a server of its own (real model, the tiny catalogue, its own key): every write, DELETE and PUT
  included, fuzzed with a valid key.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from recommender.catalogue import Catalogue
from recommender.importing import import_rows
from recommender.workspace import DATABASE
from tests.conftest import TINY
from tests.live.conftest import ARTIFACTS, serve

CHECKS = "not_a_server_error,response_schema_conformance"
EXAMPLES = os.environ.get("REPLIKASI_SCHEMATHESIS_EXAMPLES", "25")
WRITER_KEY = "schemathesis-writer-key"


def schemathesis(base_url: str, name: str, *options: str) -> None:
    """Run the schemathesis CLI; fail with its report when any check fails."""
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert executable, "schemathesis is not installed (pip install -e '.[test]')"
    reports = ARTIFACTS / f"schemathesis-{name}"
    command = [
        executable,
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        EXAMPLES,
        # One worker: Hypothesis' lambda introspection is not thread-safe on Python 3.11.
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(reports),
        *options,
    ]
    result = subprocess.run(command, cwd=ARTIFACTS, capture_output=True, text=True, timeout=400, check=False)
    output = result.stdout + result.stderr
    (ARTIFACTS / f"schemathesis-{name}.log").write_text(output)
    assert result.returncode == 0, output[-20_000:]
    assert " passed" in output and "generated" in output, output[-5_000:]


def test_the_shared_live_server_has_no_server_errors_or_schema_violations(live_server: str) -> None:
    before = httpx.get(f"{live_server}/ready", timeout=10).json()["innovations"]
    ARTIFACTS.mkdir(exist_ok=True)
    # No key: writes are answered 401 and change nothing; DELETE and PUT are left out anyway.
    schemathesis(live_server, "shared", "--exclude-method", "DELETE", "--exclude-method", "PUT")
    after = httpx.get(f"{live_server}/ready", timeout=10).json()
    assert after["status"] == "ready" and after["innovations"] == before
    psc = httpx.get(f"{live_server}/v1/innovations", params={"q": "119", "limit": 200}, timeout=10).json()
    assert psc["total"] >= 1


@pytest.fixture(scope="module")
def writable_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own over the tiny catalogue, so keyed writes touch nobody else's data."""
    data = tmp_path_factory.mktemp("schemathesis-data")
    report = import_rows(Catalogue(data / DATABASE), TINY.read_bytes(), "jsonl")
    assert not report.rejected
    with serve(data, WRITER_KEY, "schemathesis-server.log", timeout=300) as url:
        yield url


def test_keyed_writes_have_no_server_errors_or_schema_violations(writable_server: str) -> None:
    schemathesis(writable_server, "writes", "--header", f"Authorization: Bearer {WRITER_KEY}")
    assert httpx.get(f"{writable_server}/ready", timeout=10).json()["status"] == "ready"
    log = (ARTIFACTS / "schemathesis-server.log").read_text()
    assert "Traceback" not in log, log[-10_000:]
