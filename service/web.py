"""The planner's web page (server-rendered, Indonesian)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"


@router.get("/", response_class=HTMLResponse)
def page() -> str:
    return "<!doctype html><html lang='id'><title>Replikasi</title><h1>Replikasi</h1></html>"


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
