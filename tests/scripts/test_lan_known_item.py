from pathlib import Path

from recommender.record import Innovation
from scripts.evaluate import known_item, known_item_report
from scripts.lan_known_item import cited_lan_ids, known_item_set


def _item(key: str, *sources: str) -> Innovation:
    return Innovation(id=key, name=key, level="kota", sector="kesehatan", sources=list(sources))


def test_cited_lan_ids_reads_one_or_several_ids() -> None:
    item = _item(
        "a", "Database Inovasi LAN (GitHub x/inovasi-lan, data/t.sql, id 51 & 81)", "https://example.org/id 7"
    )
    assert cited_lan_ids(item) == [51, 81]


def test_each_cited_record_with_drivers_is_a_query_answered_by_its_citer() -> None:
    items = [_item("a", "inovasi-lan, id 3"), _item("b", "inovasi-lan, id 4"), _item("c")]
    rows = [
        {"id": 3, "faktor_pendorong": "<ul><li>Antrean&nbsp;panjang</li></ul>"},
        {"id": 4, "faktor_pendorong": "<p>&nbsp;</p>"},  # no words: no query
        {"id": 5, "faktor_pendorong": "Tidak dikutip"},
    ]
    queries, qrels = known_item_set(rows, items)
    assert [(q.id, q.text) for q in queries] == [("lan-3", "Antrean panjang")]
    assert qrels == {"lan-3": {"a": 1}}


def test_the_table_is_skipped_cleanly_without_the_export(recommender, tmp_path: Path) -> None:
    figures = known_item(recommender, tmp_path / "absent.jsonl")
    assert figures is None
    assert "skipped" in known_item_report(figures)


def test_every_system_is_scored_on_the_known_items(tmp_path: Path, encoder) -> None:
    import json

    from recommender.workspace import open_recommender
    from tests.conftest import TINY

    rows = [json.loads(line) for line in TINY.read_text(encoding="utf-8").splitlines()]
    rows[0]["sources"] = ["Database Inovasi LAN (inovasi-lan, id 9)"]
    seed = tmp_path / "seed.jsonl"
    seed.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    lan = tmp_path / "lan.jsonl"
    lan.write_text(json.dumps({"id": 9, "faktor_pendorong": "<p>Ambulans lambat datang</p>"}))
    rec = open_recommender(tmp_path / "data", [encoder], seed=seed)
    rec.ensure_index()
    figures = known_item(rec, lan)
    assert figures is not None and figures["queries"] == 1
    assert set(figures["systems"]) == {"tfidf", "bm25", "dense", "hybrid", "full"}
    assert figures["systems"]["bm25"]["mrr@10"] > 0
    assert "| full |" in known_item_report(figures)
