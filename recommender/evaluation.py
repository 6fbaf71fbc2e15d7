"""Retrieval quality on a labelled query set: metrics and the systems compared in docs/quality.md."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from recommender.engine import Recommender
from recommender.filters import Filters

SYSTEMS = ("tfidf", "bm25", "dense", "hybrid", "full")
METRICS = ("ndcg@10", "mrr@10", "recall@10", "recall@50")


@dataclass
class Query:
    id: str
    text: str
    kind: str
    filters: dict[str, Any] = field(default_factory=dict)


def load_queries(path: Path) -> list[Query]:
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            queries.append(
                Query(str(raw["id"]), raw["text"], raw.get("kind", "all"), raw.get("filters") or {})
            )
    return queries


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TREC qrels: ``query_id 0 doc_id grade`` per line (tabs or spaces)."""
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4:
            qrels[parts[0]][parts[2]] = int(parts[3])
    return dict(qrels)


def metrics(ranked: Sequence[str], grades: dict[str, int]) -> dict[str, float]:
    """nDCG@10 (linear gains, ideal from every judged item), MRR@10, Recall@10 and @50."""
    relevant = {d for d, g in grades.items() if g > 0}
    gains = [grades.get(d, 0) for d in ranked[:10]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted((g for g in grades.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    first = next((i for i, d in enumerate(ranked[:10]) if d in relevant), None)
    return {
        "ndcg@10": dcg / idcg if idcg else 0.0,
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
        "recall@10": len(relevant & set(ranked[:10])) / len(relevant),
        "recall@50": len(relevant & set(ranked[:50])) / len(relevant),
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    return {m: float(np.mean([r[m] for r in rows])) if rows else 0.0 for m in METRICS}


class TfidfBaseline:
    """What a portal would bolt on today: TF-IDF word 1-2-grams over name, problem and solution."""

    def __init__(self, recommender: Recommender) -> None:
        # One row per index row (a deleted or retired one empty), as eligible() numbers them.
        texts = [
            " ".join(x for x in (i.name, i.problem, i.solution) if x) if i is not None else ""
            for i in recommender.row_items
        ]
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform(texts)

    def scores(self, text: str) -> np.ndarray:
        return np.asarray((self.matrix @ self.vectorizer.transform([text]).T).todense()).ravel()


@dataclass
class Run:
    """Per system, per query: the ranked ids (50) and the top score."""

    ranked: dict[str, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    top_score: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    no_good_match: dict[str, bool] = field(default_factory=dict)


def _order(scores: np.ndarray, eligible: np.ndarray, ids: list[str]) -> tuple[list[str], float]:
    picked = eligible[np.argsort(-scores[eligible], kind="stable")[:50]]
    return [ids[i] for i in picked], float(scores[picked[0]]) if len(picked) else 0.0


def run_systems(
    recommender: Recommender, queries: list[Query], progress: Callable[[int], None] | None = None
) -> Run:
    """Answer every query with every system; filters restrict every system alike.

    The single-leg systems (tfidf, bm25, dense) score the whole catalogue; ``hybrid`` and
    ``full`` are the shipped candidate ranker without and with the replication adjustments.
    """
    hybrid = recommender.with_config(recommender.config.without_adjustments())
    ids = [i.id if i is not None else "" for i in hybrid.row_items]
    tfidf = TfidfBaseline(recommender)
    run = Run()
    for number, query in enumerate(queries, start=1):
        filters = Filters.from_mapping(query.filters)
        eligible = recommender.eligible(filters)
        vectors = [enc.encode_queries([query.text])[0] for enc in hybrid.encoders]
        bm25, dense = hybrid.whole_catalogue_signals(query.text, vectors[0])
        for name, scores in (("tfidf", tfidf.scores(query.text)), ("bm25", bm25), ("dense", dense)):
            run.ranked[name][query.id], run.top_score[name][query.id] = _order(scores, eligible, ids)
        both = hybrid.recommend(query.text, filters, limit=50, queries=vectors)
        run.ranked["hybrid"][query.id] = [m.innovation.id for m in both.matches]
        run.top_score["hybrid"][query.id] = both.matches[0].score if both.matches else 0.0
        full = recommender.recommend(query.text, filters, limit=50, queries=vectors)
        run.ranked["full"][query.id] = [m.innovation.id for m in full.matches]
        run.top_score["full"][query.id] = full.best_similarity
        run.no_good_match[query.id] = full.no_good_match
        if progress:
            progress(number)
    return run


def summarise(run: Run, queries: list[Query], qrels: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Figures per system (overall and by kind), the no-relevant queries and the worst ten."""
    judged = [q for q in queries if any(g > 0 for g in qrels.get(q.id, {}).values())]
    unjudged = [q for q in queries if q not in judged]
    systems: dict[str, Any] = {}
    per_query: dict[str, dict[str, dict[str, float]]] = {}
    for name in SYSTEMS:
        scores = {q.id: metrics(run.ranked[name][q.id], qrels[q.id]) for q in judged}
        per_query[name] = scores
        by_kind = defaultdict(list)
        for q in judged:
            by_kind[q.kind].append(scores[q.id])
        systems[name] = {
            **mean_metrics(list(scores.values())),
            "by_kind": {k: {**mean_metrics(v), "queries": len(v)} for k, v in sorted(by_kind.items())},
        }
    worst = sorted(judged, key=lambda q: per_query["full"][q.id]["ndcg@10"])[:10]
    return {
        "queries": len(queries),
        "judged": len(judged),
        "systems": systems,
        "no_relevant": [
            {
                "id": q.id,
                "kind": q.kind,
                "text": q.text,
                "top_score": {n: run.top_score[n][q.id] for n in SYSTEMS},
                "flagged_no_good_match": run.no_good_match[q.id],
            }
            for q in unjudged
        ],
        "flagged_judged": [q.id for q in judged if run.no_good_match[q.id]],
        "worst_full": [
            {
                "id": q.id,
                "kind": q.kind,
                "text": q.text,
                "ndcg@10": per_query["full"][q.id]["ndcg@10"],
                "returned": [[d, qrels[q.id].get(d, 0)] for d in run.ranked["full"][q.id][:5]],
                "relevant": sorted(qrels[q.id].items(), key=lambda kv: -kv[1])[:5],
            }
            for q in worst
        ],
    }
