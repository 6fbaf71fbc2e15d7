"""txtai hybrid search beside Replikasi on one synthetic catalogue, with the same encoder.

python -m scripts.compare_txtai --size N [--encoder use3] [--queries 100] [--seed 0]

Both index the catalogue from make_catalogue: txtai (``pip install .[bench]``) the whole text
of each innovation (name, problem, solution, outcomes) with BM25 + dense vectors (``hybrid``,
no content store, its default FAISS settings), the dense vectors coming from our encoder through
txtai's external transform; Replikasi its usual snapshot (whole text and field passages, BM25,
character n-grams). Prints a markdown table: build time, index size on disk, query p50/p95.
txtai calls one transform for queries and passages, so only encoders that encode both alike (use3,
the hashing test encoder) make an even comparison.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.encoders import Encoder, load_encoders
from index.threads import one_blas_thread
from recommender import markdown
from recommender.workspace import open_recommender
from scripts.make_catalogue import make_catalogue

DEV_QUERIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval" / "queries.jsonl"
FALLBACK = (
    "ambulans lambat datang",
    "bayi belum punya akta kelahiran",
    "stunting balita desa",
    "sampah menumpuk di pasar",
    "izin usaha lama dan lewat calo",
)


def queries(count: int) -> list[str]:
    """`count` problem texts: the development queries (cycled) or a small fallback."""
    texts = (
        [json.loads(line)["text"] for line in DEV_QUERIES.read_text().splitlines() if line]
        if DEV_QUERIES.is_file()
        else list(FALLBACK)
    )
    return (texts * (count // len(texts) + 1))[:count]


def whole_text(row: dict[str, Any]) -> str:
    """The whole text Replikasi's engine encodes for an innovation."""
    return f"{row['name']}. " + " ".join(row[f] for f in ("problem", "solution", "outcomes") if row[f])


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def interleaved_ms(searches: list[Callable[[str], Any]], texts: list[str]) -> list[list[float]]:
    """Each system's latency per text, the systems taking turns on every text (the order
    alternating), so a busy moment of the machine weighs on all of them alike."""
    for search in searches:
        search(texts[0])  # warm-up: first-call allocations are not query time
    times: list[list[float]] = [[] for _ in searches]
    for i, text in enumerate(texts):
        order = range(len(searches)) if i % 2 == 0 else reversed(range(len(searches)))
        for k in order:
            times[k].append(_timed(functools.partial(searches[k], text))[0] * 1000)
    return times


def _row(system: str, build: str, disk_mb: float, times: list[float], note: str) -> list[str]:
    return [
        system,
        build,
        f"{disk_mb:,.0f}",
        f"{statistics.median(times):.1f}",
        f"{float(np.percentile(times, 95)):.1f}",
        note,
    ]


@dataclass
class System:
    """One built system: its query function and what the table says about its build."""

    name: str
    search: Callable[[str], Any]
    build: str
    disk_mb: float
    note: str
    close: Callable[[], None] = lambda: None


def build_replikasi(catalogue: Path, encoders: list[Encoder], scratch: Path) -> System:
    data_dir = scratch / "replikasi"
    seed_s, recommender = _timed(lambda: open_recommender(data_dir, encoders, seed=catalogue))
    build_s, _ = _timed(recommender.rebuild)
    count = len(recommender.items)
    passages = recommender.manifest.get("passages", "?")
    return System(
        "Replikasi",
        recommender.recommend,
        f"{build_s:.1f} s (+ import {seed_s:.1f} s)",
        _folder_mb(data_dir),
        f"{count} innovations, {passages} passages; ranked, explained top 10",
    )


def build_txtai(rows: list[dict[str, Any]], encoder: Encoder, scratch: Path) -> System:
    from txtai import Embeddings

    def transform(batch: list[str]) -> np.ndarray:
        return encoder.encode_passages(list(batch))

    embeddings = Embeddings({"method": "external", "transform": transform, "hybrid": True, "content": False})
    build_s, _ = _timed(lambda: embeddings.index((r["id"], whole_text(r), None) for r in rows))
    embeddings.save(str(scratch / "txtai"))
    components = embeddings.config.get("build", {}).get("settings", {}).get("components", "?")
    return System(
        "txtai (hybrid)",
        lambda text: embeddings.search(text, 10),
        f"{build_s:.1f} s",
        _folder_mb(scratch / "txtai"),
        f"{embeddings.count()} documents; ids + scores only; faiss {components}",
        embeddings.close,
    )


def table(rows: list[list[str]], header: str) -> str:
    head = ["system", "build", "index on disk MB", "query p50 ms", "query p95 ms", "notes"]
    return "\n".join([header, "", *markdown.table(head, rows, right=(2, 3, 4))])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.compare_txtai",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", type=int, required=True, help="synthetic innovations")
    parser.add_argument("--encoder", default="use3", help="use3 or hashing-256 (quick check)")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="encoder BLAS threads")
    parser.add_argument("--only", choices=("replikasi", "txtai"), help="run one system")
    args = parser.parse_args(argv)
    one_blas_thread()
    try:
        import txtai  # noqa: F401
    except ImportError:
        if args.only != "replikasi":
            parser.error("txtai is not installed: pip install '.[bench]' (or use --only replikasi)")
    encoders = load_encoders(args.encoder, threads=args.threads)
    texts = queries(args.queries)
    rows = make_catalogue(args.size, args.seed)
    systems: list[System] = []
    with tempfile.TemporaryDirectory(prefix="replikasi-txtai-") as tmp:
        scratch = Path(tmp)
        catalogue = scratch / "catalogue.jsonl"
        catalogue.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        if args.only != "txtai":
            systems.append(build_replikasi(catalogue, encoders, scratch))
            print(f"replikasi built: {systems[-1].build}", file=sys.stderr, flush=True)
        if args.only != "replikasi":
            systems.append(build_txtai(rows, encoders[0], scratch))
        times = interleaved_ms([s.search for s in systems], texts)
        out = [_row(s.name, s.build, s.disk_mb, t, s.note) for s, t in zip(systems, times, strict=True)]
        for system in systems:
            system.close()
    print(
        table(
            out,
            f"{args.size:,} synthetic innovations (seed {args.seed}), encoder "
            f"{args.encoder}, {len(texts)} single queries, the systems taking turns on each",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
