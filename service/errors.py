"""One JSON error shape for every failure, and the one table mapping domain errors to HTTP."""

from __future__ import annotations

import http
import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from recommender.errors import (
    DuplicateInnovation,
    DuplicateReplication,
    IndexNotReady,
    InvalidRecord,
    RecommenderError,
    UnknownInnovation,
    UnknownReplication,
)
from service.schemas import ErrorOut

logger = logging.getLogger(__name__)

STATUS_OF: dict[type[RecommenderError], int] = {
    UnknownInnovation: 404,
    UnknownReplication: 404,
    DuplicateInnovation: 409,
    DuplicateReplication: 409,
    InvalidRecord: 422,
    IndexNotReady: 503,
}

# The field an error names when the exception itself does not name one.
FIELD_OF: dict[type[RecommenderError], str] = {
    UnknownInnovation: "id",
    DuplicateInnovation: "id",
    UnknownReplication: "id",
    DuplicateReplication: "id",
    IndexNotReady: "index",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting the error body for each status."""
    return {status: {"model": ErrorOut, "description": http.HTTPStatus(status).phrase} for status in statuses}


def _item(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def error_response(
    request: Request,
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The one error body: `detail` reads "<field>: <message>", `errors` lists each of them."""
    if not errors:
        field, sep, message = detail.partition(": ")
        errors = [_item(field, message) if sep and field and " " not in field else _item("request", detail)]
    request_id = getattr(request.state, "request_id", None)
    body = {"detail": detail, "errors": errors, "request_id": request_id}
    out = JSONResponse(body, status_code=status, headers=headers)
    if request_id:
        out.headers["X-Request-ID"] = request_id
    return out


def _field(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_item(request: Request, error: dict[str, Any]) -> dict[str, str]:
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    if kind == "json_invalid":
        position = loc[1] if len(loc) > 1 else "?"
        reason = (error.get("ctx") or {}).get("error", "")
        return _item("body", f"malformed JSON at character {position}" + (f": {reason}" if reason else ""))
    field = _field(loc)
    if field == "body" and loc[:1] == ("body",) and kind in ("model_attributes_type", "dict_type"):
        content_type = request.headers.get("content-type", "")
        if "json" not in content_type:
            return _item("body", "must be a JSON object sent with Content-Type: application/json")
    return _item(field, str(error.get("msg", "is invalid")))


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_validation_item(request, dict(e)) for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "request: is invalid"
    return error_response(request, 422, detail, errors)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RecommenderError)
    status = next((code for cls, code in STATUS_OF.items() if isinstance(exc, cls)), 400)
    if isinstance(exc, InvalidRecord):
        field, message = exc.field, exc.reason
    else:
        field = next((name for cls, name in FIELD_OF.items() if isinstance(exc, cls)), "request")
        message = str(exc) or "is invalid"
    return error_response(request, status, f"{field}: {message}", [_item(field, message)])


def _unparsable_body(cause: BaseException | None) -> str | None:
    """Why FastAPI could not parse a JSON body, when it gave up with a bare 400."""
    if isinstance(cause, UnicodeDecodeError):
        return f"is not valid UTF-8 (byte {cause.start})"
    if isinstance(cause, RecursionError):
        return "is JSON nested too deeply"
    if isinstance(cause, ValueError):  # JSONDecodeError, or an integer of too many digits
        return f"is not valid JSON ({cause})"
    return None


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status, detail = exc.status_code, str(exc.detail)
    reason = _unparsable_body(exc.__cause__) if status == 400 else None
    if reason is not None:
        status, detail = 422, f"body: {reason}"
    elif status == 404 and detail == "Not Found":
        detail = f"path: {request.url.path} is not a route of this API"
    elif status == 405 and detail == "Method Not Allowed":
        detail = f"method: {request.method} is not allowed on {request.url.path}"
    elif ": " not in detail:
        detail = f"request: {detail}"
    return error_response(request, status, detail, headers=dict(exc.headers or {}))


def unexpected_error(request: Request, exc: BaseException) -> JSONResponse:
    """The 500 for an exception nobody handled; its request id is logged with the traceback.

    The connection is closed: the request body may be unread, and the server state unknown.
    """
    request_id = getattr(request.state, "request_id", None)
    logger.error(
        "unhandled error on %s %s (request id %s)", request.method, request.url.path, request_id, exc_info=exc
    )
    return error_response(
        request,
        500,
        "server: internal error; the request id identifies it in the log",
        headers={"Connection": "close"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return unexpected_error(request, exc)


# SQLite's words when the database file or its directory cannot be written.
READ_ONLY_MESSAGES = ("readonly database", "unable to open database file")


def _storage_refused(exc: Exception) -> bool:
    if isinstance(exc, PermissionError):
        return True
    return isinstance(exc, sqlite3.OperationalError) and any(
        words in str(exc).lower() for words in READ_ONLY_MESSAGES
    )


async def _storage(request: Request, exc: Exception) -> JSONResponse:
    """A data directory the server may not write is an outage to report (503), not a bug."""
    if not _storage_refused(exc):
        return unexpected_error(request, exc)
    data_dir = request.app.state.settings.data_dir
    logger.error(
        "cannot write the data directory %s (request id %s): %s",
        data_dir,
        getattr(request.state, "request_id", None),
        exc,
    )
    return error_response(
        request,
        503,
        f"storage: the data directory {data_dir} is read-only "
        "or not writable by the server; an operator must fix "
        "its permissions",
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(RecommenderError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(sqlite3.OperationalError, _storage)
    app.add_exception_handler(PermissionError, _storage)
    app.add_exception_handler(Exception, _unexpected)
