"""What a recommendation returns: ranked matches with every score component and the reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recommender.explain import Passage
from recommender.record import Innovation
from recommender.replication import Adopter, active_governments, adopters_of


@dataclass
class Match:
    innovation: Innovation
    rank: int
    score: float
    components: dict[str, float]
    matched_terms: list[str]
    passage: Passage | None
    flags: list[str] = field(default_factory=list)
    grouped_with: str | None = None  # a higher-ranked near-duplicate or member of its family
    adopters: list[Adopter] | None = None  # None: only the record's replicated_by is known

    def adopter_list(self) -> list[Adopter]:
        return self.adopters if self.adopters is not None else adopters_of(self.innovation, None)

    def to_dict(self) -> dict[str, Any]:
        item = self.innovation
        adopters = self.adopter_list()
        return {
            "rank": self.rank,
            "id": item.id,
            "score": round(self.score, 6),
            "components": {k: round(v, 6) for k, v in self.components.items()},
            "matched_terms": self.matched_terms,
            "passage": self.passage.to_dict() if self.passage else None,
            "flags": self.flags,
            "grouped_with": self.grouped_with,
            "award_tier": item.award_tier,
            "adopters": [a.to_dict() for a in adopters],
            # replicated_by stays for compatibility, derived from the registry.
            "innovation": {
                **item.to_dict(),
                "replicated_by": active_governments(adopters),
                "award_tier": item.award_tier,
            },
        }


@dataclass
class Recommendations:
    matches: list[Match]
    no_good_match: bool
    best_similarity: float  # raw dense cosine of the best candidate: the gap signal
    candidates: int  # innovations that passed the filters
    index_version: str
    query_terms: list[str]
    # P(the best result is relevant), from the no-good-match model; the flag is it < threshold.
    match_probability: float = 1.0
    signals: dict[str, float] = field(default_factory=dict)  # the model's inputs

    def to_dict(self) -> dict[str, Any]:
        return {
            "matches": [m.to_dict() for m in self.matches],
            "no_good_match": self.no_good_match,
            "match_probability": round(self.match_probability, 6),
            "best_similarity": round(self.best_similarity, 6),
            "candidates": self.candidates,
            "index_version": self.index_version,
            "query_terms": self.query_terms,
        }

    def log_entry(
        self,
        kind: str,
        problem: str,
        filters: dict[str, Any],
        asker_level: str | None,
        asker_province: str | None,
        request_id: str | None,
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """This answer as `Catalogue.log_recommendation` stores it (the API, the web page and
        the demand simulation all log this one shape)."""
        return {
            "kind": kind,
            "problem": problem,
            "filters": filters,
            "asker_level": asker_level,
            "asker_province": asker_province,
            "results": [{"id": m.innovation.id, "score": round(m.score, 6)} for m in self.matches],
            "top_score": self.matches[0].score if self.matches else None,
            "no_good_match": self.no_good_match,
            "index_version": self.index_version,
            "request_id": request_id,
            "created_at": created_at,
        }
