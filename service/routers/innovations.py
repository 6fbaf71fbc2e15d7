"""/v1/innovations: list, read, similar, write (API key), bulk import and export."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from recommender.errors import InvalidRecord
from recommender.filters import Filters
from recommender.importing import ImportOptions, export_csv, export_jsonl
from recommender.record import Innovation as Record
from recommender.record import validate_record
from recommender.replication import Ledger, active_governments, adopters_of
from service.auth import require_key
from service.bulk import EXPORT_CONTENT, IMPORT_MEDIA, export_response, import_body, page
from service.deps import recommender_of, writer_of
from service.errors import responses
from service.schemas import (
    AwardTier,
    ImportResult,
    Innovation,
    InnovationIn,
    InnovationPage,
    Job,
    Level,
    RecommendationResponse,
    ReviewPage,
    Sector,
    StatusFilter,
)

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["innovations"])
READ_ERRORS = responses(422, 503)
ONE_ERRORS = responses(404, 422, 503)
WRITE_ERRORS = responses(401, 403, 404, 409, 413, 422, 503)


def filter_params(
    sector: list[Sector] | None = Query(None),
    level: list[Level] | None = Query(None),
    province: list[str] | None = Query(None, max_length=40),
    status: list[StatusFilter] | None = Query(None),
    award_tier: AwardTier | None = Query(None, description="minimum award tier"),
    year_from: int | None = Query(None, ge=1900, le=2100),
    year_to: int | None = Query(None, ge=1900, le=2100),
) -> Filters:
    return Filters.from_mapping(
        {
            k: v
            for k, v in {
                "sector": sector,
                "level": level,
                "province": province,
                "status": status,
                "award_tier": award_tier,
                "year_from": year_from,
                "year_to": year_to,
            }.items()
            if v is not None
        }
    )


def _out(item: Record, ledger: Ledger | None = None) -> dict[str, Any]:
    """The record with its award tier and adopters; replicated_by derived from the registry."""
    adopters = adopters_of(item, ledger)
    return {
        **item.to_dict(),
        "replicated_by": active_governments(adopters),
        "award_tier": item.award_tier,
        "adopters": [a.to_dict() for a in adopters],
    }


def _outs(request: Request, items: list[Record]) -> list[dict[str, Any]]:
    ledgers = recommender_of(request).registry.ledgers(i.id for i in items)
    return [_out(i, ledgers.get(i.id)) for i in items]


WAIT = Query(
    False,
    description="return only once the change is searchable (at most 30 s); "
    "otherwise the index catches up in the background",
)


def _settle(request: Request, wait: bool) -> None:
    if wait:
        writer_of(request).recommender  # noqa: B018 - raises 503 while starting
        updater = request.app.state.updater
        if updater is not None:
            updater.wait_until_current(timeout=30)


@router.get("/innovations", response_model=InnovationPage, responses=READ_ERRORS)
def list_innovations(
    request: Request,
    filters: Filters = Depends(filter_params),
    q: str | None = Query(
        None, max_length=500, description="words that must all appear in the name, agency or texts"
    ),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """Innovations in stable id order, filtered, paginated by offset."""
    items, total = recommender_of(request).catalogue.list(filters, q, limit=limit, offset=offset)
    return page(_outs(request, items), total, limit, offset)


@router.get(
    "/innovations:export",
    responses={**EXPORT_CONTENT, **READ_ERRORS},
)
def export(
    request: Request,
    filters: Filters = Depends(filter_params),
    format: Literal["jsonl", "csv"] = Query("jsonl"),
) -> StreamingResponse:
    """The whole (filtered) catalogue as JSONL or CSV; either imports back unchanged."""
    items = filters.select(recommender_of(request).catalogue.all())
    stream: Iterator[str] = export_jsonl(items) if format == "jsonl" else export_csv(items)
    return export_response(stream, format, "innovations")


def _import(
    request: Request, data: bytes, fmt: str, options: ImportOptions, dry_run: bool, wait: bool
) -> dict[str, Any]:
    writer = writer_of(request)
    report = writer.import_rows(data, fmt, None, options, dry_run=dry_run)
    if not dry_run:
        _settle(request, wait)
    return {**report.to_dict(), "index_version": writer.recommender.index_version}


@router.post(
    "/innovations:import",
    response_model=ImportResult,
    dependencies=[Depends(require_key)],
    responses={**WRITE_ERRORS, 202: {"model": Job}},
    openapi_extra={"requestBody": {"required": True, "content": IMPORT_MEDIA}},
)
async def import_innovations(
    request: Request,
    response: Response,
    format: str | None = Query(
        None,
        max_length=200,
        description="jsonl, csv, or another portal's export: lan, "
        "mapping:sinovik_csv. Defaults to the Content-Type (text/csv, application/x-ndjson), "
        "else to what the body looks like",
    ),
    dry_run: bool = Query(False, description="report what the import would do; change nothing"),
    merge: bool = Query(
        False,
        description="fill the empty fields of stored innovations from "
        "rows that duplicate them, instead of storing those",
    ),
    keep_duplicates: bool = Query(
        False, description="store an adapter's duplicate rows as innovations of their own"
    ),
    background: bool = Query(
        False, description="run as a job: 202 with the job's URL at once; follow it at GET /v1/jobs/{id}"
    ),
    wait: bool = WAIT,
) -> Any:
    """Validate every row; store the good ones (upsert by id), report each rejected row.

    Rows are rejected for a missing or unknown field, a wrong type or value, text over its
    length limit, invalid UTF-8, an id repeated in the file, or (nearly) the same problem and
    solution text as another innovation. Rejected rows leave the store unchanged. Rows read
    through an adapter (``format=lan``…) that likely describe a stored innovation are reported
    as duplicates and left out, merged (``merge=true``) or kept (``keep_duplicates=true``).
    Accepted rows are stored when this returns; they become searchable moments later
    (``wait=true`` waits).
    """
    data, fmt = await import_body(request, format)
    options = ImportOptions.named(fmt, merge=merge, keep_duplicates=keep_duplicates)
    if background:
        writer = writer_of(request)
        job_id = request.app.state.jobs.start(
            "import",
            lambda progress: writer.import_rows(data, fmt, progress, options, dry_run=dry_run).to_dict(),
        )
        response.status_code = 202
        response.headers["Location"] = f"/v1/jobs/{job_id}"
        return JSONResponse(
            job_out(request.app.state.jobs.get(job_id)),
            status_code=202,
            headers={"Location": f"/v1/jobs/{job_id}"},
        )
    return await run_in_threadpool(_import, request, data, fmt, options, dry_run, wait)


@router.get("/jobs/{job_id}", response_model=Job, responses=responses(404))
def get_job(request: Request, job_id: str) -> dict[str, Any]:
    """A background job's state (queued, running, done, failed), progress and report."""
    job = request.app.state.jobs.get(job_id) if request.app.state.jobs else None
    if job is None:
        raise HTTPException(404, f"job_id: no job {job_id!r}")
    return job_out(job)


