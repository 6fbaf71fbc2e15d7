"""Near-identical texts under another id: word 3-gram Jaccard over problem and solution."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from index.analysis import raw_tokens
from recommender.catalogue import Catalogue
from recommender.errors import InvalidRecord
from recommender.record import Innovation

# Two texts whose word 3-grams overlap this much (Jaccard) are the same text under another id.
NEAR_DUPLICATE_JACCARD = 0.9
SHINGLE = 3
# A shingle is one int64: three 21-bit word ids. Exact while the catalogue has fewer than two
# million distinct words; past that, ids wrap and two shingles may share a key.
_BITS = 21
_PAD = (1 << _BITS) - 1  # fills the missing words of a text shorter than a shingle
_NO_KEYS = np.empty(0, dtype=np.int64)
# Postings added since the last compaction live in a dict; they are folded into the sorted
# arrays once they pass this many (or a quarter of the arrays' size).
COMPACT_AT = 20_000


class _Words:
    """Word ids shared by an index and its overlays, so their shingle keys agree."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def shingles(self, item: Innovation, *, learn: bool) -> np.ndarray:
        """Sorted distinct int64 keys of the word 3-grams of the normalised problem and
        solution (case, accents, punctuation ignored); empty for a text without words.

        Without ``learn``, a word the index has never seen gets a code of this call only, so
        its shingles match nothing and the vocabulary does not grow with every lookup."""
        words = raw_tokens(f"{item.problem or ''} {item.solution or ''}")
        if not words:
            return _NO_KEYS  # nothing to compare: punctuation or symbols only
        ids = self.ids
        if learn:
            codes = [ids.setdefault(word, len(ids) % _PAD) for word in words]
        else:
            unseen: dict[str, int] = {}
            codes = [
                ids[word] if word in ids else unseen.setdefault(word, (len(ids) + len(unseen)) % _PAD)
                for word in words
            ]
        codes += [_PAD] * (SHINGLE - len(codes))
        c = np.array(codes, dtype=np.int64)
        return np.unique((c[:-2] << (2 * _BITS)) | (c[1:-1] << _BITS) | c[2:])


@dataclass(frozen=True)
class _Postings:
    """Sorted shingle keys with the position (in ``ids``) of the innovation holding each."""

    keys: np.ndarray = field(default_factory=lambda: _NO_KEYS)  # int64, sorted
    holders: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    ids: tuple[str, ...] = ()


