"""The labelled query set every quality script reads: its arguments and its input check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"


def add_query_set(parser: argparse.ArgumentParser) -> None:
    """``--queries`` and ``--qrels``, the development set by default."""
    parser.add_argument("--queries", type=Path, default=DEV / "queries.jsonl")
    parser.add_argument("--qrels", type=Path, default=DEV / "qrels.tsv")


def missing_file(prog: str, paths: Iterable[Path]) -> bool:
    """Print an error naming the first of ``paths`` that is not a file; True if there is one."""
    for path in paths:
        if not path.is_file():
            print(f"{prog}: error: no such file: {path}", file=sys.stderr)
            return True
    return False
