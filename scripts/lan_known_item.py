"""LAN known-item queries, built at run time: the innovators' own drivers, answered by our entry."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from recommender.adapters.cleaning import strip_html
from recommender.evaluation import Query
from recommender.record import Innovation

LAN = Path(__file__).resolve().parents[2] / "shared" / "data" / "lan" / "inovasi_lan.jsonl"
KIND = "lan-known-item"
# "... inovasi-lan, data/table-inovasi.sql, id 51 & 81)": the LAN ids a source cites.
_IDS = re.compile(r"\bid\s+(\d+(?:\s*(?:&|,|dan)\s*\d+)*)", re.IGNORECASE)


def cited_lan_ids(item: Innovation) -> list[int]:
    """The LAN record ids named in an innovation's sources ("inovasi-lan ... id N")."""
    ids: list[int] = []
    for source in item.sources:
        if "inovasi-lan" not in source.lower():
            continue
        for match in _IDS.finditer(source):
            ids += [int(n) for n in re.findall(r"\d+", match.group(1))]
    return ids


def known_item_set(
    lan_rows: Iterable[dict[str, Any]],
    items: Iterable[Innovation],
) -> tuple[list[Query], dict[str, dict[str, int]]]:
    """One query per cited LAN record with a driver text; its answers are the citing entries."""
    citing: dict[int, list[str]] = defaultdict(list)
    for item in items:
        for cited in cited_lan_ids(item):
            citing[cited].append(item.id)
    queries: list[Query] = []
    qrels: dict[str, dict[str, int]] = {}
    for row in lan_rows:
        lan_id = row.get("id")
        text = strip_html(row.get("faktor_pendorong") or "")
        if not isinstance(lan_id, int) or lan_id not in citing or not text:
            continue
        qid = f"lan-{lan_id}"
        queries.append(Query(qid, text, KIND))
        qrels[qid] = {doc: 1 for doc in citing[lan_id]}
    return queries, qrels


def load_known_items(
    path: Path,
    items: Iterable[Innovation],
) -> tuple[list[Query], dict[str, dict[str, int]]]:
    """The query set from a LAN export on disk (JSON lines)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return known_item_set(rows, items)
