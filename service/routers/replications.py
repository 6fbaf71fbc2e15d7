"""/v1/replications: the replication registry (writes need a key with the `registry` scope)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from recommender.errors import InvalidRecord
from recommender.importing import export_jsonl
from recommender.record import ID_PATTERN
from recommender.registry import RegistryFilters, export_csv
from recommender.replication import Replication as Record
from recommender.replication import active_governments, adopters_of, validate_replication
from service.auth import require_scope
from service.bulk import EXPORT_CONTENT, IMPORT_MEDIA, export_response, import_body, page
from service.deps import recommender_of
from service.errors import responses
from service.schemas import (
    ImportResult,
    InnovationReplications,
    Level,
    Replication,
    ReplicationIn,
    ReplicationPage,
    ReplicationStatus,
    ReplicationVersion,
)

router = APIRouter(prefix="/v1", tags=["replications"])
require_registry = require_scope("registry")
READ_ERRORS = responses(422, 503)
ONE_ERRORS = responses(404, 422, 503)
WRITE_ERRORS = responses(401, 403, 404, 409, 413, 422, 503)


def registry_filters(
    innovation_id: str | None = Query(
        None, pattern=ID_PATTERN.pattern, description="records of this (source) innovation"
    ),
    province: str | None = Query(None, max_length=100, description="the adopter's province"),
    level: Level | None = Query(None, description="the adopter's level"),
    status: ReplicationStatus | None = Query(None),
    year: int | None = Query(None, ge=1900, le=2100, description="the year it started"),
) -> RegistryFilters:
    return RegistryFilters(
        innovation_id=innovation_id, province=province, level=level, status=status, year=year
    )


def _record(request: Request, body: ReplicationIn, replication_id: str | None = None) -> Record:
    raw = body.model_dump()
    if replication_id is not None:
        if raw["id"] not in (None, replication_id):
            raise InvalidRecord("id", f"{raw['id']!r} differs from the id in the path {replication_id!r}")
        raw["id"] = replication_id
    elif raw["id"] is None:
        raw["id"] = recommender_of(request).registry.new_id(body.innovation_id, body.government.strip())
    return validate_replication(raw)


def _synced(request: Request) -> None:
    """Registry writes change ranking values, not documents: the live state is rescored now."""
    recommender_of(request).sync_registry()


@router.get("/replications", response_model=ReplicationPage, responses=READ_ERRORS)
def list_replications(
    request: Request,
    filters: RegistryFilters = Depends(registry_filters),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """Replication records in stable id order, filtered, paginated by offset."""
    items, total = recommender_of(request).registry.list(filters, limit=limit, offset=offset)
    return page([i.to_dict() for i in items], total, limit, offset)


@router.get(
    "/replications:export",
    responses={**EXPORT_CONTENT, **READ_ERRORS},
)
def export(
    request: Request,
    filters: RegistryFilters = Depends(registry_filters),
    format: Literal["jsonl", "csv"] = Query("jsonl"),
) -> StreamingResponse:
    """The (filtered) registry as JSONL or CSV; either imports back unchanged."""
    items = recommender_of(request).registry.select(filters)
    stream: Iterator[str] = export_jsonl(items) if format == "jsonl" else export_csv(items)
    return export_response(stream, format, "replications")


def _import(request: Request, data: bytes, fmt: str) -> dict[str, Any]:
    rec = recommender_of(request)
    report = rec.registry.import_rows(data, fmt)
    rec.sync_registry()
    return {**report.to_dict(), "index_version": rec.index_version}


@router.post(
    "/replications:import",
    response_model=ImportResult,
    dependencies=[Depends(require_registry)],
    responses=WRITE_ERRORS,
    openapi_extra={"requestBody": {"required": True, "content": IMPORT_MEDIA}},
)
async def import_replications(
    request: Request,
    format: Literal["jsonl", "csv"] | None = Query(
        None,
        description="defaults to the Content-Type (text/csv, application/x-ndjson), "
        "else to what the body looks like",
    ),
) -> Any:
    """Validate every row; store the good ones (upsert by id; a row without an id gets the one
    its innovation and government make), report each rejected row with its field. Every
    changed record's previous version stays in its history."""
    data, fmt = await import_body(request, format)
    return await run_in_threadpool(_import, request, data, fmt)


@router.post(
    "/replications",
    response_model=Replication,
    status_code=201,
    dependencies=[Depends(require_registry)],
    responses=WRITE_ERRORS,
)
def create(request: Request, response: Response, body: ReplicationIn) -> dict[str, Any]:
    """Record a replication; the source innovation's ranking counts the adopter at once."""
    item = recommender_of(request).registry.create(_record(request, body))
    _synced(request)
    response.headers["Location"] = f"/v1/replications/{item.id}"
    return item.to_dict()


@router.get("/replications/{replication_id}", response_model=Replication, responses=ONE_ERRORS)
def get_replication(request: Request, replication_id: str) -> dict[str, Any]:
    return recommender_of(request).registry.get(replication_id).to_dict()


@router.get(
    "/replications/{replication_id}/history", response_model=list[ReplicationVersion], responses=ONE_ERRORS
)
def history(request: Request, replication_id: str) -> list[dict[str, Any]]:
    """Every version of a record, oldest first (a deleted record's too)."""
    return recommender_of(request).registry.history(replication_id)


@router.put(
    "/replications/{replication_id}",
    response_model=Replication,
    dependencies=[Depends(require_registry)],
    responses=WRITE_ERRORS,
)
def replace(request: Request, replication_id: str, body: ReplicationIn) -> dict[str, Any]:
    """Replace a record (the body's id, if given, must be the path's); the replaced version
    stays in its history."""
    item = recommender_of(request).registry.replace(_record(request, body, replication_id))
    _synced(request)
    return item.to_dict()


@router.delete(
    "/replications/{replication_id}",
    status_code=204,
    dependencies=[Depends(require_registry)],
    responses=WRITE_ERRORS,
)
def delete(request: Request, replication_id: str) -> Response:
    """Remove a record; its versions stay in its history, and the adopter stops counting."""
    recommender_of(request).registry.delete(replication_id)
    _synced(request)
    return Response(status_code=204)


@router.get(
    "/innovations/{innovation_id}/replications", response_model=InnovationReplications, responses=ONE_ERRORS
)
def of_innovation(request: Request, innovation_id: str) -> dict[str, Any]:
    """An innovation's replication records, and its adopters as the ranking counts them."""
    rec = recommender_of(request)
    item = rec.catalogue.get(innovation_id)  # 404 for an unknown innovation
    records = rec.registry.select(RegistryFilters(innovation_id=innovation_id))
    adopters = adopters_of(item, rec.registry.ledger(innovation_id))
    return {
        "innovation_id": innovation_id,
        "items": [r.to_dict() for r in records],
        "adopters": [a.to_dict() for a in adopters],
        "replicated_by": active_governments(adopters),
    }
