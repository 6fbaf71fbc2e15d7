"""Imports through adapters: duplicates of stored innovations found, reported, merged on request."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from recommender.catalogue import Catalogue
from recommender.errors import InvalidRecord
from recommender.importing import ImportOptions, import_rows, validate_rows
from recommender.merging import merge_into
from recommender.record import MAX_LIST, validate_record
from recommender.workspace import BUNDLED_CATALOGUE
from tests.recommender.adapters.conftest import LAN_EXPORT

pytestmark = pytest.mark.heavy  # the bundled catalogue, most tests the LAN export too

KIT = ("prerequisites", "steps", "obstacles", "contact")


@pytest.fixture(scope="module")
def lan_bytes() -> bytes:
    if not LAN_EXPORT.is_file():
        pytest.skip("../shared/data/lan/inovasi_lan.jsonl is not here")
    return LAN_EXPORT.read_bytes()


@pytest.fixture
def kitless(tmp_path: Path) -> Catalogue:
    """The bundled catalogue with every replication kit removed, as before the kits came."""
    store = Catalogue(tmp_path / "c.sqlite3")
    rows = [json.loads(line) for line in BUNDLED_CATALOGUE.read_text().splitlines() if line]
    data = "".join(json.dumps({k: v for k, v in r.items() if k not in KIT}) + "\n" for r in rows)
    assert import_rows(store, data.encode(), "jsonl").rejected == []
    return store


def lan(merge: bool = False, keep: bool = False) -> ImportOptions:
    return ImportOptions.named("lan", merge=merge, keep_duplicates=keep)


def test_a_dry_run_reports_new_duplicates_and_rejections_and_changes_nothing(
    kitless: Catalogue, lan_bytes: bytes
) -> None:
    before = kitless.content_hashes()
    report, _ = validate_rows(kitless, lan_bytes, "lan", lan())
    assert kitless.content_hashes() == before
    assert len(report.rejected) == 1 and report.rejected[0].field == "level"
    assert report.rejected[0].line == report.rejected[0].row  # JSONL: the line is the row
    stored = set(before)
    assert len(report.duplicates) >= 100 and {d.of for d in report.duplicates} <= stored
    assert "ktp-1-jam-surakarta" in {d.of for d in report.duplicates}
    # Left out by default: no duplicate is stored, every other good row is new.
    assert set(report.accepted) == set(report.new)
    assert not {d.id for d in report.duplicates} & set(report.accepted)
    assert len(report.new) + len(report.duplicates) + len(report.rejected) == 200
    assert report.review and all(r["reasons"] for r in report.review)


def test_merge_fills_kits_and_sources_and_keeps_the_stored_text(kitless: Catalogue, lan_bytes: bytes) -> None:
    before = {i.id: i for i in kitless.all()}
    report = import_rows(kitless, lan_bytes, "lan", lan(merge=True))
    assert "ktp-1-jam-surakarta" in report.merged
    after = kitless.get("ktp-1-jam-surakarta")
    old = before["ktp-1-jam-surakarta"]
    assert after.prerequisites and after.steps and not old.prerequisites
    assert (after.name, after.problem, after.solution) == (old.name, old.problem, old.solution)
    assert after.sources[: len(old.sources)] == old.sources
    assert any("Database Inovasi LAN" in s for s in after.sources[len(old.sources) :])
    assert kitless.count() == len(before) + len(report.new)
    for merged_id in report.merged:  # nothing a stored record held was overwritten
        stored, now = before[merged_id].to_dict(), kitless.get(merged_id).to_dict()
        assert all(
            now[k] == v for k, v in stored.items() if v not in (None, "", []) and not isinstance(v, list)
        )


def test_keep_duplicates_stores_them_as_innovations_of_their_own(
    kitless: Catalogue, lan_bytes: bytes
) -> None:
    count = kitless.count()
    report = import_rows(kitless, lan_bytes, "lan", lan(keep=True))
    kept = {d.id for d in report.duplicates if d.id != d.of}
    assert kept and kept <= set(report.accepted)
    assert kitless.count() == count + len(report.new) + len(kept)
    with pytest.raises(InvalidRecord) as err:
        ImportOptions.named("lan", merge=True, keep_duplicates=True)
    assert err.value.field == "merge"


def test_an_adapter_row_whose_id_is_stored_never_replaces_that_record(
    kitless: Catalogue, lan_bytes: bytes
) -> None:
    first = json.loads(lan_bytes.splitlines()[2])  # the LAN row our ktp-1-jam-surakarta cites
    rows = list(ImportOptions.named("lan").adapter.rows(json.dumps(first).encode()))  # type: ignore[union-attr]
    given = rows[0][1]["id"]
    stored = validate_record({**kitless.get("ktp-1-jam-surakarta").to_dict(), "id": given})
    kitless.create(replace(stored, problem="Teks kami sendiri tentang antrean KTP."))
    before = kitless.get(given)
    report = import_rows(kitless, json.dumps(first).encode(), "lan", lan())
    assert report.accepted == [] and [(d.id, d.of) for d in report.duplicates] == [(given, given)]
    assert kitless.get(given) == before


def test_our_own_format_compares_with_the_catalogue_only_when_merging(kitless: Catalogue) -> None:
    twin = {
        **kitless.get("ktp-1-jam-surakarta").to_dict(),
        "id": "ktp-kilat-lain",
        "problem": "Antrean panjang pembuatan KTP di kota membuat warga menunggu berhari-hari.",
        "contact": "Dinas Dukcapil, telepon 0271-000",
    }
    data = (json.dumps(twin) + "\n").encode()
    plain, _ = validate_rows(kitless, data, "jsonl")
    assert plain.duplicates == [] and plain.new == ["ktp-kilat-lain"]
    merged, records = validate_rows(kitless, data, "jsonl", ImportOptions(merge=True))
    assert [d.of for d in merged.duplicates] == ["ktp-1-jam-surakarta"]
    assert [r.id for r in records] == ["ktp-1-jam-surakarta"] and records[0].contact


def test_merge_into_fills_only_what_is_empty_and_caps_lists() -> None:
    base = validate_record(
        {
            "id": "a",
            "name": "A",
            "level": "kota",
            "sector": "lainnya",
            "problem": "ours",
            "sources": [f"s{i}" for i in range(MAX_LIST)],
        }
    )
    other = validate_record(
        {
            "id": "b",
            "name": "B",
            "level": "provinsi",
            "sector": "kesehatan",
            "problem": "theirs",
            "solution": "their way",
            "year": 2019,
            "sources": ["new source"],
            "replication_of": "a",
        }
    )
    merged = merge_into(base, other)
    assert (merged.id, merged.name, merged.level, merged.problem) == ("a", "A", "kota", "ours")
    assert (merged.solution, merged.year) == ("their way", 2019)
    assert len(merged.sources) == MAX_LIST and merged.replication_of is None


def test_an_adapter_row_with_a_lone_surrogate_is_rejected_alone(kitless: Catalogue, lan_bytes: bytes) -> None:
    first, second = (json.loads(line) for line in lan_bytes.splitlines()[5:7])
    data = (
        json.dumps({**first, "nama_inovasi": "Inovasi \ud800 X"}) + "\n" + json.dumps(second) + "\n"
    ).encode()
    report = import_rows(kitless, data, "lan", lan(keep=True))
    assert [(r.row, r.field) for r in report.rejected] == [(1, "record")]
    assert "surrogate" in report.rejected[0].reason
    assert len(report.accepted) + len(report.duplicates) >= 1


def test_the_same_text_under_a_new_id_is_a_duplicate_and_never_stored_twice(tmp_path: Path) -> None:
    store = Catalogue(tmp_path / "one.sqlite3")
    original = validate_record(
        {
            "id": "asli",
            "name": "Asli",
            "level": "kota",
            "sector": "lainnya",
            "problem": "Antrean panjang di kantor layanan kota setiap hari.",
            "solution": "Antrean daring dengan nomor urut lewat ponsel.",
        }
    )
    store.create(original)
    copy = {**original.to_dict(), "id": "salinan", "name": "Salinan", "contact": "Kantor, 0271"}
    data = (json.dumps(copy) + "\n").encode()
    for options in (ImportOptions(merge=True), ImportOptions(merge=False)):
        report, _ = validate_rows(store, data, "jsonl", options)
        if options.merge:  # compared: reported as the duplicate it is, and merged
            assert [(d.id, d.of) for d in report.duplicates] == [("salinan", "asli")]
            assert report.merged == ["asli"] and report.rejected == []
        else:  # our own format, not compared: the near-duplicate text rule refuses it
            assert [r.field for r in report.rejected] == ["problem"]
    merged = import_rows(store, data, "jsonl", ImportOptions(merge=True))
    assert store.count() == 1 and store.get("asli").contact == "Kantor, 0271"
    assert merged.duplicates[0].similarity == 1.0


def test_a_write_another_process_makes_during_an_import_is_never_overwritten(
    kitless: Catalogue, lan_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.snapshot import SnapshotStore
    from recommender import writer as writer_module
    from recommender.engine import Recommender
    from recommender.writer import CatalogueWriter

    other = Catalogue(kitless.path)  # its own connection, as another process has
    validate = writer_module.validate_rows

    def validate_then_someone_edits(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        result = validate(*args, **kwargs)
        edited = other.get("ktp-1-jam-surakarta")
        other.replace(replace(edited, contact="Loket Dukcapil, telepon 0271-111"))
        return result

    monkeypatch.setattr(writer_module, "validate_rows", validate_then_someone_edits)
    writer = CatalogueWriter(Recommender(kitless, [], SnapshotStore(tmp_path / "snapshots")))
    report = writer.import_rows(lan_bytes, "lan", options=lan(merge=True))
    assert kitless.get("ktp-1-jam-surakarta").contact == "Loket Dukcapil, telepon 0271-111"
    assert not kitless.get("ktp-1-jam-surakarta").prerequisites  # the merge did not land
    [conflict] = [r for r in report.rejected if r.id == "ktp-1-jam-surakarta"]
    assert "another writer" in conflict.reason and conflict.row > 0
    assert "ktp-1-jam-surakarta" not in report.merged + report.accepted
    assert report.merged  # the other merges went in
