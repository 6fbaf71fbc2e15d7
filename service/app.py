"""The app factory: settings, the recommender on app.state, middleware, routers."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recommender.engine import Recommender
from recommender.workspace import open_recommender
from service import errors
from service.routers import health, innovations, recommendations
from service.settings import Settings

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"
# A client's own request id is echoed only when it is short and plain; otherwise one is made.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _load(app: FastAPI) -> None:
    """Runs in a thread so /health answers while the model loads and the first index builds."""
    settings: Settings = app.state.settings
    try:
        if app.state.recommender is None:
            app.state.recommender = open_recommender(settings.data_dir, settings.load_encoders())
        app.state.recommender.ensure_index(progress=False)
        app.state.index_error = None
    except Exception as exc:  # noqa: BLE001 - any failure must reach /ready, not kill the app
        logger.exception("index failed to load")
        app.state.index_error = f"the index failed to load: {exc}"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    recommender: Recommender | None = app.state.recommender
    if recommender is None or not recommender.ready:
        app.state.index_error = "the index is loading"
        threading.Thread(target=_load, args=(app,), daemon=True).start()
    yield


def create_app(settings: Settings | None = None, recommender: Recommender | None = None) -> FastAPI:
    """Build the app; tests pass a ready recommender to skip model loading."""
    settings = settings or Settings()
    app = FastAPI(
        title="Replikasi API",
        version=API_VERSION,
        description="Find proven Indonesian public-service innovations to replicate, "
                    "matched to a region's problem, with the reasons. Writes need an API key.",
        lifespan=_lifespan,
    )
    app.state.key_hashes = settings.key_hashes()
    # Keep no plain key around once hashed.
    app.state.settings = settings.model_copy(update={"api_keys": ""})
    app.state.recommender = recommender
    app.state.index_error = None
    errors.install(app)
    _middleware(app, settings)
    app.include_router(health.router)
    app.include_router(recommendations.router)
    app.include_router(innovations.router)
    from service import web

    app.include_router(web.router)
    web.mount_static(app)
    return app


class RequestGuard:
    """Pure ASGI middleware: an X-Request-ID on every response, and 413 for bodies over the limit.

    The limit holds for chunked bodies too: without Content-Length the body is read (up to the
    limit) before the app sees it, so an oversized body never reaches a handler half-read.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                await self._refuse(scope, send_with_id, 400, "content-length: is not a number")
                return
            if int(length) > self.max_body_bytes:
                await self._refuse_too_large(scope, send_with_id)
                return
        elif "transfer-encoding" in headers:
            buffered = await self._read_body(receive)
            if buffered is None:
                await self._refuse_too_large(scope, send_with_id)
                return
            receive = _replay(buffered, receive)
        await self.app(scope, receive, send_with_id)

    async def _read_body(self, receive: Receive) -> list[Message] | None:
        """The request's messages, or None as soon as the body passes the limit."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return messages

    async def _refuse_too_large(self, scope: Scope, send: Send) -> None:
        await self._refuse(scope, send, 413,
                           f"body: larger than the limit of {self.max_body_bytes} bytes")

    @staticmethod
    async def _refuse(scope: Scope, send: Send, status: int, detail: str) -> None:
        request = Request(scope)
        # The body is left unread, so the connection cannot be reused.
        response = errors.error_response(request, status, detail, headers={"Connection": "close"})
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


def _middleware(app: FastAPI, settings: Settings) -> None:
    # Added first, so CORS (added after) wraps it and error responses carry CORS headers too.
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    if settings.origins():
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins(),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                           expose_headers=["X-Request-ID"])
