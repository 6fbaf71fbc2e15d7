"""Replay problem statements as if asked by N regions over past weeks: python -m scripts.simulate_demand.

For showing and benchmarking the national team's dashboard on a fresh install: every problem
goes through the real recommender and is logged as the API logs a request (a request id, the
asker's province and level, a backdated time), with kind "simulation" so it can be told apart.
It runs only when started by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from index.encoders import EncoderError
from recommender.adapters.regions import PROVINCES
from recommender.engine import Recommender
from recommender.errors import RecommenderError
from recommender.filters import Asker, Filters
from recommender.query import clean_problem
from recommender.workspace import open_recommender
from service.settings import Settings

KIND = "simulation"
LEVELS = ("provinsi", "kabupaten", "kota")  # the governments that sit in a province
REGIONS = [(p, lv) for p in PROVINCES for lv in LEVELS]
WORKDAY = (7, 17)  # hours (UTC+7 office hours, roughly) the asks fall in


@dataclass(frozen=True)
class Ask:
    problem: str
    province: str
    level: str
    created_at: str
    request_id: str


def read_problems(path: Path) -> list[str]:
    """One problem a line, or JSONL with a `problem` key; blank lines and '#' comments skipped."""
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("{"):
            try:
                text = str(json.loads(text)["problem"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a JSON object with a 'problem'") from exc
        problems.append(text)
    if not problems:
        raise ValueError(f"{path}: no problems in it")
    return problems


def draw_regions(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` distinct (province, level) pairs among the 38 provinces' governments."""
    if not 1 <= count <= len(REGIONS):
        raise ValueError(f"--regions must be between 1 and {len(REGIONS)}, got {count}")
    return rng.sample(REGIONS, count)


def plan(
    problems: list[str],
    regions: list[tuple[str, str]],
    *,
    weeks: int,
    end: dt.date,
    rng: random.Random,
    asks: int | None = None,
) -> list[Ask]:
    """Every problem asked (cycling when ``asks`` is larger), every region asking in turn, at
    random office hours over the ``weeks`` weeks that end on ``end``; oldest first."""
    total = asks or max(len(problems), len(regions))
    order = rng.sample(problems, len(problems))
    out = []
    for i in range(total):
        province, level = regions[i % len(regions)]
        day = end - dt.timedelta(days=rng.randrange(7 * weeks))
        at = dt.datetime.combine(day, dt.time(rng.randrange(*WORKDAY), rng.randrange(60), rng.randrange(60)))
        out.append(
            Ask(
                order[i % len(order)],
                province,
                level,
                at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                uuid.UUID(int=rng.getrandbits(128), version=4).hex,
            )
        )
    return sorted(out, key=lambda a: a.created_at)


def replay(recommender: Recommender, asks: list[Ask], limit: int = 10) -> int:
    """Recommend and log each ask; returns how many got "no good match"."""
    weak = 0
    for ask in asks:
        problem, filters = clean_problem(ask.problem), Filters()
        asker = Asker(level=ask.level, province=ask.province)
        result = recommender.recommend(problem, filters, asker, limit)
        weak += result.no_good_match
        recommender.catalogue.log_recommendation(
            result.log_entry(
                KIND, problem, filters.to_dict(), asker.level, asker.province, ask.request_id, ask.created_at
            )
        )
    return weak


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.simulate_demand", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="the data directory to log into (a new one is seeded)"
    )
    parser.add_argument(
        "--problems", type=Path, required=True, help="problem statements, e.g. data/demand_problems.txt"
    )
    parser.add_argument(
        "--regions",
        type=int,
        required=True,
        help=f"distinct asking regions (province + level), 1-{len(REGIONS)}",
    )
    parser.add_argument("--weeks", type=int, default=6, help="weeks the asks are spread over")
    parser.add_argument(
        "--asks", type=int, help="requests in all (default: every problem once, at least one per region)"
    )
    parser.add_argument("--end", type=dt.date.fromisoformat, help="last day (default: today)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoder", help="overrides REPLIKASI_ENCODER")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.weeks < 1 or (args.asks is not None and args.asks < 1):
            raise ValueError("--weeks and --asks must be at least 1")
        rng = random.Random(args.seed)
        asks = plan(
            read_problems(args.problems),
            draw_regions(args.regions, rng),
            weeks=args.weeks,
            end=args.end or dt.datetime.now(dt.UTC).date(),
            rng=rng,
            asks=args.asks,
        )
        settings = Settings(**({"encoder": args.encoder} if args.encoder else {}))
        recommender = open_recommender(args.data_dir, settings.load_encoders())
        recommender.ensure_index(progress=sys.stderr.isatty())
        weak = replay(recommender, asks)
    except (ValueError, OSError, RecommenderError, EncoderError) as exc:
        print(f"simulate_demand: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"logged {len(asks)} requests from {args.regions} regions between "
        f"{asks[0].created_at[:10]} and {asks[-1].created_at[:10]}; {weak} got no good match"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
