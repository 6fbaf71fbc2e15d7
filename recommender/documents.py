"""The texts an innovation is indexed by: its whole text, its passages and its lexical fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar, overload

from recommender.ranking import RankingConfig
from recommender.record import Innovation
from recommender.search import WHOLE

T = TypeVar("T")


def whole_text(item: Innovation) -> str:
    """Name, problem, solution and outcomes as one text (the character n-grams' and
    ``similar``'s)."""
    return f"{item.name}. " + " ".join(t for t in (item.problem, item.solution, item.outcomes) if t)


def passages(item: Innovation, config: RankingConfig) -> list[tuple[str, str]]:
    """The whole text, then one passage per configured group of fields that has text."""
    out = [(WHOLE, whole_text(item))]
    for group in config.passages:
        text = ". ".join(getattr(item, f) for f in group if getattr(item, f))
        if text:
            out.append(("+".join(group), text))
    return out


def lexical_fields(item: Innovation, config: RankingConfig) -> list[tuple[str, str]]:
    """(field, text) for each field the BM25 index weighs, empty text where a field is unset."""
    return [(f, getattr(item, f) or "") for f in config.lexical_fields]


class Lazy(Sequence[T]):
    """``[fn(item) for item in items]``, computed only for the positions read."""

    def __init__(self, items: Sequence[Innovation], fn: Callable[[Innovation], T]) -> None:
        self.items, self.fn = items, fn

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self.fn(i) for i in self.items[index]]
        return self.fn(self.items[index])
