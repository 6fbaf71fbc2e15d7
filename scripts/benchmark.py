"""Speed at a catalogue size: python -m scripts.benchmark [--size N] [--encoder SPEC] [--queries N].

Builds a synthetic catalogue of N innovations (scripts.make_catalogue; 0 = the bundled one), then
prints one table: build (against the encoder's raw throughput), restart, recommend p50/p95/p99
unfiltered and with ~1% and ~30% filters, similar, a write until searchable, reads during a
2,000-row import, peak memory and snapshot size. With --size > 0 the bundled catalogue's
recommend latency is measured in the same run, for the growth ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from index.threads import one_blas_thread
from recommender.engine import Recommender
from recommender.filters import Filters
from recommender.record import validate_record
from recommender.workspace import BUNDLED_CATALOGUE, open_recommender
from recommender.writer import CatalogueWriter, IndexUpdater
from scripts.make_catalogue import make_catalogue
from service.settings import Settings

DEV_QUERIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval" / "queries.jsonl"
FALLBACK = [
    "ambulans lambat datang",
    "bayi belum punya akta kelahiran",
    "stunting balita desa",
    "sampah menumpuk di pasar",
    "izin usaha lama dan lewat calo",
]
Row = tuple[str, str]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _queries(limit: int) -> list[str]:
    if DEV_QUERIES.is_file():
        texts = [json.loads(line)["text"] for line in DEV_QUERIES.read_text().splitlines() if line]
    else:
        texts = FALLBACK
    return (texts * (limit // len(texts) + 1))[:limit]


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def _latencies(rec: Recommender, texts: list[str], filters: Filters) -> tuple[list[float], int]:
    """Milliseconds per query, and how many answers came back short of min(10, eligible)."""
    times, short = [], 0
    for text in texts:
        took, result = _timed(rec.recommend, text, filters)
        times.append(took * 1000)
        short += len(result.matches) < min(10, result.candidates)
    return times, short


def _spread(times: list[float]) -> str:
    return (
        f"{statistics.median(times):.1f} / {percentile(times, 0.95):.1f} / {percentile(times, 0.99):.1f} ms"
    )


def _filter_near(rec: Recommender, share: float) -> tuple[Filters, float]:
    """A sector/province filter admitting about ``share`` of the catalogue."""
    items = rec.items
    n = len(items)
    by_pair = Counter((i.sector, i.province) for i in items if i.province)
    by_sector = Counter(i.sector for i in items)
    if share < 0.05:
        (sector, province), count = min(by_pair.items(), key=lambda kv: abs(kv[1] / n - share))
        return Filters(sector=(sector,), province=(province,)), count / n
    chosen, total = [], 0
    for sector, count in by_sector.most_common():
        if total / n >= share:
            break
        chosen.append(sector)
        total += count
    return Filters(sector=tuple(chosen)), total / n


def _raw_throughput(rec: Recommender) -> float:
    """Passages per second of the encoder alone, on the same mix of passages a build encodes
    (whole texts and field passages of the first innovations, in one call)."""
    texts = [t for item in rec.items[:100] for _, t in rec.passages(item)]
    took, _ = _timed(rec.encoders[0].encode_passages, texts)
    return len(texts) / max(took, 1e-9)


def _ann_recall(rec: Recommender, texts: list[str]) -> str:
    index = rec._require_state().snapshot.dense[0]
    hits, total, ann_ms, exact_ms = 0, 0, [], []
    for text in texts[:100]:
        query = rec.encoders[0].encode_queries([text])[0]
        took, (rows, _) = _timed(index.top, query, 100)
        ann_ms.append(took * 1000)
        started = time.perf_counter()
        exact = np.argsort(-index.scores(query))[:100]
        exact_ms.append((time.perf_counter() - started) * 1000)
        hits += len(set(rows.tolist()) & set(exact.tolist()))
        total += 100
    return (
        f"{hits / total:.3f} (ANN {statistics.median(ann_ms):.1f} ms vs exact scan "
        f"{statistics.median(exact_ms):.1f} ms p50)"
    )


def _until_searchable(
    rec: Recommender, writer: CatalogueWriter, seed_item: dict[str, Any], *, edit: bool = False
) -> tuple[float, float]:
    """Seconds from one write (a create, or with ``edit`` a replace of an existing record) until
    a query finds it, and until the snapshot holding it is written (CURRENT names it)."""
    if edit:
        name, problem = (
            "Gudang Dingin Nelayan Uji Sunting",
            "Ikan tangkapan nelayan busuk tanpa gudang dingin uji sunting.",
        )
    else:
        name, problem = (
            "Perahu Pustaka Keliling Uji Tulis",
            "Anak pulau terluar tanpa perpustakaan sama sekali uji tulis.",
        )
    words = name.lower()
    item = validate_record(
        {
            **seed_item,
            "id": seed_item["id"] if edit else "bench-write-probe",
            "name": name,
            "problem": problem,
        }
    )
    started = time.perf_counter()
    (writer.replace if edit else writer.create)(item)
    found = float("nan")
    while time.perf_counter() - started < 120:
        if rec.recommend(words, limit=3).matches[0].innovation.id == item.id:
            found = time.perf_counter() - started
            break
        time.sleep(0.02)
    while time.perf_counter() - started < 240:
        if rec.snapshots.current_name() == rec.index_version and not rec.behind():
            return found, time.perf_counter() - started
        time.sleep(0.02)
    return found, float("nan")


def _reads_during_import(
    rec: Recommender,
    writer: CatalogueWriter,
    updater: IndexUpdater,
    rows: list[dict[str, Any]],
    texts: list[str],
) -> tuple[list[float], float]:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    done = threading.Event()
    started = time.perf_counter()

    def load() -> None:
        writer.import_rows(data, "jsonl")
        updater.wait_until_current(timeout=1800)
        done.set()

    threading.Thread(target=load, daemon=True).start()
    times: list[float] = []
    i = 0
    while not done.is_set():
        times.append(_timed(rec.recommend, texts[i % len(texts)])[0] * 1000)
        i += 1
    return times, time.perf_counter() - started


def measure(size: int, settings: Settings, queries: int, seed: int, scratch: Path) -> list[Row]:
    rows: list[Row] = []
    catalogue_file = BUNDLED_CATALOGUE
    if size:
        records = make_catalogue(size + 2000, seed)
        catalogue_file = scratch / "catalogue.jsonl"
        catalogue_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records[:size]))
        extra = records[size:]
    took, encoders = _timed(settings.load_encoders)
    rows.append((f"load encoders ({settings.encoder})", f"{took:.1f} s"))
    data_dir = scratch / f"data-{size}"
    took, rec = _timed(open_recommender, data_dir, encoders, seed=catalogue_file)
    n = rec.catalogue.count()
    rows.append((f"import {n} innovations (validation, near-duplicate check)", f"{took:.1f} s"))
    took, _ = _timed(rec.rebuild, full=True)
    passages = int(rec.manifest["passages"])
    raw = _raw_throughput(rec)
    rows.append(
        (
            f"full build ({n} innovations, {passages} passages, dense {rec.manifest['dense'][0]['kind']})",
            f"{took:.1f} s = {passages / took:.0f} passages/s; raw encoder {raw:.0f}/s "
            f"({passages / took / raw:.0%})",
        )
    )
    fresh = open_recommender(data_dir, encoders, seed=None, builds=settings.child_builds())
    took, _ = _timed(fresh.ensure_index)
    rows.append(("restart: load the snapshot (memory-mapped, checksums verified)", f"{took:.2f} s"))
    rec = fresh
    texts = _queries(queries)
    _latencies(rec, texts[:10], Filters())  # warm caches
    for label, (filters, share) in (
        ("no filter", (Filters(), 1.0)),
        ("~1% filter", _filter_near(rec, 0.01)),
        ("~30% filter", _filter_near(rec, 0.30)),
    ):
        times, short = _latencies(rec, texts, filters)
        rows.append(
            (
                f"recommend, {label} ({share:.1%} eligible): p50 / p95 / p99 over {len(times)}",
                f"{_spread(times)}; {short} answers short of k",
            )
        )
    dense = rec.manifest["dense"][0]
    if dense["kind"] != "exact":
        rows.append(
            (
                f"dense ANN ({dense['kind']}, nlist {dense['nlist']}, nprobe "
                f"{dense['nprobe']}): recall@100 of passages vs exact",
                _ann_recall(rec, texts),
            )
        )
    ids = [i.id for i in rec.items[: min(100, n)]]
    times = [_timed(rec.similar, i)[0] * 1000 for i in ids]
    rows.append(("similar: p50 / p95 / p99", _spread(times)))
    updater = IndexUpdater(rec)
    writer = CatalogueWriter(rec, on_change=updater.notify)
    updater.start()
    # A server prepares the near-duplicate index in the background as it starts; a write that
    # came before it is ready would wait for it.
    took, _ = _timed(writer.warm)
    rows.append(("near-duplicate index of the catalogue, prepared once at start", f"{took:.1f} s"))
    seed_item = rec.items[0].to_dict()
    for label, edit in (("one create", False), ("one edit of an indexed record", True)):
        found, written = _until_searchable(rec, writer, seed_item, edit=edit)
        rows.append(
            (
                f"{label} until searchable / until its snapshot is written (debounce 0.3 s)",
                f"{found:.2f} s / {written:.2f} s",
            )
        )
    if size:
        times, took = _reads_during_import(rec, writer, updater, extra, texts)
        rows.append(
            (
                f"reads during a {len(extra)}-row import until searchable ({took:.0f} s): p50 / p95 / p99",
                _spread(times),
            )
        )
    updater.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    snap = rec.snapshots.root / (rec.index_version or "")
    size_mb = sum(p.stat().st_size for p in snap.iterdir()) / 1e6 if snap.is_dir() else 0.0
    rows.append(("peak RSS of this process / snapshot on disk", f"{peak:.0f} MB / {size_mb:.0f} MB"))
    return rows


def print_table(rows: list[Row]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | result |")
    print(f"|{'-' * (width + 2)}|--------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.benchmark", description=__doc__)
    parser.add_argument("--encoder", help="overrides REPLIKASI_ENCODER")
    parser.add_argument("--size", type=int, default=0, help="synthetic innovations (0 = bundled)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    one_blas_thread()
    settings = Settings()
    if args.encoder:
        settings = settings.model_copy(update={"encoder": args.encoder})
    with tempfile.TemporaryDirectory(prefix="replikasi-bench-") as scratch:
        if args.size:
            small = measure(0, settings, args.queries, args.seed, Path(scratch))
            base = next(v for k, v in small if k.startswith("recommend, no filter"))
        rows = measure(args.size, settings, args.queries, args.seed, Path(scratch))
        if args.size:
            big = next(v for k, v in rows if k.startswith("recommend, no filter"))
            ratio = float(big.split(" / ")[0]) / float(base.split(" / ")[0])
            rows.append(
                (
                    "recommend p50 growth from the bundled catalogue (same run)",
                    f"{base.split(' / ')[0]} ms -> {big.split(' / ')[0]} ms = {ratio:.1f}x",
                )
            )
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
