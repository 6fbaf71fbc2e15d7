"""The card's "Kami tertarik mereplikasi ini" button: a plain POST form, then back to the results."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

from recommender.errors import RecommenderError
from service import web
from service.deps import cross_site
from service.routers.interest import record_interest

router = APIRouter(include_in_schema=False)


def _refusal(
    request: Request, form: web.Form, status: int, message: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    response = web.render(
        request, "message.html", {"form": form, "error": {"control": None, "message": message}}, status
    )
    response.headers.update(headers or {})
    return response


@router.post("/inovasi/{innovation_id}/minat", response_model=None)
def mark_interest(request: Request, innovation_id: str, back: str = Form("")) -> Response:
    """Record the mark with the asker's level and province from the search, then show the same
    results again (303, so a reload does not post twice) with a thank-you on the card."""
    form = web.Form.from_query(QueryParams(back))
    if cross_site(request):
        return _refusal(request, form, 403, "Tanda minat hanya dapat dikirim dari halaman Replikasi sendiri.")
    raw = {"asker_level": form.asker_level or None, "asker_province": form.asker_province or None}
    try:
        record_interest(request, innovation_id, {k: v for k, v in raw.items() if v})
    except HTTPException as exc:  # the rate limit
        return _refusal(
            request,
            form,
            exc.status_code,
            "Terlalu banyak tanda minat dari perangkat ini dalam waktu singkat. "
            f"Coba lagi dalam {(exc.headers or {}).get('Retry-After', '60')} detik.",
            dict(exc.headers or {}),
        )
    except RecommenderError as exc:
        return _refusal(request, form, web.status_of(exc), web.page_error(exc, form)["message"] or "")
    query = urlencode([*form.pairs(), ("minat", innovation_id)])
    return RedirectResponse(f"/?{query}#inovasi-{innovation_id}", status_code=303)
