"""The SQLite catalogue: SQL filters agree with Filters.matches, writes are all-or-nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from recommender.catalogue import Catalogue
from recommender.errors import DuplicateInnovation, InvalidRecord, UnknownInnovation
from recommender.filters import Filters
from recommender.importing import import_rows
from recommender.rows import utc_now
from tests.conftest import TINY


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    store = Catalogue(tmp_path / "catalogue.sqlite3")
    import_rows(store, TINY.read_bytes(), "jsonl")
    return store


FILTERS = [
    Filters(),
    Filters(sector=("kesehatan",)),
    Filters(sector=("kesehatan", "kependudukan"), level=("kota",)),
    Filters(province=("JAWA TIMUR", "bali")),
    Filters(status=("tidak-diketahui",)),
    Filters(status=("berjalan", "tidak-diketahui")),
    Filters(status=("berhenti",)),
    Filters(award_tier="penghargaan-lain"),
    Filters(award_tier="top-99"),
    Filters(award_tier="unpsa"),
    Filters(year_from=2018),
    Filters(year_to=2018),
    Filters(year_from=2016, year_to=2020, level=("kota", "kabupaten")),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_sql_filters_select_what_filters_matches_selects(catalogue: Catalogue, filters: Filters) -> None:
    expected = [i.id for i in filters.select(catalogue.all())]
    items, total = catalogue.list(filters, limit=100)
    assert [i.id for i in items] == expected and total == len(expected)


def test_full_text_needs_every_word_in_any_text_field(catalogue: Catalogue) -> None:
    def ids(q: str) -> list[str]:
        return [i.id for i in catalogue.list(Filters(), q, limit=100)[0]]

    assert ids("ambulans") == ["psc-119-alpha", "psc-119-beta"]
    assert ids("AMBULANS Kota") == ["psc-119-beta"]
    assert ids("dukcapil") == ["akta-lahir-gamma", "ktp-keliling-kappa"]  # the agency counts
    assert ids("   ") == [i.id for i in catalogue.all()]
    assert ids("_") == [] and len(ids("%")) < 10  # no LIKE wildcards


def test_pages_are_stable_and_complete(catalogue: Catalogue) -> None:
    pages = [catalogue.list(Filters(), limit=4, offset=o)[0] for o in (0, 4, 8)]
    assert [i.id for i in itertools.chain(*pages)] == [i.id for i in catalogue.all()]


def test_create_replace_delete_refuse_what_does_not_fit(catalogue: Catalogue) -> None:
    alpha = catalogue.get("psc-119-alpha")
    with pytest.raises(DuplicateInnovation):
        catalogue.create(alpha)
    with pytest.raises(UnknownInnovation):
        catalogue.replace(replace(alpha, id="tidak-ada"))
    with pytest.raises(UnknownInnovation):
        catalogue.delete("tidak-ada")
    with pytest.raises(UnknownInnovation):
        catalogue.get("tidak-ada")
    assert catalogue.count() == 10


def test_text_that_is_not_unicode_is_refused_before_touching_the_store(catalogue: Catalogue) -> None:
    before = catalogue.content_hashes()
    bad = replace(catalogue.get("psc-119-alpha"), name="PSC \ud800")
    for write in (catalogue.replace, catalogue.create, lambda i: catalogue.upsert([i])):
        with pytest.raises(InvalidRecord):
            write(bad)
    with pytest.raises(InvalidRecord):
        catalogue.upsert([replace(bad, id="baru", name="Baik"), replace(bad, id="baru2")])
    assert catalogue.content_hashes() == before


def test_versions_and_restore_undo_any_change(catalogue: Catalogue) -> None:
    before = {i.id: i.to_dict() for i in catalogue.all()}
    ids = ["psc-119-alpha", "dbd-zeta", "baru"]
    saved = catalogue.versions(ids)
    assert saved["baru"] is None and saved["dbd-zeta"] is not None
    catalogue.replace(replace(catalogue.get("psc-119-alpha"), name="Diubah"))
    catalogue.delete("dbd-zeta")
    catalogue.create(replace(catalogue.get("izin-theta"), id="baru"))
    catalogue.restore(saved)
    assert {i.id: i.to_dict() for i in catalogue.all()} == before


def test_upserting_nothing_changes_nothing(catalogue: Catalogue) -> None:
    before = catalogue.catalogue_hash()
    catalogue.upsert([])
    assert catalogue.catalogue_hash() == before


def test_the_recommendation_log_never_raises(catalogue: Catalogue) -> None:
    entry = {
        "kind": "api",
        "problem": "ambulans",
        "filters": {},
        "results": [],
        "top_score": None,
        "no_good_match": True,
        "index_version": "v1",
    }
    catalogue.log_recommendation(entry)
    assert [r["problem"] for r in catalogue.recommendation_log()] == ["ambulans"]
    catalogue.log_recommendation({**entry, "problem": "x\ud800"})
    with sqlite3.connect(catalogue.path) as db:
        db.execute("DROP TABLE recommendation_log")
    catalogue.log_recommendation(entry)


OLD_LOG = """CREATE TABLE recommendation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, kind TEXT NOT NULL,
    problem TEXT NOT NULL, filters TEXT NOT NULL, asker_level TEXT, asker_province TEXT,
    result_count INTEGER NOT NULL, top_score REAL, no_good_match INTEGER NOT NULL,
    results TEXT NOT NULL, index_version TEXT);
INSERT INTO recommendation_log VALUES (1, '2025-01-02T03:04:05Z', 'api', 'banjir', '{}', NULL,
    NULL, 0, NULL, 1, '[]', 'v0');"""


def test_an_older_log_gains_the_request_id_column_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_LOG)
    store = Catalogue(path)
    [old] = store.recommendation_log()
    assert old["problem"] == "banjir" and old["request_id"] is None
    store.log_recommendation(
        {
            "kind": "api",
            "problem": "ambulans",
            "filters": {},
            "results": [],
            "no_good_match": True,
            "request_id": "klien-1",
        }
    )
    assert store.recommendation_log()[0]["request_id"] == "klien-1"
    assert Catalogue(path).recommendation_log()[0]["request_id"] == "klien-1"  # reopened: no-op


def test_the_log_is_read_by_period_oldest_first(catalogue: Catalogue) -> None:
    for day, problem in ((3, "c"), (1, "a"), (2, "b"), (4, "d")):
        catalogue.log_recommendation(
            {
                "kind": "api",
                "problem": problem,
                "filters": {},
                "no_good_match": day == 2,
                "results": [{"id": "psc-119-alpha", "score": 0.5}],
                "created_at": f"2025-03-0{day}T10:00:00Z",
            }
        )
    rows = catalogue.log_between("2025-03-01T00:00:00Z", "2025-03-04T00:00:00Z")
    assert [r["problem"] for r in rows] == ["a", "b", "c"]
    assert rows[1]["no_good_match"] is True and rows[0]["results"][0]["id"] == "psc-119-alpha"


def test_stored_times_are_utc_seconds_and_can_look_back() -> None:
    now = dt.datetime.strptime(utc_now(), "%Y-%m-%dT%H:%M:%SZ")
    before = dt.datetime.strptime(utc_now(ago=86400), "%Y-%m-%dT%H:%M:%SZ")
    assert abs((dt.datetime.now(dt.UTC).replace(tzinfo=None) - now).total_seconds()) < 5
    assert (now - before).total_seconds() == pytest.approx(86400, abs=2)
