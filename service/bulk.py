"""What the collection endpoints share over HTTP: a page of a list, the export stream, the
import body and its format."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from recommender.errors import InvalidRecord
from recommender.importing import detect_format

MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
NOT_BLANK = {"type": "string", "pattern": r"\S"}
IMPORT_MEDIA = {media: {"schema": NOT_BLANK} for media in MEDIA.values()}
EXPORT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {"schema": {"type": "string"}} for media in MEDIA.values()}}
}


def page(items: Sequence[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """A page of a list in the API's shape; next_offset is None on the last page."""
    following = offset + len(items)
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": following if following < total else None,
    }


def export_response(lines: Iterator[str], format: str, name: str) -> StreamingResponse:
    """Stream an export as a download named ``replikasi-{name}.{format}``."""
    return StreamingResponse(
        lines,
        media_type=f"{MEDIA[format]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="replikasi-{name}.{format}"'},
    )


async def import_body(request: Request, format: str | None) -> tuple[bytes, str]:
    """The request body and its format: the one asked for, else the Content-Type's (text/csv,
    application/x-ndjson), else what the body looks like."""
    data = await request.body()
    if not data.strip():
        raise InvalidRecord("body", "is empty; send JSONL lines or CSV rows")
    content_type = request.headers.get("content-type", "").lower()
    fmt = format or (
        "csv" if "csv" in content_type else "jsonl" if "json" in content_type else detect_format(None, data)
    )
    return data, fmt
