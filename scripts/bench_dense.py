"""The dense layer alone at scale: FAISS exact, HNSW and IVF on clustered synthetic unit vectors.

python -m scripts.bench_dense [--size 1000000] [--queries 200] [--dim 512] [--threads 2]

The data has the shape of sentence embeddings rather than uniform noise (which no ANN index can
search better than brute force): cluster centroids, sub-cluster offsets, then isotropic noise,
each row L2-normalised. Queries are data points plus a little noise. Recall@k is measured against
the exact answer (faiss.knn). The data is generated chunk by chunk into one array; each index is
built with one add (storage sized once), measured and dropped before the next, and index sizes
are counted while serialising to a byte-counting writer: at most one index beside the data.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import faiss
import numpy as np

from index.dense import DenseIndex
from recommender import markdown

CHUNK = 20_000
SUBCLUSTERS = 16


@dataclass
class Row:
    index: str
    setting: str
    build_s: float
    size_bytes: int
    peak_rss_mb: float
    p50_ms: float
    p95_ms: float
    recall: float


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix


class ClusteredData:
    """Deterministic clustered unit vectors, generated chunk by chunk (float32, (rows, dim))."""

    def __init__(self, size: int, dim: int, seed: int, clusters: int = 0) -> None:
        self.size, self.dim, self.seed = size, dim, seed
        self.clusters = clusters or max(8, size // 1000)
        rng = np.random.default_rng(seed)
        scale = 1 / math.sqrt(dim)
        self.centroids = rng.standard_normal((self.clusters, dim), dtype=np.float32) * scale
        # Sub-cluster offsets and noise each 0.7 of a centroid long: nearest neighbours at cosine
        # ~0.7, sharing a sub-cluster first, then a cluster, as sub-topics and topics do in texts.
        self.offsets = rng.standard_normal((self.clusters, SUBCLUSTERS, dim), dtype=np.float32) * (
            0.7 * scale
        )
        self.noise = 0.7 * scale

    def chunks(self) -> Iterator[np.ndarray]:
        for start in range(0, self.size, CHUNK):
            rows = min(CHUNK, self.size - start)
            rng = np.random.default_rng([self.seed, start])
            cluster = rng.integers(0, self.clusters, rows)
            sub = rng.integers(0, SUBCLUSTERS, rows)
            block = rng.standard_normal((rows, self.dim), dtype=np.float32) * self.noise
            block += self.centroids[cluster]
            block += self.offsets[cluster, sub]
            yield _unit_rows(block)


def _queries(data: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Data points plus noise a quarter as long as the data's own (float32, (count, dim))."""
    rng = np.random.default_rng([seed, 1])
    picked = data[np.sort(rng.choice(len(data), size=count, replace=False))].copy()
    picked += rng.standard_normal(picked.shape, dtype=np.float32) * (0.1 / math.sqrt(data.shape[1]))
    return _unit_rows(picked)


def serialized_size(index: faiss.Index) -> int:
    """Bytes faiss.serialize_index would return, counted without holding the bytes."""
    total = 0

    def count(chunk: bytes) -> int:
        nonlocal total
        total += len(chunk)
        return len(chunk)

    writer = faiss.PyCallbackIOWriter(count)
    faiss.write_index(index, writer)
    del writer
    return total


