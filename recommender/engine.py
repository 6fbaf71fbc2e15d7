"""The recommender: a planner's problem in, ranked and explained proven innovations out."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from index.analysis import Analyzer, looks_english, raw_tokens
from index.encoders import Encoder
from index.lexical import CharNgramIndex, LexicalIndex
from index.snapshot import Snapshot, SnapshotError, SnapshotStore
from recommender.catalogue import Catalogue
from recommender.errors import IndexNotReady, InvalidRecord, UnknownInnovation
from recommender.explain import Explainer
from recommender.filters import Asker, Filters
from recommender.ranking import (
    RankingConfig,
    context_components,
    diversify,
    value_components,
    zscore,
)
from recommender.record import Innovation
from recommender.results import Match, Recommendations

logger = logging.getLogger(__name__)

MAX_PROBLEM = 5000
MAX_LIMIT = 50
EXPLAIN_FIELDS = ("problem", "solution", "outcomes", "name")


WHOLE = "whole"


@dataclass
class _State:
    """Everything a query needs, swapped in as one reference so reads never see a half-update."""

    snapshot: Snapshot
    items: list[Innovation]  # aligned with snapshot.doc_ids
    rows: dict[str, int]
    whole_rows: np.ndarray  # int64, (n,): passage row of each document's whole text
    part_rows: np.ndarray  # int64, (p',): passage rows of the single-field passages
    whole: list[np.ndarray]  # per encoder: float32, (n, dim) whole-text vectors
    value: np.ndarray  # float32, (n,): sum of replication-value components


@dataclass
class Signals:
    """Raw relevance signals of one query over the whole catalogue (each float32, (n,))."""

    dense: list[np.ndarray]  # per encoder: mix of whole-text and best-passage cosine
    primary_whole: np.ndarray  # the first encoder's whole-text cosine: the gap signal
    bm25: np.ndarray
    chars: np.ndarray
    english: bool


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

    def __init__(self, catalogue: Catalogue, encoders: Encoder | list[Encoder],
                 snapshots: SnapshotStore, config: RankingConfig | None = None,
                 analyzer: Analyzer | None = None) -> None:
        self.catalogue = catalogue
        self.encoders = encoders if isinstance(encoders, list) else [encoders]
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
            snapshot = self.snapshots.load(self.encoders, self.analyzer)
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
            chars = CharNgramIndex().fit([self.whole_text(i) for i in items])
            snapshot = self.snapshots.build(
                doc_ids=[i.id for i in items], passages=[self._passages(i) for i in items],
                lexical=lexical, chars=chars, encoders=self.encoders,
                catalogue_hash=catalogue_hash, reuse=reuse, progress=progress)
            self._state = self._make_state(snapshot, items)
            return snapshot.version

    def _fields(self, item: Innovation) -> list[tuple[str, str]]:
        return [(f, getattr(item, f) or "") for f in self.config.lexical_fields]

    @staticmethod
    def whole_text(item: Innovation) -> str:
        return f"{item.name}. " + " ".join(
            t for t in (item.problem, item.solution, item.outcomes) if t)

    def _passages(self, item: Innovation) -> list[tuple[str, str]]:
        out = [(WHOLE, self.whole_text(item))]
        for group in self.config.passages:
            text = ". ".join(getattr(item, f) for f in group if getattr(item, f))
            if text:
                out.append(("+".join(group), text))
        return out

    def _make_state(self, snapshot: Snapshot, items: list[Innovation]) -> _State:
        fields = np.array(snapshot.passage_field)
        whole_rows = np.flatnonzero(fields == WHOLE)
        if not np.array_equal(snapshot.passage_doc[whole_rows], np.arange(len(items))):
            raise SnapshotError(f"snapshot {snapshot.version} lacks whole-text passages")
        whole = [index.vectors[whole_rows] for index in snapshot.dense]
        value = np.array([sum(value_components(i, self.config).values()) for i in items],
                         dtype=np.float32)
        return _State(snapshot, items, {i.id: r for r, i in enumerate(items)}, whole_rows,
                      np.flatnonzero(fields != WHOLE), whole, value)

    @property
    def manifest(self) -> dict[str, object]:
        """The loaded snapshot's manifest (encoders, counts, catalogue hash, build time)."""
        return self._require_state().snapshot.manifest

    @property
    def items(self) -> list[Innovation]:
        """The indexed innovations, in index row order."""
        return self._require_state().items

    def with_config(self, config: RankingConfig) -> Recommender:
        """The same loaded index ranked with other parameters (used to compare systems)."""
        state = self._require_state()
        other = Recommender(self.catalogue, self.encoders, self.snapshots, config, self.analyzer)
        other._state = other._make_state(state.snapshot, state.items)
        return other

    def _require_state(self) -> _State:
        state = self._state
        if state is None:
            raise IndexNotReady("the search index is not loaded yet")
        return state

    # -- relevance -------------------------------------------------------------------------
    def _dense(self, state: _State, position: int, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mix of whole and best-passage cosine, whole-text cosine), each float32 (n,)."""
        scores = state.snapshot.dense[position].scores(query)
        whole = scores[state.whole_rows]
        best = whole.copy()
        np.maximum.at(best, state.snapshot.passage_doc[state.part_rows], scores[state.part_rows])
        w = self.config.whole_weight
        return (w * whole + (1 - w) * best).astype(np.float32), whole

    def signals(self, text: str, queries: list[np.ndarray] | None = None) -> Signals:
        """Every raw signal of a query text over the whole catalogue."""
        state = self._require_state()
        if queries is None:
            queries = [enc.encode_queries([text])[0] for enc in self.encoders]
        dense = [self._dense(state, i, q) for i, q in enumerate(queries)]
        return Signals([d for d, _ in dense], dense[0][1], state.snapshot.lexical.scores(text),
                       state.snapshot.chars.scores(text), looks_english(text))

    def fuse(self, signals: Signals) -> np.ndarray:
        """Weighted sum of z-scored signals: float32, (n,)."""
        cfg = self.config
        lexical_on = 0.0 if signals.english and not cfg.english_lexical else 1.0
        parts = [(w, s) for w, s in zip(cfg.dense_weights, signals.dense, strict=False)]
        parts += [(cfg.bm25_weight * lexical_on, signals.bm25),
                  (cfg.chars_weight * lexical_on, signals.chars)]
        total = sum(w for w, _ in parts) or 1.0
        return sum((w / total) * zscore(s) for w, s in parts if w)  # type: ignore[return-value]

    def _feedback(self, state: _State, text: str, queries: list[np.ndarray], signals: Signals,
                  eligible: np.ndarray) -> Signals:
        """Move each dense query toward the whole texts of the best eligible results, once."""
        fused = self.fuse(signals)
        top = eligible[np.argsort(-fused[eligible], kind="stable")[: self.config.feedback_docs]]
        moved = []
        for position, query in enumerate(queries):
            shifted = query + self.config.feedback_weight * state.whole[position][top].mean(axis=0)
            moved.append((shifted / max(float(np.linalg.norm(shifted)), 1e-9)).astype(np.float32))
        dense = [self._dense(state, i, q)[0] for i, q in enumerate(moved)]
        return Signals(dense, signals.primary_whole, signals.bm25, signals.chars, signals.english)

    def relevance(self, text: str, eligible: np.ndarray,
                  queries: list[np.ndarray] | None = None) -> tuple[Signals, np.ndarray]:
        """Signals and fused relevance (float32, (n,)) with feedback from the eligible rows."""
        state = self._require_state()
        if queries is None:
            queries = [enc.encode_queries([text])[0] for enc in self.encoders]
        signals = self.signals(text, queries)
        if self.config.feedback_docs and len(eligible):
            signals = self._feedback(state, text, queries, signals, eligible)
        return signals, self.fuse(signals)

    # -- queries ---------------------------------------------------------------------------
    def recommend(self, problem: str, filters: Filters | None = None, asker: Asker | None = None,
                  limit: int = 10) -> Recommendations:
        """Top ``limit`` innovations for a problem text, with score components and reasons."""
        text = validate_problem(problem)
        limit = validate_limit(limit)
        state = self._require_state()
        return self._rank(state, text, None, filters or Filters(), asker or Asker(), limit, None)

    def similar(self, innovation_id: str, filters: Filters | None = None,
                limit: int = 10) -> Recommendations:
        """Innovations most like a given one (itself excluded)."""
        limit = validate_limit(limit)
        state = self._require_state()
        row = state.rows.get(innovation_id)
        if row is None:
            raise UnknownInnovation(innovation_id)
        queries = [vectors[row] for vectors in state.whole]
        return self._rank(state, self.whole_text(state.items[row]), queries, filters or Filters(),
                          Asker(), limit, exclude=row)

    def eligible(self, filters: Filters, exclude: int | None = None) -> np.ndarray:
        """Rows passing the filters: int64, (m,)."""
        state = self._require_state()
        return np.array([r for r, item in enumerate(state.items)
                         if filters.matches(item) and r != exclude], dtype=np.int64)

    def _rank(self, state: _State, text: str, queries: list[np.ndarray] | None, filters: Filters,
              asker: Asker, limit: int, exclude: int | None) -> Recommendations:
        rows = self.eligible(filters, exclude)
        terms = state.snapshot.lexical.query_terms(text)
        if not len(rows):
            return Recommendations([], True, 0.0, 0, state.snapshot.version, terms)
        signals, fused = self.relevance(text, rows, queries)
        context = np.array([sum(context_components(state.items[r], asker, self.config).values())
                            for r in rows], dtype=np.float32)
        final = fused[rows] + state.value[rows] + context
        order = [int(rows[i]) for i in
                 sorted(range(len(rows)), key=lambda i: (-final[i], state.items[rows[i]].id))]
        grouped: dict[int, int] = {}
        if self.config.diversity:
            order, grouped = diversify(order, state.items, state.whole[0], limit,
                                       self.config.near_duplicate_cosine)
        position = {int(r): i for i, r in enumerate(rows)}
        matches = []
        for rank, row in enumerate(order[:limit], start=1):
            item = state.items[row]
            components = {**{f"dense_{enc.name}": float(signals.dense[i][row])
                             for i, enc in enumerate(self.encoders)},
                          "bm25": float(signals.bm25[row]), "chars": float(signals.chars[row]),
                          "relevance": float(fused[row]),
                          **value_components(item, self.config),
                          **context_components(item, asker, self.config)}
            matches.append(self._match(item, rank, float(final[position[row]]), components,
                                       set(terms),
                                       state.items[grouped[row]].id if row in grouped else None))
        best = float(signals.primary_whole[rows].max())
        weak = best < self.config.no_match_cosine and \
            len(raw_tokens(text)) >= self.config.no_match_min_words
        return Recommendations(matches, weak, best, len(rows), state.snapshot.version, terms)

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
