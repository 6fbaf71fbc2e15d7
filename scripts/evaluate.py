"""Measure match quality on a labelled query set: python -m scripts.evaluate --queries F --qrels F."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from index.threads import one_blas_thread
from recommender import markdown
from recommender.evaluation import METRICS, SYSTEMS, load_qrels, load_queries, run_systems, summarise
from recommender.workspace import BUNDLED_CATALOGUE, open_recommender
from scripts import fit_fusion
from scripts.fit_no_match import NEGATIVES, cross_validated, labelled_rows
from scripts.fit_no_match import report as no_match_report
from scripts.lan_known_item import LAN, load_known_items
from scripts.query_set import add_query_set, missing_file
from service.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.evaluate", description=__doc__)
    add_query_set(parser)
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--catalogue", type=Path, default=BUNDLED_CATALOGUE)
    parser.add_argument(
        "--data-dir", type=Path, help="reuse this data directory (snapshots, converted models) between runs"
    )
    parser.add_argument("--encoder", help="overrides REPLIKASI_ENCODER")
    parser.add_argument(
        "--sweep-candidates",
        help="comma-separated candidates per leg (K) to "
        "compare; a K above the catalogue size ranks the whole catalogue",
    )
    parser.add_argument(
        "--lan", type=Path, default=LAN, help="LAN export for the known-item table (skipped if absent)"
    )
    parser.add_argument(
        "--markdown", type=Path, help="rewrite the measured section of this file (docs/quality.md)"
    )
    return parser


START, END = "<!-- measured:start -->", "<!-- measured:end -->"


def write_markdown(path: Path, text: str, command: str) -> None:
    """Replace what lies between the markers; the prose around them is kept."""
    body = f"{START}\n_Regenerate with `{command}`._\n{text}\n{END}"
    old = path.read_text(encoding="utf-8") if path.is_file() else f"{START}\n{END}\n"
    if START not in old or END not in old:
        old = f"{old.rstrip()}\n\n{START}\n{END}\n"
    head, _, rest = old.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(head + body + tail, encoding="utf-8")


def _table(rows: dict[str, dict[str, Any]], title: str) -> list[str]:
    cells = ([name, *(f"{figures[m]:.3f}" for m in METRICS)] for name, figures in rows.items())
    return [f"\n{title}", *markdown.table(["system", *METRICS], cells)]


def report(summary: dict[str, Any]) -> str:
    """The printed report: overall table, one table per kind, gaps, worst queries."""
    systems = summary["systems"]
    lines = _table(systems, f"All judged queries ({summary['judged']} of {summary['queries']})")
    kinds = sorted({k for s in systems.values() for k in s["by_kind"]})
    for kind in kinds:
        rows = {n: s["by_kind"][kind] for n, s in systems.items() if kind in s["by_kind"]}
        count = next(iter(rows.values()))["queries"]
        lines += _table(rows, f"kind = {kind} ({count} queries)")
    lines.append("\nQueries with no relevant innovation (top score per system; flagged = no good match)")
    lines += markdown.table(
        ["query", *SYSTEMS, "flagged"],
        (
            [q["id"], *(f"{q['top_score'][n]:.3f}" for n in SYSTEMS), q["flagged_no_good_match"]]
            for q in summary["no_relevant"]
        ),
    )
    flagged = summary["flagged_judged"]
    lines.append(f"\nJudged queries wrongly flagged as no good match: {len(flagged)} {flagged}")
    lines.append("\nTen worst queries of the full ranker (returned id: grade)")
    for q in summary["worst_full"]:
        got = ", ".join(f"{d}:{g}" for d, g in q["returned"])
        want = ", ".join(f"{d}:{g}" for d, g in q["relevant"])
        lines.append(
            f"- {q['id']} ({q['kind']}, nDCG@10 {q['ndcg@10']:.3f}) {q['text'][:90]!r}\n"
            f"    returned {got}\n    relevant {want}"
        )
    return "\n".join(lines)


def known_item(recommender: Any, path: Path) -> dict[str, Any] | None:
    """MRR@10 (and the rest) of every system on the LAN known-item queries; None if absent."""
    if not path.is_file():
        return None
    queries, qrels = load_known_items(path, recommender.items)
    if not queries:
        return None
    summary = summarise(run_systems(recommender, queries), queries, qrels)
    return {
        "queries": len(queries),
        "systems": {n: {m: s[m] for m in METRICS} for n, s in summary["systems"].items()},
    }


def known_item_report(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return "\nLAN known-item queries: skipped (no LAN export found)"
    lines = _table(
        figures["systems"],
        f"LAN known-item queries ({figures['queries']}: an "
        "innovator's own drivers (faktor_pendorong), answered by the entry citing it)",
    )
    return "\n".join(lines)


SWEPT = ("ndcg@10", "mrr@10", "recall@10", "recall@50")


def sweep(recommender: Any, queries: list[Any], qrels: dict[str, dict[str, int]], ks: list[int]) -> str:
    """The full ranker's figures for each candidates-per-leg K, side by side in one run."""
    rows = []
    for k in ks:
        ranker = recommender.with_config(replace(recommender.config, candidates_per_leg=k))
        started = time.perf_counter()
        run = run_systems(ranker, queries)
        took = (time.perf_counter() - started) / max(len(queries), 1) * 1000
        full = summarise(run, queries, qrels)["systems"]["full"]
        label = f"{k} (whole catalogue)" if k >= len(recommender.items) * 4 else str(k)
        rows.append([label, *(f"{full[m]:.3f}" for m in SWEPT), f"{took:.0f}"])
    return "\n".join(markdown.table(["candidates per leg (K)", *SWEPT, "ms per query"], rows))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    one_blas_thread()
    logging.basicConfig(level=logging.WARNING)
    if missing_file("evaluate", (args.queries, args.qrels, args.catalogue)):
        return 2
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="replikasi-eval-") as scratch:
        data_dir = args.data_dir or Path(scratch)
        update: dict[str, Any] = {"data_dir": data_dir}
        if args.encoder:
            update["encoder"] = args.encoder
        settings = settings.model_copy(update=update)
        started = time.perf_counter()
        recommender = open_recommender(data_dir, settings.load_encoders(), seed=args.catalogue)
        recommender.ensure_index(progress=True)
        built = time.perf_counter() - started
        queries = load_queries(args.queries)
        qrels = load_qrels(args.qrels)
        if args.sweep_candidates:
            print(sweep(recommender, queries, qrels, [int(k) for k in args.sweep_candidates.split(",")]))
            return 0
        summary = summarise(run_systems(recommender, queries), queries, qrels)
        lan_started = time.perf_counter()
        summary["lan_known_item"] = known_item(recommender, args.lan)
        lan_took = time.perf_counter() - lan_started
        rows = labelled_rows(recommender, queries, qrels, load_queries(NEGATIVES))
        summary["no_match_cross_validated"] = cross_validated(rows, shipped=recommender.no_match.threshold)
        candidates = fit_fusion.samples(recommender, queries, qrels)
        summary["learned_fusion_cross_validated"] = fit_fusion.cross_validated(recommender, candidates, qrels)
    summary["encoders"] = [e.name for e in recommender.encoders]
    summary["seconds"] = {
        "index": round(built, 1),
        "queries": round(time.perf_counter() - started - built - lan_took, 1),
        "lan_known_item": round(lan_took, 1),
    }
    header = (
        f"encoders: {', '.join(summary['encoders'])}; index {built:.0f} s, "
        f"{len(queries)} queries x {len(SYSTEMS)} systems {summary['seconds']['queries']:.0f} s"
    )
    text = "\n".join(
        [
            report(summary),
            known_item_report(summary["lan_known_item"]),
            no_match_report(summary["no_match_cross_validated"]),
            fit_fusion.report(summary["learned_fusion_cross_validated"]),
        ]
    )
    print(header)
    print(text)
    if args.markdown:
        command = "python -m scripts.evaluate " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(args.markdown, f"\n{header}\n{text}", command)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
