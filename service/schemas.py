"""Request and response bodies of the public API (they define the OpenAPI document)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from recommender.filters import StatusFilter
from recommender.record import (
    ID_PATTERN,
    LIST_FIELDS,
    LONG_TEXT,
    MAX_LIST,
    TEXT_FIELDS,
    AwardTier,
    Level,
    Sector,
    Status,
)
from recommender.replication import TEXT_LIMITS as REPLICATION_TEXT
from recommender.replication import ReplicationStatus

Province = Annotated[str, Field(min_length=1, max_length=100)]

# Texts may not hold control characters (tab and line breaks aside) or U+FFFD.
NO_CONTROL = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ufffd]*$"
# A name also needs one visible character: it is stripped before it is checked.
NAMED = (
    "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ufffd]*[^\\s\\x00-\\x1f\\x7f\\x85\\ufffd]"
    "[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ufffd]*$"
)
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

    sector: list[Sector] | None = Field(None, max_length=19, description="any of these sectors")
    level: list[Level] | None = Field(None, max_length=6, description="any of these levels of government")
    province: list[Province] | None = Field(
        None, max_length=40, description="any of these provinces (case and accents ignored)"
    )
    status: list[StatusFilter] | None = Field(
        None, max_length=3, description="berjalan (running), berhenti (stopped), tidak-diketahui"
    )
    award_tier: AwardTier | None = Field(
        None, description="minimum award tier: top-99 also admits top-40 and unpsa"
    )
    year_from: Year | None = Field(None, description="started in this year or later")
    year_to: Year | None = Field(None, description="started in this year or earlier")


class AskerIn(Strict):
    """The asking region: same level and province rank a little higher."""

    level: Level | None = Field(None, description="the asking government's level")
    province: str | None = Field(None, max_length=100, description="the asking region's province")


class RecommendationRequest(Strict):
    """A region's problem, with optional filters and the asker's context."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "problem": "Antrean pembuatan KTP-el di kantor Dukcapil sangat panjang; warga desa "
                    "harus datang berkali-kali.",
                    "filters": {"level": ["kabupaten", "kota"], "award_tier": "top-99"},
                    "asker": {"level": "kabupaten", "province": "Jawa Tengah"},
                    "limit": 5,
                }
            ]
        }
    )

    problem: str = Field(
        ...,
        min_length=1,
        max_length=LONG_TEXT,
        description="the public-service problem, in Indonesian or English",
    )
    filters: FiltersIn | None = Field(None, description="exact filters; none: the whole catalogue")
    asker: AskerIn | None = Field(None, description="who asks: same level and province rank a little higher")
    limit: Limit = Field(10, description="how many matches, 1-50")


def _text(limit: int, description: str | None = None) -> Any:
    """An optional text field; the pattern documents what the domain check refuses."""
    return Field(None, max_length=limit, description=description, json_schema_extra={"pattern": NO_CONTROL})


def _strings(limit: int, description: str | None = None) -> Any:
    return Field(
        default_factory=list,
        max_length=MAX_LIST,
        description=description,
        json_schema_extra={"items": {"type": "string", "maxLength": limit, "pattern": NO_CONTROL}},
    )


