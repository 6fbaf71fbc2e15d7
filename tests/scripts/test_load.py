"""The loopback load tool, against a tiny local HTTP server."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scripts.load import main


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as uvicorn serves

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = self.path == "/v1/recommendations" and bool(body["problem"])
        payload = json.dumps({"results": []} if ok else {"detail": "no such route"}).encode()
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _rows(out: str) -> list[list[str]]:
    lines = [line for line in out.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]


@pytest.mark.heavy
def test_a_second_of_load_reports_requests_latency_and_no_errors(server: str, capsys) -> None:
    assert main(["--url", server, "--concurrency", "2", "--seconds", "1", "--pid", str(os.getpid())]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("| concurrency"))
    assert "p99 ms" in header and "server RSS end MB" in header
    (row,) = _rows(out)
    concurrency, requests, rate, p50, p95, p99, errors, rss_start, rss_end = row
    assert concurrency == "2" and errors == "0"
    assert int(requests) > 10 and float(rate) > 10
    assert 0 < float(p50) <= float(p95) <= float(p99)
    assert float(rss_start) > 0 and float(rss_end) > 0


@pytest.mark.heavy
def test_compare_prints_both_rows_and_the_ratio(server: str, capsys) -> None:
    assert main(["--url", server, "--concurrency", "3", "--seconds", "0.5", "--compare"]) == 0
    out = capsys.readouterr().out
    assert [row[0] for row in _rows(out)] == ["1", "3"]
    assert "throughput x" in out


@pytest.mark.heavy
def test_non_2xx_answers_are_counted_and_shown(server: str, capsys) -> None:
    assert main(["--url", server, "--path", "/nowhere", "--concurrency", "1", "--seconds", "0.3"]) == 1
    out = capsys.readouterr().out
    (row,) = _rows(out)
    assert int(row[6]) > 0 and row[1] == row[6]
    assert "HTTP 404" in out


def test_only_loopback_servers_are_loaded() -> None:
    with pytest.raises(SystemExit):
        main(["--url", "http://example.org", "--seconds", "1"])


@pytest.mark.heavy
def test_rss_is_sampled_through_the_run(server: str, capsys) -> None:
    args = [
        "--url",
        server,
        "--concurrency",
        "1",
        "--seconds",
        "1.2",
        "--pid",
        str(os.getpid()),
        "--rss-every",
        "0.5",
    ]
    assert main(args) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("server RSS MB at"))
    samples = line.split(": ", 1)[1].split(", ")
    assert samples[0].startswith("0 s ") and len(samples) >= 3  # at 0, 0.5, 1.0 s (and later)
    assert all(float(s.split()[-1]) > 0 for s in samples)
