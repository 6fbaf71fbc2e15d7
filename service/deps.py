"""FastAPI dependencies in one place: the recommender, the writer, the index updater."""

from __future__ import annotations

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