class InnovationIn(Strict):
    """An innovation as written by a client; `id` is a stable slug.

    At least one of `problem` and `solution` must be given, and no other stored innovation may
    have (nearly) the same problem and solution text.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "string", "pattern": NAMED}}}
                for name in ("problem", "solution")
            ],
            "examples": [
                {
                    "id": "drone-obat-pulau",
                    "name": "Drone Obat Pulau",
                    "level": "kabupaten",
                    "sector": "kesehatan",
                    "agency": "Dinas Kesehatan",
                    "government": "Kabupaten Contoh",
                    "province": "Maluku",
                    "year": 2022,
                    "awards": ["Top 99 KIPP 2023"],
                    "problem": "Obat dan vaksin terlambat sampai ke pulau kecil karena kapal jarang.",
                    "solution": "Drone mengantar obat dari puskesmas induk ke pustu di pulau kecil.",
                    "status": "berjalan",
                    "prerequisites": "Izin terbang; operator terlatih",
                    "steps": "Petakan rute; uji coba; operasikan rutin",
                    "contact": "Dinas Kesehatan, telepon 0911-000000",
                }
            ],
        }
    )

    id: str = Field(
        ...,
        pattern=ID_PATTERN.pattern,
        description="lower-case letters, digits and inner hyphens; 1-120 characters",
    )
    name: str = Field(
        ...,
        min_length=1,
        max_length=TEXT_FIELDS["name"],
        description="the innovation's name",
        json_schema_extra={"pattern": NAMED},
    )
    level: Level = Field(..., description="the innovating government's level")
    sector: Sector = Field(..., description="the public-service sector")
    agency: str | None = _text(TEXT_FIELDS["agency"], "the agency that runs it")
    government: str | None = _text(
        TEXT_FIELDS["government"], "the government it belongs to, e.g. Kota Surakarta"
    )
    province: str | None = _text(TEXT_FIELDS["province"], "the province")
    year: RecordYear | None = Field(None, description="the year it started")
    awards: list[str] = _strings(LIST_FIELDS["awards"], "awards, e.g. Top 99 KIPP 2019")
    problem: str | None = _text(TEXT_FIELDS["problem"], "the problem it solves")
    solution: str | None = _text(TEXT_FIELDS["solution"], "what it does")
    outcomes: str | None = _text(TEXT_FIELDS["outcomes"], "what it achieved, with figures")
    status: Status | None = Field(None, description="berjalan (running) or berhenti (stopped)")
    replication_of: str | None = Field(
        None, pattern=ID_PATTERN.pattern, description="the id of the innovation this replicates"
    )
    replicated_by: list[str] = _strings(
        LIST_FIELDS["replicated_by"],
        "governments known to replicate it (the registry, /v1/replications, is the authority)",
    )
    sources: list[str] = _strings(LIST_FIELDS["sources"], "where the facts come from")
    last_verified: str | None = Field(None, pattern=DATE, description="an ISO date, YYYY-MM-DD")
    prerequisites: str | None = _text(
        TEXT_FIELDS["prerequisites"], "replication kit: what must be in place, points separated by '; '"
    )
    steps: str | None = _text(TEXT_FIELDS["steps"], "replication kit: the steps, '; '-separated")
    obstacles: str | None = _text(
        TEXT_FIELDS["obstacles"], "replication kit: what got in the way, '; '-separated"
    )
    contact: str | None = _text(
        TEXT_FIELDS["contact"], "an institutional contact (office, phone, e-mail or web address)"
    )
    award_tier: AwardTier | None = Field(
        None, description="derived from awards: ignored on write, so a record read can be written back"
    )
    adopters: list[dict[str, Any]] | None = Field(
        None, description="derived from the replication registry: ignored on write"
    )

    def record(self) -> dict[str, Any]:
        """The fields the record stores (the derived ones left out)."""
        return self.model_dump(exclude={"award_tier", "adopters"})


class AdopterOut(BaseModel):
    """A government replicating an innovation: from the registry, or (status and id null) an
    entry of the record's replicated_by that the registry does not hold."""

    government: str = Field(description="the adopting government")
    level: Level | None = Field(None, description="its level of government")
    year: int | None = Field(None, description="the year it started (or is planned)")
    status: ReplicationStatus | None = Field(None, description="null: not in the registry")
    id: str | None = Field(None, description="the replication record's id")


class Innovation(InnovationIn):
    """An innovation as stored, with its derived award tier and its adopters.

    `replicated_by` is derived from the replication registry (governments whose replication has
    not stopped); it stays for compatibility."""

    model_config = ConfigDict(extra="ignore")
    award_tier: AwardTier | None = Field(None, description="the highest tier its awards reach")
    adopters: list[AdopterOut] = Field(  # type: ignore[assignment]  # narrower on output
        default_factory=list, description="every known adopter, with year and status"
    )


class PassageOut(BaseModel):
    field: str = Field(description="the record field it comes from")
    text: str = Field(description="the passage")
    highlights: list[list[int]] = Field(description="[start, end) character offsets")


class MatchOut(BaseModel):
    rank: int = Field(description="1 for the best match")
    id: str = Field(description="the innovation's id")
    score: float = Field(description="relevance plus every adjustment below")
    components: dict[str, float] = Field(
        description="dense, lexical, their normalised forms, relevance, and each "
        "replication-value and context adjustment"
    )
    matched_terms: list[str] = Field(description="distinctive words of the problem found in the innovation")
    passage: PassageOut | None = Field(
        description="the passage that matches best, with the matched words' offsets"
    )
    flags: list[str] = Field(description="notes for the reader, e.g. stopped, not verified lately")
    grouped_with: str | None = Field(description="the higher-ranked near-duplicate it is shown under, if any")
    award_tier: AwardTier | None = Field(description="the highest tier its awards reach")
    adopters: list[AdopterOut] = Field(description="who replicates it, with year and status")
    innovation: Innovation = Field(description="the whole record")


