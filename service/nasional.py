"""/nasional: the national scaling-up team's workspace, behind a key asked for once (a session).

Themes, demanded innovations, gaps, duplicate clusters and the latest replications, each with
server-side SVG charts (`service.charts`) and a CSV download (`service.tables`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from recommender import analytics
from recommender.analytics import Period
from recommender.errors import InvalidRecord, RecommenderError
from recommender.registry import RegistryFilters
from service import session, tables
from service.auth import key_scopes
from service.charts import bar_chart, line_chart
from service.deps import cross_site, recommender_of
from service.labels import MONTHS, PROVINCES
from service.routers.analytics import query_vectors
from service.settings import Settings, hash_key
from service.web import Form as PlannerForm
from service.web import page_error, render, status_of

router = APIRouter(include_in_schema=False)
LATEST = 20  # replications listed on the page (the CSV has every matching one)
BARS = 10
DOWNLOADS = ("tema", "inovasi", "celah", "duplikat", "replikasi")
PERIOD_MESSAGES = {
    "from": "“Dari tanggal”: tulis tanggal yang ada, dengan format TTTT-BB-HH (misalnya 2025-03-01).",
    "to": "“Sampai tanggal”: tulis tanggal yang ada, dengan format TTTT-BB-HH (misalnya 2025-03-31).",
    "level": "Tingkat pemerintahan: nilai itu tidak dikenal; pilih salah satu dari daftar.",
    "province": "Provinsi: paling banyak 100 karakter.",
}


@dataclass(frozen=True)
class Filters:
    """The GET form as typed, for redisplay and for the download links."""

    start: str = ""
    end: str = ""
    province: str = ""
    level: str = ""

    @classmethod
    def from_request(cls, request: Request) -> Filters:
        q = request.query_params
        return cls(*(q.get(name, "").strip() for name in ("from", "to", "province", "level")))

    def period(self) -> Period:
        if len(self.province) > 100:
            raise InvalidRecord("province", "is longer than 100 characters")
        return Period.parse(self.start or None, self.end or None, self.province or None, self.level or None)

    def query(self) -> str:
        pairs = [
            (k, v)
            for k, v in (
                ("from", self.start),
                ("to", self.end),
                ("province", self.province),
                ("level", self.level),
            )
            if v
        ]
        return f"?{urlencode(pairs)}" if pairs else ""


def period_message(exc: InvalidRecord, filters: Filters) -> str:
    if exc.field == "from" and filters.start and filters.end and "after" in exc.reason:
        return "“Dari tanggal” tidak boleh sesudah “Sampai tanggal”."
    return PERIOD_MESSAGES.get(exc.field, f"{exc.field}: isian tidak dapat diterima.")


def _secret(request: Request) -> bytes:
    secret: bytes | None = getattr(request.app.state, "session_secret", None)
    if secret is None:
        settings: Settings = request.app.state.settings
        secret = request.app.state.session_secret = session.load_secret(Path(settings.data_dir))
    return secret


def signed_in(request: Request) -> bool:
    return session.valid(_secret(request), request.cookies.get(session.COOKIE), request.app.state.key_hashes)


def _login(request: Request, message: str | None = None, status: int = 200) -> HTMLResponse:
    # The filters ride along through the login, so a shared link opens on its view.
    query = Filters.from_request(request).query()
    response = render(request, "nasional_masuk.html", {"message": message, "query": query}, status)
    response.headers["Cache-Control"] = "no-store"
    if message and request.cookies.get(session.COOKIE):
        response.delete_cookie(session.COOKIE, path="/nasional")
    return response


@router.post("/nasional/masuk", response_class=HTMLResponse)
def login(request: Request, key: str = Form("", max_length=500)) -> Response:
    """Check the key once; a session cookie carries the login for LIFETIME seconds."""
    if cross_site(request):  # another site signing a browser in (login CSRF)
        return _login(request, "Masuk hanya dari halaman Replikasi sendiri.", 403)
    known = request.app.state.key_hashes
    scopes = key_scopes(f"Bearer {key.strip()}", known) if key.strip() else None
    if scopes is None:
        return _login(request, "Kunci API itu tidak dikenal di server ini. Periksa lalu coba lagi.", 401)
    if session.SCOPE not in scopes:
        return _login(
            request,
            "Kunci API itu tidak memiliki izin “analytics” untuk melihat "
            "analitik permintaan. Minta kunci tim replikasi nasional.",
            403,
        )
    response = RedirectResponse("/nasional" + Filters.from_request(request).query(), status_code=303)
    response.set_cookie(
        session.COOKIE,
        session.issue(_secret(request), hash_key(key.strip())),
        max_age=session.LIFETIME,
        path="/nasional",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/nasional/keluar")
def logout(request: Request) -> Response:
    if cross_site(request):
        return _login(request, "Keluar hanya dari halaman Replikasi sendiri.", 403)
    response = RedirectResponse("/nasional", status_code=303)
    response.delete_cookie(session.COOKIE, path="/nasional")
    return response


def workspace(request: Request, period: Period) -> dict[str, Any]:
    """Everything the page shows for one period; the gaps are the themes that mostly failed."""
    rec = recommender_of(request)
    themes = analytics.themes(rec, period, query_vectors(request))
    replications = rec.registry.latest(RegistryFilters(province=period.province, level=period.level), LATEST)
    names = {k: v.name for k, v in rec.catalogue.records({r.innovation_id for r in replications}).items()}
    return {
        "themes": themes,
        "gaps": analytics.gaps_among(themes),
        "innovations": analytics.innovations(rec, period),
        "clusters": analytics.duplicates(rec, period),
        "replications": replications,
        "names": names,
    }


def week_label(iso: str) -> str:
    """A week's Monday as a short Indonesian date: "3 Mar"."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {MONTHS[day.month - 1][:3]}"


