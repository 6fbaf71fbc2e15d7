"""Print the import figures of docs/importing.md: the sector classifier's cross-validated
accuracy, its agreement on the LAN records our catalogue cites, duplicate precision/recall.

    python -m scripts.measure_import [--lan ../shared/data/lan/inovasi_lan.jsonl]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from recommender.adapters.measure import markdown_report
from recommender.adapters.sector import BUNDLED_CATALOGUE, read_catalogue

LAN_EXPORT = Path(__file__).resolve().parents[2] / "shared" / "data" / "lan" / "inovasi_lan.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lan", type=Path, default=LAN_EXPORT, help="the LAN export (JSONL)")
    parser.add_argument("--catalogue", type=Path, default=BUNDLED_CATALOGUE)
    args = parser.parse_args(argv)
    if not args.lan.is_file():
        print(f"measure_import: error: no LAN export at {args.lan}")
        return 2
    print(markdown_report(args.lan.read_bytes(), read_catalogue(args.catalogue)), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
