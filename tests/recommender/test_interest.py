"""Interest marks in the catalogue database: validation, storage, counts and the analytics."""

from __future__ import annotations

import sqlite3

import pytest

from recommender import analytics
from recommender.analytics import Period
from recommender.engine import Recommender
from recommender.errors import InvalidRecord, UnknownInnovation
from recommender.interest import InterestStore, province_of, validate_interest
from tests.recommender.demand import build_log

MARCH = Period.parse("2025-03-01", "2025-03-31")
DAY = "2025-03-10T09:00:00Z"


def _mark(store: InterestStore, key: str, at: str = DAY, **raw: str) -> None:
    store.add(validate_interest(key, raw, created_at=at))


def test_a_mark_keeps_only_innovation_time_level_province_and_a_scrubbed_note(
    recommender: Recommender,
) -> None:
    store = InterestStore(recommender.catalogue)
    mark = validate_interest(
        "stunting-iota",
        {
            "asker_level": "kabupaten",
            "asker_province": " jatim ",
            "note": "Hubungi 0812-3456-7890 atau a@b.go.id",
        },
    )
    store.add(mark)
    assert mark.asker_province == "Jawa Timur"
    with sqlite3.connect(recommender.catalogue.path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(interest)")]
        [row] = db.execute("SELECT innovation_id, asker_level, asker_province, note FROM interest").fetchall()
    assert columns == ["id", "innovation_id", "created_at", "asker_level", "asker_province", "note"]
    assert row == ("stunting-iota", "kabupaten", "Jawa Timur", "Hubungi [telepon] atau [email]")
    assert store.total("stunting-iota") == 1 and store.total("dbd-zeta") == 0


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"asker_level": "desa"}, "asker_level"),
        ({"asker_province": "Atlantis"}, "asker_province"),
        ({"asker_province": 12}, "asker_province"),
        ({"note": "x" * 501}, "note"),
        ({"ip": "10.0.0.1"}, "ip"),
    ],
)
def test_bad_fields_are_named(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        validate_interest("stunting-iota", raw)
    assert caught.value.field == field


def test_an_unknown_innovation_is_refused(recommender: Recommender) -> None:
    with pytest.raises(UnknownInnovation):
        InterestStore(recommender.catalogue).add(validate_interest("tidak-ada", {}))


def test_provinces_in_any_common_spelling() -> None:
    assert province_of("DKI  jakarta") == "DKI Jakarta"
    assert province_of("Papua Pegunungan") == "Papua Pegunungan"
    assert province_of("Jawa") is None


def test_counts_follow_the_period_province_and_level(recommender: Recommender) -> None:
    store = InterestStore(recommender.catalogue)
    _mark(store, "stunting-iota", asker_level="kabupaten", asker_province="Aceh")
    _mark(store, "stunting-iota", asker_level="kota", asker_province="Bali")
    _mark(store, "dbd-zeta")
    _mark(store, "stunting-iota", at="2025-04-01T00:00:00Z")  # the day after the period
    bounds = MARCH.bounds()
    assert store.counts(*bounds) == {"stunting-iota": 2, "dbd-zeta": 1}
    assert store.counts(*bounds, province="aceh") == {"stunting-iota": 1}
    assert store.counts(*bounds, level="kota") == {"stunting-iota": 1}
    assert store.counts("2025-04-01T00:00:00Z", "2025-04-02T00:00:00Z") == {"stunting-iota": 1}


def test_demanded_innovations_carry_the_interest_of_the_period(recommender: Recommender) -> None:
    build_log(recommender.catalogue)
    store = InterestStore(recommender.catalogue)
    for _ in range(3):
        _mark(store, "stunting-iota", asker_level="kabupaten", asker_province="Aceh")
    _mark(store, "psc-119-alpha")  # marked, though no query of March had it in its top 3
    _mark(store, "dbd-zeta", at="2024-01-01T00:00:00Z")  # outside the period
    found = {i["id"]: i for i in analytics.innovations(recommender, MARCH)}
    assert found["stunting-iota"]["interest"] == 3
    assert found["psc-119-alpha"]["interest"] == 1 and found["psc-119-alpha"]["regions"] == 0
    assert found["dbd-zeta"]["interest"] == 0
    bali = Period.parse("2025-03-01", "2025-03-31", province="Bali")
    assert {i["id"]: i["interest"] for i in analytics.innovations(recommender, bali)}.get(
        "stunting-iota"
    ) == 0