def charts(data: dict[str, Any]) -> dict[str, Any]:
    """The page's SVG charts (strings, marked safe by the template)."""
    weeks: dict[str, int] = {}
    for theme in data["themes"]:
        for week in theme["trend"]:
            weeks[week["week"]] = weeks.get(week["week"], 0) + week["queries"]
    return {
        "weekly": line_chart(
            "Pertanyaan bertema per minggu (Senin awal pekan)",
            [(week_label(w), n) for w, n in weeks.items()],
            y_label="pertanyaan",
            chart_id="grafik-mingguan",
        ),
        "themes": bar_chart(
            "Tema menurut jumlah pertanyaan",
            [(t["label"], t["queries"]) for t in data["themes"][:BARS]],
            chart_id="grafik-tema",
        ),
        "demand": bar_chart(
            "Inovasi menurut jumlah daerah penanya",
            [(i["name"], i["regions"]) for i in data["innovations"][:BARS]],
            unit="daerah",
            chart_id="grafik-inovasi",
        ),
        "trends": {
            t["id"]: line_chart(
                f"Tren mingguan: {t['label']}",
                [(week_label(w["week"]), w["queries"]) for w in t["trend"]],
                chart_id=f"tren-{t['id']}",
                height=160,
            )
            for t in data["themes"]
        },
    }


@router.get("/nasional", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    """The workspace, or the key form when there is no valid session."""
    if not signed_in(request):
        message = (
            "Sesi Anda berakhir atau tidak sah; masukkan kunci API lagi."
            if request.cookies.get(session.COOKIE)
            else None
        )
        return _login(request, message)
    filters = Filters.from_request(request)
    context: dict[str, Any] = {"filters": filters, "provinces": list(PROVINCES), "downloads": DOWNLOADS}
    status = 200
    try:
        period = filters.period()
        context |= {"period": period, **workspace(request, period)}
        context["charts"] = charts(context)
    except InvalidRecord as exc:
        status, context["error"] = 422, {"control": exc.field, "message": period_message(exc, filters)}
    except RecommenderError as exc:
        status, context["error"] = status_of(exc), page_error(exc, PlannerForm())
    response = render(request, "nasional.html", context, status)
    response.headers["Cache-Control"] = "no-store"  # query texts: never in a shared cache
    return response


@router.get("/nasional/unduh/{table}.csv")
def download(request: Request, table: str) -> Response:
    """One table of the page as CSV, for the same filters, behind the same session."""
    if not signed_in(request):
        return PlainTextResponse("Masuk dulu di /nasional dengan kunci API ber-izin analytics.", 401)
    if table not in DOWNLOADS:
        return PlainTextResponse(f"Tabel “{table}” tidak ada; pilih: {', '.join(DOWNLOADS)}.", 404)
    filters = Filters.from_request(request)
    try:
        body = tables.to_csv(_table(request, table, filters.period()))
    except InvalidRecord as exc:
        return PlainTextResponse(period_message(exc, filters), 422)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="nasional-{table}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _table(request: Request, table: str, period: Period) -> tables.Table:
    rec = recommender_of(request)
    if table in ("tema", "celah"):
        themes = analytics.themes(rec, period, query_vectors(request))
        if table == "celah":
            themes = analytics.gaps_among(themes)
        return tables.themes_table(themes)
    if table == "inovasi":
        return tables.innovations_table(analytics.innovations(rec, period))
    if table == "duplikat":
        return tables.duplicates_table(analytics.duplicates(rec, period))
    items = rec.registry.select(RegistryFilters(province=period.province, level=period.level))
    names = {k: v.name for k, v in rec.catalogue.records({r.innovation_id for r in items}).items()}
    return tables.replications_table(items, names)
