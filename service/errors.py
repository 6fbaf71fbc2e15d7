"""One JSON error shape for every failure, and the one table mapping domain errors to HTTP."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from recommender.errors import (
    DuplicateInnovation,
    IndexNotReady,
    InvalidRecord,
    RecommenderError,
    UnknownInnovation,
)

logger = logging.getLogger(__name__)

STATUS_OF: dict[type[RecommenderError], int] = {
    UnknownInnovation: 404,
    DuplicateInnovation: 409,
    InvalidRecord: 422,
    IndexNotReady: 503,
}


def error_response(request: Request, status: int, detail: str,
                   errors: list[dict[str, str]] | None = None) -> JSONResponse:
    body = {"detail": detail, "errors": errors or [],
            "request_id": getattr(request.state, "request_id", None)}
    return JSONResponse(body, status_code=status)


def _field(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
              for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return error_response(request, 422, detail, errors)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RecommenderError)
    status = next((code for cls, code in STATUS_OF.items() if isinstance(exc, cls)), 400)
    errors = [{"field": exc.field, "message": exc.reason}] if isinstance(exc, InvalidRecord) else []
    return error_response(request, status, str(exc), errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    response = error_response(request, exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500, "internal error; the request id identifies it in the log")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(RecommenderError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
