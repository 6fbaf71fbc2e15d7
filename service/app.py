"""The app factory: settings, the recommender on app.state, middleware, routers."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from starlette.datastructures import State

from index.threads import one_blas_thread
from recommender.engine import Recommender
from recommender.workspace import open_recommender
from recommender.writer import CatalogueWriter, IndexUpdater, Jobs
from service import errors
from service.middleware import ErrorBoundary, HeadAsGet, IndexHeaders, RequestGuard
from service.routers import (
    analytics,
    health,
    innovations,
    interest,
    recommendations,
    replications,
)
from service.routers.recommendations import purge_log_if_due
from service.settings import Settings

logger = logging.getLogger(__name__)

API_VERSION = "1.0.0"


def _attach(app: FastAPI, recommender: Recommender) -> None:
    """The writer, the background index updater and the job registry around a recommender."""
    settings: Settings = app.state.settings
    updater = IndexUpdater(recommender, debounce=settings.index_debounce_seconds)
    app.state.updater = updater
    app.state.writer = CatalogueWriter(recommender, on_change=updater.notify)
    app.state.jobs = Jobs(recommender.catalogue)
    app.state.recommender = recommender


def _load(app: FastAPI) -> None:
    """Runs in a thread so /health answers while the model loads and the first index builds.

    A stale or fallback snapshot is served at once; the updater catches up in the background.
    """
    settings: Settings = app.state.settings
    try:
        recommender = app.state.recommender
        if recommender is None:
            recommender = open_recommender(
                settings.data_dir, settings.load_encoders(), builds=settings.child_builds()
            )
        if not recommender.ready:
            recommender.ensure_index(progress=False)
        if app.state.updater is None or app.state.updater.recommender is not recommender:
            _attach(app, recommender)
        purge_log_if_due(app.state, recommender.catalogue)
        app.state.updater.start()
        app.state.updater.notify()
        threading.Thread(target=app.state.writer.warm, name="writer-warm", daemon=True).start()
        app.state.index_error = None
    except Exception as exc:  # noqa: BLE001 - any failure must reach /ready, not kill the app
        logger.exception("index failed to load")
        app.state.index_error = f"the index failed to load: {exc}"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.index_error = "the index is loading"
    one_blas_thread()  # request threads each run their queries' products on one BLAS thread
    thread = threading.Thread(target=_load, args=(app,), daemon=True)
    thread.start()
    recommender: Recommender | None = app.state.recommender
    if recommender is not None and recommender.ready:
        thread.join()  # a ready recommender (tests) only needs its updater started
    yield
    if app.state.updater is not None:
        app.state.updater.stop()


def reset_state(app: FastAPI, settings: Settings, recommender: Recommender | None) -> None:
    """Give an app from create_app a fresh state: its keys, settings and recommender.

    create_app calls it once. Tests call it again to serve a recommender of their own through
    one app, since FastAPI prepares each route on the app's first request to it (about 0.25 s
    an app). The middleware keeps its limits until ``set_middleware`` gives it others.
    """
    templates = getattr(app.state, "templates", None)  # the app's, built once by create_app
    app.state = State()
    app.state.templates = templates
    app.state.key_hashes = settings.key_hashes()
    # Keep no plain key around once hashed.
    app.state.settings = settings.model_copy(update={"api_keys": ""})
    app.state.recommender = recommender
    app.state.updater = None
    app.state.writer = None
    app.state.jobs = None
    if recommender is not None:
        _attach(app, recommender)
    app.state.index_error = None


def create_app(settings: Settings | None = None, recommender: Recommender | None = None) -> FastAPI:
    """Build the app; tests pass a ready recommender to skip model loading."""
    settings = settings or Settings()
    # /docs and /redoc with their scripts and styles served from the fastapi-offline wheel:
    # planners' offices and CI have no reliable route to a CDN.
    app = FastAPIOffline(
        title="Replikasi API",
        version=API_VERSION,
        description="Find proven Indonesian public-service innovations to replicate, "
        "matched to a region's problem, with the reasons. Writes need an API key.",
        lifespan=_lifespan,
    )
    reset_state(app, settings, recommender)
    errors.install(app)
    set_middleware(app, settings)
    app.include_router(health.router)
    app.include_router(recommendations.router)
    app.include_router(innovations.router)
    app.include_router(replications.router)
    app.include_router(interest.router)
    app.include_router(analytics.router)
    from service import nasional, web, web_interest
    from service.formatting import page_templates

    app.state.templates = page_templates()
    app.include_router(web.router)
    app.include_router(web_interest.router)
    app.include_router(nasional.router)
    web.mount_static(app)
    return app


def set_middleware(app: FastAPI, settings: Settings) -> None:
    """Give an app its middleware for these settings' limits (body sizes and timeout, CORS).

    create_app calls it once. Tests call it again between requests to serve other limits
    through an app whose routes FastAPI has already prepared (about 0.3 s an app); the stack
    is built anew on the next request.
    """
    app.middleware_stack = None
    app.user_middleware.clear()
    _middleware(app, settings)


def _middleware(app: FastAPI, settings: Settings) -> None:
    # The last added is the outermost: CORS > RequestGuard > HeadAsGet > ErrorBoundary > app,
    # so every response (refusals and 500s included) carries the CORS and guard headers.
    app.add_middleware(ErrorBoundary)
    app.add_middleware(IndexHeaders)
    app.add_middleware(HeadAsGet)
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        max_query_body_bytes=settings.max_query_body_bytes,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    if settings.origins():
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.origins(),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
