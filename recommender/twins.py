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
        rarest = sorted(mine, key=self._frequency)[: max(prefix, 1)]
        candidates = {other for s in rarest for other in self._holders(s) if other != item.id}
        found = []
        for other in candidates:
            theirs = self._shingles_of(other)
            common = len(mine & theirs)
            if common / (len(mine) + len(theirs) - common) >= self.threshold:
                found.append((-common, other))
        return min(found)[1] if found else None

    def similarity(self, item: Innovation, other_id: str) -> float:
        """Word 3-gram Jaccard of ``item`` and the indexed ``other_id`` (0 when not indexed)."""
        mine, theirs = _shingles(item), self._shingles_of(other_id)
        common = len(mine & theirs)
        return common / (len(mine) + len(theirs) - common) if common else 0.0

    def overlay(self) -> TextOverlay:
        """A view of this index that takes additions and removals without changing it."""
        return TextOverlay(self)

    # The three reads twin_of makes, overridden by an overlay.
    def _frequency(self, shingle: tuple[str, ...]) -> int:
        return len(self._postings.get(shingle, ()))

    def _holders(self, shingle: tuple[str, ...]) -> Iterable[str]:
        return self._postings.get(shingle, ())

    def _shingles_of(self, innovation_id: str) -> frozenset[tuple[str, ...]]:
        return self._shingles.get(innovation_id, frozenset())


class TextOverlay(TextIndex):
    """A TextIndex's view with additions and removals of its own, the base left untouched: an
    import checks its rows against the catalogue and each other before anything is stored, and
    rows it does not store must not linger in the writer's index."""

    def __init__(self, base: TextIndex) -> None:
        super().__init__(threshold=base.threshold)
        self.base = base
        self._hidden: set[str] = set()  # ids whose base entry this view no longer sees

    def add(self, item: Innovation) -> None:
        self._hidden.add(item.id)
        super().add(item)

    def remove(self, innovation_id: str) -> None:
        self._hidden.add(innovation_id)
        super().remove(innovation_id)

    def _frequency(self, shingle: tuple[str, ...]) -> int:
        # Hidden base entries still count: only the order of the prefix depends on it.
        return self.base._frequency(shingle) + super()._frequency(shingle)

    def _holders(self, shingle: tuple[str, ...]) -> Iterable[str]:
        yield from (i for i in self.base._holders(shingle) if i not in self._hidden)
        yield from super()._holders(shingle)

    def _shingles_of(self, innovation_id: str) -> frozenset[tuple[str, ...]]:
        if innovation_id in self._hidden:
            return super()._shingles_of(innovation_id)
        return self.base._shingles_of(innovation_id)


def check_near_duplicate(catalogue: Catalogue, item: Innovation) -> None:
    """Raise InvalidRecord when another stored innovation has (nearly) the same text."""
    twin = TextIndex(catalogue.all()).twin_of(item)
    if twin is not None:
        raise InvalidRecord("problem", f"(nearly) the same problem and solution text as {twin!r}")
