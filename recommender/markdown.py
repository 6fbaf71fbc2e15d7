"""Markdown tables for printed reports (the scripts' and the import measurements')."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence


def row(cells: Iterable[object]) -> str:
    """One table line: ``| a | b |``."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(head: Sequence[str], rows: Iterable[Iterable[object]], right: Collection[int] = ()) -> list[str]:
    """The header, the rule (columns in ``right`` right-aligned) and one line per row."""
    rule = "|" + "".join("---:|" if i in right else "---|" for i in range(len(head)))
    return [row(head), rule, *(row(r) for r in rows)]
