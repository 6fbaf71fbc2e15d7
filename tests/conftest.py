"""Shared fixtures: a tiny hand-written catalogue and the deterministic test encoder."""

from __future__ import annotations

import functools
import gc
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from index.encoders import HashingEncoder
from recommender.catalogue import Catalogue
from recommender.engine import Recommender
from recommender.workspace import DATABASE, open_recommender
from service import app as app_module
from service.app import create_app, reset_state, set_middleware
from service.settings import Settings
from tests.recommender.demand import build_log

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny.jsonl"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
API_KEY = "test-key-123"
# What create_app hands the middleware (set_middleware); reset_state does not change these.
MIDDLEWARE_SETTINGS = ("max_body_bytes", "max_query_body_bytes", "body_timeout_seconds", "cors_origins")
# Memory-backed: the tests' data directories commit to SQLite and seal snapshots, each an fsync
# that a disk makes the run wait for (a third of the fast layer's wall time on a busy disk).
MEMORY_TEMP = Path("/dev/shm")
# A container's /dev/shm may be 64 MB; the slow layer's data directories need more than this.
MEMORY_TEMP_MIN_FREE = 2 * 1024**3


def pytest_configure(config: pytest.Config) -> None:
    """Temporary directories in memory where the machine has it and no TMPDIR was chosen; the
    imports done so far (this file's) frozen out of garbage collection, as collection's are,
    and young objects collected every 20,000 allocations instead of 700 (the tests allocate
    millions of short-lived ones: about a third of the collector's time)."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    if (
        "TMPDIR" not in os.environ
        and MEMORY_TEMP.is_dir()
        and os.access(MEMORY_TEMP, os.W_OK)
        and shutil.disk_usage(MEMORY_TEMP).free >= MEMORY_TEMP_MIN_FREE
    ):
        tempfile.tempdir = str(MEMORY_TEMP)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Leave what collection built (modules, classes, test items: a few hundred thousand
    objects that live until the end) out of the garbage collector's full passes, which would
    walk all of it again every few tests (gc.freeze)."""
    gc.collect()
    gc.freeze()


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder(256)


@pytest.fixture(scope="session")
def tiny_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory seeded with the tiny catalogue and indexed once per session.

    Read-only: tests never open it; ``recommender`` copies it (a few ms) instead of seeding and
    indexing anew (about 0.2 s), so every test still writes to a data directory of its own.
    """
    data = tmp_path_factory.mktemp("tiny-template") / "data"
    built = open_recommender(data, [HashingEncoder(256)], seed=TINY)
    built.ensure_index()
    built.catalogue.close()  # checkpoints the WAL, so the copy is the whole database
    return data


def open_copy(template: Path, tmp_path: Path, encoder: HashingEncoder) -> Recommender:
    """A recommender over a copy of a template data directory, in ``tmp_path``."""
    shutil.copytree(template, tmp_path / "data")
    rec = open_recommender(tmp_path / "data", [encoder], seed=TINY)
    rec.ensure_index()
    return rec


@pytest.fixture
def recommender(tmp_path: Path, encoder: HashingEncoder, tiny_data_dir: Path) -> Recommender:
    """The tiny catalogue, indexed, in this test's own copy of the session's data directory."""
    return open_copy(tiny_data_dir, tmp_path, encoder)


@pytest.fixture(scope="session")
def logged_data_dir(tiny_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tiny_data_dir`` with the constructed query log (tests.recommender.demand.build_log):
    written once, since it is a commit per query. Read-only, like ``tiny_data_dir``."""
    data = tmp_path_factory.mktemp("logged-template") / "data"
    shutil.copytree(tiny_data_dir, data)
    catalogue = Catalogue(data / DATABASE)
    build_log(catalogue)
    catalogue.close()
    return data


@pytest.fixture
def logged_recommender(tmp_path: Path, encoder: HashingEncoder, logged_data_dir: Path) -> Recommender:
    """``recommender`` whose catalogue holds the constructed query log, in this test's own copy."""
    return open_copy(logged_data_dir, tmp_path, encoder)


@functools.cache
def _tiny_base() -> Settings:
    return Settings(encoder="hashing-256", api_keys=API_KEY)


