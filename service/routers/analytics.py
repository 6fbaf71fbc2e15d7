"""/v1/analytics: demand themes, demanded innovations, gaps and near-duplicates (analytics key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from recommender import analytics
from recommender.analytics import Period, QueryVectors
from service.analytics_schemas import ClustersOut, GapsOut, InnovationsOut, ThemesOut
from service.auth import require_scope
from service.deps import recommender_of
from service.errors import responses
from service.schemas import DATE, Level

router = APIRouter(
    prefix="/v1/analytics", tags=["analytics"], dependencies=[Depends(require_scope("analytics"))]
)
ERRORS = responses(401, 403, 422, 503)


def period_params(
    start: str | None = Query(
        None, alias="from", pattern=DATE, description="first day (YYYY-MM-DD); default 90 days before `to`"
    ),
    end: str | None = Query(
        None, alias="to", pattern=DATE, description="last day, included (YYYY-MM-DD); default today (UTC)"
    ),
    province: str | None = Query(
        None, min_length=1, max_length=100, description="only queries from askers in this province"
    ),
    level: Level | None = Query(None, description="only queries from askers of this level"),
) -> Period:
    return Period.parse(start, end, province, level)


def query_vectors(request: Request) -> QueryVectors:
    """One cache of query vectors per encoder, so repeated calls encode only new texts."""
    encoder = recommender_of(request).encoders[0]
    cache: QueryVectors | None = getattr(request.app.state, "analytics_vectors", None)
    if cache is None or cache.encoder is not encoder:
        cache = QueryVectors(encoder)
        request.app.state.analytics_vectors = cache
    return cache


@router.get("/themes", response_model=ThemesOut, responses=ERRORS)
def themes(request: Request, period: Period = Depends(period_params)) -> dict[str, Any]:
    """Recurring problems of the period: the logged problem texts grouped by meaning."""
    return {"themes": analytics.themes(recommender_of(request), period, query_vectors(request))}


@router.get("/gaps", response_model=GapsOut, responses=ERRORS)
def gaps(request: Request, period: Period = Depends(period_params)) -> dict[str, Any]:
    """Themes whose queries mostly found no good match: where a call for innovation should go."""
    return {"gaps": analytics.gaps(recommender_of(request), period, query_vectors(request))}


@router.get("/innovations", response_model=InnovationsOut, responses=ERRORS)
def innovations(request: Request, period: Period = Depends(period_params)) -> dict[str, Any]:
    """Innovations by the number of distinct asking regions that got them in their top 3,
    with the planners' interest marks of the period (and its province and level)."""
    return {"innovations": analytics.innovations(recommender_of(request), period)}


@router.get("/duplicates", response_model=ClustersOut, responses=ERRORS)
def duplicates(request: Request, period: Period = Depends(period_params)) -> dict[str, Any]:
    """Near-duplicate clusters of the catalogue as it is now (a province or level keeps the
    clusters with a member there; the dates do not apply)."""
    return {"clusters": analytics.duplicates(recommender_of(request), period)}
