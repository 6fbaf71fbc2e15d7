"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health() -> Health:
    """The process is up (says nothing about the index). Runs on the event loop, so it answers
    even when every worker thread is busy."""
    return Health(status="ok")


def _problems(request: Request) -> list[str]:
    recommender = request.app.state.recommender
    updater = request.app.state.updater
    catalogue = recommender.catalogue
    out = list(catalogue.warnings) + [f"skipped snapshot: {p}" for p in recommender.problems]
    out += [f"catalogue row {key!r} skipped: {why}" for key, why in catalogue.row_errors.items()]
    if updater is not None and updater.last_error:
        out.append(updater.last_error)
    return out


@router.get("/ready", response_model=Health, responses={503: {"model": Health}})
def ready(request: Request) -> Health | JSONResponse:
    """200 once a snapshot serves ("degraded" when it is a fallback, rows were skipped or the
    catalogue was found damaged); 503 with the reason until then."""
    recommender = request.app.state.recommender
    if recommender is None or not recommender.ready:
        reason = request.app.state.index_error or "the index is not loaded"
        return JSONResponse(Health(status="not ready", reason=reason).model_dump(), status_code=503)
    problems = _problems(request)
    count = recommender.catalogue.count()
    manifest = recommender.manifest
    body = Health(
        status="degraded" if problems else "ready",
        index_version=recommender.index_version,
        innovations=count,
        indexed=int(manifest.get("count", 0)) - int(manifest.get("retired", 0)),
        pending_changes=recommender.pending(),
        index={"dense": manifest.get("dense", [])},
        problems=problems,
        reason="; ".join(problems) or None,
    )
    if recommender.catalogue.warnings and count == 0:
        body.status = "not ready"
        return JSONResponse(body.model_dump(), status_code=503)
    return body