class RecommendationResponse(BaseModel):
    matches: list[MatchOut] = Field(description="best first")
    no_good_match: bool = Field(description="nothing in the catalogue fits this problem well")
    match_probability: float = Field(
        ge=0,
        le=1,
        description="estimated probability that the best result is relevant; "
        "no_good_match is this below the model's threshold",
    )
    best_similarity: float = Field(description="the best dense cosine similarity, -1 to 1")
    candidates: int = Field(description="innovations that passed the filters")
    index_version: str = Field(description="the index snapshot that answered")
    query_terms: list[str] = Field(description="the problem's words as the lexical index reads them")


class InnovationPage(BaseModel):
    items: list[Innovation] = Field(description="this page's innovations, in id order")
    total: int = Field(description="innovations matching the filters")
    limit: int = Field(description="the page size asked for")
    offset: int = Field(description="where this page starts")
    next_offset: int | None = Field(description="the offset of the next page; null on the last")


REPLICATION_EXAMPLE: dict[str, Any] = {
    "innovation_id": "psc-119-alpha",
    "government": "Kabupaten Sleman",
    "agency": "Dinas Kesehatan Kabupaten Sleman",
    "level": "kabupaten",
    "province": "DI Yogyakarta",
    "year": 2021,
    "status": "berjalan",
    "evidence": "https://contoh.go.id/perbup-psc-119",
    "note": "Didampingi langsung oleh tim asal.",
}


class ReplicationIn(Strict):
    """A government's replication of a catalogue innovation, as written by a client."""

    model_config = ConfigDict(json_schema_extra={"examples": [REPLICATION_EXAMPLE]})

    id: str | None = Field(
        None,
        pattern=ID_PATTERN.pattern,
        description="a slug; when absent, made from innovation_id and "
        "government (numbered if that adopter repeats)",
    )
    innovation_id: str = Field(
        ..., pattern=ID_PATTERN.pattern, description="the id of the replicated (source) innovation"
    )
    government: str = Field(
        ...,
        min_length=1,
        max_length=REPLICATION_TEXT["government"],
        description="the adopting government, e.g. Kabupaten Sleman",
        json_schema_extra={"pattern": NAMED},
    )
    agency: str | None = _text(REPLICATION_TEXT["agency"], "the adopting agency")
    level: Level | None = Field(None, description="the adopter's level of government")
    province: str | None = _text(REPLICATION_TEXT["province"], "the adopter's province")
    year: RecordYear | None = Field(None, description="the year it started (or is planned)")
    status: ReplicationStatus = Field(
        ..., description="direncanakan (planned), berjalan (running) or berhenti (stopped)"
    )
    evidence: str | None = _text(
        REPLICATION_TEXT["evidence"], "a URL or a citation showing it (a regulation, a report)"
    )
    note: str | None = _text(REPLICATION_TEXT["note"], "anything the scaling-up team should know")


