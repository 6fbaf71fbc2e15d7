"""The app factory: settings, the recommender on app.state, middleware, routers."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

from recommender.engine import Recommender
from recommender.workspace import open_recommender
from service import errors
from service.routers import health, innovations, recommendations
from service.settings import Settings

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"


def _load_index(app: FastAPI, recommender: Recommender) -> None:
    """Runs in a thread so /health answers while the first index is being built."""
    try:
        recommender.ensure_index(progress=False)
        app.state.index_error = None
    except Exception as exc:  # noqa: BLE001 - any failure must reach /ready, not kill the app
        logger.exception("index failed to load")
        app.state.index_error = str(exc)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    if app.state.recommender is None:
        app.state.recommender = open_recommender(settings.data_dir, settings.load_encoders())
    recommender: Recommender = app.state.recommender
    if not recommender.ready:
        app.state.index_error = "the index is loading"
        threading.Thread(target=_load_index, args=(app, recommender), daemon=True).start()
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


def _middleware(app: FastAPI, settings: Settings) -> None:
    @app.middleware("http")
    async def request_id_and_size(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > settings.max_body_bytes):
            response: Response = errors.error_response(
                request, 413, f"body: larger than the limit of {settings.max_body_bytes} bytes")
        else:
            response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    if settings.origins():
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins(),
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                           expose_headers=["X-Request-ID"])
