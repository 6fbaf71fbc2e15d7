"""The planner's web page: a GET form and explained result cards, server-rendered in Indonesian."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from recommender.engine import Recommender
from recommender.errors import IndexNotReady, InvalidRecord, RecommenderError, UnknownInnovation
from recommender.explain import Passage
from recommender.filters import STATUS_FILTER_VALUES, Asker, Filters
from recommender.record import AWARD_TIERS, LEVELS, SECTORS
from recommender.results import Recommendations
from service.errors import STATUS_OF
from service.routers.recommendations import log_request, recommender_of

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

MAX_PROBLEM = 5000
LIMITS = (5, 10, 20, 50)
LIST_FILTERS = ("sector", "level", "province", "status")
# The page needs nothing from elsewhere; saying so lets the browser refuse anything injected.
CSP = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

LEVEL_LABELS = {"kementerian/lembaga": "Kementerian/Lembaga", "provinsi": "Provinsi",
                "kabupaten": "Kabupaten", "kota": "Kota", "bumn": "BUMN", "bumd": "BUMD"}
SECTOR_LABELS = {
    "kesehatan": "Kesehatan", "kesehatan-ibu-anak": "Kesehatan ibu dan anak",
    "gizi-anak": "Gizi anak", "kependudukan": "Kependudukan", "perizinan": "Perizinan",
    "kebencanaan": "Kebencanaan", "lingkungan": "Lingkungan", "air-sanitasi": "Air dan sanitasi",
    "pendidikan": "Pendidikan", "ekonomi-umkm": "Ekonomi dan UMKM",
    "pertanian-pangan": "Pertanian dan pangan", "sosial-perlindungan": "Sosial dan perlindungan",
    "keamanan-ketertiban": "Keamanan dan ketertiban", "transportasi": "Transportasi",
    "keuangan-pajak": "Keuangan dan pajak", "pengaduan-partisipasi": "Pengaduan dan partisipasi",
    "tata-kelola-digital": "Tata kelola digital", "pariwisata": "Pariwisata", "lainnya": "Lainnya",
}
TIER_LABELS = {"penghargaan-lain": "Berpenghargaan apa pun", "top-99": "Top 99 atau lebih tinggi",
               "top-40": "Top 40/45 atau lebih tinggi", "unpsa": "UNPSA (PBB)"}
TIER_BADGES = {"penghargaan-lain": "Penghargaan", "top-99": "Top 99", "top-40": "Top 40/45",
               "unpsa": "UNPSA"}
STATUS_LABELS = {"berjalan": "Masih berjalan", "berhenti": "Sudah berhenti",
                 "tidak-diketahui": "Status tidak diketahui"}
FIELD_LABELS = {"problem": "Masalah", "solution": "Solusi", "outcomes": "Hasil terukur",
                "name": "Nama inovasi", "filters.sector": "Sektor",
                "filters.level": "Tingkat pemerintahan", "filters.province": "Provinsi",
                "filters.award_tier": "Penghargaan minimal", "filters.year_from": "Tahun dari",
                "filters.year_to": "Tahun sampai", "filters.status": "Status",
                "asker.level": "Tingkat pemerintahan Anda", "asker.province": "Provinsi Anda",
                "limit": "Jumlah hasil"}


@dataclass
class Form:
    """The query string as typed: strings for redisplay, lists for the repeatable filters."""

    problem: str = ""
    lists: dict[str, list[str]] = field(default_factory=dict)
    award_tier: str = ""
    year_from: str = ""
    year_to: str = ""
    asker_level: str = ""
    asker_province: str = ""
    limit: str = "10"
    similar: str = ""
    submitted: bool = False

    @classmethod
    def from_request(cls, request: Request) -> Form:
        q = request.query_params
        lists = {name: [v for v in q.getlist(name) if v] for name in LIST_FILTERS}
        names = ("award_tier", "year_from", "year_to", "asker_level", "asker_province", "similar")
        values = {name: q.get(name, "").strip() for name in names}
        return cls(problem=q.get("problem", ""), lists=lists, limit=q.get("limit", "") or "10",
                   submitted="problem" in q, **values)

    def has_filters(self) -> bool:
        return any(self.lists.values()) or bool(self.award_tier or self.year_from or self.year_to)

    def filters(self) -> Filters:
        raw: dict[str, Any] = {name: values for name, values in self.lists.items() if values}
        if self.award_tier:
            raw["award_tier"] = self.award_tier
        for name in ("year_from", "year_to"):
            if getattr(self, name):
                raw[name] = _integer(f"filters.{name}", getattr(self, name))
        return Filters.from_mapping(raw)

    def asker(self) -> Asker:
        return Asker.from_mapping({"level": self.asker_level or None,
                                   "province": self.asker_province or None})

    def count(self) -> int:
        return _integer("limit", self.limit)


def _integer(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidRecord(name, f"{text!r} is not a whole number") from None


def error_message(exc: InvalidRecord, form: Form) -> str:
    """An Indonesian sentence for a rejected field, worked out from the field and the input."""
    label = FIELD_LABELS.get(exc.field, exc.field)
    if exc.field == "problem":
        text = form.problem.strip()
        if not text:
            return "Tuliskan dulu masalah yang ingin dipecahkan; isian ini wajib."
        if len(text) > MAX_PROBLEM:
            return (f"Uraian masalah terlalu panjang: {len(text)} karakter, "
                    f"batasnya {MAX_PROBLEM} karakter.")
    elif exc.field in ("filters.year_from", "filters.year_to"):
        years = (form.year_from, form.year_to)
        if all(y.isdigit() for y in years) and int(years[0]) > int(years[1]):
            return "“Tahun dari” tidak boleh lebih besar daripada “Tahun sampai”."
        return f"{label}: isi tahun dengan angka antara 1900 dan 2100."
    elif exc.field == "limit":
        return f"{label}: pilih angka dari 1 sampai 50."
    elif exc.field == "asker.province":
        return f"{label}: paling banyak 100 karakter."
    elif exc.field.startswith(("filters.", "asker.level")):
        return f"{label}: nilai itu tidak dikenal; pilih salah satu dari daftar."
    return f"{label}: isian tidak dapat diterima ({exc.reason})."


def control_of(error_field: str) -> str:
    """The form control an error field belongs to, so the message can sit next to it."""
    return error_field.replace("filters.", "").replace("asker.", "asker_")


def provinces(request: Request, recommender: Recommender | None) -> list[str]:
    """Distinct catalogue provinces; recomputed only when the index version changes.

    Every write through the API rebuilds the index, so its version is a cheap stand-in for
    "the catalogue changed" and spares a full catalogue read on each page view.
    """
    if recommender is None:
        return []
    version = recommender.index_version
    cached: tuple[str | None, list[str]] | None = getattr(request.app.state, "web_provinces", None)
    if version is not None and cached is not None and cached[0] == version:
        return cached[1]
    found = sorted({i.province for i in recommender.catalogue.all() if i.province}, key=str.casefold)
    request.app.state.web_provinces = (version, found)
    return found


def highlight(passage: Passage | None, width: int = 600) -> Markup:
    """Escape a passage and wrap its highlight spans in <mark>, clipped around the first one."""
    if passage is None:
        return Markup("")
    text = passage.text
    clamped = ((max(0, s), min(len(text), e)) for s, e in passage.highlights)
    spans = sorted((s, e) for s, e in clamped if s < e)
    start, end = 0, len(text)
    if len(text) > width:
        # Start a little before the first highlight so the reason is visible without scrolling.
        first = spans[0][0] if spans else 0
        start = max(0, first - width // 5)
        start = text.rfind(" ", 0, start) + 1 if start else 0
        end = min(len(text), start + width)
    parts: list[str] = ["… " if start else ""]
    cursor = start
    for s, e in spans:
        if s < cursor or e > end:  # overlapping or outside the window: keep the text plain
            continue
        parts += [escape(text[cursor:s]), Markup("<mark>%s</mark>") % text[s:e]]
        cursor = e
    parts += [escape(text[cursor:end]), " …" if end < len(text) else ""]
    return Markup("").join(parts)


def field_label(name: str) -> str:
    """Passage fields may be joined ("problem+solution"); name each part in Indonesian."""
    return " + ".join(FIELD_LABELS.get(part, part) for part in name.split("+"))


def web_link(url: str | None) -> str | None:
    """Only http(s) links become hrefs: a javascript: URL in the catalogue must not run."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


