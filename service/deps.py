"""FastAPI dependencies in one place: the recommender, the writer, the index updater."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from recommender.engine import Recommender
from recommender.errors import IndexNotReady
from recommender.writer import CatalogueWriter


def recommender_of(request: Request) -> Recommender:
    recommender: Recommender | None = request.app.state.recommender
    if recommender is None:
        raise IndexNotReady("the service is still starting")
    return recommender


def writer_of(request: Request) -> CatalogueWriter:
    writer: CatalogueWriter | None = request.app.state.writer
    if writer is None:
        raise IndexNotReady("the service is still starting")
    return writer


def cross_site(request: Request) -> bool:
    """A browser names the page a POST came from (Origin); one from another site, or from an
    opaque origin ("null": a sandboxed frame, a data: page), is not our user's. Callers that
    are not browsers (other portals' servers, curl) send no Origin and pass."""
    origin = request.headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != request.url.netloc