class TextIndex:
    """Finds an innovation whose problem and solution text nearly equal another's.

    Each innovation's shingles are one sorted int64 array, and the postings two flat arrays
    (plus a small dict of the latest additions): about 20 bytes a shingle, where sets of word
    tuples took about 260 (1.4 GB at 50,000 innovations)."""

    def __init__(self, items: Iterable[Innovation] = (), threshold: float = NEAR_DUPLICATE_JACCARD) -> None:
        self.threshold = threshold
        self._words = _Words()
        self._shingles: dict[str, np.ndarray] = {}
        for item in items:
            self._shingles[item.id] = self._words.shingles(item, learn=True)
        self._compact()

    def _compact(self) -> None:
        """Fold every current entry into the sorted arrays; the latest-additions dict empties."""
        ids = tuple(self._shingles)
        arrays = [self._shingles[key] for key in ids]
        keys = np.concatenate(arrays) if arrays else _NO_KEYS
        holders = np.repeat(np.arange(len(ids), dtype=np.int32), [len(a) for a in arrays])
        order = np.argsort(keys, kind="stable")
        self._postings = _Postings(keys[order], holders[order], ids)
        self._current: set[str] = set(ids)  # ids whose entry in the arrays is still theirs
        self._recent: dict[int, set[str]] = {}
        self._recent_count = 0

    def add(self, item: Innovation) -> None:
        self.remove(item.id)
        shingles = self._words.shingles(item, learn=True)
        self._shingles[item.id] = shingles
        for key in shingles.tolist():
            self._recent.setdefault(key, set()).add(item.id)
        self._recent_count += len(shingles)
        if self._recent_count > max(COMPACT_AT, len(self._postings.keys) // 4):
            self._compact()

    def remove(self, innovation_id: str) -> None:
        shingles = self._shingles.pop(innovation_id, None)
        if shingles is None:
            return
        self._current.discard(innovation_id)
        for key in shingles.tolist():
            holders = self._recent.get(key)
            if holders is not None:
                holders.discard(innovation_id)

    def twin_of(self, item: Innovation) -> str | None:
        """The id of another innovation with (nearly) the same text, if any."""
        mine = self._words.shingles(item, learn=False)
        if not len(mine):
            return None
        # Prefix filter (exact): a twin shares at least threshold x |mine| shingles, so it
        # shares one of any |mine| - ceil(threshold x |mine|) + 1 of them; take the rarest.
        prefix = len(mine) - math.ceil(self.threshold * len(mine) - 1e-9) + 1
        rarest = mine[np.argsort(self._frequencies(mine), kind="stable")[: max(prefix, 1)]]
        candidates = {other for key in rarest.tolist() for other in self._holders(key) if other != item.id}
        found = []
        for other in candidates:
            theirs = self._shingles_of(other)
            common = np.intersect1d(mine, theirs, assume_unique=True).size
            if common / (len(mine) + len(theirs) - common) >= self.threshold:
                found.append((-common, other))
        return min(found)[1] if found else None

    def check(self, item: Innovation) -> None:
        """Raise InvalidRecord when another indexed innovation has (nearly) the same text."""
        twin = self.twin_of(item)
        if twin is not None:
            raise twin_error(twin)

    def similarity(self, item: Innovation, other_id: str) -> float:
        """Word 3-gram Jaccard of ``item`` and the indexed ``other_id`` (0 when not indexed)."""
        mine, theirs = self._words.shingles(item, learn=False), self._shingles_of(other_id)
        common = np.intersect1d(mine, theirs, assume_unique=True).size
        return common / (len(mine) + len(theirs) - common) if common else 0.0

    def overlay(self) -> TextOverlay:
        """A view of this index that takes additions and removals without changing it."""
        return TextOverlay(self)

    # The three reads twin_of makes, overridden by an overlay.
    def _frequencies(self, keys: np.ndarray) -> np.ndarray:
        """How many entries hold each key (removed ones may still count: only the order of
        the prefix depends on it)."""
        postings = self._postings
        counts = np.searchsorted(postings.keys, keys, "right") - np.searchsorted(postings.keys, keys, "left")
        if self._recent:
            counts = counts + np.array([len(self._recent.get(k, ())) for k in keys.tolist()])
        return counts

    def _holders(self, key: int) -> Iterable[str]:
        postings, current = self._postings, self._current
        start, end = np.searchsorted(postings.keys, [key, key + 1])
        for position in postings.holders[start:end].tolist():
            holder = postings.ids[position]
            if holder in current:
                yield holder
        yield from tuple(self._recent.get(key, ()))

    def _shingles_of(self, innovation_id: str) -> np.ndarray:
        return self._shingles.get(innovation_id, _NO_KEYS)


class TextOverlay(TextIndex):
    """A TextIndex's view with additions and removals of its own, the base left untouched: an
    import checks its rows against the catalogue and each other before anything is stored, and
    rows it does not store must not linger in the writer's index."""

    def __init__(self, base: TextIndex) -> None:
        super().__init__(threshold=base.threshold)
        self._words = base._words  # the same word ids, so keys compare across the two
        self.base = base
        self._hidden: set[str] = set()  # ids whose base entry this view no longer sees

    def add(self, item: Innovation) -> None:
        self._hidden.add(item.id)
        super().add(item)

    def remove(self, innovation_id: str) -> None:
        self._hidden.add(innovation_id)
        super().remove(innovation_id)

    def _frequencies(self, keys: np.ndarray) -> np.ndarray:
        # Hidden base entries still count: only the order of the prefix depends on it.
        return self.base._frequencies(keys) + super()._frequencies(keys)

    def _holders(self, key: int) -> Iterable[str]:
        yield from (i for i in self.base._holders(key) if i not in self._hidden)
        yield from super()._holders(key)

    def _shingles_of(self, innovation_id: str) -> np.ndarray:
        if innovation_id in self._hidden:
            return super()._shingles_of(innovation_id)
        return self.base._shingles_of(innovation_id)


def check_near_duplicate(catalogue: Catalogue, item: Innovation) -> None:
    """Raise InvalidRecord when another stored innovation has (nearly) the same text."""
    TextIndex(catalogue.all()).check(item)


def twin_error(twin: str) -> InvalidRecord:
    """Why a record is refused whose text (nearly) repeats the innovation ``twin``."""
    return InvalidRecord("problem", f"(nearly) the same problem and solution text as {twin!r}")
