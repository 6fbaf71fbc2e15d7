"""POST /v1/recommendations: a problem in, ranked and explained innovations out."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request

from recommender.engine import Recommender
from recommender.filters import Asker, Filters
from recommender.results import Recommendations
from service.schemas import ErrorOut, RecommendationRequest, RecommendationResponse

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["recommendations"])

ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut}, 503: {"model": ErrorOut}, 413: {"model": ErrorOut},
}


def recommender_of(request: Request) -> Recommender:
    recommender: Recommender | None = request.app.state.recommender
    if recommender is None:
        from recommender.errors import IndexNotReady

        raise IndexNotReady("the service is still starting")
    return recommender


def log_request(request: Request, kind: str, problem: str, filters: Filters, asker: Asker,
                result: Recommendations) -> None:
    """Record an answered request for demand and gap analytics (unless turned off)."""
    if not request.app.state.settings.log_queries:
        return
    recommender_of(request).catalogue.log_recommendation({
        "kind": kind, "problem": problem, "filters": filters.to_dict(),
        "asker_level": asker.level, "asker_province": asker.province,
        "results": [{"id": m.innovation.id, "score": round(m.score, 6)} for m in result.matches],
        "top_score": result.matches[0].score if result.matches else None,
        "no_good_match": result.no_good_match, "index_version": result.index_version,
    })


@router.post("/recommendations", response_model=RecommendationResponse, responses=ERRORS)
def recommend(body: RecommendationRequest, request: Request) -> dict[str, Any]:
    """Rank proven innovations for a problem; every score component is returned."""
    filters = Filters.from_mapping(body.filters.model_dump(exclude_none=True)
                                   if body.filters else None)
    asker = Asker.from_mapping(body.asker.model_dump(exclude_none=True) if body.asker else None)
    result = recommender_of(request).recommend(body.problem, filters, asker, body.limit)
    log_request(request, "api", body.problem.strip(), filters, asker, result)
    return result.to_dict()
