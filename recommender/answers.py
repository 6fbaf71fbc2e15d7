"""A ranked search turned into the answer a planner reads: components, reasons, adopters, flags."""

from __future__ import annotations

import numpy as np

from index.encoders import Encoder
from recommender.explain import Explainer
from recommender.filters import Asker, Filters
from recommender.nomatch import NoMatchModel
from recommender.ranking import RankingConfig, context_components, value_components
from recommender.record import Innovation
from recommender.replication import Ledger, adopters_of
from recommender.results import Match, Recommendations
from recommender.search import SearchState

EXPLAIN_FIELDS = ("problem", "solution", "outcomes", "name")


class Answerer:
    """Ranks on one search state and explains the first ``limit`` results."""

    def __init__(
        self, encoders: list[Encoder], config: RankingConfig, explainer: Explainer, no_match: NoMatchModel
    ) -> None:
        self.encoders, self.config = encoders, config
        self.explainer, self.no_match = explainer, no_match

    def answer(
        self,
        state: SearchState,
        text: str,
        queries: list[np.ndarray],
        filters: Filters,
        asker: Asker,
        limit: int,
        exclude: int | None,
    ) -> Recommendations:
        terms = state.snapshot.lexical.query_terms(text)
        ranked = state.rank(text, queries, filters, asker, limit, exclude)
        matches = []
        for rank, row in enumerate(ranked.order[:limit], start=1):
            item = state.items[row]
            assert item is not None  # only live rows are eligible
            ledger = state.ledgers.get(item.id)
            twin = ranked.grouped.get(row)
            twin_item = state.items[twin] if twin is not None else None
            matches.append(
                self._match(
                    item,
                    rank,
                    ranked.final[row],
                    self._components(ranked.components[row], item, asker, ledger),
                    set(terms),
                    twin_item.id if twin_item is not None else None,
                    ledger,
                )
            )
        probability = self.no_match.probability(ranked.signals) if ranked.eligible else 0.0
        return Recommendations(
            matches,
            self.no_match.flags(probability),
            ranked.best_similarity,
            ranked.eligible,
            state.version,
            terms,
            probability,
            ranked.signals,
        )

    def _components(
        self, raw: dict[str, float], item: Innovation, asker: Asker, ledger: Ledger | None
    ) -> dict[str, float]:
        return {
            **{f"dense_{enc.name}": raw[f"dense_{i}"] for i, enc in enumerate(self.encoders)},
            "bm25": raw["bm25"],
            "chars": raw["chars"],
            "relevance": raw["relevance"],
            # The learned fusion's parts, when one is shipped (recommender/fusion.py).
            **{k: v for k, v in raw.items() if k == "fused" or k.startswith("learned_")},
            **value_components(item, self.config, ledger),
            **context_components(item, asker, self.config, ledger),
        }

    def _match(
        self,
        item: Innovation,
        rank: int,
        score: float,
        components: dict[str, float],
        terms: set[str],
        grouped_with: str | None,
        ledger: Ledger | None,
    ) -> Match:
        texts = [(f, getattr(item, f)) for f in EXPLAIN_FIELDS if getattr(item, f)]
        passages = [self.explainer.passage(f, t, terms) for f, t in texts]
        best = max(passages, key=lambda p: len(p.highlights), default=None)
        if best is not None and not best.highlights:
            best = passages[0]
        flags = []
        if item.status == "berhenti":
            flags.append("berhenti")
        if item.status is None:
            flags.append("status-tidak-diketahui")
        return Match(
            item,
            rank,
            score,
            components,
            self.explainer.matched_words([t for _, t in texts], terms),
            best,
            flags,
            grouped_with,
            adopters_of(item, ledger),
        )
