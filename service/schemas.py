"""Request and response bodies of the public API (they define the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from recommender.record import ID_PATTERN, LIST_FIELDS, MAX_LIST, TEXT_FIELDS

Level = Literal["kementerian/lembaga", "provinsi", "kabupaten", "kota", "bumn", "bumd"]
Sector = Literal[
    "kesehatan", "kesehatan-ibu-anak", "gizi-anak", "kependudukan", "perizinan", "kebencanaan",
    "lingkungan", "air-sanitasi", "pendidikan", "ekonomi-umkm", "pertanian-pangan",
    "sosial-perlindungan", "keamanan-ketertiban", "transportasi", "keuangan-pajak",
    "pengaduan-partisipasi", "tata-kelola-digital", "pariwisata", "lainnya",
]
Status = Literal["berjalan", "berhenti"]
StatusFilter = Literal["berjalan", "berhenti", "tidak-diketahui"]
AwardTier = Literal["penghargaan-lain", "top-99", "top-40", "unpsa"]
Province = Annotated[str, Field(min_length=1, max_length=100)]

# Texts may not hold control characters (tab and line breaks aside) or U+FFFD.
NO_CONTROL = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ufffd]*$"
# A name also needs one visible character: it is stripped before it is checked.
NAMED = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ufffd]*[^\\s\\x00-\\x1f\\x7f\\x85\\ufffd]" \
        "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ufffd]*$"
DATE = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


def _integral(value: object) -> object:
    """JSON Schema counts 10.0 as an integer; strict validation would not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Bounds go before the validator so that they reach the OpenAPI document as minimum/maximum.
Year = Annotated[int, Field(ge=1900, le=2100), BeforeValidator(_integral)]
Limit = Annotated[int, Field(ge=1, le=50), BeforeValidator(_integral)]
# The record check also refuses years after next year; that bound moves, so it is not here.
RecordYear = Annotated[int, Field(ge=1945, le=2100), BeforeValidator(_integral)]


class Strict(BaseModel):
    """Request bodies: unknown fields and wrong JSON types ("10" for 10) are errors."""

    model_config = ConfigDict(extra="forbid", strict=True)


class FiltersIn(Strict):
    """Exact filters; every list means "any of these"."""

    sector: list[Sector] | None = Field(None, max_length=19)
    level: list[Level] | None = Field(None, max_length=6)
    province: list[Province] | None = Field(None, max_length=40)
    status: list[StatusFilter] | None = Field(None, max_length=3)
    award_tier: AwardTier | None = Field(
        None, description="minimum award tier: top-99 also admits top-40 and unpsa")
    year_from: Year | None = None
    year_to: Year | None = None


class AskerIn(Strict):
    """The asking region: same level and province rank a little higher."""

    level: Level | None = None
    province: str | None = Field(None, max_length=100)


class RecommendationRequest(Strict):
    problem: str = Field(..., min_length=1, max_length=5000,
                         description="the public-service problem, in Indonesian or English")
    filters: FiltersIn | None = None
    asker: AskerIn | None = None
    limit: Limit = 10


def _text(limit: int, description: str | None = None) -> Any:
    """An optional text field; the pattern documents what the domain check refuses."""
    return Field(None, max_length=limit, description=description,
                 json_schema_extra={"pattern": NO_CONTROL})


def _strings(limit: int) -> Any:
    return Field(default_factory=list, max_length=MAX_LIST,
                 json_schema_extra={"items": {"type": "string", "maxLength": limit,
                                              "pattern": NO_CONTROL}})


