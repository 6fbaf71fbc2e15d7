"""Request and response bodies of the public API (they define the OpenAPI document)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FiltersIn(Strict):
    """Exact filters; every list means "any of these"."""

    sector: list[Sector] | None = Field(None, max_length=19)
    level: list[Level] | None = Field(None, max_length=6)
    province: list[str] | None = Field(None, max_length=40)
    status: list[StatusFilter] | None = Field(None, max_length=3)
    award_tier: AwardTier | None = Field(
        None, description="minimum award tier: top-99 also admits top-40 and unpsa")
    year_from: int | None = Field(None, ge=1900, le=2100)
    year_to: int | None = Field(None, ge=1900, le=2100)


class AskerIn(Strict):
    """The asking region: same level and province rank a little higher."""

    level: Level | None = None
    province: str | None = Field(None, max_length=100)


class RecommendationRequest(Strict):
    problem: str = Field(..., min_length=1, max_length=5000,
                         description="the public-service problem, in Indonesian or English")
    filters: FiltersIn | None = None
    asker: AskerIn | None = None
    limit: int = Field(10, ge=1, le=50)


class InnovationIn(Strict):
    """An innovation as written by a client; `id` is a stable slug."""

    id: str = Field(..., min_length=1, max_length=120, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(..., min_length=1, max_length=300)
    level: Level
    sector: Sector
    agency: str | None = Field(None, max_length=300)
    government: str | None = Field(None, max_length=300)
    province: str | None = Field(None, max_length=100)
    year: int | None = Field(None, ge=1945, le=2100)
    awards: list[str] = Field(default_factory=list, max_length=50)
    problem: str | None = Field(None, max_length=5000)
    solution: str | None = Field(None, max_length=5000)
    outcomes: str | None = Field(None, max_length=5000)
    status: Status | None = None
    replication_of: str | None = Field(None, max_length=120)
    replicated_by: list[str] = Field(default_factory=list, max_length=50)
    sources: list[str] = Field(default_factory=list, max_length=50)
    last_verified: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    prerequisites: str | None = Field(None, max_length=5000)
    steps: str | None = Field(None, max_length=5000)
    obstacles: str | None = Field(None, max_length=5000)
    contact: str | None = Field(None, max_length=500)


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


class ErrorOut(BaseModel):
    detail: str
    errors: list[dict[str, str]] = Field(default_factory=list)
    request_id: str | None = None


class Health(BaseModel):
    status: str
    index_version: str | None = None
    innovations: int | None = None
    reason: str | None = None
