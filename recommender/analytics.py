"""Demand analytics from the query log: recurring themes, demanded innovations, gaps, duplicates.

Themes cluster the logged problem texts by meaning (the recommender's primary encoder,
agglomerative clustering, `recommender.grouping`). Measured on the constructed log of
tests/recommender/demand.py with USE3: the four themes come back exactly; mean cosine within a
theme 0.555 against 0.145 across themes (hashing test encoder: 0.176 against 0.027).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.encoders import Encoder
from recommender.engine import Recommender
from recommender.errors import InvalidRecord
from recommender.grouping import (
    cluster_vectors,
    components,
    distinctive_terms,
    duplicate_similarity,
    theme_distance,
)
from recommender.interest import InterestStore
from recommender.record import AWARD_TIERS, LEVELS, Innovation

DEFAULT_DAYS = 90
MIN_THEME = 2  # one query alone is not a recurring problem
MIN_BREAKDOWN = 3  # privacy: a theme asked fewer times is not broken down by province
TOP = 3  # "in its top 3": the results a planner reads
GAP_SHARE = 0.5
MAX_TEXTS = 4000  # distinct texts clustered per call (newest first): pairwise memory is n^2
EXAMPLES = 3
EARLIEST = dt.date(2000, 1, 1)  # before any logged request; bounds keep date arithmetic finite
MAX_DAYS = 3 * 366  # a longer period would draw thousands of weekly points per theme


@dataclass(frozen=True)
class Period:
    """A closed range of days (UTC) and an optional asker province and level."""

    start: dt.date
    end: dt.date
    province: str | None = None
    level: str | None = None

    @classmethod
    def parse(
        cls,
        start: str | None,
        end: str | None,
        province: str | None = None,
        level: str | None = None,
        *,
        today: dt.date | None = None,
    ) -> Period:
        """From ISO dates (``to`` defaults to today, ``from`` to 90 days before ``to``)."""
        now = today or dt.datetime.now(dt.UTC).date()
        latest = now + dt.timedelta(days=1)
        last = _date("to", end) or now
        if not EARLIEST <= last <= latest:
            raise InvalidRecord("to", f"{last} is outside {EARLIEST}..{latest}")
        first = _date("from", start) or max(EARLIEST, last - dt.timedelta(days=DEFAULT_DAYS))
        if not EARLIEST <= first <= latest:
            raise InvalidRecord("from", f"{first} is outside {EARLIEST}..{latest}")
        if first > last:
            raise InvalidRecord("from", f"{first} is after to={last}")
        if (last - first).days > MAX_DAYS:
            raise InvalidRecord("from", f"the period is {(last - first).days} days long; at most {MAX_DAYS}")
        if level is not None and level not in LEVELS:
            raise InvalidRecord("level", f"{level!r} is not one of: {', '.join(LEVELS)}")
        return cls(first, last, (province or "").strip() or None, level)

    def bounds(self) -> tuple[str, str]:
        """[start, end) as the log's ISO UTC timestamps."""
        return (
            f"{self.start.isoformat()}T00:00:00Z",
            f"{(self.end + dt.timedelta(days=1)).isoformat()}T00:00:00Z",
        )

    def covers(self, level: str | None, province: str | None) -> bool:
        """Whether this level and province are the period's place (any, where it names none);
        provinces compare case-insensitively."""
        if self.level is not None and level != self.level:
            return False
        return self.province is None or (province or "").casefold() == self.province.casefold()

    def admits(self, row: Mapping[str, Any]) -> bool:
        """Whether a logged query's asker is in the period's place."""
        return self.covers(row["asker_level"], row["asker_province"])

    def weeks(self) -> list[dt.date]:
        """The Monday of every ISO week the period touches."""
        monday = self.start - dt.timedelta(days=self.start.weekday())
        return [monday + dt.timedelta(weeks=i) for i in range((self.end - monday).days // 7 + 1)]


def _date(name: str, value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidRecord(name, f"{value!r} is not an ISO date (YYYY-MM-DD)") from exc


class QueryVectors:
    """Vectors of logged texts under one encoder, kept (bounded) so a dashboard's repeated
    calls encode only the texts logged since."""

    def __init__(self, encoder: Encoder, max_items: int = 50_000) -> None:
        self.encoder, self.max_items = encoder, max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        encoded = self.encoder.encode_queries(missing)
        with self._lock:
            self._cache.update(zip(missing, encoded, strict=True))
            while len(self._cache) > self.max_items:
                self._cache.popitem(last=False)
            out = [v for t in texts if (v := self._cache.get(t)) is not None]
        if len(out) < len(texts):  # evicted meanwhile by a very large call
            return self.encoder.encode_queries(texts)
        return np.stack(out) if out else np.zeros((0, self.encoder.dim), np.float32)


def log_rows(recommender: Recommender, period: Period) -> list[dict[str, Any]]:
    return [r for r in recommender.catalogue.log_between(*period.bounds()) if period.admits(r)]


def _top(row: Mapping[str, Any]) -> list[str]:
    return [str(r["id"]) for r in row["results"][:TOP]]


def _region(row: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    region = (row["asker_province"], row["asker_level"])
    return region if any(region) else None


def themes(
    recommender: Recommender, period: Period, vectors: QueryVectors | None = None
) -> list[dict[str, Any]]:
    """Recurring problems of the period, most asked first (see `theme`)."""
    rows = [r for r in log_rows(recommender, period) if r["problem"].strip()]
    texts = list(dict.fromkeys(r["problem"] for r in reversed(rows)))[:MAX_TEXTS]
    if not texts:
        return []
    encoder = recommender.encoders[0]
    matrix = (vectors or QueryVectors(encoder))(texts)
    labels = cluster_vectors(matrix, theme_distance(encoder.name))
    terms = distinctive_terms(texts, labels)
    label_of = dict(zip(texts, labels.tolist(), strict=True))
    names = _names(recommender, (i for r in rows for i in _top(r)))
    found = []
    for cluster in sorted(set(labels.tolist())):
        members = [r for r in rows if label_of.get(r["problem"]) == cluster]
        if len(members) >= MIN_THEME:
            inside = matrix[labels == cluster]
            found.append(theme(members, terms[cluster], inside, texts, labels == cluster, period, names))
    _unique_ids(found)
    return sorted(found, key=lambda t: (-t["queries"], t["label"]))


def theme(
    rows: list[dict[str, Any]],
    terms: list[str],
    inside: np.ndarray,
    texts: list[str],
    member: np.ndarray,
    period: Period,
    names: Mapping[str, str],
) -> dict[str, Any]:
    """One theme: its label and terms, counts, regions (none below 3 queries), weekly trend,
    innovations most often in its top 3, share of "no good match", examples, request ids."""
    regions = Counter(r for r in map(_region, rows) if r is not None)
    weekly = Counter(_monday(r["created_at"]) for r in rows)
    shown = Counter(i for r in rows for i in _top(r))
    ranks = Counter({i: 0 for i in shown})
    for row in rows:
        ranks.update({i: rank for rank, i in enumerate(_top(row))})
    centre = inside.mean(axis=0)
    closest = np.argsort(-(inside @ centre), kind="stable")[:EXAMPLES]
    own = [t for t, m in zip(texts, member, strict=True) if m]
    sims = inside @ inside.T
    pairs = len(inside) * (len(inside) - 1)
    label = ", ".join(terms[:3]) or "(tanpa kata khas)"
    return {
        "id": "t-" + hashlib.sha1(label.encode()).hexdigest()[:10],
        "label": label,
        "terms": terms,
        "queries": len(rows),
        "region_count": len(regions),
        "province_count": len({p for p, _ in regions if p}),
        # Privacy: no cell (theme x region) of fewer than MIN_BREAKDOWN queries is shown; those
        # are counted together, and a theme that small is not broken down at all.
        "regions": [
            {"province": p, "level": lv, "queries": n}
            for (p, lv), n in sorted(regions.items(), key=lambda x: (-x[1], str(x[0])))
            if n >= MIN_BREAKDOWN
        ]
        if len(rows) >= MIN_BREAKDOWN
        else [],
        "regions_withheld": sum(n for n in regions.values() if n < MIN_BREAKDOWN)
        if len(rows) >= MIN_BREAKDOWN
        else len(rows),
        "regions_suppressed": len(rows) < MIN_BREAKDOWN,
        "trend": [{"week": w.isoformat(), "queries": weekly.get(w, 0)} for w in period.weeks()],
        "top_innovations": [
            {"id": i, "name": names.get(i), "count": n}
            for i, n in sorted(
                shown.items(),  # ties: the higher placed
                key=lambda x: (-x[1], ranks[x[0]], x[0]),
            )[:5]
        ],
        "no_good_match_share": round(sum(r["no_good_match"] for r in rows) / len(rows), 3),
        "coherence": round(float((sims.sum() - len(inside)) / pairs), 3) if pairs else 1.0,
        "examples": [own[i] for i in closest.tolist()],
        "request_ids": [r["request_id"] for r in rows if r["request_id"]],
    }


def _monday(created_at: str) -> dt.date:
    day = dt.date.fromisoformat(created_at[:10])
    return day - dt.timedelta(days=day.weekday())


def _unique_ids(found: list[dict[str, Any]]) -> None:
    seen: Counter[str] = Counter()
    for item in sorted(found, key=lambda t: (-t["queries"], t["label"])):
        seen[item["id"]] += 1
        if seen[item["id"]] > 1:  # two themes with one label: rare, still told apart
            item["id"] = f"{item['id']}-{seen[item['id']]}"


def _names(recommender: Recommender, ids: Iterable[str]) -> dict[str, str]:
    return {k: v.name for k, v in recommender.catalogue.records(ids).items()}


def gaps(
    recommender: Recommender, period: Period, vectors: QueryVectors | None = None
) -> list[dict[str, Any]]:
    """Themes whose queries mostly (>= half) got "no good match": where a call should go."""
    return gaps_among(themes(recommender, period, vectors))


def gaps_among(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gaps among themes already found (see `gaps`), in their order."""
    return [t for t in found if t["no_good_match_share"] >= GAP_SHARE]


def innovations(
    recommender: Recommender, period: Period, interest: Mapping[str, int] | None = None
) -> list[dict[str, Any]]:
    """Innovations by the number of distinct asking regions that got them in their top 3
    (then by queries, then interest marks): the scaling-up candidates. ``interest`` holds
    planners' interest marks per innovation id; by default those of the period (and its
    province and level) in the `interest` table. A marked innovation is listed even when no
    query of the period had it in its top 3."""
    if interest is None:
        interest = InterestStore(recommender.catalogue).counts(
            *period.bounds(), period.province, period.level
        )
    regions: dict[str, set[tuple[str | None, str | None]]] = {}
    queries: Counter[str] = Counter()
    for row in log_rows(recommender, period):
        for key in _top(row):
            queries[key] += 1
            if (region := _region(row)) is not None:
                regions.setdefault(key, set()).add(region)
    keys = list(dict.fromkeys([*queries, *(k for k, n in interest.items() if n > 0)]))
    records = recommender.catalogue.records(keys)
    out = [
        _demanded(records[k], len(regions.get(k, ())), queries[k], interest.get(k, 0))
        for k in keys
        if k in records
    ]
    return sorted(out, key=lambda x: (-x["regions"], -x["queries"], -x["interest"], x["id"]))


def _demanded(item: Innovation, regions: int, queries: int, interest: int) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "government": item.government,
        "regions": regions,
        "queries": queries,
        "interest": interest,
        "award_tier": item.award_tier,
        "awards": item.awards,
        "status": item.status,
        "evidence": item.sources,
        "adopters": item.replicated_by,
    }


def duplicates(
    recommender: Recommender, period: Period | None = None, threshold: float | None = None
) -> list[dict[str, Any]]:
    """Near-duplicate clusters of the catalogue: innovations linked by a chain of whole-text
    cosines at or above the threshold measured for the encoder (`grouping`). A province or
    level in ``period`` keeps the clusters with a member there; the dates do not apply."""
    items, vectors = recommender.document_vectors()
    limit = threshold if threshold is not None else duplicate_similarity(recommender.encoders[0].name)
    sims = vectors @ vectors.T
    found = []
    for group in components(sims, limit):
        members = [items[i] for i in group]
        if period is not None and not any(period.covers(m.level, m.province) for m in members):
            continue
        block = sims[np.ix_(group, group)]
        pairs = len(group) * (len(group) - 1)
        ids = sorted(m.id for m in members)
        found.append(
            {
                "id": "d-" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:10],
                "members": ids,
                "names": {m.id: m.name for m in members},
                "similarity": round(float((block.sum() - len(group)) / pairs), 3),
                "representative": representative(members).id,
            }
        )
    return found


def representative(members: list[Innovation]) -> Innovation:
    """The one to show for a cluster: highest award, then most adopters, then earliest year."""

    def key(item: Innovation) -> tuple[int, int, int, str]:
        tier = AWARD_TIERS.index(item.award_tier) if item.award_tier else -1
        return (-tier, -len(item.replicated_by), item.year or 9999, item.id)

    return min(members, key=key)
