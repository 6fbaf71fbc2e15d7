"""Loopback load on the recommendation endpoint: python -m scripts.load --concurrency C --seconds S.

C worker threads, each with its own keep-alive connection, POST realistic problems (the
development queries when present) for S seconds; prints a markdown table of throughput, latency
percentiles and errors, and the server's resident memory at start and end with --pid.
--compare runs concurrency 1 first, then C, and prints the ratio.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np

from recommender import markdown

DEV_QUERIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval" / "queries.jsonl"
FALLBACK = (
    "Ambulans sering terlambat datang ketika warga desa mengalami keadaan gawat darurat.",
    "Banyak bayi di kabupaten kami belum punya akta kelahiran karena kantor dukcapil jauh.",
    "Angka stunting balita di desa pesisir masih tinggi dan posyandu jarang buka.",
    "Sampah menumpuk di pasar tradisional dan sungai setiap musim hujan.",
    "Izin usaha kecil lama keluar dan warga masih lewat calo.",
    "Keluhan warga soal jalan rusak tidak pernah ditindaklanjuti oleh dinas terkait.",
    "Petani kesulitan mendapatkan pupuk bersubsidi tepat waktu saat musim tanam.",
    "Warga miskin tidak tahu cara mendaftar bantuan sosial dan datanya tidak mutakhir.",
)
MAX_CONCURRENCY = 256
MAX_SECONDS = 3600
SHOWN_ERRORS = 3


def load_texts(path: Path | None) -> list[str]:
    """Problem texts: the "text" field of a JSONL file when it exists, else our own sentences."""
    if path is not None and path.is_file():
        texts = [
            json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        if texts:
            return texts
    return list(FALLBACK)


@dataclass
class Result:
    concurrency: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    messages: list[str] = field(default_factory=list)
    rss_kb: tuple[int | None, int | None] = (None, None)
    rss_samples: list[tuple[float, int | None]] = field(default_factory=list)  # (seconds in, KiB)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def rss_kb(pid: int | None) -> int | None:
    """The process's resident set (VmRSS, KiB), or None."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _worker(
    client: httpx.Client,
    url: str,
    texts: list[str],
    offset: int,
    limit: int,
    deadline: float,
    result: Result,
    lock: threading.Lock,
) -> None:
    i = offset
    while time.perf_counter() < deadline:
        body = {"problem": texts[i % len(texts)], "limit": limit}
        i += 1
        started = time.perf_counter()
        try:
            response = client.post(url, json=body)
            error = None if response.is_success else f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        took = (time.perf_counter() - started) * 1000
        with lock:
            if error is None:
                result.latencies_ms.append(took)
            else:
                result.errors += 1
                if len(result.messages) < SHOWN_ERRORS:
                    result.messages.append(error)


def run_load(
    url: str,
    concurrency: int,
    seconds: float,
    texts: list[str],
    *,
    limit: int = 10,
    timeout: float = 30.0,
    pid: int | None = None,
    rss_every: float = 0.0,
) -> Result:
    """`concurrency` threads posting for `seconds`; latencies of the successful requests."""
    result, lock = Result(concurrency), threading.Lock()
    before = rss_kb(pid)
    clients = [httpx.Client(timeout=timeout) for _ in range(concurrency)]
    step = max(1, len(texts) // concurrency)
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=_worker, args=(client, url, texts, n * step, limit, deadline, result, lock), daemon=True
        )
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    if rss_every > 0 and pid is not None:
        result.rss_samples.append((0.0, before))
        next_sample = started + rss_every
        while any(t.is_alive() for t in threads):
            threads[0].join(timeout=max(0.0, min(next_sample, deadline + timeout) - time.perf_counter()))
            if time.perf_counter() >= next_sample:
                result.rss_samples.append((time.perf_counter() - started, rss_kb(pid)))
                next_sample += rss_every
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    result.rss_kb = (before, rss_kb(pid))
    return result


def table(results: list[Result], with_rss: bool) -> str:
    head = ["concurrency", "requests", "requests/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    if with_rss:
        head += ["server RSS start MB", "server RSS end MB"]
    rows = []
    for r in results:
        cells: list[object] = [r.concurrency, r.requests, f"{r.rate:.1f}"]
        cells += [f"{r.percentile(p):.1f}" for p in (50, 95, 99)] + [r.errors]
        if with_rss:
            cells += ["-" if kb is None else f"{kb / 1024:.0f}" for kb in r.rss_kb]
        rows.append(cells)
    return "\n".join(markdown.table(head, rows, right=range(len(head))))


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.load",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server (loopback)")
    parser.add_argument("--path", default="/v1/recommendations")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=10, help="results asked for per request")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument(
        "--queries",
        type=Path,
        default=DEV_QUERIES,
        help="JSONL with a 'text' field per line (default: the development set)",
    )
    parser.add_argument("--pid", type=int, help="server process: report its VmRSS at start and end")
    parser.add_argument(
        "--rss-every",
        type=float,
        default=0.0,
        help="with --pid: also sample its VmRSS every this many seconds",
    )
    parser.add_argument(
        "--compare", action="store_true", help="run concurrency 1, then --concurrency, and print the ratio"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be 1..{MAX_CONCURRENCY}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be above 0 and at most {MAX_SECONDS}")
    if not _loopback(args.url):
        parser.error(f"{args.url} is not a loopback address: this load is for local servers only")
    url = args.url.rstrip("/") + args.path
    texts = load_texts(args.queries)
    levels = [1, args.concurrency] if args.compare and args.concurrency > 1 else [args.concurrency]
    results = [
        run_load(
            url,
            c,
            args.seconds,
            texts,
            limit=args.limit,
            timeout=args.timeout,
            pid=args.pid,
            rss_every=args.rss_every,
        )
        for c in levels
    ]
    print(f"POST {url}, {args.seconds:g} s per row, {len(texts)} distinct problems\n")
    print(table(results, args.pid is not None))
    for r in results:
        if r.rss_samples:
            samples = ", ".join(
                f"{at:.0f} s {'-' if kb is None else f'{kb / 1024:.0f}'}" for at, kb in r.rss_samples
            )
            print(f"\nserver RSS MB at concurrency {r.concurrency}: {samples}")
    if len(results) == 2 and results[0].rate:
        single, many = results
        print(
            f"\nthroughput x{many.rate / single.rate:.2f} at concurrency {many.concurrency}; "
            f"p50 x{many.percentile(50) / single.percentile(50):.2f}"
        )
    for r in results:
        for message in r.messages:
            print(f"\nerror at concurrency {r.concurrency}: {message}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
