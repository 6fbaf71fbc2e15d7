"""One immutable search state: a snapshot, its records and filter columns, and the query path.

A query reads one state from start to end; the recommender swaps the reference when a new
snapshot is loaded, so a write never changes what a running query sees. Each leg proposes its
own top candidates; only their union is re-scored and fused.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from index.analysis import (
    looks_english,
    raw_tokens,
    translate_english,
)
from index.snapshot import Snapshot
from recommender.filters import UNKNOWN_STATUS, Asker, Filters
from recommender.fusion import FEATURES, log_rank, query_length, shipped_fusion
from recommender.ranking import RankingConfig, adopter_levels, diversify, value_components
from recommender.record import AWARD_TIERS, LEVELS, SECTORS, STATUSES, Innovation
from recommender.replication import Ledger
from recommender.signals import query_signals

WHOLE = "whole"
# z-score statistics come from this many documents (all of them in a smaller catalogue), so
# fusing the candidates alone weighs each leg as fusing the whole catalogue would.
STATS_SAMPLE = 1024
STATUS_CODES = (*STATUSES, UNKNOWN_STATUS)


@dataclass(frozen=True)
class Columns:
    """Filterable fields as arrays aligned with the snapshot's documents (int16/int32, (n,))."""

    alive: np.ndarray  # bool: the record still exists in the catalogue
    sector: np.ndarray
    level: np.ndarray
    province: np.ndarray  # code into ``provinces`` (casefolded); -1 = none
    provinces: dict[str, int]
    status: np.ndarray
    award: np.ndarray  # index into AWARD_TIERS; -1 = none
    year: np.ndarray  # -1 = unknown

    @classmethod
    def of(cls, items: list[Innovation | None]) -> Columns:
        provinces: dict[str, int] = {}
        n = len(items)
        cols = {
            name: np.full(n, -1, dtype=np.int32)
            for name in ("sector", "level", "province", "status", "award", "year")
        }
        alive = np.zeros(n, dtype=bool)
        for row, item in enumerate(items):
            if item is None:
                continue
            alive[row] = True
            cols["sector"][row] = SECTORS.index(item.sector)
            cols["level"][row] = LEVELS.index(item.level)
            if item.province:
                cols["province"][row] = provinces.setdefault(item.province.casefold(), len(provinces))
            cols["status"][row] = STATUS_CODES.index(item.status or UNKNOWN_STATUS)
            tier = item.award_tier
            cols["award"][row] = AWARD_TIERS.index(tier) if tier else -1
            cols["year"][row] = item.year if item.year is not None else -1
        return cls(alive=alive, provinces=provinces, **cols)

    def mask(self, filters: Filters) -> np.ndarray:
        """Rows passing the filters (the semantics of Filters.matches, vectorised): bool, (n,)."""
        keep = self.alive.copy()
        if filters.sector:
            keep &= np.isin(self.sector, [SECTORS.index(s) for s in filters.sector])
        if filters.level:
            keep &= np.isin(self.level, [LEVELS.index(v) for v in filters.level])
        if filters.province:
            codes = [self.provinces[p.casefold()] for p in filters.province if p.casefold() in self.provinces]
            keep &= np.isin(self.province, codes)
        if filters.status:
            keep &= np.isin(self.status, [STATUS_CODES.index(s) for s in filters.status])
        if filters.award_tier is not None:
            keep &= self.award >= AWARD_TIERS.index(filters.award_tier)
        if filters.year_from is not None:
            keep &= (self.year >= filters.year_from) & (self.year >= 0)
        if filters.year_to is not None:
            keep &= (self.year <= filters.year_to) & (self.year >= 0)
        return keep


@dataclass
class Candidates:
    """One query's candidate documents and each leg's scores of them (aligned with docs)."""

    docs: np.ndarray  # int64 rows, ascending
    fused: np.ndarray  # the z-score fusion
    dense: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per encoder: mix, whole, passage
    chars: np.ndarray
    bm25_all: np.ndarray  # BM25 of every document
    allowed: np.ndarray
    eligible: int
    english: bool
    lexical_on: float
    z: list[np.ndarray]  # each leg z-scored: the dense legs, BM25, chars
    lexical_text: str  # what the lexical legs read (an English query: its Indonesian terms)
    expanded: bool = False  # BM25 read the query plus feedback terms (bm25_all is not its own)


