"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """The process is up (says nothing about the index)."""
    return Health(status="ok")


@router.get("/ready", response_model=Health, responses={503: {"model": Health}})
def ready(request: Request) -> Health | JSONResponse:
    """200 once the index is loaded; 503 with the reason until then."""
    recommender = request.app.state.recommender
    if recommender is None or not recommender.ready:
        reason = request.app.state.index_error or "the index is not loaded"
        return JSONResponse(Health(status="not ready", reason=reason).model_dump(),
                            status_code=503)
    return Health(status="ready", index_version=recommender.index_version,
                  innovations=recommender.catalogue.count())
