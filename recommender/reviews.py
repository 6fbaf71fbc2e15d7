"""Stored innovations a person should check: what an import adapter had to guess about them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from recommender.catalogue import Catalogue


class ReviewQueue:
    """One open review per innovation (its guessed sector, its missing province…).

    An import adds or renews them; a person's edit of the innovation (a PUT) or its deletion
    closes them: whoever wrote the record last has seen it.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def open(self, entries: Iterable[dict[str, Any]]) -> None:
        """``entries``: the import report's ``review`` items ({id, reasons, …})."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        rows = [
            (
                e["id"],
                json.dumps(e["reasons"], ensure_ascii=False),
                json.dumps(
                    {k: v for k, v in e.items() if k not in ("id", "reasons", "row", "line")},
                    ensure_ascii=False,
                ),
                now,
            )
            for e in entries
        ]
        if not rows:
            return
        with self.catalogue.transaction(write=True) as db:
            db.executemany("INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?)", rows)

    def close(self, innovation_ids: Iterable[str]) -> None:
        keys = [(key,) for key in innovation_ids]
        with self.catalogue.transaction(write=True) as db:
            db.executemany("DELETE FROM reviews WHERE innovation_id = ?", keys)

    def of(self, innovation_id: str) -> dict[str, Any] | None:
        found = self.list(innovation_id=innovation_id)
        return found[0] if found else None

    def list(self, *, innovation_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """Open reviews, oldest first: {id, reasons, created_at, and the guess's details}."""
        where, args = ("WHERE innovation_id = ?", [innovation_id]) if innovation_id else ("", [])
        with self.catalogue.transaction() as db:
            rows = db.execute(
                f"SELECT innovation_id, reasons, details, created_at FROM reviews "
                f"{where} ORDER BY created_at, innovation_id LIMIT ?",
                [*args, limit],
            ).fetchall()
        return [
            {"id": key, "reasons": json.loads(reasons), **json.loads(details), "created_at": at}
            for key, reasons, details, at in rows
        ]
