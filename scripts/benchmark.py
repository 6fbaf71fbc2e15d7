"""Speed of the pieces a user waits for: python -m scripts.benchmark [--encoder SPEC] [--queries N]."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from recommender.filters import Filters
from recommender.workspace import BUNDLED_CATALOGUE, open_recommender
from service.settings import Settings

DEV_QUERIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval" / "queries.jsonl"
FALLBACK = ["ambulans lambat datang", "bayi belum punya akta kelahiran", "stunting balita desa",
            "sampah menumpuk di pasar", "izin usaha lama dan lewat calo"]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _queries(limit: int) -> list[str]:
    if DEV_QUERIES.is_file():
        texts = [json.loads(line)["text"] for line in DEV_QUERIES.read_text().splitlines() if line]
    else:
        texts = FALLBACK
    return (texts * (limit // len(texts) + 1))[:limit]


def _timed(fn, *args, **kwargs) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.benchmark", description=__doc__)
    parser.add_argument("--encoder", help="overrides REPLIKASI_ENCODER")
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args(argv)
    settings = Settings()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="replikasi-bench-") as scratch:
        settings = settings.model_copy(update={"data_dir": Path(scratch),
                                               **({"encoder": args.encoder} if args.encoder else {})})
        took, encoders = _timed(settings.load_encoders)
        rows.append(("load encoders (" + settings.encoder + ")", f"{took:.1f} s"))
        recommender = open_recommender(Path(scratch), encoders, seed=BUNDLED_CATALOGUE)  # type: ignore[arg-type]
        took, _ = _timed(recommender.rebuild)
        state_passages = recommender.manifest["passages"]
        rows.append((f"build index from scratch ({len(recommender.items)} innovations, "
                     f"{state_passages} passages)", f"{took:.1f} s ({state_passages / took:.0f} passages/s)"))
        took, _ = _timed(recommender.ensure_index)
        rows.append(("load the existing snapshot (restart)", f"{took:.2f} s"))
        item = recommender.catalogue.get(recommender.items[0].id)
        item.outcomes = (item.outcomes or "") + " Diperbarui."
        recommender.catalogue.replace(item)
        took, _ = _timed(recommender.rebuild)
        rows.append(("rebuild after one edit (incremental encode + swap)", f"{took:.2f} s"))
        for label, filters in (("recommend, no filter", Filters()),
                               ("recommend, level=kabupaten", Filters(level=("kabupaten",)))):
            times = [_timed(recommender.recommend, q, filters)[0] * 1000 for q in _queries(args.queries)]
            rows.append((f"{label}: p50 / p95 / max over {len(times)} queries",
                         f"{statistics.median(times):.0f} / {_percentile(times, 0.95):.0f} / "
                         f"{max(times):.0f} ms"))
        times = [_timed(recommender.similar, i.id)[0] * 1000 for i in recommender.items[:50]]
        rows.append(("similar (more like this): p50 / p95", f"{statistics.median(times):.0f} / "
                     f"{_percentile(times, 0.95):.0f} ms"))
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure'.ljust(width)} | result |")
    print(f"|{'-' * (width + 2)}|--------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
