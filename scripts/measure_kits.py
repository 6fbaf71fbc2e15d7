"""Measure the replication kit fields as a dense passage or a lexical field (scripts.measure_kits)."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from index.encoders import Encoder
from recommender import markdown
from recommender.evaluation import load_qrels, load_queries, run_systems, summarise
from recommender.ranking import RankingConfig
from recommender.record import Innovation
from recommender.workspace import BUNDLED_CATALOGUE, open_recommender
from scripts.evaluate import known_item
from scripts.lan_known_item import LAN
from scripts.query_set import add_query_set, missing_file
from service.settings import Settings

KIT = ("prerequisites", "steps", "obstacles")


def without_kit(config: RankingConfig) -> RankingConfig:
    """The configuration with no kit field in any leg: what each variant adds the kit to."""
    fields = {f: w for f, w in config.lexical_fields.items() if f not in KIT}
    passages = tuple(g for g in config.passages if not set(g) & set(KIT))
    return replace(config, lexical_fields=fields, passages=passages)


def _kit_passage(config: RankingConfig) -> RankingConfig:
    return replace(config, passages=(*config.passages, KIT))


def _kit_passages(config: RankingConfig) -> RankingConfig:
    return replace(config, passages=(*config.passages, *((f,) for f in KIT)))


def _kit_field(weight: float) -> Callable[[RankingConfig], RankingConfig]:
    def change(config: RankingConfig) -> RankingConfig:
        return replace(config, lexical_fields={**config.lexical_fields, **dict.fromkeys(KIT, weight)})

    return change


# Each variant adds the kit to the configuration without it in one way; the weights were set
# beforehand, not chosen on the figures (no fitted choice, so in-sample figures are fair).
VARIANTS: dict[str, Callable[[RankingConfig], RankingConfig]] = {
    "no kit": lambda config: config,
    "kit as one dense passage": _kit_passage,
    "kit as three dense passages": _kit_passages,
    "kit as lexical fields, weight 0.25 (shipped)": _kit_field(0.25),
    "kit as lexical fields, weight 0.5": _kit_field(0.5),
}


def kit_holders(items: list[Innovation]) -> int:
    """How many innovations have any replication kit field."""
    return sum(any(getattr(i, f) for f in KIT) for i in items)


def measure(
    encoders: list[Encoder],
    config: RankingConfig,
    catalogue: Path,
    queries: Path,
    qrels: Path,
    lan: Path,
) -> dict[str, Any]:
    """Dev-set figures per system (overall, per kind) and the LAN known-item figures, for one
    configuration on a freshly built index."""
    with tempfile.TemporaryDirectory(prefix="replikasi-kits-") as scratch:
        recommender = open_recommender(Path(scratch), encoders, config=config, seed=catalogue)
        recommender.ensure_index()
        dev = load_queries(queries)
        summary = summarise(run_systems(recommender, dev), dev, load_qrels(qrels))
        return {
            "systems": summary["systems"],
            "lan_known_item": known_item(recommender, lan),
            "kit_holders": kit_holders(recommender.items),
            "innovations": len(recommender.items),
        }


def table(results: dict[str, dict[str, Any]]) -> str:
    """One row per variant: full nDCG@10 overall and per kind, bm25 per kind, LAN MRR@10."""
    first = next(iter(results.values()))
    kinds = sorted(first["systems"]["full"]["by_kind"])
    head = ["variant", "full", *kinds, "bm25 " + "/".join(kinds), "LAN MRR@10 full", "LAN bm25"]
    rows = []
    for name, figures in results.items():
        full, bm25 = figures["systems"]["full"], figures["systems"]["bm25"]
        lan = figures["lan_known_item"]
        rows.append(
            [
                name,
                f"{full['ndcg@10']:.3f}",
                *(f"{full['by_kind'][k]['ndcg@10']:.3f}" for k in kinds),
                " / ".join(f"{bm25['by_kind'][k]['ndcg@10']:.3f}" for k in kinds),
                f"{lan['systems']['full']['mrr@10']:.3f}" if lan else "-",
                f"{lan['systems']['bm25']['mrr@10']:.3f}" if lan else "-",
            ]
        )
    lines = markdown.table(head, rows)
    lines.append(f"({first['kit_holders']} of {first['innovations']} innovations have a kit field)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.measure_kits", description=__doc__)
    add_query_set(parser)
    parser.add_argument("--catalogue", type=Path, default=BUNDLED_CATALOGUE)
    parser.add_argument("--lan", type=Path, default=LAN)
    parser.add_argument("--encoder", help="overrides REPLIKASI_ENCODER")
    parser.add_argument("--only", action="append", help="measure only these variants (repeatable)")
    args = parser.parse_args(argv)
    if missing_file("measure_kits", (args.queries, args.qrels, args.catalogue)):
        return 2
    unknown = set(args.only or ()) - set(VARIANTS)
    if unknown:
        print(f"measure_kits: error: unknown variants {sorted(unknown)}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    settings = Settings()
    if args.encoder:
        settings = settings.model_copy(update={"encoder": args.encoder})
    encoders = settings.load_encoders()
    results = {}
    for name, change in VARIANTS.items():
        if args.only and name not in args.only and name != "no kit":
            continue
        config = change(without_kit(RankingConfig()))
        results[name] = measure(encoders, config, args.catalogue, args.queries, args.qrels, args.lan)
        print(f"measured: {name}", file=sys.stderr)
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
