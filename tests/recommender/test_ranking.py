"""Ranking's pure functions against numbers worked out by hand (no index, no encoder)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from recommender.filters import Asker, this_year
from recommender.ranking import (
    RankingConfig,
    adopter_levels,
    context_components,
    diversify,
    family,
    value_components,
    zscore,
)
from recommender.record import Innovation

CONFIG = RankingConfig()
NO_VALUE = {"award": 0.0, "evidence": 0.0, "replications": 0.0, "status": 0.0, "recency": 0.0}


def _item(id: str = "x", **fields) -> Innovation:
    fields.setdefault("level", "kabupaten")
    return Innovation(id=id, name=id, sector="kesehatan", **fields)


def _unit(*coords: float) -> list[float]:
    norm = math.sqrt(sum(c * c for c in coords))
    return [c / norm for c in coords]


# --- zscore -----------------------------------------------------------------------------------


def test_zscore_of_a_vector_with_a_round_mean_and_std() -> None:
    # mean 5; squared deviations 9,1,1,1,0,0,4,16 sum to 32; population std sqrt(32/8) = 2.
    z = zscore(np.array([2, 4, 4, 4, 5, 5, 7, 9], dtype=np.float64))
    assert z.dtype == np.float32
    np.testing.assert_allclose(z, [-1.5, -0.5, -0.5, -0.5, 0.0, 0.0, 1.0, 2.0], atol=1e-6)


def test_zscore_keeps_a_tiny_but_real_spread() -> None:
    # std 0.001 is far above the 1e-9 floor: the result is still the plain z-score.
    np.testing.assert_allclose(zscore(np.array([0.0, 0.002])), [-1.0, 1.0], atol=1e-5)


def test_zscore_of_a_constant_vector_is_zeros_not_nan() -> None:
    z = zscore(np.array([3.0, 3.0, 3.0], dtype=np.float32))
    assert z.dtype == np.float32
    assert z.tolist() == [0.0, 0.0, 0.0]


def test_zscore_of_nothing_is_an_empty_float32_array() -> None:
    z = zscore(np.array([], dtype=np.float64))
    assert z.dtype == np.float32 and z.shape == (0,)


# --- value_components -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("awards", "bonus"),
    [
        ([], 0.0),
        (["Penghargaan Gubernur 2020"], 0.02),
        (["Top 99 KIPP 2017"], 0.04),
        (["Top 99 KIPP 2017", "Top 40 KIPP 2018"], 0.06),
        (["UNPSA 2019"], 0.08),
    ],
)
def test_award_bonus_follows_the_highest_tier(awards: list[str], bonus: float) -> None:
    assert value_components(_item(awards=awards), CONFIG)["award"] == pytest.approx(bonus)


def test_a_tier_without_a_configured_bonus_adds_nothing() -> None:
    config = dataclasses.replace(CONFIG, award_bonus={"unpsa": 0.1})
    assert value_components(_item(awards=["Top 40 KIPP 2018"]), config)["award"] == 0.0
    assert value_components(_item(awards=["UNPSA 2019"]), config)["award"] == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("outcomes", "bonus"),
    [
        ("Waktu tunggu turun dari 60 menjadi 15 menit.", 0.04),
        ("Cakupan naik menjadi 98%", 0.04),
        ("Warga puas dan antrean hilang.", 0.0),
        (None, 0.0),
    ],
)
def test_evidence_needs_a_digit_in_the_outcomes(outcomes: str | None, bonus: float) -> None:
    assert value_components(_item(outcomes=outcomes), CONFIG)["evidence"] == pytest.approx(bonus)


def test_a_digit_outside_the_outcomes_is_no_evidence() -> None:
    item = _item(problem="60 menit menunggu", solution="119", outcomes="Lebih cepat.")
    assert value_components(item, CONFIG)["evidence"] == 0.0


@pytest.mark.parametrize(
    ("replicated_by", "awards", "bonus"),
    [
        ([], [], 0.0),
        (["Kota A"], [], 0.02),
        (["Kota A", "Kota B", "Kota C"], [], 0.06),
        (["Kota A", "Kota B", "Kota C", "Kota D"], [], 0.08),  # exactly at the cap
        ([f"Kota {c}" for c in "ABCDEF"], [], 0.08),  # six adopters, capped at four
        # An award for replication counts as one more adopter, whatever its case.
        (["Kota A"], ["Penghargaan REPLIKASI Inovasi 2021"], 0.04),
        ([], ["Replikasi terbaik 2020", "Top 99 KIPP 2019"], 0.02),
    ],
)
def test_replications_count_adopters_and_replication_awards_up_to_the_cap(
    replicated_by: list[str], awards: list[str], bonus: float
) -> None:
    item = _item(replicated_by=replicated_by, awards=awards)
    assert value_components(item, CONFIG)["replications"] == pytest.approx(bonus)


def test_replication_cap_and_bonus_come_from_the_config() -> None:
    config = dataclasses.replace(CONFIG, replication_cap=2, replication_bonus=0.05)
    item = _item(replicated_by=["Kota A", "Kota B", "Kota C"])
    assert value_components(item, config)["replications"] == pytest.approx(0.10)


@pytest.mark.parametrize(("status", "penalty"), [("berhenti", -0.5), ("berjalan", 0.0), (None, 0.0)])
def test_only_stopped_innovations_are_penalised(status: str | None, penalty: float) -> None:
    assert value_components(_item(status=status), CONFIG)["status"] == pytest.approx(penalty)


@pytest.mark.parametrize(("age", "bonus"), [(0, 0.02), (4, 0.02), (5, 0.02), (6, 0.0), (20, 0.0)])
def test_recency_covers_the_last_five_years_inclusive(age: int, bonus: float) -> None:
    item = _item(year=this_year() - age)
    assert value_components(item, CONFIG)["recency"] == pytest.approx(bonus)


def test_an_undated_innovation_gets_no_recency() -> None:
    assert value_components(_item(year=None), CONFIG)["recency"] == 0.0


def test_all_value_components_together() -> None:
    item = _item(
        awards=["UNPSA 2019"],
        outcomes="Kematian ibu turun 30%",
        status="berhenti",
        replicated_by=["Kota A", "Kota B"],
        year=this_year() - 1,
    )
    assert value_components(item, CONFIG) == pytest.approx(
        {"award": 0.08, "evidence": 0.04, "replications": 0.04, "status": -0.5, "recency": 0.02}
    )
    assert value_components(_item(), CONFIG) == NO_VALUE


# --- context_components -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asker", "level", "province", "expected"),
    [
        (Asker(), "kabupaten", "Jawa Timur", (0.0, 0.0)),
        (Asker(level="kabupaten"), "kabupaten", None, (0.05, 0.0)),
        (Asker(level="kota"), "kabupaten", None, (0.0, 0.0)),
        (Asker(province="Jawa Timur"), "kota", "Jawa Timur", (0.0, 0.03)),
        (Asker(province="jawa timur"), "kota", "JAWA TIMUR", (0.0, 0.03)),  # case does not matter
        (Asker(province="Jawa Tengah"), "kota", "Jawa Timur", (0.0, 0.0)),
        (Asker(province="Jawa Timur"), "kota", None, (0.0, 0.0)),
        (Asker(level="kota", province="Bali"), "kota", "bali", (0.05, 0.03)),
    ],
)
def test_context_fit_by_level_and_province(
    asker: Asker, level: str, province: str | None, expected: tuple[float, float]
) -> None:
    item = _item(level=level, province=province)
    components = context_components(item, asker, CONFIG)
    assert components == pytest.approx(
        {"same_level": expected[0], "same_province": expected[1], "adopter_level": 0.0}
    )


def test_an_item_without_a_province_never_matches_an_asker_without_one() -> None:
    # None == None must not count as "the same province".
    assert context_components(_item(province=None), Asker(level="kota"), CONFIG)["same_province"] == 0


# --- RankingConfig.without_adjustments --------------------------------------------------------


def test_without_adjustments_keeps_relevance_and_drops_everything_else() -> None:
    base = RankingConfig(bm25_weight=0.4, feedback_docs=5, near_duplicate_cosine=0.9)
    plain = base.without_adjustments()
    assert plain.award_bonus == {}
    assert (
        plain.evidence_bonus,
        plain.replication_bonus,
        plain.stopped_penalty,
        plain.recency_bonus,
        plain.context_level_bonus,
        plain.context_province_bonus,
        plain.adopter_level_bonus,
    ) == (0,) * 7
    assert plain.diversity is False
    changed = {
        "award_bonus",
        "evidence_bonus",
        "replication_bonus",
        "stopped_penalty",
        "recency_bonus",
        "context_level_bonus",
        "context_province_bonus",
        "adopter_level_bonus",
        "diversity",
    }
    for f in dataclasses.fields(RankingConfig):
        if f.name not in changed:
            assert getattr(plain, f.name) == getattr(base, f.name), f.name
    assert base.diversity is True and base.award_bonus["unpsa"] == 0.08  # the original is untouched
    item = _item(
        awards=["UNPSA 2019"],
        outcomes="naik 30%",
        status="berhenti",
        replicated_by=["Kota A"],
        year=this_year(),
        province="Bali",
    )
    assert value_components(item, plain) == NO_VALUE
    assert context_components(item, Asker(level="kabupaten", province="Bali"), plain) == {
        "same_level": 0.0,
        "same_province": 0.0,
        "adopter_level": 0.0,
    }


@pytest.mark.parametrize(
    ("replicated_by", "mask"),
    [
        ([], 0),
        (["Desa Sukamaju"], 0),  # no level guessed: no bit
        (["Kota A"], 0b1000),  # LEVELS.index("kota") == 3
        (["Kabupaten Sleman", "Kota A"], 0b1100),  # kabupaten is bit 2; both bits kept
        (["Kota A", "Kabupaten Sleman", "Provinsi Bali"], 0b1110),
    ],
)
def test_adopter_levels_sets_one_bit_per_level_of_an_active_adopter(
    replicated_by: list[str], mask: int
) -> None:
    assert adopter_levels(_item(replicated_by=replicated_by)) == mask


# --- family and diversify ---------------------------------------------------------------------


def test_family_is_the_source_of_a_replica_or_the_item_itself() -> None:
    assert family(_item("psc-beta", replication_of="psc-alpha")) == "psc-alpha"
    assert family(_item("psc-alpha")) == "psc-alpha"


def _onehots(n: int, dim: int | None = None) -> np.ndarray:
    return np.eye(n, dim or n, dtype=np.float32)


def test_diversify_defers_replicas_and_near_duplicates_from_the_top_k() -> None:
    items = [_item("a"), _item("a-rep", replication_of="a"), _item("c"), _item("d"), _item("e"), _item("f")]
    vectors = np.zeros((6, 4), dtype=np.float32)
    vectors[0] = [1, 0, 0, 0]
    vectors[1] = [0, 1, 0, 0]  # orthogonal to row 0: grouped by family alone
    vectors[2] = [0.96, math.sqrt(1 - 0.96**2), 0, 0]  # cosine 0.96 with row 0: a near duplicate
    vectors[3] = [0, 0, 1, 0]
    vectors[4] = [0.94, 0, 0, math.sqrt(1 - 0.94**2)]  # cosine 0.94 with row 0: distinct enough
    vectors[5] = [0, 0, 0, 1]
    order, grouped = diversify([0, 1, 2, 3, 4, 5], items, vectors, k=3, threshold=0.95)
    # Rows 1 and 2 wait; 0, 3, 4 fill the top three, 5 follows in order, then the deferred.
    assert order == [0, 3, 4, 5, 1, 2]
    assert grouped == {1: 0, 2: 0}


def test_diversify_groups_a_source_behind_its_replica_when_the_replica_ranks_first() -> None:
    items = [_item("a"), _item("a-rep", replication_of="a"), _item("b")]
    order, grouped = diversify([1, 0, 2], items, _onehots(3), k=2, threshold=0.95)
    assert order == [1, 2, 0]
    assert grouped == {0: 1}


def test_diversify_threshold_is_inclusive() -> None:
    items = [_item("a"), _item("b"), _item("c")]
    vectors = np.array([[1, 0, 0], [0.5, math.sqrt(0.75), 0], [0, 0, 1]], dtype=np.float32)
    order, grouped = diversify([0, 1, 2], items, vectors, k=2, threshold=0.5)  # cosine exactly 0.5
    assert order == [0, 2, 1] and grouped == {1: 0}
    order, grouped = diversify([0, 1, 2], items, vectors, k=2, threshold=0.51)
    assert order == [0, 1, 2] and grouped == {}


def test_diversify_compares_with_the_most_similar_kept_row() -> None:
    items = [_item("a"), _item("b"), _item("c"), _item("d")]
    vectors = np.array([[1, 0, 0], [0, 1, 0], _unit(0.1, 1, 0), [0, 0, 1]], dtype=np.float32)
    # Row 2 is far from row 0 but within 0.95 of row 1, the second kept row.
    order, grouped = diversify([0, 1, 2, 3], items, vectors, k=3, threshold=0.95)
    assert order == [0, 1, 3, 2] and grouped == {2: 1}


def test_diversify_with_the_top_k_full_keeps_the_rest_in_order() -> None:
    items = [_item("a"), _item("b"), _item("a-rep", replication_of="a"), _item("c")]
    order, grouped = diversify([0, 1, 2, 3], items, _onehots(4), k=2, threshold=0.95)
    assert order == [0, 1, 2, 3] and grouped == {}


def test_diversify_drops_nothing_and_scans_a_horizon_of_max_3k_and_k_plus_20() -> None:
    # k=2: the horizon is max(6, 22) = 22 rows. Rows 1..20 are replicas of row 0, row 21 is new.
    items = [_item("a")] + [_item(f"a{i}", replication_of="a") for i in range(1, 21)]
    items += [_item("b"), _item("c"), _item("d")]
    order, grouped = diversify(list(range(24)), items, _onehots(24), k=2, threshold=0.95)
    assert order == [0, 21, *range(1, 21), 22, 23]
    assert grouped == {row: 0 for row in range(1, 21)}
    assert sorted(order) == list(range(24))


def test_diversify_horizon_grows_as_three_k_for_large_k() -> None:
    # k=11: the horizon is max(33, 31) = 33. Row 0 has 30 replicas (rows 1..30); rows 31..40 are
    # distinct. Rows 31 and 32 are inside the horizon and join the top; rows 33.. come after.
    items = [_item("a")] + [_item(f"a{i}", replication_of="a") for i in range(1, 31)]
    items += [_item(f"other-{i}") for i in range(31, 41)]
    order, grouped = diversify(list(range(41)), items, _onehots(41), k=11, threshold=0.95)
    assert order == [0, 31, 32, *range(1, 31), *range(33, 41)]
    assert set(grouped) == set(range(1, 31))


def test_diversify_of_an_empty_order() -> None:
    assert diversify([], [], np.zeros((0, 3), dtype=np.float32), k=5, threshold=0.95) == ([], {})
