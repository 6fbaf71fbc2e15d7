"""The synthetic benchmark catalogue: deterministic, valid, distinct, and importable."""

from __future__ import annotations

import json
from pathlib import Path

from recommender.catalogue import Catalogue
from recommender.importing import validate_rows
from recommender.record import FIELDS, ID_PATTERN, SECTORS, validate_record
from scripts.make_catalogue import main, make_catalogue, split_sentences


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("a.jsonl", "b.jsonl", "c.jsonl")]
    for path, seed in zip(paths, ("7", "7", "8"), strict=True):
        assert main(["--size", "120", "--out", str(path), "--seed", seed]) == 0
    first, again, other = (p.read_bytes() for p in paths)
    assert first == again
    assert first != other
    assert len(first.splitlines()) == 120


def test_every_record_is_valid_with_a_fresh_slug_id() -> None:
    rows = make_catalogue(400, seed=1)
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)
    for row in rows:
        assert list(row) == list(FIELDS)
        assert ID_PATTERN.fullmatch(row["id"]) and row["id"].startswith(f"syn-{row['sector']}-")
        item = validate_record(row)
        assert item.sector in SECTORS and item.problem and item.solution


def test_links_and_kits_appear_and_point_inside_the_catalogue() -> None:
    rows = make_catalogue(400, seed=2)
    ids = {row["id"] for row in rows}
    replicas = [row for row in rows if row["replication_of"]]
    assert replicas and all(row["replication_of"] in ids for row in replicas)
    assert any(row["replicated_by"] for row in rows)
    assert any(row["steps"] and row["prerequisites"] for row in rows)


def test_texts_are_recombined_not_copied() -> None:
    source = Path(__file__).resolve().parents[2] / "data" / "innovations.jsonl"
    real = {json.loads(line)["problem"] for line in source.read_text().splitlines() if line}
    rows = make_catalogue(200, seed=3)
    assert not real & {row["problem"] for row in rows}
    assert len({row["problem"] for row in rows}) == len(rows)


def test_an_import_rejects_under_one_percent_as_near_duplicates(tmp_path: Path) -> None:
    rows = make_catalogue(300, seed=0)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    report, good = validate_rows(Catalogue(tmp_path / "c.sqlite3"), data, "jsonl")
    assert len(report.rejected) < 3, report.rejected[:3]
    assert len(good) == len(rows) - len(report.rejected)


def test_sentences_split_on_stops_and_semicolons_but_not_abbreviations() -> None:
    text = "Antrean di RSUD dr. Soetomo panjang; warga menunggu lama. Data 1.000 pasien hilang."
    assert split_sentences(text) == [
        "Antrean di RSUD dr. Soetomo panjang.",
        "Warga menunggu lama.",
        "Data 1.000 pasien hilang.",
    ]