# Trimmed blocks keep the served HTML readable for anyone who views the source.
templates.env.trim_blocks = templates.env.lstrip_blocks = True
templates.env.filters.update(highlight=highlight, field_label=field_label, web_link=web_link)
templates.env.globals.update(
    LEVELS=LEVELS, SECTORS=SECTORS, AWARD_TIERS=AWARD_TIERS, STATUSES=STATUS_FILTER_VALUES,
    LEVEL_LABELS=LEVEL_LABELS, SECTOR_LABELS=SECTOR_LABELS, TIER_LABELS=TIER_LABELS,
    TIER_BADGES=TIER_BADGES, STATUS_LABELS=STATUS_LABELS, LIMITS=LIMITS, MAX_PROBLEM=MAX_PROBLEM)


def _answer(request: Request, form: Form) -> dict[str, Any]:
    """Run the query the form asks for; domain errors propagate to the caller."""
    if form.similar and not form.problem.strip():
        rec = recommender_of(request)
        source = rec.catalogue.get(form.similar)
        return {"result": rec.similar(form.similar, form.filters(), limit=form.count()),
                "source": source}
    if not form.submitted:
        return {}
    problem = form.problem.strip()
    filters, asker, limit = form.filters(), form.asker(), form.count()
    rec = recommender_of(request)
    result: Recommendations = rec.recommend(problem, filters, asker, limit)
    log_request(request, "web", problem, filters, asker, result)
    return {"result": result}


def page_error(exc: RecommenderError, form: Form) -> dict[str, str | None]:
    """The message shown above the form, and the control it concerns (if any)."""
    if isinstance(exc, InvalidRecord):
        return {"control": control_of(exc.field), "message": error_message(exc, form)}
    if isinstance(exc, IndexNotReady):
        return {"control": None,
                "message": "Indeks pencarian sedang disiapkan. Coba lagi dalam beberapa detik."}
    if isinstance(exc, UnknownInnovation):
        return {"control": None, "message": f"Inovasi “{exc.innovation_id}” tidak ada di "
                                            "katalog; mungkin sudah dihapus."}
    return {"control": None, "message": f"Permintaan tidak dapat dijawab ({exc})."}


@router.get("/", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    """The form, and the ranked innovations when a problem (or `similar`) is given."""
    form = Form.from_request(request)
    recommender: Recommender | None = request.app.state.recommender
    context: dict[str, Any] = {"form": form, "provinces": provinces(request, recommender)}
    status = 200
    try:
        context |= _answer(request, form)
    except RecommenderError as exc:
        # The API's one table decides the status, so the page and the API always agree.
        status = next((code for cls, code in STATUS_OF.items() if isinstance(exc, cls)), 400)
        context["error"] = page_error(exc, form)
    response = templates.TemplateResponse(request, "page.html", context, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    return response


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
