"""/v1/innovations: list, read, similar, write (API key), bulk import and export."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from recommender.catalogue import content_hash
from recommender.engine import Recommender
from recommender.errors import DuplicateInnovation, InvalidRecord, RecommenderError
from recommender.filters import Filters
from recommender.importing import (
    check_near_duplicate,
    detect_format,
    export_csv,
    export_jsonl,
    validate_rows,
)
from recommender.record import Innovation as Record
from recommender.record import validate_record
from service.auth import require_key
from service.errors import responses
from service.routers.recommendations import recommender_of
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

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["innovations"])
READ_ERRORS = responses(422, 503)
ONE_ERRORS = responses(404, 422, 503)
WRITE_ERRORS = responses(401, 403, 404, 409, 413, 422, 503)
NOT_BLANK = {"type": "string", "pattern": r"\S"}
IMPORT_MEDIA = {"application/x-ndjson": {"schema": NOT_BLANK}, "text/csv": {"schema": NOT_BLANK}}


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


def _out(item: Record) -> dict[str, Any]:
    return {**item.to_dict(), "award_tier": item.award_tier}


def _commit(recommender: Recommender, ids: list[str], change: Callable[[], None]) -> str:
    """Apply a catalogue change and rebuild the index; a failed rebuild undoes the change.

    The store and the index then still agree, and a client that got an error can retry.
    """
    catalogue = recommender.catalogue
    with catalogue.write_lock:
        before = catalogue.versions(ids)
        change()
        try:
            return recommender.rebuild()
        except Exception as exc:
            catalogue.restore(before)
            logger.exception("index rebuild failed; the change to %d innovation(s) was undone",
                             len(ids))
            if isinstance(exc, RecommenderError):
                raise
            raise HTTPException(500, "index: rebuilding the index failed, so the change was "
                                     "not kept; try again") from exc


@router.get("/innovations", response_model=InnovationPage, responses=READ_ERRORS)
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
    "application/x-ndjson": {"schema": {"type": "string"}},
    "text/csv": {"schema": {"type": "string"}}}}, **READ_ERRORS})
def export(request: Request, filters: Filters = Depends(filter_params),
           format: Literal["jsonl", "csv"] = Query("jsonl")) -> StreamingResponse:
    """The whole (filtered) catalogue as JSONL or CSV; either imports back unchanged."""
    items = filters.select(recommender_of(request).catalogue.all())
    stream: Iterator[str] = export_jsonl(items) if format == "jsonl" else export_csv(items)
    media = "application/x-ndjson" if format == "jsonl" else "text/csv"
    disposition = f'attachment; filename="replikasi-innovations.{format}"'
    return StreamingResponse(stream, media_type=f"{media}; charset=utf-8",
                             headers={"Content-Disposition": disposition})


def _import(recommender: Recommender, data: bytes, fmt: str) -> dict[str, Any]:
    catalogue = recommender.catalogue
    with catalogue.write_lock:
        report, good = validate_rows(catalogue, data, fmt)
        stored = catalogue.content_hashes()
        # Rows equal to what is stored change nothing, so a repeated import rebuilds nothing.
        changed = [i for i in good if stored.get(i.id) != content_hash(i)]
        version = recommender.index_version
        if changed:
            version = _commit(recommender, [i.id for i in changed],
                              lambda: catalogue.upsert(changed))
    return {**report.to_dict(), "index_version": version}


@router.post("/innovations:import", response_model=ImportResult,
             dependencies=[Depends(require_key)], responses=WRITE_ERRORS,
             openapi_extra={"requestBody": {"required": True, "content": IMPORT_MEDIA}})
async def import_innovations(
    request: Request,
    format: Literal["jsonl", "csv"] | None = Query(
        None, description="defaults to the Content-Type (text/csv, application/x-ndjson), "
                          "else to what the body looks like"),
) -> dict[str, Any]:
    """Validate every row; store the good ones (upsert by id), report each rejected row.

    Rows are rejected for a missing or unknown field, a wrong type or value, text over its
    length limit, invalid UTF-8, an id repeated in the file, or (nearly) the same problem and
    solution text as another innovation. Rejected rows leave the store unchanged.
    """
    data = await request.body()
    if not data.strip():
        raise InvalidRecord("body", "is empty; send JSONL lines or CSV rows")
    content_type = request.headers.get("content-type", "").lower()
    fmt = format or ("csv" if "csv" in content_type else
                     "jsonl" if "json" in content_type else detect_format(None, data))
    return await run_in_threadpool(_import, recommender_of(request), data, fmt)


@router.get("/innovations/{innovation_id}", response_model=Innovation, responses=ONE_ERRORS)
def get_innovation(request: Request, innovation_id: str) -> dict[str, Any]:
    return _out(recommender_of(request).catalogue.get(innovation_id))


@router.get("/innovations/{innovation_id}/similar", response_model=RecommendationResponse,
            responses=ONE_ERRORS)
def similar(request: Request, innovation_id: str, filters: Filters = Depends(filter_params),
            limit: int = Query(10, ge=1, le=50)) -> dict[str, Any]:
    """More like this: innovations closest to the given one."""
    return recommender_of(request).similar(innovation_id, filters, limit).to_dict()


@router.post("/innovations", response_model=Innovation, status_code=201,
             dependencies=[Depends(require_key)], responses=WRITE_ERRORS)
def create(request: Request, response: Response, body: InnovationIn) -> dict[str, Any]:
    """Add one innovation; it is searchable when this returns."""
    item = validate_record(body.model_dump())
    recommender = recommender_of(request)
    catalogue = recommender.catalogue
    with catalogue.write_lock:
        if catalogue.exists(item.id):
            raise DuplicateInnovation(item.id)
        check_near_duplicate(catalogue, item)
        _commit(recommender, [item.id], lambda: catalogue.create(item))
    response.headers["Location"] = f"/v1/innovations/{item.id}"
    return _out(item)


@router.put("/innovations/{innovation_id}", response_model=Innovation,
            dependencies=[Depends(require_key)], responses=WRITE_ERRORS)
def replace(request: Request, innovation_id: str, body: InnovationIn) -> dict[str, Any]:
    """Replace an innovation (the body's id must be the path's id)."""
    if body.id != innovation_id:
        raise InvalidRecord("id", f"{body.id!r} differs from the id in the path {innovation_id!r}")
    item = validate_record(body.model_dump())
    recommender = recommender_of(request)
    catalogue = recommender.catalogue
    with catalogue.write_lock:
        catalogue.get(innovation_id)  # 404 before anything else
        check_near_duplicate(catalogue, item)
        _commit(recommender, [item.id], lambda: catalogue.replace(item))
    return _out(item)


@router.delete("/innovations/{innovation_id}", status_code=204,
               dependencies=[Depends(require_key)], responses=WRITE_ERRORS)
def delete(request: Request, innovation_id: str) -> Response:
    """Remove an innovation; it leaves recommendations when this returns."""
    recommender = recommender_of(request)
    catalogue = recommender.catalogue
    with catalogue.write_lock:
        _commit(recommender, [innovation_id], lambda: catalogue.delete(innovation_id))
    return Response(status_code=204)
