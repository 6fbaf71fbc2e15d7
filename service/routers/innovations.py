"""/v1/innovations: list, read, similar, write (API key), bulk import and export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from recommender.errors import InvalidRecord
from recommender.filters import Filters
from recommender.importing import detect_format, export_csv, export_jsonl, import_rows
from recommender.record import validate_record
from service.auth import require_key
from service.routers.recommendations import ERRORS, recommender_of
from service.schemas import (
    AwardTier,
    ImportResult,
    Innovation,
    InnovationIn,
    InnovationPage,
    Level,
    RecommendationResponse,
    Sector,
    StatusFilter,
)

router = APIRouter(prefix="/v1", tags=["innovations"])
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {**ERRORS, 401: ERRORS[422], 403: ERRORS[422],
                                                  404: ERRORS[422], 409: ERRORS[422]}


def filter_params(
    sector: list[Sector] | None = Query(None),
    level: list[Level] | None = Query(None),
    province: list[str] | None = Query(None, max_length=40),
    status: list[StatusFilter] | None = Query(None),
    award_tier: AwardTier | None = Query(None, description="minimum award tier"),
    year_from: int | None = Query(None, ge=1900, le=2100),
    year_to: int | None = Query(None, ge=1900, le=2100),
) -> Filters:
    return Filters.from_mapping({k: v for k, v in {
        "sector": sector, "level": level, "province": province, "status": status,
        "award_tier": award_tier, "year_from": year_from, "year_to": year_to,
    }.items() if v is not None})


def _out(item: Any) -> dict[str, Any]:
    return {**item.to_dict(), "award_tier": item.award_tier}


@router.get("/innovations", response_model=InnovationPage, responses=ERRORS)
def list_innovations(request: Request, filters: Filters = Depends(filter_params),
                     q: str | None = Query(None, max_length=500, description="words that must "
                                           "all appear in the name, agency or texts"),
                     limit: int = Query(20, ge=1, le=200),
                     offset: int = Query(0, ge=0, le=10_000_000)) -> dict[str, Any]:
    """Innovations in stable id order, filtered, paginated by offset."""
    items, total = recommender_of(request).catalogue.list(filters, q, limit=limit, offset=offset)
    following = offset + len(items)
    return {"items": [_out(i) for i in items], "total": total, "limit": limit, "offset": offset,
            "next_offset": following if following < total else None}


@router.get("/innovations:export", responses={200: {"content": {
    "application/x-ndjson": {}, "text/csv": {}}}, **ERRORS})
def export(request: Request, filters: Filters = Depends(filter_params),
           format: Literal["jsonl", "csv"] = Query("jsonl")) -> StreamingResponse:
    """The whole (filtered) catalogue as JSONL or CSV; either imports back unchanged."""
    items = filters.select(recommender_of(request).catalogue.all())
    stream: Iterator[str] = export_jsonl(items) if format == "jsonl" else export_csv(items)
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    disposition = f'attachment; filename="replikasi-innovations.{format}"'
    return StreamingResponse(stream, media_type=f"{media}; charset=utf-8",
                             headers={"Content-Disposition": disposition})


@router.post("/innovations:import", response_model=ImportResult, dependencies=[Depends(require_key)],
             responses=WRITE_ERRORS, openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-ndjson": {"schema": {"type": "string"}},
                 "text/csv": {"schema": {"type": "string"}}}}})
async def import_innovations(request: Request,
                             format: Literal["jsonl", "csv"] | None = Query(None)) -> dict[str, Any]:
    """Validate every row; store the good ones (upsert by id), report each rejected row."""
    data = await request.body()
    content_type = request.headers.get("content-type", "")
    fmt = format or ("csv" if "csv" in content_type else
                     "jsonl" if "json" in content_type else detect_format(None, data))
    recommender = recommender_of(request)
    from starlette.concurrency import run_in_threadpool

    report = await run_in_threadpool(import_rows, recommender.catalogue, data, fmt)
    version = await run_in_threadpool(recommender.rebuild) if report.accepted \
        else recommender.index_version
    return {**report.to_dict(), "index_version": version}


@router.get("/innovations/{innovation_id}", response_model=Innovation, responses=WRITE_ERRORS)
def get_innovation(request: Request, innovation_id: str) -> dict[str, Any]:
    return _out(recommender_of(request).catalogue.get(innovation_id))


@router.get("/innovations/{innovation_id}/similar", response_model=RecommendationResponse,
            responses=WRITE_ERRORS)
def similar(request: Request, innovation_id: str, filters: Filters = Depends(filter_params),
            limit: int = Query(10, ge=1, le=50)) -> dict[str, Any]:
    """More like this: innovations closest to the given one."""
    return recommender_of(request).similar(innovation_id, filters, limit).to_dict()


@router.post("/innovations", response_model=Innovation, status_code=201,
             dependencies=[Depends(require_key)], responses=WRITE_ERRORS)
def create(request: Request, body: InnovationIn) -> dict[str, Any]:
    """Add one innovation; it is searchable when this returns."""
    item = validate_record(body.model_dump())
    recommender = recommender_of(request)
    recommender.catalogue.create(item)
    recommender.rebuild()
    return _out(item)


@router.put("/innovations/{innovation_id}", response_model=Innovation,
            dependencies=[Depends(require_key)], responses=WRITE_ERRORS)
def replace(request: Request, innovation_id: str, body: InnovationIn) -> dict[str, Any]:
    """Replace an innovation (the body's id must be the path's id)."""
    if body.id != innovation_id:
        raise InvalidRecord("id", f"{body.id!r} differs from the id in the path {innovation_id!r}")
    item = validate_record(body.model_dump())
    recommender = recommender_of(request)
    recommender.catalogue.replace(item)
    recommender.rebuild()
    return _out(item)


@router.delete("/innovations/{innovation_id}", status_code=204,
               dependencies=[Depends(require_key)], responses=WRITE_ERRORS)
def delete(request: Request, innovation_id: str) -> Response:
    recommender = recommender_of(request)
    recommender.catalogue.delete(innovation_id)
    recommender.rebuild()
    return Response(status_code=204)
