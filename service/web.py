"""The planner's web page: a GET form and explained result cards, server-rendered in Indonesian."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.datastructures import QueryParams

from recommender.engine import Recommender
from recommender.errors import IndexNotReady, InvalidRecord, RecommenderError, UnknownInnovation
from recommender.explain import Passage
from recommender.filters import STATUS_FILTER_VALUES, Asker, Filters
from recommender.record import AWARD_TIERS, LEVELS, SECTORS, Innovation
from recommender.replication import active_governments, adopters_of
from recommender.results import Match
from recommender.reviews import ReviewQueue
from service.errors import STATUS_OF
from service.routers.recommendations import log_request, recommender_of

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

MAX_PROBLEM = 5000
LIMITS = (5, 10, 20, 50)
LIST_FILTERS = ("sector", "level", "province", "status")
TEXT_PARAMS = ("award_tier", "year_from", "year_to", "asker_level", "asker_province")
# A matched word found in more of the catalogue's innovations than this says nothing about fit.
COMMON_SHARE = 0.3
TERM_FIELDS = ("name", "problem", "solution", "outcomes")  # the texts explanations quote
# All 38 provinces (Papua split into six in 2022), spelled as the catalogue spells them.
PROVINCES = (
    "Aceh",
    "Sumatera Utara",
    "Sumatera Barat",
    "Riau",
    "Kepulauan Riau",
    "Jambi",
    "Sumatera Selatan",
    "Kepulauan Bangka Belitung",
    "Bengkulu",
    "Lampung",
    "DKI Jakarta",
    "Jawa Barat",
    "Banten",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Jawa Timur",
    "Bali",
    "Nusa Tenggara Barat",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Kalimantan Tengah",
    "Kalimantan Selatan",
    "Kalimantan Timur",
    "Kalimantan Utara",
    "Sulawesi Utara",
    "Gorontalo",
    "Sulawesi Tengah",
    "Sulawesi Barat",
    "Sulawesi Selatan",
    "Sulawesi Tenggara",
    "Maluku",
    "Maluku Utara",
    "Papua",
    "Papua Barat",
    "Papua Barat Daya",
    "Papua Selatan",
    "Papua Tengah",
    "Papua Pegunungan",
)
# The page needs nothing from elsewhere; saying so lets the browser refuse anything injected.
CSP = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

LEVEL_LABELS = {
    "kementerian/lembaga": "Kementerian/Lembaga",
    "provinsi": "Provinsi",
    "kabupaten": "Kabupaten",
    "kota": "Kota",
    "bumn": "BUMN",
    "bumd": "BUMD",
}
SECTOR_LABELS = {
    "kesehatan": "Kesehatan",
    "kesehatan-ibu-anak": "Kesehatan ibu dan anak",
    "gizi-anak": "Gizi anak",
    "kependudukan": "Kependudukan",
    "perizinan": "Perizinan",
    "kebencanaan": "Kebencanaan",
    "lingkungan": "Lingkungan",
    "air-sanitasi": "Air dan sanitasi",
    "pendidikan": "Pendidikan",
    "ekonomi-umkm": "Ekonomi dan UMKM",
    "pertanian-pangan": "Pertanian dan pangan",
    "sosial-perlindungan": "Sosial dan perlindungan",
    "keamanan-ketertiban": "Keamanan dan ketertiban",
    "transportasi": "Transportasi",
    "keuangan-pajak": "Keuangan dan pajak",
    "pengaduan-partisipasi": "Pengaduan dan partisipasi",
    "tata-kelola-digital": "Tata kelola digital",
    "pariwisata": "Pariwisata",
    "lainnya": "Lainnya",
}
TIER_LABELS = {
    "penghargaan-lain": "Berpenghargaan apa pun",
    "top-99": "Top 99 atau lebih tinggi",
    "top-40": "Top 40/45 atau lebih tinggi",
    "unpsa": "UNPSA (PBB)",
}
TIER_BADGES = {"penghargaan-lain": "Penghargaan", "top-99": "Top 99", "top-40": "Top 40/45", "unpsa": "UNPSA"}
STATUS_LABELS = {
    "berjalan": "Masih berjalan",
    "berhenti": "Sudah berhenti",
    "tidak-diketahui": "Status tidak diketahui",
}
FIELD_LABELS = {
    "problem": "Masalah",
    "solution": "Solusi",
    "outcomes": "Hasil terukur",
    "name": "Nama inovasi",
    "filters.sector": "Sektor",
    "filters.level": "Tingkat pemerintahan",
    "filters.province": "Provinsi",
    "filters.award_tier": "Penghargaan minimal",
    "filters.year_from": "Tahun dari",
    "filters.year_to": "Tahun sampai",
    "filters.status": "Status",
    "asker.level": "Tingkat pemerintahan Anda",
    "asker.province": "Provinsi Anda",
    "asker_level": "Tingkat pemerintahan Anda",
    "asker_province": "Provinsi Anda",
    "limit": "Jumlah hasil",
}
KIT_SECTIONS = (
    ("prerequisites", "Yang harus tersedia"),
    ("steps", "Langkah-langkah"),
    ("obstacles", "Kendala yang dihadapi"),
)
# Score components in a planner's words: (label, what it means).
COMPONENT_WORDS = {
    "relevance": (
        "Kecocokan dengan masalah Anda",
        "gabungan tiga ukuran di bawah ini; inilah dasar peringkat",
    ),
    "dense": ("Kemiripan makna", "maksud teks inovasi dekat dengan masalah Anda, walau kata-katanya berbeda"),
    "bm25": ("Kata kunci yang sama", "kata khas dari masalah Anda muncul di teks inovasi"),
    "chars": ("Ejaan dan potongan kata yang mirip", "menangkap singkatan, imbuhan dan salah ketik"),
    "award": ("Penghargaan", "sudah dinilai panel; makin tinggi penghargaannya makin besar"),
    "evidence": ("Bukti hasil terukur", "hasilnya dilaporkan dengan angka"),
    "replications": ("Sudah direplikasi", "daerah lain sudah berhasil menirunya"),
    "status": ("Sudah berhenti", "diturunkan; pelajari penyebabnya sebelum meniru"),
    "recency": ("Inovasi lima tahun terakhir", "masih baru, konteksnya mirip keadaan sekarang"),
    "same_level": ("Sama tingkat pemerintahan", "setingkat dengan pemerintahan Anda"),
    "same_province": ("Sama provinsi", "berasal dari provinsi Anda"),
    "adopter_level": ("Ditiru pemerintahan setingkat", "pemerintahan setingkat dengan Anda sudah menirunya"),
}
# A replication's status as the card lists it beside the adopter (None: not in the registry).
ADOPTER_STATUS = {"direncanakan": "direncanakan", "berjalan": "berjalan", "berhenti": "sudah berhenti"}
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


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


def shorten(text: str | None, width: int = 240) -> str:
    """At most ``width`` characters, cut at a word boundary and marked with an ellipsis."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > width // 2 else width].rstrip(" ,;:.") + " …"