def _single_queries(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    """Milliseconds per one-query search, and the ids found (int64, (nq, k))."""
    index.search(queries[:1], k)  # warm-up
    times, found = [], np.empty((len(queries), k), dtype=np.int64)
    for i in range(len(queries)):
        started = time.perf_counter()
        _, ids = index.search(queries[i : i + 1], k)
        times.append((time.perf_counter() - started) * 1000)
        found[i] = ids[0]
    return times, found


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k that the approximate top-k holds."""
    k = truth.shape[1]
    return float(
        np.mean([len(set(f.tolist()) & set(t.tolist())) / k for f, t in zip(found, truth, strict=True)])
    )


def _row(
    name: str,
    setting: str,
    build_s: float,
    size: int,
    index: faiss.Index,
    queries: np.ndarray,
    truth: np.ndarray | None,
    k: int,
) -> tuple[Row, np.ndarray]:
    times, found = _single_queries(index, queries, k)
    recall = recall_at(found, truth) if truth is not None else 1.0
    row = Row(
        name,
        setting,
        build_s,
        size,
        _peak_rss_mb(),
        statistics.median(times),
        float(np.percentile(times, 95)),
        recall,
    )
    _log(f"{name} {setting}: p50 {row.p50_ms:.2f} ms, recall {recall:.3f}, rss {_rss_mb():.0f} MB")
    return row, found


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _timed_build(build: Callable[[], faiss.Index]) -> tuple[float, faiss.Index]:
    started = time.perf_counter()
    index = build()
    return time.perf_counter() - started, index


def _build_flat(data: np.ndarray) -> faiss.Index:
    index = faiss.IndexFlatIP(data.shape[1])
    index.add(data)  # one add: storage sized once, not grown by doubling
    return index


def _build_hnsw(data: np.ndarray, m: int, ef_construction: int) -> faiss.Index:
    index = faiss.IndexHNSWFlat(data.shape[1], m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    index.add(data)
    return index


def _build_ivf(data: np.ndarray, nlist: int, seed: int) -> faiss.Index:
    quantizer = faiss.IndexFlatIP(data.shape[1])
    index = faiss.IndexIVFFlat(quantizer, data.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    rng = np.random.default_rng([seed, 2])
    sample = min(len(data), 40 * nlist)
    index.train(data[np.sort(rng.choice(len(data), size=sample, replace=False))])
    _log(f"ivf: trained {nlist} lists on {sample} vectors")
    index.add(data)
    index.quantizer_trains_alone = 0
    index.own_fields = True
    quantizer.this.disown()  # the IVF index frees its quantizer
    return index


class _Served:
    """Replikasi's own dense index (index.dense: IVF with 8-bit codes, candidates re-scored
    exactly from the float vectors) behind faiss's one-query ``search`` signature."""

    def __init__(self, dense: DenseIndex) -> None:
        self.dense = dense

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        rows, scores = self.dense.top(query[0], k)
        ids = np.full((1, k), -1, dtype=np.int64)
        ids[0, : len(rows)] = rows
        return scores.reshape(1, -1), ids


def _generate(args: argparse.Namespace) -> np.ndarray:
    """The one copy of the data (float32, (size, dim)), filled chunk by chunk."""
    started = time.perf_counter()
    data = np.empty((args.size, args.dim), dtype=np.float32)
    start = 0
    for block in ClusteredData(args.size, args.dim, args.seed, args.clusters).chunks():
        data[start : start + len(block)] = block
        start += len(block)
    _log(f"generated {args.size} x {args.dim} in {time.perf_counter() - started:.1f} s")
    return data


