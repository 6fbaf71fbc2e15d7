"""The planner's web page: a GET form and explained result cards, server-rendered in Indonesian."""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import QueryParams

from recommender.engine import Recommender
from recommender.errors import IndexNotReady, InvalidRecord, RecommenderError, UnknownInnovation
from recommender.filters import Asker, Filters
from recommender.record import Innovation
from recommender.replication import adopters_of
from recommender.results import Match
from recommender.reviews import ReviewQueue
from service.errors import STATUS_OF
from service.formatting import LIMITS, MAX_PROBLEM, source_items
from service.labels import FIELD_LABELS, PROVINCES
from service.routers.recommendations import log_request, recommender_of

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent
STATIC = HERE / "static"

LIST_FILTERS = ("sector", "level", "province", "status")
TEXT_PARAMS = ("award_tier", "year_from", "year_to", "asker_level", "asker_province")
# A matched word found in more of the catalogue's innovations than this says nothing about fit.
COMMON_SHARE = 0.3
TERM_FIELDS = ("name", "problem", "solution", "outcomes")  # the texts explanations quote
# The page needs nothing from elsewhere; saying so lets the browser refuse anything injected.
CSP = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"


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
    thanked: str = ""  # the innovation whose interest mark was just recorded (not carried on)

    @classmethod
    def from_request(cls, request: Request) -> Form:
        return cls.from_query(request.query_params)

    @classmethod
    def from_query(cls, q: QueryParams) -> Form:
        lists = {name: [v for v in q.getlist(name) if v] for name in LIST_FILTERS}
        values = {name: q.get(name, "").strip() for name in (*TEXT_PARAMS, "similar")}
        return cls(
            problem=q.get("problem", ""),
            lists=lists,
            limit=q.get("limit", "") or "10",
            submitted="problem" in q,
            thanked=q.get("minat", "").strip(),
            **values,
        )

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
        return Asker.from_mapping(
            {"level": self.asker_level or None, "province": self.asker_province or None}
        )

    def count(self) -> int:
        return _integer("limit", self.limit)

    def pairs(self) -> list[tuple[str, str]]:
        """The query string this form stands for, without empty or default values."""
        out = [("problem", self.problem)] if self.problem.strip() else []
        out += [(name, v) for name in LIST_FILTERS for v in self.lists.get(name, [])]
        out += [(name, getattr(self, name)) for name in TEXT_PARAMS if getattr(self, name)]
        out += [("limit", self.limit)] if self.limit != "10" else []
        return out + ([("similar", self.similar)] if self.similar else [])

    def href(self, path: str = "/", fragment: str = "", **changes: Any) -> str:
        """A link to ``path`` that carries the planner's query (with ``changes``) along."""
        query = urlencode(dataclasses.replace(self, **changes).pairs())
        return f"{path}{'?' + query if query else ''}{'#' + fragment if fragment else ''}"

    def query(self) -> str:
        """The query string this form stands for (the interest form sends it back)."""
        return urlencode(self.pairs())

    def more(self, shown: int, candidates: int) -> int | None:
        """The next, larger result count worth offering, or None when all are shown."""
        if candidates <= shown:
            return None
        return next((n for n in LIMITS if n > shown), None)


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
            return f"Uraian masalah terlalu panjang: {len(text)} karakter, batasnya {MAX_PROBLEM} karakter."
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


@dataclass(frozen=True)
class CatalogueFacts:
    """What the page derives from the whole catalogue: the province choices and common terms."""

    version: str | None
    provinces: list[str]
    common_terms: frozenset[str]


def catalogue_facts(request: Request, recommender: Recommender | None) -> CatalogueFacts:
    """One catalogue read per index version, cached on app.state.

    Every write rebuilds (or catches up) the index, so its version is a cheap stand-in for
    "the catalogue changed" and spares a full catalogue read on each page view.
    """
    if recommender is None:
        return CatalogueFacts(None, list(PROVINCES), frozenset())
    version = recommender.index_version
    cached: CatalogueFacts | None = getattr(request.app.state, "web_facts", None)
    if version is not None and cached is not None and cached.version == version:
        return cached
    items = recommender.catalogue.all()
    known = {p.casefold() for p in PROVINCES}
    extra = {i.province for i in items if i.province and i.province.casefold() not in known}
    facts = CatalogueFacts(
        version, sorted([*PROVINCES, *extra], key=str.casefold), common_terms(items, recommender)
    )
    request.app.state.web_facts = facts
    return facts