def points(text: str | None) -> list[str]:
    """A kit field's points: the catalogue separates them with "; "."""
    return [p.strip() for p in re.split(r";\s*", text or "") if p.strip()]


def kit_of(item: Innovation) -> list[tuple[str, str, list[str]]]:
    """(field, Indonesian heading, points) of each kit part the innovation records."""
    return [
        (name, label, points(getattr(item, name)))
        for name, label in KIT_SECTIONS
        if points(getattr(item, name))
    ]


_CONTACT = re.compile(
    r"(?:mailto:)?(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<url>(?:https?://|www\.)[^\s,;()<>\"']+[^\s,;()<>\"'.])"
    r"|(?:tel:)?(?P<phone>(?:\+62[\s-]?|\(0\d{1,4}\)\s?|0\d{1,4}[\s-]?)\d[\d\s-]{3,}\d)",
    re.IGNORECASE,
)


def _tel(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "+62" + digits[1:] if digits.startswith("0") else "+" + digits


def contact_html(text: str | None) -> Markup:
    """A free-text contact with its e-mail addresses, web addresses and phone numbers linked.

    Only mailto:, tel: and http(s) hrefs are made, from the matched address alone, so nothing
    else in the text can become a link; a number labelled only "faks" stays plain.
    """
    text = text or ""
    parts: list[Markup | str] = []
    cursor = 0
    for found in _CONTACT.finditer(text):
        before = text[cursor : found.start()]
        parts.append(escape(before))
        shown = found.group("email") or found.group("url") or found.group("phone")
        if found.group("email"):
            href = f"mailto:{shown}"
        elif found.group("url"):
            href = shown if shown.lower().startswith("http") else f"https://{shown}"
        elif re.search(r"faks", before, re.I) and not re.search(r"tel", before, re.I):
            href = ""
        else:
            href = f"tel:{_tel(shown)}"
        parts.append(Markup('<a href="%s">%s</a>') % (href, shown) if href else escape(shown))
        cursor = found.end()
    parts.append(escape(text[cursor:]))
    return Markup("").join(parts)


def source_items(sources: list[str]) -> list[tuple[str | None, str]]:
    """(href or None, text) per source: web addresses link, citations stay text, and any
    other scheme (javascript:, data:) is left out."""
    items: list[tuple[str | None, str]] = []
    for source in sources:
        if web_link(source):
            items.append((source, source))
        elif not re.match(r"[a-z][a-z0-9+.-]*:\S", source, re.I):
            items.append((None, source))
    return items


def tanggal(iso: str | None) -> str:
    """An ISO date as Indonesians write it: "5 Maret 2024"."""
    try:
        day = dt.date.fromisoformat(iso or "")
    except ValueError:
        return iso or ""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def angka(value: float, signed: bool = False) -> str:
    """A score as Indonesians write decimals: 0,542 (and +0,060 for an adjustment)."""
    return (f"{value:+.3f}" if signed else f"{value:.3f}").replace(".", ",")


def replication_count(match: Match) -> int:
    # Counted as the ranking counts it (recommender/ranking.py replication_count).
    item = match.innovation
    return len(active_governments(match.adopter_list())) + sum("replikasi" in a.lower() for a in item.awards)


def score_rows(match: Match) -> list[dict[str, Any]]:
    """The score components in words: relevance, its parts, then each adjustment that applied."""
    item, parts = match.innovation, match.components
    dense = [name for name in parts if name.startswith("dense_")]
    rows = []
    for name, value in sorted(parts.items(), key=lambda kv: kv[0] != "relevance"):
        kind = "dense" if name in dense else name
        label, meaning = COMPONENT_WORDS.get(kind, (name.replace("_", " "), ""))
        if kind == "dense" and len(dense) > 1:
            label += f" ({name.removeprefix('dense_')})"
        elif kind == "award" and item.award_tier:
            label += f" {TIER_BADGES.get(item.award_tier, item.award_tier)}"
        elif kind == "replications":
            label += f" {replication_count(match)} daerah"
        # The learned fusion's parts (if one is shipped) explain relevance too.
        part = (
            "relevance"
            if kind in ("relevance", "dense", "bm25", "chars", "fused") or kind.startswith("learned_")
            else "bonus"
            if value > 0
            else "penalty"
        )
        if part == "relevance" or value:
            rows.append({"name": name, "label": label, "meaning": meaning, "value": value, "part": part})
    return rows


_SECTOR_GUESS = re.compile(r"sector guessed with confidence ([0-9.]+)")


def review_reason(reason: str) -> str:
    """An import adapter's review reason, for a planner."""
    guess = _SECTOR_GUESS.match(reason)
    if guess:
        return f"sektornya ditebak otomatis (keyakinan {float(guess.group(1)):.0%})"
    if reason == "province not found":
        return "provinsinya tidak ditemukan"
    if reason.startswith("LAN says province"):
        return "provinsi di sumber tidak cocok dengan kabupaten/kotanya"
    return reason


# Trimmed blocks keep the served HTML readable for anyone who views the source.
templates.env.trim_blocks = templates.env.lstrip_blocks = True
templates.env.filters.update(
    highlight=highlight,
    field_label=field_label,
    web_link=web_link,
    shorten=shorten,
    contact_html=contact_html,
    tanggal=tanggal,
    angka=angka,
    review_reason=review_reason,
)
templates.env.globals.update(
    LEVELS=LEVELS,
    SECTORS=SECTORS,
    AWARD_TIERS=AWARD_TIERS,
    STATUSES=STATUS_FILTER_VALUES,
    LEVEL_LABELS=LEVEL_LABELS,
    SECTOR_LABELS=SECTOR_LABELS,
    TIER_LABELS=TIER_LABELS,
    TIER_BADGES=TIER_BADGES,
    STATUS_LABELS=STATUS_LABELS,
    LIMITS=LIMITS,
    MAX_PROBLEM=MAX_PROBLEM,
    ADOPTER_STATUS=ADOPTER_STATUS,
    kit_of=kit_of,
    score_rows=score_rows,
)


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
