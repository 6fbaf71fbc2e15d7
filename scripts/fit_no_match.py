"""Fit the "no good match" model on the dev set plus our negatives: python -m scripts.fit_no_match."""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recommender.evaluation import Query, load_qrels, load_queries
from recommender.filters import Filters
from recommender.nomatch import MODEL_FILE, THRESHOLD, cross_validate, fit, flag_figures
from recommender.workspace import BUNDLED_CATALOGUE, open_recommender
from service.settings import Settings

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"
# Realistic public-service problems the catalogue does not address, and nonsense strings.
NEGATIVES = Path(__file__).resolve().parents[1] / "data" / "no_match_negatives.jsonl"
REPEATS = 10  # the k-fold split is repeated with other seeds; figures are their mean


@dataclass
class Row:
    id: str
    group: str  # judged (has a relevant innovation), gap (dev set, none), negative, nonsense
    signals: dict[str, float]
    relevant: bool  # the ranker's best result is relevant


def labelled_rows(recommender: Any, queries: list[Query], qrels: dict[str, dict[str, int]],
                  negatives: list[Query]) -> list[Row]:
    """Each query's signals under the shipped ranker, labelled by its best result's grade."""
    rows = []
    for query in [*queries, *negatives]:
        result = recommender.recommend(query.text, Filters.from_mapping(query.filters), limit=1)
        grades = qrels.get(query.id, {}) if query in queries else {}
        best = result.matches[0].innovation.id if result.matches else ""
        group = "judged" if any(g > 0 for g in grades.values()) else \
            "gap" if query in queries else "nonsense" if query.kind == "nonsense" else "negative"
        rows.append(Row(query.id, group, result.signals, grades.get(best, 0) > 0))
    return rows


GROUPS = ("judged", "gap", "negative", "nonsense")


def cross_validated(rows: list[Row], folds: int = 5,
                    thresholds: tuple[float, ...] = (0.2, 0.3, THRESHOLD, 0.4, 0.5),
                    ) -> dict[str, Any]:
    """Flag precision/recall (positive class: no good match) and flags per group at each
    threshold, k-fold, averaged over REPEATS seeds."""
    signals = [r.signals for r in rows]
    labels = [r.relevant for r in rows]
    runs = [cross_validate(signals, labels, folds, seed) for seed in range(REPEATS)]
    members = {g: [i for i, r in enumerate(rows) if r.group == g] for g in GROUPS}
    curve = []
    for t in sorted(set(thresholds)):
        figures = [flag_figures(p, labels, t) for p in runs]
        point: dict[str, Any] = {"threshold": t, **{m: float(np.mean([f[m] for f in figures]))
                                                    for m in ("precision", "recall")}}
        point["flagged"] = {g: float(np.mean([sum(p[i] < t for i in m) for p in runs]))
                            for g, m in members.items()}
        curve.append(point)
    return {"folds": folds, "repeats": REPEATS, "threshold": THRESHOLD, "curve": curve,
            "queries": {g: len(m) for g, m in members.items()},
            "judged_best_irrelevant": sum(not rows[i].relevant for i in members["judged"])}


def report(figures: dict[str, Any]) -> str:
    q = figures["queries"]
    lines = [f"\nNo good match, cross-validated ({figures['folds']}-fold, mean of "
             f"{figures['repeats']} splits; positive class: the best result is not relevant; "
             f"shipped threshold {figures['threshold']})",
             f"| flag below | precision | recall | judged flagged (of {q['judged']}) | "
             f"dev gaps (of {q['gap']}) | our negatives (of {q['negative']}) | "
             f"nonsense (of {q['nonsense']}) |", "|---|---|---|---|---|---|---|"]
    for p in figures["curve"]:
        f = p["flagged"]
        lines.append(f"| {p['threshold']} | {p['precision']:.3f} | {p['recall']:.3f} | "
                     f"{f['judged']:.1f} | {f['gap']:.1f} | {f['negative']:.1f} | "
                     f"{f['nonsense']:.1f} |")
    lines.append(f"(judged queries whose best result is irrelevant: "
                 f"{figures['judged_best_irrelevant']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.fit_no_match", description=__doc__)
    parser.add_argument("--queries", type=Path, default=DEV / "queries.jsonl")
    parser.add_argument("--qrels", type=Path, default=DEV / "qrels.tsv")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    for path in (args.queries, args.qrels):
        if not path.is_file():
            print(f"fit_no_match: error: no such file: {path}", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="replikasi-fit-") as scratch:
        settings = Settings().model_copy(update={"data_dir": Path(scratch)})
        recommender = open_recommender(Path(scratch), settings.load_encoders(),
                                       seed=BUNDLED_CATALOGUE)
        recommender.ensure_index()
        rows = labelled_rows(recommender, load_queries(args.queries), load_qrels(args.qrels),
                             load_queries(NEGATIVES))
    model = fit([r.signals for r in rows], [r.relevant for r in rows])
    model.save(args.out)
    print(report(cross_validated(rows)))
    print("\nweights (standardised features):",
          ", ".join(f"{f} {c:+.2f}" for f, c in zip(model.features, model.coef, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
