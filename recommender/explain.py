"""Why a result matched: the shared terms and the best passage, with highlight offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.analysis import Analyzer

_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Passage:
    field: str
    text: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) character offsets into text

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "text": self.text, "highlights": [list(h) for h in self.highlights]}


class Explainer:
    """Maps analysed query terms back to the words of an innovation's text."""

    def __init__(self, analyzer: Analyzer, cache_texts: int = 2048) -> None:
        self.analyzer = analyzer
        # Results repeat across queries: each text is split into words and terms once.
        self._words = lru_cache(maxsize=cache_texts)(self._split)

    def _split(self, text: str) -> tuple[tuple[int, int, str, str], ...]:
        """(start, end, lower-cased word, index term) of every word of a text."""
        term_of = self.analyzer.term_of
        return tuple(
            (m.start(), m.end(), m.group().lower(), term_of(m.group())) for m in _WORD.finditer(text)
        )

    def highlights(self, text: str, terms: set[str]) -> tuple[tuple[int, int], ...]:
        return tuple((start, end) for start, end, _, term in self._words(text) if term in terms)

    def matched_words(self, texts: list[str], terms: set[str], limit: int = 12) -> list[str]:
        """Distinct words (lower-cased, as written in the innovation) that share a query term."""
        words: dict[str, None] = {}
        for text in texts:
            for _, _, word, term in self._words(text):
                if term in terms and word not in words:
                    words[word] = None
        return list(words)[:limit]

    def passage(self, field: str, text: str, terms: set[str]) -> Passage:
        return Passage(field, text, self.highlights(text, terms))
