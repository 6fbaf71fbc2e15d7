"""The catalogue database's tables, and the columns added to an older database on open."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS innovations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    sector TEXT NOT NULL,
    province TEXT,
    year INTEGER,
    status TEXT,
    award_rank INTEGER NOT NULL,
    replication_of TEXT,
    search_text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    record TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS innovations_sector ON innovations(sector);
CREATE INDEX IF NOT EXISTS innovations_level ON innovations(level);
CREATE TABLE IF NOT EXISTS recommendation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    problem TEXT NOT NULL,
    filters TEXT NOT NULL,
    asker_level TEXT,
    asker_province TEXT,
    result_count INTEGER NOT NULL,
    top_score REAL,
    no_good_match INTEGER NOT NULL,
    results TEXT NOT NULL,
    index_version TEXT,
    request_id TEXT
);
CREATE INDEX IF NOT EXISTS recommendation_log_created ON recommendation_log(created_at);
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    innovation_id TEXT NOT NULL,
    op TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    done INTEGER NOT NULL,
    total INTEGER NOT NULL,
    report TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS replications (
    id TEXT PRIMARY KEY,
    innovation_id TEXT NOT NULL,
    government TEXT NOT NULL,
    level TEXT,
    province TEXT,
    year INTEGER,
    status TEXT NOT NULL,
    record TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS replications_innovation ON replications(innovation_id);
CREATE TABLE IF NOT EXISTS replication_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    replication_id TEXT NOT NULL,
    innovation_id TEXT NOT NULL,
    government TEXT NOT NULL,
    op TEXT NOT NULL,
    record TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS replication_history_id ON replication_history(replication_id);
CREATE INDEX IF NOT EXISTS replication_history_innovation ON replication_history(innovation_id);
CREATE TABLE IF NOT EXISTS reviews (
    innovation_id TEXT PRIMARY KEY,
    reasons TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS interest (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    innovation_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    asker_level TEXT,
    asker_province TEXT,
    note TEXT
);
CREATE INDEX IF NOT EXISTS interest_created ON interest(created_at);
"""
# A database lacking one of these was damaged. Later tables (replications,
# replication_history, reviews, interest) are not listed: an older database simply gains them.
TABLES = ("innovations", "recommendation_log", "changes", "meta", "jobs")
# Columns added after a table first shipped: (table, column, declaration), added on open.
ADDED_COLUMNS = (("recommendation_log", "request_id", "TEXT"),)


def migrate(db: sqlite3.Connection) -> None:
    """Add the columns a database made by an older version lacks (its rows keep NULL there)."""
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
