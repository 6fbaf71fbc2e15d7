"""The slow layer: the real model, a real server over HTTP, a real browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:  # every run collects these modules; playwright loads only for a browser test
    from playwright.sync_api import Browser, BrowserContext, Route
    from playwright.sync_api import Request as BrowserRequest


ROOT = Path(__file__).resolve().parents[2]
LIVE_KEY = "live-test-key"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Quiet, offline Chromium: no sandbox (root in CI), no GPU, no background calls home.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    data: Path,
    key: str,
    log_name: str,
    timeout: float = 600,
    *,
    encoder: str = "use3",
    extra_env: dict[str, str] | None = None,
    procs: list[subprocess.Popen[bytes]] | None = None,
) -> Iterator[str]:
    """Run `replikasi serve` on a data directory (real encoder, real HTTP) until ready."""
    port = _free_port()
    env = {
        **os.environ,
        "REPLIKASI_DATA_DIR": str(data),
        "REPLIKASI_API_KEYS": key,
        "REPLIKASI_ENCODER": encoder,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **(extra_env or {}),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    if procs is not None:
        procs.append(proc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready after {timeout:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh data directory: the bundled catalogue is seeded and indexed on first start."""
    with serve(tmp_path_factory.mktemp("live-data"), LIVE_KEY, "live-server.log") as url:
        yield url


@pytest.fixture
def live_auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {LIVE_KEY}"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def cut_network(context: BrowserContext, server: str) -> list[str]:
    """Let the context reach only ``server``; returns the list every refused URL is added to."""
    blocked: list[str] = []

    def only_the_server(route: Route, request: BrowserRequest) -> None:
        if request.url.startswith(server):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    context.route("**/*", only_the_server)
    return blocked