def common_terms(items: list[Innovation], recommender: Recommender) -> frozenset[str]:
    """Index terms found in more than COMMON_SHARE of the innovations: no reason to match.

    Measured on the catalogue rather than hand-listed, so "layanan" or "warga" drop out of
    "Kata yang cocok" only where they really are everywhere.
    """
    counts: Counter[str] = Counter()
    for item in items:
        text = " ".join(getattr(item, name) or "" for name in TERM_FIELDS)
        counts.update(set(recommender.analyzer.terms(text)))
    limit = COMMON_SHARE * len(items)
    return frozenset(term for term, n in counts.items() if n > limit)


def distinctive_words(match: Match, common: frozenset[str], recommender: Recommender) -> list[str]:
    return [w for w in match.matched_terms if recommender.analyzer.term_of(w) not in common]


def _answer(request: Request, form: Form, facts: CatalogueFacts) -> dict[str, Any]:
    """Run the query the form asks for; domain errors propagate to the caller.

    ``similar`` wins over ``problem``: the problem only rides along, for the way back.
    """
    if not (form.similar or form.submitted):
        return {}
    rec = recommender_of(request)
    if form.similar:
        source = rec.catalogue.get(form.similar)
        result = rec.similar(form.similar, form.filters(), limit=form.count())
        answer: dict[str, Any] = {"result": result, "source": source}
    else:
        problem = form.problem.strip()
        filters, asker, limit = form.filters(), form.asker(), form.count()
        result = rec.recommend(problem, filters, asker, limit)
        if not form.thanked:  # the way back after an interest mark repeats a logged query
            log_request(request, "web", problem, filters, asker, result)
        answer = {"result": result}
    answer["words"] = {m.innovation.id: distinctive_words(m, facts.common_terms, rec) for m in result.matches}
    return answer


def status_of(exc: RecommenderError) -> int:
    # The API's one table decides the status, so the page and the API always agree.
    return next((code for cls, code in STATUS_OF.items() if isinstance(exc, cls)), 400)


def page_error(exc: RecommenderError, form: Form) -> dict[str, str | None]:
    """The message shown above the form, and the control it concerns (if any)."""
    if isinstance(exc, InvalidRecord):
        return {"control": control_of(exc.field), "message": error_message(exc, form)}
    if isinstance(exc, IndexNotReady):
        return {
            "control": None,
            "message": "Indeks pencarian sedang disiapkan. Coba lagi dalam beberapa detik.",
        }
    if isinstance(exc, UnknownInnovation):
        return {
            "control": None,
            "message": f"Inovasi “{exc.innovation_id}” tidak ada di katalog; mungkin sudah dihapus.",
        }
    return {"control": None, "message": f"Permintaan tidak dapat dijawab ({exc})."}


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    return response


@router.get("/", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    """The form, and the ranked innovations when a problem (or `similar`) is given."""
    form = Form.from_request(request)
    facts = catalogue_facts(request, request.app.state.recommender)
    context: dict[str, Any] = {"form": form, "provinces": facts.provinces}
    status = 200
    try:
        context |= _answer(request, form, facts)
    except RecommenderError as exc:
        status = status_of(exc)
        context["error"] = page_error(exc, form)
    return render(request, "page.html", context, status)


@router.get("/inovasi/{innovation_id}", response_class=HTMLResponse)
def innovation_page(request: Request, innovation_id: str) -> HTMLResponse:
    """Everything a region needs to start a replication, printable as a one- or two-page brief."""
    form = Form.from_request(request)
    try:
        rec = recommender_of(request)
        item = rec.catalogue.get(innovation_id)
    except RecommenderError as exc:
        return render(
            request,
            "message.html",
            {"form": form, "error": page_error(exc, form), "missing": isinstance(exc, UnknownInnovation)},
            status_of(exc),
        )
    context: dict[str, Any] = {
        "form": form,
        "item": item,
        "sources": source_items(item.sources),
        "adopters": adopters_of(item, rec.registry.ledger(innovation_id)),
        "review": ReviewQueue(rec.catalogue).of(innovation_id),
    }
    try:
        context["similar"] = rec.similar(innovation_id, limit=5).matches
    except RecommenderError:  # not indexed yet (a fresh write) or the index is loading
        context["similar"] = None
    if item.replication_of and rec.catalogue.exists(item.replication_of):
        context["original"] = rec.catalogue.get(item.replication_of)
    return render(request, "innovation.html", context)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
