"""Why a result matched: the shared terms and the best passage, with highlight offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from index.analysis import Analyzer

# One capturing group: ``split`` returns separators and words alternately, so the offsets of
# every word come from the parts' lengths without a match object per word.
_WORD = re.compile(r"(\w+(?:-\w+)*)", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Passage:
    field: str
    text: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) character offsets into text

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "text": self.text, "highlights": [list(h) for h in self.highlights]}


@dataclass(frozen=True, slots=True)
class Words:
    """The words of one text: word i spans offsets[2i+1]:offsets[2i+2] and maps to terms[i]."""

    offsets: list[int]
    words: list[str]
    terms: list[str]

    def matching(self, terms: set[str]) -> list[int]:
        """Positions of the words whose index term is one of ``terms``, in text order."""
        if terms.isdisjoint(self.terms):
            return []
        return [i for i, term in enumerate(self.terms) if term in terms]


class Explainer:
    """Maps analysed query terms back to the words of an innovation's text."""

    def __init__(self, analyzer: Analyzer, cache_texts: int = 2048) -> None:
        self.analyzer = analyzer
        # Results repeat across queries: each text is split into words and terms once.
        self._words = lru_cache(maxsize=cache_texts)(self._split)

    def _split(self, text: str) -> Words:
        parts = _WORD.split(text)
        words = parts[1::2]
        return Words(list(accumulate(map(len, parts), initial=0)), words, self.analyzer.terms_of(words))

    def highlights(self, text: str, terms: set[str]) -> tuple[tuple[int, int], ...]:
        split = self._words(text)
        at = split.offsets
        return tuple((at[2 * i + 1], at[2 * i + 2]) for i in split.matching(terms))

    def matched_words(self, texts: list[str], terms: set[str], limit: int = 12) -> list[str]:
        """Distinct words (lower-cased, as written in the innovation) that share a query term."""
        words: dict[str, None] = {}
        for text in texts:
            split = self._words(text)
            for i in split.matching(terms):
                words.setdefault(split.words[i].lower())
        return list(words)[:limit]

    def passage(self, field: str, text: str, terms: set[str]) -> Passage:
        return Passage(field, text, self.highlights(text, terms))
