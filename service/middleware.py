"""Pure ASGI middleware: the request guard, HEAD for GET routes, and the 500 boundary."""

from __future__ import annotations

import re
import uuid
from typing import Any

import anyio
from fastapi import Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import errors
from service.auth import bearer, key_error

# A client's own request id is echoed only when it is short and plain; otherwise one is made.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes whose bodies are queries, not data: they get the small body limit.
QUERY_ROUTES = frozenset({("POST", "/v1/recommendations")})
_TOO_LARGE, _TIMED_OUT = "too large", "timed out"


class RequestGuard:
    """In front of every request:

    - an X-Request-ID and `X-Content-Type-Options: nosniff` on every response;
    - a write to a route that needs an API key is refused (401/403) before its body is read;
    - 413 for a body over the limit (`max_query_body_bytes` for query routes, `max_body_bytes`
      elsewhere), chunked bodies included;
    - 408 when the client sends nothing for `body_timeout_seconds` while its body is due (as
      nginx's client_body_timeout: between two reads, so slow links still upload).

    A body is read whole here, under the limit and the timeout, before the app sees it; so no
    handler ever waits on a stalled client or sees half an oversized body.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_query_body_bytes: int | None = None,
        body_timeout_seconds: float = 30.0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_query_body_bytes = min(max_query_body_bytes or max_body_bytes, max_body_bytes)
        self.body_timeout_seconds = body_timeout_seconds
        self._key_routes: list[tuple[str, re.Pattern[str]]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["X-Request-ID"] = request_id
                out["X-Content-Type-Options"] = "nosniff"
            await send(message)

        refusal = self._key_refusal(scope, headers)
        if refusal is not None:
            await _refuse(
                scope, send_guarded, refusal.status_code, str(refusal.detail), dict(refusal.headers or {})
            )
            return
        limit = self._limit(scope)
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            await _refuse(scope, send_guarded, 400, "content-length: is not a number")
            return
        if length is not None and int(length) > limit:
            await self._refuse_too_large(scope, send_guarded, limit)
            return
        if int(length or 0) > 0 or (length is None and "transfer-encoding" in headers):
            body = await self._read_body(receive, limit)
            if body == _TOO_LARGE:
                await self._refuse_too_large(scope, send_guarded, limit)
                return
            if body == _TIMED_OUT:
                await _refuse(
                    scope,
                    send_guarded,
                    408,
                    "body: nothing received for "
                    f"{self.body_timeout_seconds:g} seconds; send the body promptly",
                )
                return
            assert isinstance(body, list)
            receive = _replay(body, receive)
        await self.app(scope, receive, send_guarded)

    def _limit(self, scope: Scope) -> int:
        return (
            self.max_query_body_bytes
            if (scope["method"], _path(scope)) in QUERY_ROUTES
            else self.max_body_bytes
        )

    def _key_refusal(self, scope: Scope, headers: Headers) -> HTTPException | None:
        """The 401/403 for a secured write with no known key, before its body is read, or None."""
        if scope["method"] not in WRITE_METHODS or "app" not in scope:
            return None
        if self._key_routes is None:  # every route is included once requests arrive
            self._key_routes = _key_operations(scope["app"].openapi())
        path = _path(scope)
        if not any(
            method == scope["method"] and pattern.fullmatch(path) for method, pattern in self._key_routes
        ):
            return None
        # Only whether the key is known: the route's own dependency checks its scope.
        return key_error(headers.get("authorization"), scope["app"].state.key_hashes, None)

    async def _read_body(self, receive: Receive, limit: int) -> list[Message] | str:
        """The request's messages, or why not: over the limit, or the client went quiet."""
        messages: list[Message] = []
        size = 0
        while True:
            with anyio.move_on_after(self.body_timeout_seconds) as waiting:
                message = await receive()
            if waiting.cancelled_caught:
                return _TIMED_OUT
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > limit:
                return _TOO_LARGE
            if not message.get("more_body", False):
                return messages

    @staticmethod
    async def _refuse_too_large(scope: Scope, send: Send, limit: int) -> None:
        await _refuse(scope, send, 413, f"body: larger than the limit of {limit} bytes")


def _path(scope: Scope) -> str:
    return scope["path"].removeprefix(scope.get("root_path", "")) or "/"


def _key_operations(document: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    """(method, path pattern) of the operations that the OpenAPI document secures with the key.

    The document is what `require_key` declares (through `Depends(bearer)`), so the guard and
    the routes cannot disagree about which writes need a key.
    """
    operations = []
    for template, methods in document.get("paths", {}).items():
        for method, operation in methods.items():
            schemes = operation.get("security", []) if isinstance(operation, dict) else []
            if any(bearer.scheme_name in scheme for scheme in schemes):
                operations.append((method.upper(), compile_path(template)[0]))
    return operations


async def _refuse(
    scope: Scope, send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    # The body is left unread (or unfinished), so the connection cannot be reused.
    response = errors.error_response(
        Request(scope), status, detail, headers={**(headers or {}), "Connection": "close"}
    )
    await response(scope, _no_body, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()  # later messages, such as http.disconnect

    return replay


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class HeadAsGet:
    """HEAD on any GET route: run it as GET and send the headers without the body.

    FastAPI's routes declare GET only, so HEAD would be a 405. The server's own scope keeps
    HEAD (the app gets a copy), so uvicorn still frames the reply as a HEAD response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class ErrorBoundary:
    """Turns an unexpected exception into the JSON 500 inside CORS and the request guard.

    Starlette's own handler for `Exception` sits outside every middleware, so its 500s would
    lack the CORS and security headers; this one sits inside them.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the boundary: every failure gets the JSON 500
            if started:
                raise  # too late for a response; the server closes the connection
            response = errors.unexpected_error(Request(scope), exc)
            await response(scope, receive, send)


class IndexHeaders:
    """Every response says which index answered and how many changes it does not yet hold."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state if "app" in scope else None

        async def send_with_index(message: Message) -> None:
            if message["type"] == "http.response.start" and state is not None:
                recommender = getattr(state, "recommender", None)
                if recommender is not None and recommender.ready:
                    headers = MutableHeaders(scope=message)
                    headers["X-Index-Version"] = recommender.index_version or ""
                    headers["X-Index-Pending"] = str(recommender.pending_cached())
            await send(message)

        await self.app(scope, receive, send_with_index)