def tiny_settings(data_dir: Path) -> Settings:
    """The settings ``client`` serves with: the test encoder and one key with every scope.

    Read from the environment once a session (a few ms each time), then copied per data
    directory."""
    return _tiny_base().model_copy(update={"data_dir": data_dir})


@pytest.fixture(scope="session", autouse=True)
def _blas_limited_once() -> Iterator[None]:
    """Every app's start-up limits BLAS to one thread for the process (index.threads); the limit
    stays set, and setting it again costs ~5 ms a start (threadpoolctl scans the loaded
    libraries), so the apps of this session set it once. tests/index/test_threads.py tests it."""
    limit = app_module.one_blas_thread
    limit()
    app_module.one_blas_thread = lambda: None
    yield
    app_module.one_blas_thread = limit


def limits_of(settings: Settings) -> tuple[object, ...]:
    """The settings an app keeps in its middleware (MIDDLEWARE_SETTINGS), not in its state."""
    return tuple(getattr(settings, limit) for limit in MIDDLEWARE_SETTINGS)


# The limits each app's middleware was last given (set_middleware), and the apps now serving.
_LIMITS: weakref.WeakKeyDictionary[FastAPI, tuple[object, ...]] = weakref.WeakKeyDictionary()
_SERVING: weakref.WeakSet[FastAPI] = weakref.WeakSet()


@contextmanager
def serving(
    app: FastAPI, settings: Settings, recommender: Recommender | None, **client: Any
) -> Iterator[TestClient]:
    """``app`` over HTTP with a fresh state: these settings (their limits included), this
    recommender; the middleware is rebuilt only when the limits differ from its last ones."""
    if app in _SERVING:
        raise RuntimeError("this app already serves a client: borrow another from app_pool")
    limits = limits_of(settings)
    if _LIMITS.get(app) != limits:
        set_middleware(app, settings)
        _LIMITS[app] = limits
    reset_state(app, settings, recommender)
    _SERVING.add(app)
    try:
        with TestClient(app, **client) as test_client:
            yield test_client
    finally:
        _SERVING.discard(app)


class AppPool:
    """The session's apps, each lent while it serves no other client, with the limits and the
    state the borrowing test needs.

    A new app costs about 0.3 s of CPU on its first requests: FastAPI prepares each route, and
    the first write builds the OpenAPI document (RequestGuard reads the secured routes from
    it). A test that needs settings of its own borrows a free app and gives it this test's
    state and limits (reset_state and set_middleware, as create_app does), instead of creating
    one; a second app is created only for a test that serves two at once. The apps share one
    OpenAPI document: it depends on the routes alone, which create_app always adds alike
    (test_api_analytics.py reads it over HTTP).
    """

    def __init__(self) -> None:
        self._apps: list[FastAPI] = []
        self._openapi: dict[str, Any] | None = None

    def create(self, settings: Settings) -> FastAPI:
        """A new app (create_app) with the session's OpenAPI document, lent from now on."""
        app = create_app(settings)
        _LIMITS[app] = limits_of(settings)
        if self._openapi is None:
            self._openapi = app.openapi()
        document = self._openapi
        # FastAPI's documented override; setting openapi_schema alone no longer holds (FastAPI
        # 0.165 rebuilds a document its router did not stamp, 0.2 s on an app's first write).
        app.openapi = lambda: document  # type: ignore[method-assign]
        self._apps.append(app)
        return app

    @contextmanager
    def serve(
        self, settings: Settings, recommender: Recommender | None, **client: Any
    ) -> Iterator[TestClient]:
        """An app with these settings serving ``recommender`` over HTTP (its lifespan included)."""
        free = [app for app in self._apps if app not in _SERVING]
        app = free[0] if free else self.create(settings)
        with serving(app, settings, recommender, **client) as test_client:
            yield test_client


@pytest.fixture(scope="session")
def app_pool() -> AppPool:
    return AppPool()


@pytest.fixture
def client(tmp_path: Path, recommender: Recommender, app_pool: AppPool) -> Iterator[TestClient]:
    """An app of the pool over HTTP, serving this test's own ``recommender``."""
    with app_pool.serve(tiny_settings(tmp_path / "data"), recommender) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}
