"""Response bodies of /v1/analytics (they define its part of the OpenAPI document)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.schemas import AwardTier


class Region(BaseModel):
    province: str | None = Field(description="the asker's province (as given)")
    level: str | None = Field(description="the asker's level of government")
    queries: int = Field(description="queries of the theme from this region")


class Week(BaseModel):
    week: str = Field(description="Monday of the ISO week (YYYY-MM-DD)")
    queries: int = Field(description="queries in that week")


class ThemeInnovation(BaseModel):
    id: str = Field(description="the innovation's id")
    name: str | None = Field(description="None when the innovation was deleted since")
    count: int = Field(description="queries of the theme that had it in their top 3")


class Theme(BaseModel):
    """A recurring problem: logged problem texts grouped by meaning."""

    id: str = Field(description="stable for a label: the same theme keeps its id across periods")
    label: str = Field(description="its three most distinctive terms")
    terms: list[str] = Field(
        description="its most distinctive terms (class-based TF-IDF), most distinctive first"
    )
    queries: int = Field(description="logged requests in the theme")
    region_count: int = Field(description="distinct asking regions (province + level)")
    province_count: int = Field(description="distinct asking provinces")
    regions: list[Region] = Field(
        description="the breakdown by region; empty when the theme has fewer than 3 queries (privacy)"
    )
    regions_suppressed: bool = Field(description="the breakdown was withheld (under 3 queries)")
    regions_withheld: int = Field(
        description="queries from regions that asked this theme fewer than 3 times: counted, not broken down"
    )
    trend: list[Week] = Field(description="queries per ISO week of the period, zeros included")
    top_innovations: list[ThemeInnovation] = Field(
        description="innovations most often in the theme's top 3 results"
    )
    no_good_match_share: float = Field(description="share of its queries answered with 'no good match' (0-1)")
    coherence: float = Field(description="mean cosine between its queries' vectors")
    examples: list[str] = Field(description="problem texts nearest its centre (identifiers already scrubbed)")
    request_ids: list[str] = Field(description="the X-Request-ID of each logged request in it")


class ThemesOut(BaseModel):
    themes: list[Theme] = Field(description="recurring problems, most queries first")


class GapsOut(BaseModel):
    gaps: list[Theme] = Field(description="themes at least half of whose queries found no good match")


class DemandedInnovation(BaseModel):
    id: str = Field(description="the innovation's id")
    name: str = Field(description="its name")
    government: str | None = Field(description="the government it belongs to")
    regions: int = Field(description="distinct asking regions that got it in their top 3")
    queries: int = Field(description="queries that had it in their top 3")
    interest: int = Field(description="planners' interest marks in the period")
    award_tier: AwardTier | None = Field(description="the highest tier its awards reach")
    awards: list[str] = Field(description="its awards")
    status: str | None = Field(description="berjalan, berhenti or null")
    evidence: list[str] = Field(description="sources documenting it")
    adopters: list[str] = Field(description="known adopters (replications)")


class InnovationsOut(BaseModel):
    innovations: list[DemandedInnovation] = Field(description="most-demanded first")


class Cluster(BaseModel):
    """Innovations that are the same idea by different agencies."""

    id: str = Field(description="derived from the member ids")
    members: list[str] = Field(description="innovation ids, sorted")
    names: dict[str, str] = Field(description="each member's name")
    similarity: float = Field(description="mean cosine between the members' whole texts")
    representative: str = Field(
        description="the suggested one: highest award, then most adopters, then earliest year"
    )


class ClustersOut(BaseModel):
    clusters: list[Cluster] = Field(description="groups of innovations that are the same idea")
