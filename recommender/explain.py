"""Why a result matched: the shared terms and the best passage, with highlight offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.analysis import Analyzer

_WORD = re.compile(r"\w+(?:-\w+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Passage:
    field: str
    text: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) character offsets into text

    def to_dict(self) -> dict[str, object]:
        return {"field": self.field, "text": self.text,
                "highlights": [list(h) for h in self.highlights]}


class Explainer:
    """Maps analysed query terms back to the words of an innovation's text."""

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def highlights(self, text: str, terms: set[str]) -> tuple[tuple[int, int], ...]:
        spans = []
        for match in _WORD.finditer(text):
            if self.analyzer.term_of(match.group()) in terms:
                spans.append((match.start(), match.end()))
        return tuple(spans)

    def matched_words(self, texts: list[str], terms: set[str], limit: int = 12) -> list[str]:
        """Distinct surface words (as written in the innovation) that share a query term."""
        words: dict[str, None] = {}
        for text in texts:
            for match in _WORD.finditer(text):
                word = match.group()
                if word.lower() not in words and self.analyzer.term_of(word) in terms:
                    words[word.lower()] = None
        return list(words)[:limit]

    def passage(self, field: str, text: str, terms: set[str]) -> Passage:
        return Passage(field, text, self.highlights(text, terms))
