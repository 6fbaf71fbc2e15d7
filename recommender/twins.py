"""Near-identical texts under another id: word 3-gram Jaccard over problem and solution."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from index.analysis import raw_tokens
from recommender.catalogue import Catalogue
from recommender.errors import InvalidRecord
from recommender.record import Innovation

# Two texts whose word 3-grams overlap this much (Jaccard) are the same text under another id.
NEAR_DUPLICATE_JACCARD = 0.9
SHINGLE = 3


def _shingles(item: Innovation) -> frozenset[tuple[str, ...]]:
    """Word 3-grams of the normalised problem and solution (case, accents, punctuation ignored)."""
    words = raw_tokens(f"{item.problem or ''} {item.solution or ''}")
    if not words:
        return frozenset()  # nothing to compare: punctuation or symbols only
    if len(words) < SHINGLE:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


class TextIndex:
    """Finds an innovation whose problem and solution text nearly equal another's."""

    def __init__(self, items: Iterable[Innovation] = (), threshold: float = NEAR_DUPLICATE_JACCARD) -> None:
        self.threshold = threshold
        self._shingles: dict[str, frozenset[tuple[str, ...]]] = {}
        self._postings: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for item in items:
            self.add(item)

    def add(self, item: Innovation) -> None:
        self.remove(item.id)
        shingles = _shingles(item)
        self._shingles[item.id] = shingles
        for shingle in shingles:
            self._postings[shingle].add(item.id)

    def remove(self, innovation_id: str) -> None:
        for shingle in self._shingles.pop(innovation_id, frozenset()):
            self._postings[shingle].discard(innovation_id)

    def twin_of(self, item: Innovation) -> str | None:
        """The id of another innovation with (nearly) the same text, if any."""
        mine = _shingles(item)
        if not mine:
            return None
        # Prefix filter (exact): a twin shares at least threshold x |mine| shingles, so it
        # shares one of any |mine| - ceil(threshold x |mine|) + 1 of them; take the rarest.
        prefix = len(mine) - math.ceil(self.threshold * len(mine) - 1e-9) + 1
        rarest = sorted(mine, key=lambda s: len(self._postings.get(s, ())))[: max(prefix, 1)]
        candidates = {other for s in rarest for other in self._postings.get(s, ()) if other != item.id}
        found = []
        for other in candidates:
            theirs = self._shingles[other]
            common = len(mine & theirs)
            if common / (len(mine) + len(theirs) - common) >= self.threshold:
                found.append((-common, other))
        return min(found)[1] if found else None

    def similarity(self, item: Innovation, other_id: str) -> float:
        """Word 3-gram Jaccard of ``item`` and the indexed ``other_id`` (0 when not indexed)."""
        mine, theirs = _shingles(item), self._shingles.get(other_id, frozenset())
        common = len(mine & theirs)
        return common / (len(mine) + len(theirs) - common) if common else 0.0


def check_near_duplicate(catalogue: Catalogue, item: Innovation) -> None:
    """Raise InvalidRecord when another stored innovation has (nearly) the same text."""
    twin = TextIndex(catalogue.all()).twin_of(item)
    if twin is not None:
        raise InvalidRecord("problem", f"(nearly) the same problem and solution text as {twin!r}")
