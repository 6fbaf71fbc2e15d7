"""Demand analytics with the real encoder: themes of the constructed log, PSC 119 duplicates."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from index.encoders import load_encoders
from recommender import analytics
from recommender.analytics import Period
from recommender.engine import Recommender
from recommender.grouping import cluster_vectors, coherence, theme_distance
from recommender.workspace import open_recommender
from tests.recommender.demand import FLOOD, GAP, KTP, STUNTING, build_log

PSC_119 = {
    "des-psc-119-demak",
    "si-slamet-psc-119-batang",
    "psc-119-kabupaten-malang",
    "119-kolaborasi-nasional-emergensi-medik",
}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    data: Path = tmp_path_factory.mktemp("analytics-real")
    recommender = open_recommender(data, load_encoders("use3"))  # the bundled catalogue
    recommender.ensure_index()
    return recommender


def test_the_real_model_recovers_the_known_themes(real: Recommender) -> None:
    plan = build_log(real.catalogue)
    truth = {i.request_id: i.theme for i in plan}
    found = analytics.themes(real, Period.parse("2025-03-01", "2025-03-31"))
    majority = [Counter(truth[r] for r in t["request_ids"]).most_common(1)[0] for t in found]
    assert sorted(n for _, n in majority) == sorted([len(STUNTING), len(KTP), len(GAP), len(FLOOD)])
    assert all(t["queries"] == n for t, (_, n) in zip(found, majority, strict=True))


def test_real_themes_are_coherent(real: Recommender) -> None:
    vectors = real.encoders[0].encode_queries(STUNTING + KTP + GAP + FLOOD)
    inside, across = coherence(vectors, cluster_vectors(vectors, theme_distance("use3")))
    assert inside > 0.5 and across < 0.2


def test_the_psc_119_services_form_one_duplicate_cluster(real: Recommender) -> None:
    clusters = analytics.duplicates(real)
    best = max(clusters, key=lambda c: len(PSC_119 & set(c["members"])))
    assert len(PSC_119 & set(best["members"])) >= 2, clusters
    assert max(len(c["members"]) for c in clusters) <= 5  # no chaining into one big blob
