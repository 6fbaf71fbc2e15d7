"""POST /v1/recommendations: a problem in, ranked and explained innovations out."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import State

from recommender.catalogue import Catalogue
from recommender.filters import Asker, Filters
from recommender.query import clean_problem
from recommender.results import Recommendations
from service.deps import recommender_of
from service.schemas import ErrorOut, RecommendationRequest, RecommendationResponse

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["recommendations"])
PURGE_EVERY_SECONDS = 3600.0

ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut},
    503: {"model": ErrorOut},
    413: {"model": ErrorOut},
}


def purge_log_if_due(state: State, catalogue: Catalogue) -> None:
    """Apply the log retention (`log_retention_days`): at the first call, then at most hourly.

    Call it at startup too, so text past the retention goes even before the first request.
    """
    now = time.monotonic()
    last: float | None = getattr(state, "log_purged_at", None)
    if last is not None and now - last < PURGE_EVERY_SECONDS:
        return
    state.log_purged_at = now
    days: int = state.settings.log_retention_days
    try:
        purged = catalogue.purge_log(days)
    except sqlite3.Error as exc:  # like the log itself, retention never costs the answer
        logger.warning("could not apply the query log retention: %s", exc)
        return
    if purged:
        logger.info("removed the problem text of %d logged requests older than %d days", purged, days)


def log_request(
    request: Request, kind: str, problem: str, filters: Filters, asker: Asker, result: Recommendations
) -> None:
    """Record an answered request for demand and gap analytics (unless turned off)."""
    state = request.app.state
    catalogue = recommender_of(request).catalogue
    purge_log_if_due(state, catalogue)
    if not state.settings.log_queries:
        return
    keep_text = state.settings.log_retention_days > 0
    catalogue.log_recommendation(
        result.log_entry(
            kind,
            problem if keep_text else "",
            filters.to_dict(),
            asker.level,
            asker.province,
            getattr(request.state, "request_id", None),
        )
    )


@router.post("/recommendations", response_model=RecommendationResponse, responses=ERRORS)
def recommend(body: RecommendationRequest, request: Request) -> dict[str, Any]:
    """Rank proven innovations for a problem; every score component is returned."""
    filters = Filters.from_mapping(body.filters.model_dump(exclude_none=True) if body.filters else None)
    asker = Asker.from_mapping(body.asker.model_dump(exclude_none=True) if body.asker else None)
    problem = clean_problem(body.problem)
    result = recommender_of(request).recommend(problem, filters, asker, body.limit)
    log_request(request, "api", problem, filters, asker, result)
    return result.to_dict()
