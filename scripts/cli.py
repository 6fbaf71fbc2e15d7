"""The `replikasi` command: import, build-index, recommend, similar, report, serve."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from pathlib import Path

from pydantic import ValidationError
from tqdm import tqdm

from index.encoders import EncoderError
from index.snapshot import SnapshotError, SnapshotStore
from index.threads import one_blas_thread
from recommender.engine import Recommender
from recommender.errors import RecommenderError
from recommender.filters import Asker, Filters
from recommender.importing import ImportOptions, ImportReport, detect_format
from recommender.results import Recommendations
from recommender.workspace import SNAPSHOTS, open_catalogue, open_recommender
from recommender.writer import CatalogueWriter
from service.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="replikasi", description=__doc__)
    parser.add_argument("--data-dir", type=Path, help="overrides REPLIKASI_DATA_DIR")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser(
        "import",
        help="import innovations from JSONL or CSV ('-' = stdin), "
        "or another portal's export through an adapter",
    )
    imp.add_argument("file")
    imp.add_argument(
        "--format",
        help="jsonl, csv (default: from the file), lan, mapping:<name> or mapping:<path to a mapping .json>",
    )
    imp.add_argument("--dry-run", action="store_true", help="report what would happen; change nothing")
    imp.add_argument(
        "--merge",
        action="store_true",
        help="fill the empty fields of stored innovations from rows that duplicate "
        "them (and add the rows' sources) instead of storing those rows",
    )
    imp.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="store an adapter's duplicate rows as innovations of their own "
        "(by default they are reported and left out)",
    )
    imp.add_argument("--report", type=Path, help="also write the import report as JSON here")
    imp.add_argument(
        "--no-index",
        action="store_true",
        help="only store the rows; a running server (or the next start) indexes them",
    )
    build = sub.add_parser("build-index", help="build a fresh index snapshot and swap it in")
    build.add_argument(
        "--incremental",
        action="store_true",
        help="reuse unchanged documents' rows instead of refitting everything",
    )
    for name in ("recommend", "similar"):
        cmd = sub.add_parser(name, help=f"{name} innovations")
        cmd.add_argument("text", help="problem text" if name == "recommend" else "innovation id")
        cmd.add_argument("-k", "--limit", type=int, default=10)
        cmd.add_argument("--sector", action="append")
        cmd.add_argument("--level", action="append")
        cmd.add_argument("--province", action="append")
        cmd.add_argument("--status", action="append")
        cmd.add_argument("--award-tier")
        cmd.add_argument("--year-from", type=int)
        cmd.add_argument("--year-to", type=int)
        cmd.add_argument("--asker-level")
        cmd.add_argument("--asker-province")
        cmd.add_argument("--json", action="store_true", help="print the JSON answer")
    report = sub.add_parser(
        "report", help="write the national team's demand report: one self-contained, printable HTML file"
    )
    report.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: 90 days before --to)")
    report.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    report.add_argument("--province", help="only requests from askers in this province")
    report.add_argument("--level", help="only requests from askers of this level")
    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="overrides REPLIKASI_WORKERS")
    return parser


def _filters(args: argparse.Namespace) -> Filters:
    return Filters.from_mapping(
        {
            k: v
            for k, v in {
                "sector": args.sector,
                "level": args.level,
                "province": args.province,
                "status": args.status,
                "award_tier": args.award_tier,
                "year_from": args.year_from,
                "year_to": args.year_to,
            }.items()
            if v is not None
        }
    )


def _print_table(result: Recommendations) -> None:
    if result.no_good_match:
        print(
            "! Tidak ada inovasi yang benar-benar cocok (kemiripan terbaik "
            f"{result.best_similarity:.2f}); hasil di bawah hanya kandidat lemah."
        )
    if not result.matches:
        print("Tidak ada inovasi yang memenuhi filter.")
    for m in result.matches:
        item = m.innovation
        where = ", ".join(x for x in (item.government, item.province) if x)
        print(f"{m.rank:>2}. {item.name}  [{item.id}]  skor {m.score:.3f}")
        print(
            f"    {item.agency or '-'} — {where or '-'} — {item.level}, {item.sector}"
            f"{' — ' + item.award_tier if item.award_tier else ''}"
            f"{' — ' + str(item.year) if item.year else ''}"
        )
        c = m.components
        dense = ", ".join(f"{k[6:]} {v:.2f}" for k, v in c.items() if k.startswith("dense_"))
        print(
            f"    relevansi {c['relevance']:.2f} (cosinus {dense}; BM25 {c['bm25']:.1f}); "
            f"kata cocok: {', '.join(m.matched_terms) or '-'}"
        )
        if m.passage:
            snippet = textwrap.shorten(m.passage.text, 160, placeholder=" …")
            print(f"    {m.passage.field}: {snippet}")
        if m.flags:
            print(f"    catatan: {', '.join(m.flags)}")


def _print_report(report: ImportReport) -> None:
    verb = "would import" if report.dry_run else "imported"
    print(
        f"{verb} {len(report.accepted)} innovations: {len(report.new)} new, "
        f"{len(report.updated)} updated; {len(report.duplicates)} rows possibly duplicate "
        f"stored ones ({len(report.merged)} of those merged); {len(report.rejected)} rejected"
    )
    for d in report.duplicates:
        print(f"  line {d.line} ({d.id}): possible duplicate of {d.of} (similarity {d.similarity})")
    for r in report.rejected:
        print(f"  line {r.line} ({r.id or 'no id'}): rejected: {r.field}: {r.reason}")
    for flagged in report.review:
        print(f"  line {flagged['line']} ({flagged['id']}): to review: " + "; ".join(flagged["reasons"]))


def _import(args: argparse.Namespace, settings: Settings) -> int:
    data = sys.stdin.buffer.read() if args.file in ("-", "/dev/stdin") else Path(args.file).read_bytes()
    fmt = args.format or detect_format(args.file, data)
    options = ImportOptions.named(
        fmt, merge=args.merge, keep_duplicates=args.keep_duplicates, allow_paths=True
    )
    if args.no_index or args.dry_run:
        recommender = Recommender(
            open_catalogue(settings.data_dir), [], SnapshotStore(settings.data_dir / SNAPSHOTS)
        )
    else:
        recommender = open_recommender(settings.data_dir, settings.load_encoders())
    bar = tqdm(total=0, unit="rows", desc="import", disable=not sys.stderr.isatty())

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    report = CatalogueWriter(recommender).import_rows(data, fmt, progress, options, dry_run=args.dry_run)
    bar.close()
    _print_report(report)
    if args.report:
        args.report.write_text(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if not args.no_index and not args.dry_run:
        recommender.ensure_index(progress=True)
        if recommender.behind():
            recommender.rebuild(progress=True)
        if not recommender.persisted:
            print(
                f"replikasi: the index could not be saved: {'; '.join(recommender.problems)}", file=sys.stderr
            )
            return 1
        print(f"index snapshot {recommender.index_version} is live (a running server picks it up)")
    return 1 if report.rejected else 0


WORKER_HEALTHCHECK_S = 60


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import os

    import uvicorn

    from service.logs import uvicorn_log_config

    host, port = args.host or settings.host, args.port or settings.port
    workers = args.workers or settings.workers
    if workers > 1:
        # Each worker process loads the same memory-mapped snapshot; settings travel by env.
        # One BLAS/OpenMP thread per worker: N workers x N threads would oversubscribe the cores.
        os.environ["REPLIKASI_DATA_DIR"] = str(settings.data_dir)
        os.environ["REPLIKASI_THREADS"] = "1"
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = "1"
        uvicorn.run(
            "service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=uvicorn_log_config(),
            # The supervisor kills a worker that misses a 5 s health ping; a worker importing
            # torch or loading a large snapshot on busy cores can hold the GIL that long, and
            # was killed mid-start (seeding a fresh data directory once) at a load average of 8.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        )
        return 0
    from service.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_config=uvicorn_log_config())
    return 0


def _report(args: argparse.Namespace, recommender: Recommender) -> int:
    from recommender.analytics import Period
    from scripts.report import build

    period = Period.parse(args.start, args.end, args.province, args.level)
    args.out.write_text(build(recommender, period), encoding="utf-8")
    print(f"report for {period.start} to {period.end} written to {args.out}")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "import":
        return _import(args, settings)
    if args.command == "serve":
        return _serve(args, settings)
    recommender = open_recommender(settings.data_dir, settings.load_encoders())
    if args.command == "build-index":
        if args.incremental:
            recommender.ensure_index(progress=True)
        version = recommender.rebuild(progress=True, full=not args.incremental)
        if not recommender.persisted:
            print(
                f"replikasi: the index could not be saved: {'; '.join(recommender.problems)}", file=sys.stderr
            )
            return 1
        print(f"index snapshot {version} is live (a running server picks it up)")
        return 0
    recommender.ensure_index(progress=True)
    if args.command == "report":
        return _report(args, recommender)
    if args.command == "recommend":
        asker = Asker.from_mapping(
            {k: v for k, v in {"level": args.asker_level, "province": args.asker_province}.items() if v}
        )
        result = recommender.recommend(args.text, _filters(args), asker, args.limit)
    else:
        result = recommender.similar(args.text, _filters(args), args.limit)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_table(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    one_blas_thread()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings()
        if args.data_dir:
            settings = settings.model_copy(update={"data_dir": args.data_dir})
        return _run(args, settings)
    except ValidationError as exc:
        problems = "; ".join(
            f"REPLIKASI_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        print(f"replikasi: error: bad setting: {problems}", file=sys.stderr)
        return 2
    except (RecommenderError, EncoderError, SnapshotError) as exc:
        print(f"replikasi: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"replikasi: error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("replikasi: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