def job_out(job: dict[str, Any] | None) -> dict[str, Any]:
    assert job is not None
    report = job["report"] or {}
    return {
        "id": job["id"],
        "kind": job["kind"],
        "state": job["state"],
        "done": job["done"],
        "total": job["total"],
        "rejected": report.get("rejected", []),
        "report": job["report"],
        "error": job["error"],
        "created_at": job["created_at"],
        "updated_at": job["updated_at"],
    }


@router.get("/reviews", response_model=ReviewPage, responses=READ_ERRORS)
def reviews(request: Request, limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    """Stored innovations a person should check, oldest first: what an import adapter guessed
    (a low-confidence sector, a missing province). Editing the innovation (PUT) closes its
    review."""
    return {"items": writer_of(request).reviews.list(limit=limit)}


@router.get("/innovations/{innovation_id}", response_model=Innovation, responses=ONE_ERRORS)
def get_innovation(request: Request, innovation_id: str) -> dict[str, Any]:
    rec = recommender_of(request)
    return _out(rec.catalogue.get(innovation_id), rec.registry.ledger(innovation_id))


@router.get(
    "/innovations/{innovation_id}/similar", response_model=RecommendationResponse, responses=ONE_ERRORS
)
def similar(
    request: Request,
    innovation_id: str,
    filters: Filters = Depends(filter_params),
    limit: int = Query(10, ge=1, le=50),
) -> dict[str, Any]:
    """More like this: innovations closest to the given one."""
    return recommender_of(request).similar(innovation_id, filters, limit).to_dict()


@router.post(
    "/innovations",
    response_model=Innovation,
    status_code=201,
    dependencies=[Depends(require_key)],
    responses=WRITE_ERRORS,
)
def create(request: Request, response: Response, body: InnovationIn, wait: bool = WAIT) -> dict[str, Any]:
    """Add one innovation. Repeating an identical create returns the stored record (200), so a
    client may retry after a lost answer; a different record under the same id is a 409."""
    item = validate_record(body.record())
    outcome = writer_of(request).create(item)
    _settle(request, wait)
    response.headers["Location"] = f"/v1/innovations/{item.id}"
    if not outcome.created:
        response.status_code = 200
    return _outs(request, [outcome.item or item])[0]


@router.put(
    "/innovations/{innovation_id}",
    response_model=Innovation,
    dependencies=[Depends(require_key)],
    responses=WRITE_ERRORS,
)
def replace(request: Request, innovation_id: str, body: InnovationIn, wait: bool = WAIT) -> dict[str, Any]:
    """Replace an innovation (the body's id must be the path's id)."""
    if body.id != innovation_id:
        raise InvalidRecord("id", f"{body.id!r} differs from the id in the path {innovation_id!r}")
    item = validate_record(body.record())
    writer_of(request).replace(item)
    _settle(request, wait)
    return _outs(request, [item])[0]


@router.delete(
    "/innovations/{innovation_id}",
    status_code=204,
    dependencies=[Depends(require_key)],
    responses=WRITE_ERRORS,
)
def delete(request: Request, innovation_id: str, wait: bool = WAIT) -> Response:
    """Remove an innovation; it leaves recommendations at once (deleted rows are masked)."""
    writer_of(request).delete(innovation_id)
    _settle(request, wait)
    return Response(status_code=204)