@dataclass
class Ranked:
    """The ranked candidates of one query, with every raw signal for the chosen rows."""

    order: list[int]  # candidate rows, best first, after diversity
    grouped: dict[int, int]
    final: dict[int, float]
    components: dict[int, dict[str, float]]
    best_similarity: float
    eligible: int
    signals: dict[str, float] = field(default_factory=dict)  # for the no-good-match model


class SearchState:
    """Everything one query needs, never mutated after construction."""

    def __init__(
        self,
        snapshot: Snapshot,
        items: list[Innovation | None],
        hashes: dict[str, str],
        config: RankingConfig,
        previous: SearchState | None = None,
        ledgers: dict[str, Ledger] | None = None,
        registry_seq: int = 0,
    ) -> None:
        self.snapshot = snapshot
        self.items = items  # aligned with snapshot.doc_ids; None where deleted since
        self.hashes = hashes  # content hash of each record as loaded
        self.config = config
        # An edited document's retired row keeps its id: the live (later) row is the one named.
        self.rows = {key: r for r, key in enumerate(snapshot.doc_ids) if not snapshot.retired[r]}
        fields = np.array(snapshot.passage_field)
        self.is_whole = fields == WHOLE
        self.whole_rows = np.flatnonzero(self.is_whole)
        n = len(snapshot.doc_ids)
        if not np.array_equal(snapshot.passage_doc[self.whole_rows], np.arange(n)):
            raise ValueError(f"snapshot {snapshot.version} lacks whole-text passages")
        # Passages of document i are rows starts[i]:starts[i + 1] (they are written in order).
        self.starts = np.searchsorted(snapshot.passage_doc, np.arange(n + 1)).astype(np.int64)
        self.columns = Columns.of(items)
        # What the replication registry holds per innovation, and its sequence number then.
        self.ledgers = ledgers or {}
        self.registry_seq = registry_seq
        # The same record object with the same registry entries under the same config has the
        # same value: after one edit only that record is scored again. (The previous state
        # keeps its objects alive, so their ids cannot be reused meanwhile.)
        known: dict[int, tuple[float, int]] = {}
        if previous is not None and previous.config is config:
            known = {
                id(i): (float(v), int(m))
                for i, v, m in zip(previous.items, previous.value, previous.adopter_levels, strict=True)
                if i is not None and previous.ledgers.get(i.id) == self.ledgers.get(i.id)
            }
        scored = [(0.0, 0) if i is None else known.get(id(i)) or self._score(i) for i in items]
        self.value: np.ndarray = np.array([v for v, _ in scored], dtype=np.float32)
        # Bit LEVELS.index(level) set: a government of that level replicates it (int32, (n,)).
        self.adopter_levels: np.ndarray = np.array([m for _, m in scored], dtype=np.int32)
        rng = np.random.default_rng(0)
        # Drawn from the live rows only, so a retired row never shapes the z-scores.
        live = np.flatnonzero(self.columns.alive)
        self.sample = (
            live if len(live) <= STATS_SAMPLE else np.sort(rng.choice(live, STATS_SAMPLE, replace=False))
        )
        # The statistics sample's rows gathered once per state, not once per query.
        # By column: a query's n-grams select their postings in the sample, not every entry.
        self.sample_chars = snapshot.chars.matrix[self.sample].tocsc()
        self.sample_passages = self._passage_rows(self.sample)
        # ...and what _dense derives from those rows, which is the same for every query.
        sample_owner = self.sample_passages[1]
        self.sample_whole = self.is_whole[self.sample_passages[0]]
        self.sample_firsts = np.flatnonzero(np.diff(sample_owner, prepend=-1))
        self._names: dict[int, frozenset[str]] = {}  # analysed names, filled as rows are ranked
        self.sample_vectors = [
            np.ascontiguousarray(d.vectors[self.sample_passages[0]]) for d in snapshot.dense
        ]

    @property
    def version(self) -> str:
        return self.snapshot.version

    def _score(self, item: Innovation) -> tuple[float, int]:
        ledger = self.ledgers.get(item.id)
        return (sum(value_components(item, self.config, ledger).values()), adopter_levels(item, ledger))

    def with_snapshot(self, snapshot: Snapshot) -> SearchState:
        """The same state over another copy of the same snapshot (written and mapped back)."""
        if snapshot.doc_ids != self.snapshot.doc_ids:
            raise ValueError(f"snapshot {snapshot.version} holds other documents")
        other = copy.copy(self)
        other.snapshot = snapshot
        return other

    def with_ledgers(self, ledgers: dict[str, Ledger], registry_seq: int) -> SearchState:
        """The same state after registry writes: only innovations whose entries changed are
        scored again (no snapshot is built: the registry changes no document)."""
        changed = [k for k in {*self.ledgers, *ledgers} if self.ledgers.get(k) != ledgers.get(k)]
        other = copy.copy(self)
        other.ledgers, other.registry_seq = ledgers, registry_seq
        other.value, other.adopter_levels = self.value.copy(), self.adopter_levels.copy()
        for key in changed:
            row = self.rows.get(key)
            item = self.items[row] if row is not None else None
            if row is not None and item is not None:
                other.value[row], other.adopter_levels[row] = other._score(item)
        return other

    def without(self, ids: list[str]) -> SearchState:
        """The same state with these documents masked out (a delete is never searchable)."""
        rows = [self.rows[i] for i in ids if i in self.rows]
        if not rows:
            return self
        other = copy.copy(self)
        alive = self.columns.alive.copy()
        alive[rows] = False
        other.columns = dataclasses.replace(self.columns, alive=alive)
        other.items = list(self.items)
        for row in rows:
            other.items[row] = None
        # Forget their hashes too, so a later swap re-reads a record re-created identically.
        gone = set(ids)
        other.hashes = {k: v for k, v in self.hashes.items() if k not in gone}
        return other

    def whole_vectors(self, position: int, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.snapshot.dense[position].vectors[self.whole_rows[rows]])

    # -- signals ---------------------------------------------------------------------------
    def _passage_rows(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The passage rows of the given documents, and the position of each row's document."""
        lengths = self.starts[docs + 1] - self.starts[docs]
        passage_rows = np.repeat(self.starts[docs], lengths) + (
            np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        )
        return passage_rows, np.repeat(np.arange(len(docs)), lengths)

    def _dense(
        self, position: int, query: np.ndarray, docs: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mix of whole and best-passage cosine, whole cosine, best passage cosine) of the given
        documents
        (None: the statistics sample, from its pre-gathered vectors)."""
        if docs is None:
            passage_rows, owner = self.sample_passages
            scores = self.sample_vectors[position] @ query
            docs, is_whole, firsts = self.sample, self.sample_whole, self.sample_firsts
        else:
            passage_rows, owner = self._passage_rows(docs)
            scores = self.snapshot.dense[position].scores(query, passage_rows)
            is_whole = self.is_whole[passage_rows]
            # Each document's passages are contiguous and it has at least its whole-text one,
            # so the best passage is a segmented maximum (much faster than np.maximum.at).
            firsts = np.flatnonzero(np.diff(owner, prepend=-1))
        whole = np.zeros(len(docs), dtype=np.float32)
        whole[owner[is_whole]] = scores[is_whole]
        best = np.maximum.reduceat(scores, firsts).astype(np.float32) if len(scores) else whole
        w = self.config.whole_weight
        return (w * whole + (1 - w) * best).astype(np.float32), whole, best

    def dense_scores(self, position: int, query: np.ndarray, docs: np.ndarray) -> np.ndarray:
        return self._dense(position, query, docs)[0]

    def _retrieve(
        self,
        query: np.ndarray,
        position: int,
        passage_allowed: np.ndarray | None,
        within: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Documents of the dense leg's top passages among the allowed passages (bool, (p,);
        None: all of them), and the IVF shortlist they were chosen from (None: an exact scan).
        ``within``: an earlier query's shortlist, scored exactly instead of searching again."""
        k = self.config.candidates_per_leg * 2
        index = self.snapshot.dense[position]
        if within is None:
            within = index.shortlist(query, k, passage_allowed)
        rows, _ = index.top(query, k, passage_allowed, within)
        return np.unique(self.snapshot.passage_doc[rows]).astype(np.int64), within

    def rank(
        self,
        text: str,
        queries: list[np.ndarray],
        filters: Filters,
        asker: Asker,
        limit: int,
        exclude: int | None = None,
    ) -> Ranked:
        c = self.candidates(text, queries, filters, exclude)
        if c is None:
            return Ranked([], {}, {}, {}, 0.0, 0)
        docs, fused, dense, chars, bm25_all = c.docs, c.fused, c.dense, c.chars, c.bm25_all
        relevance, learned = fused, None
        model = shipped_fusion() if self.config.learned_fusion else None
        if model is not None:
            learned = self.features(text, c)
            relevance = model.score(learned)
        context = self._context(docs, asker)
        final = relevance + self.value[docs] + context
        order_idx = np.lexsort((docs, -final))
        rows = docs.tolist()  # Python ints and floats in bulk, not one conversion per row
        order = docs[order_idx].tolist()
        grouped: dict[int, int] = {}
        if self.config.diversity:
            order, grouped = self._diversify(order, limit)
        where = dict(zip(rows, range(len(rows)), strict=True))
        components: dict[int, dict[str, float]] = {}
        for row in order[:limit]:
            i = where[row]
            components[row] = {
                **{f"dense_{j}": float(d[0][i]) for j, d in enumerate(dense)},
                "bm25": float(bm25_all[row]),
                "chars": float(chars[i]),
                "relevance": float(relevance[i]),
            }
            if model is not None and learned is not None:
                components[row].update(fused=float(fused[i]), **model.contributions(learned[i]))
        best = float(dense[0][1].max()) if len(docs) else 0.0
        if c.lexical_text != text or c.expanded:
            # The no-good-match model reads the query's own words, as it was fitted: a
            # translated English query must not look better matched than it is.
            bm25_all = self.snapshot.lexical.scores(text)
            chars = self.snapshot.chars.scores(text, docs)
        legs = [dense[0][0], bm25_all[docs], chars]
        signals = query_signals(
            self.snapshot.lexical, text, c.english, bm25_all, c.allowed, fused, legs, dense[0][1]
        )
        return Ranked(
            order,
            grouped,
            dict(zip(rows, final.tolist(), strict=True)),
            components,
            best,
            c.eligible,
            {"dense_cosine": best, **signals},
        )

    def candidates(
        self, text: str, queries: list[np.ndarray], filters: Filters, exclude: int | None = None
    ) -> Candidates | None:
        """Each leg's own top documents, re-scored and z-score fused (None: none eligible)."""
        cfg = self.config
        allowed = self.columns.mask(filters)
        if exclude is not None:
            allowed[exclude] = False
        eligible = int(allowed.sum())
        if not eligible:
            return None
        # Computed once per query and skipped when every row is allowed: each costs a pass over
        # the whole catalogue (passages for the mask), which no longer fits a 50,000 catalogue.
        everyone = eligible == len(allowed)
        passage_allowed = None if everyone else allowed[self.snapshot.passage_doc]
        english = looks_english(text)
        lexical_on = 0.0 if english and not cfg.english_lexical else 1.0
        if english and not cfg.english_lexical and cfg.english_lexicon_weight:
            # Weighted by the share translated: a few generic words alone ("district",
            # "school") match much of the catalogue and would only add noise.
            text, share = translate_english(text)
            lexical_on = cfg.english_lexicon_weight * share**cfg.english_lexicon_power
        bm25_all = self.snapshot.lexical.scores(text)
        # Over the live rows: deleted and retired rows (which score 0) must not shift the z-scores.
        alive = self.columns.alive
        bm25_stats = _stats(bm25_all if alive.all() else bm25_all[alive])
        retrieved = [self._retrieve(q, i, passage_allowed) for i, q in enumerate(queries)]
        pool = [found for found, _ in retrieved]
        if lexical_on:
            pool.append(_top_allowed(bm25_all, None if everyone else allowed, cfg.candidates_per_leg))
        docs = np.unique(np.concatenate(pool)).astype(np.int64)
        char_query = self.snapshot.chars.query_vector(text) if self.snapshot.chars.fitted else text
        chars_sample = self.snapshot.chars.scores(char_query, matrix=self.sample_chars)
        chars_stats = (float(chars_sample.mean()), float(chars_sample.std()))

        def fuse(docs: np.ndarray, queries: list[np.ndarray], before: Candidates | None = None) -> Candidates:
            dense = [self._dense(i, q, docs) for i, q in enumerate(queries)]
            stats = [_stats(self._dense(i, q, None)[0]) for i, q in enumerate(queries)]
            chars = self._chars(char_query, docs, before)
            parts = [(w, d[0], s) for w, d, s in zip(cfg.dense_weights, dense, stats, strict=False)]
            parts += [
                (cfg.bm25_weight * lexical_on, bm25_all[docs], bm25_stats),
                (cfg.chars_weight * lexical_on, chars, chars_stats),
            ]
            total = sum(w for w, _, _ in parts) or 1.0
            fused = np.zeros(len(docs), dtype=np.float32)
            z = []
            for w, values, (mean, std) in parts:
                z.append(((values - mean) / max(std, 1e-9)).astype(np.float32))
                if w:
                    fused += (w / total) * z[-1]
            return Candidates(
                docs, fused, dense, chars, bm25_all, allowed, eligible, english, lexical_on, z, text
            )

        c = fuse(docs, queries)
        if cfg.lexical_feedback_terms and lexical_on and (english or not cfg.lexical_feedback_english_only):
            expansion = self._lexical_feedback(text, docs[np.lexsort((docs, -c.fused))])
            if expansion is not None:
                bm25_all = bm25_all + expansion
                bm25_stats = _stats(bm25_all if alive.all() else bm25_all[alive])
                proposed = _top_allowed(bm25_all, allowed, cfg.candidates_per_leg)
                docs = np.unique(np.concatenate([docs, proposed])).astype(np.int64)
                if not cfg.feedback_docs:
                    c = fuse(docs, queries, c)
                c.expanded = True
        if cfg.feedback_docs:
            top = c.docs[np.lexsort((c.docs, -c.fused))[: cfg.feedback_docs]]
            moved = []
            for position, query in enumerate(queries):
                shifted = query + cfg.feedback_weight * self.whole_vectors(position, top).mean(axis=0)
                moved.append((shifted / max(float(np.linalg.norm(shifted)), 1e-9)).astype(np.float32))
            # The feedback query is near the first: its best passages are read from the first
            # search's IVF shortlist (docs/benchmarks.md, 4 December), not searched for again.
            extra = [
                self._retrieve(q, i, passage_allowed, shortlist)[0]
                for i, (q, (_, shortlist)) in enumerate(zip(moved, retrieved, strict=True))
            ]
            docs = np.unique(np.concatenate([docs, *extra])).astype(np.int64)
            whole_first = [self.whole_vectors(i, docs) @ q for i, q in enumerate(queries)]
            expanded = c.expanded
            c = fuse(docs, moved, c)
            c.dense = [(d[0], w, d[2]) for d, w in zip(c.dense, whole_first, strict=True)]
            c.expanded = expanded
        return c

    def _lexical_feedback(self, text: str, ranked: np.ndarray) -> np.ndarray | None:
        """BM25 of the expansion terms drawn from the first fusion's best documents (ranked:
        candidate rows, best first), scaled to a share of the query's own terms: float32, (n,)."""
        cfg = self.config
        lexical = self.snapshot.lexical
        own = lexical.query_terms(text)
        terms = lexical.feedback_terms(ranked[: cfg.lexical_feedback_docs], own, cfg.lexical_feedback_terms)
        if not terms or not own:
            return None
        scale = cfg.lexical_feedback_weight * len(own)
        return lexical.weighted_scores({column: w * scale for column, w in terms.items()})

    def _chars(
        self, query: str | sparse.csr_matrix, docs: np.ndarray, before: Candidates | None
    ) -> np.ndarray:
        """n-gram cosines of the documents, reusing those an earlier fusion scored (its docs
        are sorted, as these are)."""
        if before is None or not len(before.docs):
            return self.snapshot.chars.scores(query, docs)
        at = np.minimum(np.searchsorted(before.docs, docs), len(before.docs) - 1)
        known = before.docs[at] == docs
        out = np.empty(len(docs), dtype=np.float32)
        out[known] = before.chars[at[known]]
        if not known.all():
            out[~known] = self.snapshot.chars.scores(query, docs[~known])
        return out

    def features(self, text: str, c: Candidates) -> np.ndarray:
        """The learned fusion's features of every candidate: float64, (m, len(FEATURES))."""
        lexical = self.snapshot.lexical
        terms = lexical.query_terms(c.lexical_text)
        coverage = np.zeros(len(c.docs))
        if terms:
            columns = [lexical.vocabulary[t] for t in terms]
            idf = lexical.idf[columns].astype(np.float64)
            present = (lexical.tf[c.docs][:, columns] > 0).toarray()
            coverage = present @ idf / max(float(idf.sum()), 1e-9)
        wanted = set(terms)
        names = np.array([len(wanted & self._name_terms(int(r))) / max(len(wanted), 1) for r in c.docs])
        dense_z, bm25_z, chars_z = c.z[0], c.z[-2] * c.lexical_on, c.z[-1] * c.lexical_on
        length = query_length(len(raw_tokens(text)))
        values = {
            "fused": c.fused,
            "dense": dense_z,
            "bm25": bm25_z,
            "chars": chars_z,
            "cos_whole": c.dense[0][1],
            "cos_passage": c.dense[0][2],
            "rank_dense": log_rank(c.dense[0][0]),
            "rank_bm25": log_rank(c.bm25_all[c.docs]) * c.lexical_on,
            "rank_chars": log_rank(c.chars) * c.lexical_on,
            "coverage": coverage,
            "name_match": names,
            "english_dense": dense_z * float(c.english),
            "length_bm25": bm25_z * length,
            "length_coverage": coverage * length,
        }
        return np.column_stack([np.asarray(values[f], dtype=np.float64) for f in FEATURES])

    def _name_terms(self, row: int) -> frozenset[str]:
        terms = self._names.get(row)
        if terms is None:
            item = self.items[row]
            terms = frozenset(self.snapshot.lexical.analyzer.terms(item.name if item else ""))
            self._names[row] = terms  # a benign race: both writers store the same set
        return terms

    def _context(self, docs: np.ndarray, asker: Asker) -> np.ndarray:
        out = np.zeros(len(docs), dtype=np.float32)
        if asker.level is not None:
            level = LEVELS.index(asker.level)
            out += np.where(self.columns.level[docs] == level, self.config.context_level_bonus, 0.0).astype(
                np.float32
            )
            out += np.where(
                self.adopter_levels[docs] & (1 << level) != 0, self.config.adopter_level_bonus, 0.0
            ).astype(np.float32)
        if asker.province is not None:
            code = self.columns.provinces.get(asker.province.casefold(), -2)
            out += np.where(
                self.columns.province[docs] == code, self.config.context_province_bonus, 0.0
            ).astype(np.float32)
        return out

    def _diversify(self, order: list[int], limit: int) -> tuple[list[int], dict[int, int]]:
        """Diversity over the ranked head only (its vectors gathered once)."""
        horizon = order[: max(limit * 3, limit + 20)]
        rows = np.asarray(horizon, dtype=np.int64)
        vectors = self.whole_vectors(0, rows)
        items = [self.items[r] for r in horizon]
        local, grouped = diversify(
            list(range(len(horizon))),
            items,  # type: ignore[arg-type]
            vectors,
            limit,
            self.config.near_duplicate_cosine,
        )
        return [horizon[i] for i in local] + order[len(horizon) :], {
            horizon[a]: horizon[b] for a, b in grouped.items()
        }


def _stats(values: np.ndarray) -> tuple[float, float]:
    return (float(values.mean()), float(values.std())) if len(values) else (0.0, 1.0)


def _top_allowed(scores: np.ndarray, allowed: np.ndarray | None, k: int) -> np.ndarray:
    """The k best-scoring rows with a positive score among the allowed (None: all rows)."""
    rows = np.flatnonzero(scores > 0 if allowed is None else allowed & (scores > 0))
    if len(rows) > k:
        rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
    return rows.astype(np.int64)
