"""The recommendation log: answered requests, scrubbed of personal data, kept for demand analytics."""

from __future__ import annotations

import builtins
import json
import logging
import sqlite3
from typing import Any

from recommender.database import Database
from recommender.privacy import scrub
from recommender.rows import utc_now

logger = logging.getLogger(__name__)


class RequestLog(Database):
    """The ``recommendation_log`` table of the catalogue database."""

    def log_recommendation(self, entry: dict[str, Any]) -> None:
        """Store one answered request (no personal data: no IPs, no user ids, and the problem
        text scrubbed of NIKs, phone numbers and e-mail addresses).

        ``request_id`` is the request's X-Request-ID (so other systems can join on it);
        ``created_at`` (ISO, UTC) defaults to now: a replay of past demand may set it.

        Analytics must never cost a planner the answer: a failure to record is logged, not raised.
        """
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT INTO recommendation_log (created_at, kind, problem, filters, "
                    "asker_level, asker_province, result_count, top_score, no_good_match, results,"
                    " index_version, request_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        entry.get("created_at") or utc_now(),
                        entry["kind"],
                        scrub(entry["problem"]),
                        json.dumps(entry["filters"], ensure_ascii=False),
                        entry.get("asker_level"),
                        entry.get("asker_province"),
                        len(entry["results"]),
                        entry.get("top_score"),
                        int(entry["no_good_match"]),
                        json.dumps(entry["results"]),
                        entry.get("index_version"),
                        entry.get("request_id"),
                    ),
                )
        except (sqlite3.Error, UnicodeEncodeError) as exc:
            logger.warning("could not record a recommendation request: %s", exc)

    def recommendation_log(self, limit: int = 100) -> builtins.list[dict[str, Any]]:
        """The newest logged requests first; problems are scrubbed again, for rows stored
        before scrubbing existed."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT * FROM recommendation_log ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [{**dict(r), "problem": scrub(r["problem"])} for r in rows]

    def log_between(self, start: str, end: str) -> builtins.list[dict[str, Any]]:
        """Logged requests with ``start <= created_at < end`` (ISO UTC strings), oldest first;
        problems scrubbed again, results decoded."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT * FROM recommendation_log WHERE created_at >= ? AND "
                "created_at < ? ORDER BY created_at, id",
                (start, end),
            ).fetchall()
        return [
            {
                **dict(r),
                "problem": scrub(r["problem"]),
                "results": json.loads(r["results"]),
                "no_good_match": bool(r["no_good_match"]),
            }
            for r in rows
        ]

    def purge_log(self, older_than_days: int) -> int:
        """Blank the free problem text of requests logged over `older_than_days` days ago
        (0: all of them); the rest of each row, which holds no personal data, stays for the
        demand analytics. Returns how many rows lost their text."""
        if older_than_days < 0:
            raise ValueError(f"older_than_days must be >= 0, got {older_than_days}")
        cutoff = utc_now(older_than_days * 86400)
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE recommendation_log SET problem = '' WHERE created_at <= ? AND problem != ''",
                (cutoff,),
            )
        return cursor.rowcount
