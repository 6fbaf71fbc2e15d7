"""Demand analytics on a constructed log whose themes, regions and gaps are known."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import pytest

from recommender import analytics
from recommender.analytics import Period, QueryVectors
from recommender.engine import Recommender
from recommender.errors import InvalidRecord
from recommender.grouping import cluster_vectors, coherence
from tests.recommender.demand import GAP, KTP, PROVINCES, STUNTING, Logged, build_log

MARCH = Period.parse("2025-03-01", "2025-03-31")


@pytest.fixture
def logged(recommender: Recommender) -> list[Logged]:
    return build_log(recommender.catalogue)


def _by_theme(found: list[dict[str, Any]], plan: list[Logged]) -> dict[str, dict[str, Any]]:
    """Each true theme's found theme: the one holding most of its request ids."""
    truth = {item.request_id: item.theme for item in plan}
    out = {}
    for theme in found:
        [(name, _)] = Counter(truth[i] for i in theme["request_ids"]).most_common(1)
        out[name] = theme
    return out


def test_themes_recover_the_known_groups_with_their_counts(
    recommender: Recommender, logged: list[Logged]
) -> None:
    found = analytics.themes(recommender, MARCH)
    themes = _by_theme(found, logged)
    assert set(themes) == {"stunting", "ktp", "gap", "flood"} and len(found) == 4
    march = [i for i in logged if i.day.month == 3]
    for name, theme in themes.items():
        expected = {i.request_id for i in march if i.theme == name}
        got = set(theme["request_ids"])
        assert len(got ^ expected) <= max(1, len(expected) // 10), name  # within 10%
    stunting = themes["stunting"]
    assert stunting["queries"] == len(STUNTING) and stunting["province_count"] == 10
    assert stunting["region_count"] == 20  # each province asked as kabupaten and as kota
    assert "stunting" in stunting["terms"] and "stunting" in stunting["label"]
    assert "ktp" in str(themes["ktp"]["label"]) and themes["ktp"]["province_count"] == 3
    assert stunting["top_innovations"][0]["id"] == "stunting-iota"
    assert sum(w["queries"] for w in stunting["trend"]) == len(STUNTING)


def test_the_trend_counts_queries_per_iso_week(recommender: Recommender, logged: list[Logged]) -> None:
    ktp = _by_theme(analytics.themes(recommender, MARCH), logged)["ktp"]
    weeks = Counter(
        (i.day - dt.timedelta(days=i.day.weekday())).isoformat() for i in logged if i.theme == "ktp"
    )
    trend = {w["week"]: w["queries"] for w in ktp["trend"]}
    assert list(trend)[0] == "2025-02-24" and list(trend)[-1] == "2025-03-31"
    assert trend == {w: weeks.get(w, 0) for w in trend}


def test_gaps_are_the_themes_that_mostly_found_nothing(
    recommender: Recommender, logged: list[Logged]
) -> None:
    [gap] = analytics.gaps(recommender, MARCH)
    assert set(gap["request_ids"]) == {i.request_id for i in logged if i.theme == "gap"}
    assert gap["no_good_match_share"] == 1.0 and gap["queries"] == len(GAP)
    assert set(gap["examples"]) <= set(GAP) and len(gap["examples"]) == 3
    assert {r["province"] for r in gap["regions"]} <= set(PROVINCES[:2])
    assert sum(r["queries"] for r in gap["regions"]) + gap["regions_withheld"] == len(GAP)


def test_a_theme_under_three_queries_is_not_broken_down_by_province(
    recommender: Recommender, logged: list[Logged]
) -> None:
    themes = _by_theme(analytics.themes(recommender, MARCH), logged)
    flood, ktp = themes["flood"], themes["ktp"]
    assert flood["queries"] == 2 and flood["regions"] == [] and flood["regions_suppressed"]
    assert flood["region_count"] == 2  # the count stays: only the breakdown goes
    assert not ktp["regions_suppressed"]
    # No cell of fewer than three queries is shown either: those are only counted.
    assert all(r["queries"] >= 3 for r in ktp["regions"])
    assert sum(r["queries"] for r in ktp["regions"]) + ktp["regions_withheld"] == len(KTP)
    assert ktp["regions_withheld"] > 0


def test_the_period_province_and_level_narrow_the_log(recommender: Recommender, logged: list[Logged]) -> None:
    last_year = Period.parse("2024-01-01", "2024-12-31")
    assert analytics.themes(recommender, last_year) == []  # one query alone is no theme
    assert analytics.innovations(recommender, last_year)[0]["queries"] == 1
    first_week = Period.parse("2025-03-01", "2025-03-07")
    assert {r["request_id"] for r in analytics.log_rows(recommender, first_week)} == {
        i.request_id for i in logged if dt.date(2025, 3, 1) <= i.day <= dt.date(2025, 3, 7)
    }
    aceh = Period.parse("2025-03-01", "2025-03-31", "aceh", "kabupaten")
    ids = {i for t in analytics.themes(recommender, aceh) for i in t["request_ids"]}
    assert ids == {
        i.request_id for i in logged if i.province == "Aceh" and i.level == "kabupaten" and i.day.year == 2025
    } - {"flood-0"}


def test_innovations_rank_by_distinct_asking_regions(recommender: Recommender, logged: list[Logged]) -> None:
    ranked = analytics.innovations(recommender, MARCH, interest={"ktp-keliling-kappa": 4})
    by_id = {r["id"]: r for r in ranked}
    assert by_id["stunting-iota"]["regions"] == 20 and by_id["stunting-iota"]["queries"] == 24
    assert by_id["ktp-keliling-kappa"]["regions"] == 6
    assert by_id["ktp-keliling-kappa"]["interest"] == 4
    assert ranked[0]["id"] == "akta-lahir-gamma"  # in the top 3 of both stunting and KTP-el
    assert ranked[0]["award_tier"] == "top-40" and ranked[0]["adopters"]
    assert [r["regions"] for r in ranked] == sorted((r["regions"] for r in ranked), reverse=True)


def test_bad_periods_name_their_field() -> None:
    for args, field in (
        (("2025-13-01", None), "from"),
        ((None, "kemarin"), "to"),
        (("2025-03-02", "2025-03-01"), "from"),
    ):
        with pytest.raises(InvalidRecord) as caught:
            Period.parse(*args)
        assert caught.value.field == field
    with pytest.raises(InvalidRecord) as caught:
        Period.parse(None, None, level="desa")
    assert caught.value.field == "level"
    default = Period.parse(None, "2025-06-30")
    assert default.start == dt.date(2025, 4, 1)


def test_duplicates_group_the_same_idea_and_suggest_a_representative(recommender: Recommender) -> None:
    [cluster] = analytics.duplicates(recommender)
    assert cluster["members"] == ["psc-119-alpha", "psc-119-beta"]
    assert cluster["representative"] == "psc-119-alpha"  # the one with an award
    assert 0.5 <= cluster["similarity"] <= 1 and cluster["id"].startswith("d-")
    assert analytics.duplicates(recommender, Period.parse(None, None, "Aceh")) == []


def test_cached_query_vectors_equal_fresh_ones(recommender: Recommender) -> None:
    encoder = recommender.encoders[0]
    cache = QueryVectors(encoder, max_items=3)
    texts = [*KTP[:4], KTP[0]]
    assert np.array_equal(cache(texts), encoder.encode_queries(texts))
    assert np.array_equal(cache(texts[:2]), encoder.encode_queries(texts[:2]))


def test_themes_are_more_alike_inside_than_across(recommender: Recommender) -> None:
    texts = STUNTING + KTP + GAP
    vectors = recommender.encoders[0].encode_queries(texts)
    inside, across = coherence(vectors, cluster_vectors(vectors, 0.9))
    assert inside > 3 * across


def test_an_empty_log_has_no_themes(recommender: Recommender) -> None:
    assert analytics.themes(recommender, MARCH) == []
    assert analytics.innovations(recommender, MARCH) == []


def test_regions_outrank_repeated_queries_from_one_region(recommender: Recommender) -> None:
    def ask(top: str, province: str) -> None:
        recommender.catalogue.log_recommendation(
            {
                "kind": "api",
                "problem": "p",
                "filters": {},
                "no_good_match": False,
                "asker_level": "kota",
                "asker_province": province,
                "results": [{"id": top, "score": 0.5}],
                "created_at": "2025-03-05T08:00:00Z",
            }
        )

    for _ in range(5):
        ask("izin-theta", "Bali")
    ask("kdrt-eta", "Bali")
    ask("kdrt-eta", "Papua")
    ranked = analytics.innovations(recommender, MARCH)
    assert [(r["id"], r["regions"], r["queries"]) for r in ranked] == [
        ("kdrt-eta", 2, 2),
        ("izin-theta", 1, 5),
    ]


def test_the_representative_has_the_highest_award_then_adopters_then_the_earliest_year() -> None:
    from recommender.record import Innovation

    def item(key: str, awards: list[str], adopters: int, year: int | None) -> Innovation:
        return Innovation(
            key,
            key,
            "kota",
            "kesehatan",
            awards=awards,
            year=year,
            replicated_by=[f"Kota {i}" for i in range(adopters)],
        )

    plain = [item("a", [], 0, 2015), item("b", [], 2, 2019), item("c", [], 2, 2017)]
    assert analytics.representative(plain).id == "c"
    assert analytics.representative([*plain, item("d", ["Top 99 KIPP 2020"], 0, None)]).id == "d"


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (None, "9999-12-31", "to"),
        (None, "0001-01-01", "to"),
        ("1999-12-31", "2025-01-01", "from"),
        ("2001-01-01", "2025-01-01", "from"),  # longer than three years
    ],
)
def test_periods_out_of_range_are_refused_naming_the_field(start: str | None, end: str, field: str) -> None:
    with pytest.raises(InvalidRecord) as err:
        Period.parse(start, end, today=dt.date(2026, 12, 3))
    assert err.value.field == field


def test_a_period_covers_its_place_whatever_the_province_case() -> None:
    aceh = Period(MARCH.start, MARCH.end, province="Aceh", level="kabupaten")
    assert aceh.covers("kabupaten", "ACEH") and aceh.admits(
        {"asker_level": "kabupaten", "asker_province": "aceh"}
    )
    assert not aceh.covers("kota", "Aceh") and not aceh.covers("kabupaten", None)
    assert MARCH.covers(None, None) and MARCH.covers("kota", "Bali")
