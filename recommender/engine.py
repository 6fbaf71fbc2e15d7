"""The recommender: a planner's problem in, ranked and explained proven innovations out."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from index.analysis import Analyzer
from index.encoders import Encoder
from index.lexical import LexicalIndex
from index.snapshot import Snapshot, SnapshotError, SnapshotStore
from recommender.catalogue import Catalogue
from recommender.errors import IndexNotReady, InvalidRecord, UnknownInnovation
from recommender.explain import Explainer
from recommender.filters import Asker, Filters
from recommender.ranking import (
    RankingConfig,
    context_components,
    diversify,
    doc_vectors,
    fuse,
    minmax,
    value_components,
)
from recommender.record import Innovation
from recommender.results import Match, Recommendations

logger = logging.getLogger(__name__)

MAX_PROBLEM = 5000
MAX_LIMIT = 50
EXPLAIN_FIELDS = ("problem", "solution", "outcomes", "name")


@dataclass
class _State:
    """Everything a query needs, swapped in as one reference so reads never see a half-update."""

    snapshot: Snapshot
    items: list[Innovation]  # aligned with snapshot.doc_ids
    rows: dict[str, int]
    doc_vectors: np.ndarray  # float32, (n, dim)
    value: np.ndarray  # float32, (n,): sum of replication-value components


def validate_problem(problem: object) -> str:
    if not isinstance(problem, str):
        raise InvalidRecord("problem", "must be a string")
    text = problem.strip()
    if not text:
        raise InvalidRecord("problem", "must not be empty")
    if len(text) > MAX_PROBLEM:
        raise InvalidRecord("problem", f"is {len(text)} characters long, the limit is {MAX_PROBLEM}")
    return text


def validate_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidRecord("limit", f"must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    return limit


class Recommender:
    """Hybrid retrieval over the catalogue's snapshot, then replication value, context, diversity."""

    def __init__(self, catalogue: Catalogue, encoder: Encoder, snapshots: SnapshotStore,
                 config: RankingConfig | None = None, analyzer: Analyzer | None = None) -> None:
        self.catalogue = catalogue
        self.encoder = encoder
        self.snapshots = snapshots
        self.config = config or RankingConfig()
        self.analyzer = analyzer or Analyzer()
        self.explainer = Explainer(self.analyzer)
        self._state: _State | None = None
        self._build_lock = threading.Lock()

    # -- index lifecycle -------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._state is not None

    @property
    def index_version(self) -> str | None:
        return self._state.snapshot.version if self._state else None

    def ensure_index(self, *, progress: bool = False) -> str:
        """Load the current snapshot, or rebuild when it is missing, foreign or stale."""
        try:
            snapshot = self.snapshots.load(self.encoder, self.analyzer)
        except SnapshotError as exc:
            logger.info("building the index: %s", exc)
            return self.rebuild(progress=progress)
        items = self.catalogue.all()
        if snapshot.manifest.get("catalogue_hash") != self.catalogue.catalogue_hash() or \
                snapshot.doc_ids != [i.id for i in items]:
            logger.info("catalogue changed since snapshot %s; rebuilding", snapshot.version)
            return self.rebuild(progress=progress, reuse=snapshot)
        self._state = self._make_state(snapshot, items)
        return snapshot.version

    def rebuild(self, *, progress: bool = False, reuse: Snapshot | None = None) -> str:
        """Build a new snapshot (re-encoding only changed texts) and swap it in."""
        with self._build_lock:
            items = self.catalogue.all()
            catalogue_hash = self.catalogue.catalogue_hash()
            if reuse is None and self._state is not None:
                reuse = self._state.snapshot
            cfg = self.config
            lexical = LexicalIndex(self.analyzer, cfg.lexical_fields, k1=cfg.bm25_k1,
                                   b=cfg.bm25_b).fit([self._fields(i) for i in items])
            snapshot = self.snapshots.build(
                doc_ids=[i.id for i in items], passages=[self._passages(i) for i in items],
                lexical=lexical, encoder=self.encoder, catalogue_hash=catalogue_hash,
                reuse=reuse, progress=progress)
            self._state = self._make_state(snapshot, items)
            return snapshot.version

    def _fields(self, item: Innovation) -> list[tuple[str, str]]:
        return [(f, getattr(item, f) or "") for f in self.config.lexical_fields]

    def _passages(self, item: Innovation) -> list[tuple[str, str]]:
        out = []
        for group in self.config.passages:
            text = ". ".join(getattr(item, f) for f in group if getattr(item, f))
            if text:
                out.append(("+".join(group), text))
        return out

    def _make_state(self, snapshot: Snapshot, items: list[Innovation]) -> _State:
        vectors = doc_vectors(snapshot.dense.vectors, snapshot.passage_doc, len(items))
        value = np.array([sum(value_components(i, self.config).values()) for i in items],
                         dtype=np.float32)
        return _State(snapshot, items, {i.id: r for r, i in enumerate(items)}, vectors, value)

    def _require_state(self) -> _State:
        state = self._state
        if state is None:
            raise IndexNotReady("the search index is not loaded yet")
        return state

    # -- queries ---------------------------------------------------------------------------
    def recommend(self, problem: str, filters: Filters | None = None, asker: Asker | None = None,
                  limit: int = 10) -> Recommendations:
        """Top ``limit`` innovations for a problem text, with score components and reasons."""
        text = validate_problem(problem)
        limit = validate_limit(limit)
        state = self._require_state()
        query = self.encoder.encode_queries([text])[0]
        return self._rank(state, text, query, filters or Filters(), asker or Asker(), limit, None)

    def similar(self, innovation_id: str, filters: Filters | None = None,
                limit: int = 10) -> Recommendations:
        """Innovations most like a given one (its own family and itself excluded from the top)."""
        limit = validate_limit(limit)
        state = self._require_state()
        row = state.rows.get(innovation_id)
        if row is None:
            raise UnknownInnovation(innovation_id)
        item = state.items[row]
        text = " ".join(x for x in (item.name, item.problem, item.solution) if x)
        return self._rank(state, text, state.doc_vectors[row], filters or Filters(), Asker(),
                          limit, exclude=row)

    def dense_doc_scores(self, state: _State, query: np.ndarray) -> np.ndarray:
        """Best-passage cosine per document: float32, (n,)."""
        passage_scores = state.snapshot.dense.scores(query)
        out = np.full(len(state.items), -1.0, dtype=np.float32)
        np.maximum.at(out, state.snapshot.passage_doc, passage_scores)
        return out

    def relevance(self, text: str, query: np.ndarray, rows: np.ndarray,
                  state: _State | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw dense, raw lexical and fused relevance of the given rows (each float32, (m,))."""
        state = state or self._require_state()
        dense = self.dense_doc_scores(state, query)[rows]
        lexical = state.snapshot.lexical.scores(text)[rows]
        return dense, lexical, fuse(dense, lexical, self.config.dense_weight)

    def _rank(self, state: _State, text: str, query: np.ndarray, filters: Filters, asker: Asker,
              limit: int, exclude: int | None) -> Recommendations:
        rows = np.array([r for r, item in enumerate(state.items)
                         if filters.matches(item) and r != exclude], dtype=np.int64)
        terms = state.snapshot.lexical.query_terms(text)
        if not len(rows):
            return Recommendations([], True, 0.0, 0, state.snapshot.version, terms)
        dense, lexical, relevance = self.relevance(text, query, rows, state)
        context = np.array([sum(context_components(state.items[r], asker, self.config).values())
                            for r in rows], dtype=np.float32)
        final = relevance + state.value[rows] + context
        order = sorted(range(len(rows)), key=lambda i: (-final[i], state.items[rows[i]].id))
        ranked, grouped = diversify([int(rows[i]) for i in order], state.items,
                                    state.doc_vectors, limit, self.config.near_duplicate_cosine)
        position = {int(r): i for i, r in enumerate(rows)}
        dense_n, lexical_n = minmax(dense), minmax(lexical)
        matches = []
        for rank, row in enumerate(ranked[:limit], start=1):
            i = position[row]
            item = state.items[row]
            components = {"dense": float(dense[i]), "lexical": float(lexical[i]),
                          "dense_normalised": float(dense_n[i]),
                          "lexical_normalised": float(lexical_n[i]),
                          "relevance": float(relevance[i]),
                          **value_components(item, self.config),
                          **context_components(item, asker, self.config)}
            matches.append(self._match(item, rank, float(final[i]), components, set(terms),
                                       state.items[grouped[row]].id if row in grouped else None))
        best = float(dense.max())
        return Recommendations(matches, best < self.config.no_match_threshold, best, len(rows),
                               state.snapshot.version, terms)

    def _match(self, item: Innovation, rank: int, score: float, components: dict[str, float],
               terms: set[str], grouped_with: str | None) -> Match:
        texts = [(f, getattr(item, f)) for f in EXPLAIN_FIELDS if getattr(item, f)]
        passages = [self.explainer.passage(f, t, terms) for f, t in texts]
        best = max(passages, key=lambda p: len(p.highlights), default=None)
        if best is not None and not best.highlights:
            best = passages[0]
        flags = []
        if item.status == "berhenti":
            flags.append("berhenti")
        if item.status is None:
            flags.append("status-tidak-diketahui")
        return Match(item, rank, score, components,
                     self.explainer.matched_words([t for _, t in texts], terms), best, flags,
                     grouped_with)