class Replication(ReplicationIn):
    """A replication record as stored."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={"examples": [{"id": "psc-119-alpha--kabupaten-sleman", **REPLICATION_EXAMPLE}]},
    )
    id: str = Field(..., description="the record's id")


class ReplicationPage(BaseModel):
    items: list[Replication] = Field(description="this page's replications, in id order")
    total: int = Field(description="replications matching the filters")
    limit: int = Field(description="the page size asked for")
    offset: int = Field(description="where this page starts")
    next_offset: int | None = Field(description="the offset of the next page; null on the last")


class ReplicationVersion(BaseModel):
    seq: int = Field(description="grows with every registry write")
    op: Literal["create", "update", "delete", "import", "upgrade"] = Field(
        description="the write that made this version"
    )
    at: str = Field(description="when it was written (UTC, ISO 8601)")
    record: Replication = Field(description="the record as it was after that write")


class InnovationReplications(BaseModel):
    innovation_id: str = Field(description="the replicated innovation")
    items: list[Replication] = Field(description="the registry's records, in id order")
    adopters: list[AdopterOut] = Field(
        description="the records and legacy replicated_by entries, as the ranking counts them"
    )
    replicated_by: list[str] = Field(description="governments whose replication has not stopped")


class Rejection(BaseModel):
    row: int = Field(description="the row's number: its line (JSONL) or data row (CSV, header not counted)")
    line: int = Field(
        description="where a person finds it: the JSONL line, or the spreadsheet row (the header is row 1)"
    )
    id: str | None = Field(description="the row's id, when it had a readable one")
    field: str = Field(description="the field (or 'record', 'header') that is wrong")
    reason: str = Field(description="what is wrong with it")


class Duplicate(BaseModel):
    row: int = Field(description="the imported row's number")
    line: int = Field(description="where a person finds it: the JSONL line or spreadsheet row")
    id: str = Field(description="the id the imported row has or was given")
    of: str = Field(description="the stored innovation it likely describes")
    similarity: float = Field(description="name and text similarity, 0-1 (1: the same text or id)")


class Review(BaseModel):
    row: int = Field(description="the imported row's number")
    line: int = Field(description="where a person finds it: the JSONL line or spreadsheet row")
    id: str = Field(description="the stored innovation's id")
    reasons: list[str] = Field(description="what the adapter had to guess")
    sector: str = Field(description="the sector stored (a guess when the reasons say so)")
    sector_confidence: float | None = Field(
        None, description="the sector classifier's probability, when it guessed"
    )


class OpenReview(BaseModel):
    id: str = Field(description="the innovation to check")
    reasons: list[str] = Field(description="what was guessed, and why it needs a person")
    sector: str | None = Field(None, description="the sector stored when the import ran")
    sector_confidence: float | None = Field(None, description="the classifier's probability")
    created_at: str = Field(description="when the import flagged it (UTC, ISO 8601)")


class ReviewPage(BaseModel):
    items: list[OpenReview] = Field(description="open reviews, oldest first")


class ImportResult(BaseModel):
    accepted: list[str] = Field(description="ids stored (or, in a dry run, that would be)")
    accepted_count: int = Field(description="len(accepted)")
    new: list[str] = Field(
        default_factory=list,
        description="accepted ids the catalogue did not hold, describing nothing it holds",
    )
    updated: list[str] = Field(default_factory=list, description="accepted ids it held")
    duplicates: list[Duplicate] = Field(
        default_factory=list,
        description="rows that likely describe a stored innovation; left "
        "out unless merge=true (merged into it) or keep_duplicates=true (stored on their own)",
    )
    merged: list[str] = Field(default_factory=list, description="stored ids a merge filled in")
    rejected: list[Rejection] = Field(description="rows refused, with the reason")
    rejected_count: int = Field(description="len(rejected)")
    review: list[Review] = Field(
        default_factory=list, description="stored rows an adapter guessed at, for a person to check"
    )
    dry_run: bool = Field(False, description="true: nothing was changed")
    index_version: str | None = Field(description="the live index snapshot")


class Job(BaseModel):
    id: str = Field(description="the job's id")
    kind: str = Field(description="what it does (import)")
    state: Literal["queued", "running", "done", "failed"] = Field(
        description="queued, running, done or failed"
    )
    done: int = Field(description="rows committed so far")
    total: int = Field(description="rows to commit (known once validation is over)")
    rejected: list[Rejection] = Field(default_factory=list, description="rows refused so far")
    report: ImportResult | dict[str, Any] | None = Field(None, description="the import report, once done")
    error: str | None = Field(None, description="why it failed")
    created_at: str = Field(description="when it was queued (UTC, ISO 8601)")
    updated_at: str = Field(description="its last progress (UTC, ISO 8601)")


class ErrorItem(BaseModel):
    field: str = Field(
        description="the offending field, dotted (filters.sector), or 'body', 'request', 'authorization'"
    )
    message: str = Field(description="what is wrong")


class ErrorOut(BaseModel):
    """Every error response: `detail` is "<field>: <message>" for each error, joined by '; '."""

    detail: str = Field(description="every error as '<field>: <message>', joined by '; '")
    errors: list[ErrorItem] = Field(description="the errors one by one")
    request_id: str | None = Field(None, description="also in the X-Request-ID header")


class Health(BaseModel):
    status: str = Field(description="ok (/health); ready, degraded or not ready (/ready)")
    index_version: str | None = Field(None, description="the live index snapshot")
    innovations: int | None = Field(None, description="innovations in the catalogue")
    indexed: int | None = Field(None, description="documents in the live snapshot")
    pending_changes: int | None = Field(None, description="catalogue changes not yet searchable")
    index: dict[str, Any] | None = Field(None, description="the dense index kind per encoder")
    problems: list[str] = Field(
        default_factory=list,
        description="corrupt snapshots skipped, unreadable catalogue rows, damage found at start",
    )
    reason: str | None = Field(None, description="why it is not ready")