def run(args: argparse.Namespace) -> list[Row]:
    faiss.omp_set_num_threads(args.threads)
    k, rows = args.k, []
    data = _generate(args)
    queries = _queries(data, args.queries, args.seed)
    _, truth = faiss.knn(queries, data, k, faiss.METRIC_INNER_PRODUCT)
    # Each index is measured and dropped before the next is built: one index beside the data.
    build_s, flat = _timed_build(lambda: _build_flat(data))
    rows.append(_row("exact (IndexFlatIP)", "-", build_s, serialized_size(flat), flat, queries, truth, k)[0])
    del flat
    if "hnsw" in args.only:
        build_s, hnsw = _timed_build(lambda: _build_hnsw(data, args.hnsw_m, args.ef_construction))
        _log(f"hnsw built in {build_s:.0f} s")
        size = serialized_size(hnsw)
        for ef in args.ef_search:
            hnsw.hnsw.efSearch = ef
            rows.append(
                _row(
                    f"HNSW (M={args.hnsw_m}, efC={args.ef_construction})",
                    f"efSearch={ef}",
                    build_s,
                    size,
                    hnsw,
                    queries,
                    truth,
                    k,
                )[0]
            )
        del hnsw
    if "replikasi" in args.only:
        build_s, dense = _timed_build(lambda: DenseIndex.build(data, ann_min_rows=0))
        assert dense.ann is not None
        _log(f"replikasi's index built in {build_s:.0f} s: {dense.describe()}")
        size = serialized_size(dense.ann) + data.nbytes  # codes, plus the vectors it re-scores from
        chosen, nlist = dense.nprobe, faiss.extract_index_ivf(dense.ann).nlist
        quarter = max(32, nlist // 4)  # the share probed at every size before 8 December
        for nprobe in sorted({chosen // 2, chosen, chosen * 2, quarter}):
            served = DenseIndex(dense.vectors, dense.ann, nprobe)
            note = " (shipped)" if nprobe == chosen else " (a quarter)" if nprobe == quarter else ""
            rows.append(
                _row(
                    f"Replikasi ivf-sq8 + exact re-score (nlist={nlist})",
                    f"nprobe={nprobe}{note}",
                    build_s,
                    size,
                    _Served(served),  # type: ignore[arg-type]
                    queries,
                    truth,
                    k,
                )[0]
            )
        del dense
    if "ivf" in args.only:
        nlist = args.nlist or max(1, int(4 * math.sqrt(args.size)))
        build_s, ivf = _timed_build(lambda: _build_ivf(data, nlist, args.seed))
        _log(f"ivf built in {build_s:.0f} s")
        size = serialized_size(ivf)
        for nprobe in args.nprobe:
            ivf.nprobe = nprobe
            rows.append(
                _row(f"IVF (nlist={nlist})", f"nprobe={nprobe}", build_s, size, ivf, queries, truth, k)[0]
            )
        del ivf
    return rows


def table(rows: list[Row], args: argparse.Namespace) -> str:
    clusters = args.clusters or max(8, args.size // 1000)
    lines = [
        f"{args.size:,} vectors x {args.dim} (float32, unit, {clusters:,} clusters of "
        f"{SUBCLUSTERS} sub-clusters), {args.queries} single "
        f"queries, k={args.k}, faiss {faiss.__version__}, {args.threads} threads",
        "",
    ]
    head = ["index", "setting", "build s", "index MB", "peak RSS MB", "query p50 ms", "query p95 ms"]
    cells = (
        [r.index, r.setting, f"{r.build_s:.1f}", f"{r.size_bytes / 2**20:,.0f}", f"{r.peak_rss_mb:,.0f}"]
        + [f"{r.p50_ms:.2f}", f"{r.p95_ms:.2f}", f"{r.recall:.3f}"]
        for r in rows
    )
    lines += markdown.table([*head, f"recall@{args.k}"], cells, right=range(2, 8))
    return "\n".join(lines)


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench_dense",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2, help="faiss.omp_set_num_threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--clusters",
        type=int,
        default=0,
        help="top-level clusters, 0: size / 1000 (more: smaller, harder for IVF)",
    )
    parser.add_argument(
        "--only",
        type=lambda s: s.split(","),
        default=["replikasi", "hnsw", "ivf"],
        help="comma-separated: replikasi,hnsw,ivf (exact always runs; replikasi is the shipped index)",
    )
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=40)
    parser.add_argument("--ef-search", type=_ints, default=[100, 200, 400])
    parser.add_argument("--nlist", type=int, default=0, help="0: 4 * sqrt(size)")
    parser.add_argument("--nprobe", type=_ints, default=[4, 16, 64])
    args = parser.parse_args(argv)
    if args.queries > args.size:
        parser.error("--queries must not exceed --size")
    print(table(run(args), args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
