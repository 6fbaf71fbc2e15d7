from recommender.ranking import replication_count as ranked_count
from recommender.record import Innovation
from recommender.results import Match
from service.formatting import replication_count, score_rows


def test_the_page_counts_replications_as_the_ranking_does() -> None:
    item = Innovation(
        id="x",
        name="x",
        level="kabupaten",
        sector="kesehatan",
        replicated_by=["Kota A", "kota a", "Kabupaten B"],
        awards=["Penghargaan Replikasi Terbaik", "Top 99"],
    )
    match = Match(item, 1, 1.0, {"relevance": 1.0, "replications": 0.03}, [], None)
    assert replication_count(match) == ranked_count(item) == 3  # two governments, one award
    assert any("3 daerah" in str(row) for row in score_rows(match))
