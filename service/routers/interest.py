"""POST /v1/innovations/{id}/interest: a planner's "we are interested in replicating this"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from recommender.interest import MAX_NOTE, InterestStore, validate_interest
from service.deps import cross_site, recommender_of
from service.errors import responses
from service.ratelimit import TokenBuckets, spend
from service.schemas import NO_CONTROL, Level, Strict

router = APIRouter(prefix="/v1", tags=["interest"])


class InterestIn(Strict):
    """Who is interested, if they say: no account, no name, no address."""

    asker_level: Level | None = Field(None, description="the asker's level of government")
    asker_province: str | None = Field(
        None,
        max_length=100,
        description="the asker's province: one of the 38 (common short forms such as 'Jatim' too)",
    )
    note: str | None = Field(
        None,
        max_length=MAX_NOTE,
        json_schema_extra={"pattern": NO_CONTROL},
        description="optional; NIKs, phone numbers and e-mail addresses are removed before it is stored",
    )


class InterestOut(BaseModel):
    innovation_id: str = Field(description="the innovation a planner is interested in")
    created_at: str = Field(description="when it was recorded (ISO, UTC)")
    asker_level: Level | None = Field(description="the asker's level of government")
    asker_province: str | None = Field(description="as the catalogue spells it")
    note: str | None = Field(description="as stored (scrubbed)")
    interest: int = Field(description="interest marks this innovation has in all")


def buckets_of(request: Request) -> TokenBuckets:
    buckets: TokenBuckets | None = getattr(request.app.state, "interest_buckets", None)
    if buckets is None:
        settings = request.app.state.settings
        buckets = TokenBuckets(settings.interest_burst, settings.interest_refill_seconds)
        request.app.state.interest_buckets = buckets
    return buckets


def record_interest(request: Request, innovation_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Rate-limit (429), validate (422), store (404 for an unknown innovation); the web page
    and the API share it, and one bucket per client."""
    spend(request, buckets_of(request), "interest")
    store = InterestStore(recommender_of(request).catalogue)
    mark = store.add(validate_interest(innovation_id, raw))
    return {**mark.to_dict(), "interest": store.total(innovation_id)}


@router.post(
    "/innovations/{innovation_id}/interest",
    status_code=201,
    response_model=InterestOut,
    responses=responses(403, 404, 422, 429, 503),
)
def interest(request: Request, innovation_id: str, body: InterestIn | None = Body(None)) -> dict[str, Any]:
    """Mark interest in replicating an innovation: a demand signal for the national team,
    kept apart from the verified replication registry. No key needed; each client may mark a
    few at once, then one more every so often (429 with Retry-After beyond that)."""
    if cross_site(request):  # another site's page making its visitors' browsers post marks
        raise HTTPException(403, "origin: interest marks are not accepted from another site's pages")
    raw = body.model_dump(exclude_none=True) if body else {}
    return record_interest(request, innovation_id, raw)