class InnovationIn(Strict):
    """An innovation as written by a client; `id` is a stable slug.

    At least one of `problem` and `solution` must be given, and no other stored innovation may
    have (nearly) the same problem and solution text.
    """

    model_config = ConfigDict(json_schema_extra={"anyOf": [
        {"required": [name], "properties": {name: {"type": "string", "pattern": NAMED}}}
        for name in ("problem", "solution")]})

    id: str = Field(..., pattern=ID_PATTERN.pattern,
                    description="lower-case letters, digits and inner hyphens; 1-120 characters")
    name: str = Field(..., min_length=1, max_length=TEXT_FIELDS["name"],
                      json_schema_extra={"pattern": NAMED})
    level: Level
    sector: Sector
    agency: str | None = _text(TEXT_FIELDS["agency"])
    government: str | None = _text(TEXT_FIELDS["government"])
    province: str | None = _text(TEXT_FIELDS["province"])
    year: RecordYear | None = None
    awards: list[str] = _strings(LIST_FIELDS["awards"])
    problem: str | None = _text(TEXT_FIELDS["problem"])
    solution: str | None = _text(TEXT_FIELDS["solution"])
    outcomes: str | None = _text(TEXT_FIELDS["outcomes"])
    status: Status | None = None
    replication_of: str | None = Field(None, pattern=ID_PATTERN.pattern,
                                       description="the id of the innovation this replicates")
    replicated_by: list[str] = _strings(LIST_FIELDS["replicated_by"])
    sources: list[str] = _strings(LIST_FIELDS["sources"])
    last_verified: str | None = Field(None, pattern=DATE, description="an ISO date, YYYY-MM-DD")
    prerequisites: str | None = _text(TEXT_FIELDS["prerequisites"])
    steps: str | None = _text(TEXT_FIELDS["steps"])
    obstacles: str | None = _text(TEXT_FIELDS["obstacles"])
    contact: str | None = _text(TEXT_FIELDS["contact"])


class Innovation(InnovationIn):
    """An innovation as stored, with its derived award tier."""

    model_config = ConfigDict(extra="ignore")
    award_tier: AwardTier | None = None


class PassageOut(BaseModel):
    field: str
    text: str
    highlights: list[list[int]] = Field(description="[start, end) character offsets")


class MatchOut(BaseModel):
    rank: int
    id: str
    score: float = Field(description="relevance plus every adjustment below")
    components: dict[str, float] = Field(
        description="dense, lexical, their normalised forms, relevance, and each "
                    "replication-value and context adjustment")
    matched_terms: list[str]
    passage: PassageOut | None
    flags: list[str]
    grouped_with: str | None
    award_tier: AwardTier | None
    innovation: Innovation


class RecommendationResponse(BaseModel):
    matches: list[MatchOut]
    no_good_match: bool = Field(description="nothing in the catalogue fits this problem well")
    match_probability: float = Field(
        ge=0, le=1, description="estimated probability that the best result is relevant; "
                                "no_good_match is this below the model's threshold")
    best_similarity: float
    candidates: int = Field(description="innovations that passed the filters")
    index_version: str
    query_terms: list[str]


class InnovationPage(BaseModel):
    items: list[Innovation]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class Rejection(BaseModel):
    row: int
    id: str | None
    field: str
    reason: str


class ImportResult(BaseModel):
    accepted: list[str]
    accepted_count: int
    rejected: list[Rejection]
    rejected_count: int
    index_version: str | None


class Job(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="rows committed so far")
    total: int = Field(description="rows to commit (known once validation is over)")
    rejected: list[Rejection] = Field(default_factory=list)
    report: ImportResult | dict[str, Any] | None = None
    error: str | None = None
    created_at: str
    updated_at: str


class ErrorItem(BaseModel):
    field: str = Field(description="the offending field, dotted (filters.sector), or 'body', "
                                   "'request', 'authorization'")
    message: str


class ErrorOut(BaseModel):
    """Every error response: `detail` is "<field>: <message>" for each error, joined by '; '."""

    detail: str
    errors: list[ErrorItem]
    request_id: str | None = Field(None, description="also in the X-Request-ID header")


class Health(BaseModel):
    status: str = Field(description="ok (/health); ready, degraded or not ready (/ready)")
    index_version: str | None = None
    innovations: int | None = None
    indexed: int | None = Field(None, description="documents in the live snapshot")
    pending_changes: int | None = Field(None, description="catalogue changes not yet searchable")
    index: dict[str, Any] | None = Field(None, description="the dense index kind per encoder")
    problems: list[str] = Field(default_factory=list, description="corrupt snapshots skipped, "
                                "unreadable catalogue rows, damage found at start")
    reason: str | None = None
