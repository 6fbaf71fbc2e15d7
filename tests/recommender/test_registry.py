"""The replication registry: validation, CRUD with history, filters, pages, bulk files, upgrade."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from index.encoders import HashingEncoder
from recommender.catalogue import Catalogue
from recommender.engine import Recommender
from recommender.errors import DuplicateReplication, InvalidRecord, UnknownReplication
from recommender.filters import Asker
from recommender.importing import export_jsonl, import_rows
from recommender.ranking import RankingConfig, context_components, replication_count, value_components
from recommender.record import Innovation
from recommender.registry import LEGACY_IMPORTED, Registry, RegistryFilters, export_csv
from recommender.replication import (
    Ledger,
    Replication,
    active_governments,
    adopters_of,
    guess_level,
    proposed_id,
    validate_replication,
)
from recommender.results import Match
from recommender.workspace import DATABASE, open_catalogue, open_recommender
from recommender.writer import CatalogueWriter, IndexUpdater
from tests.conftest import TINY


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    store = Catalogue(tmp_path / "catalogue.sqlite3")
    import_rows(store, TINY.read_bytes(), "jsonl")
    return store


@pytest.fixture
def registry(catalogue: Catalogue) -> Registry:
    return Registry(catalogue)


def rep(id: str = "r1", innovation_id: str = "psc-119-alpha", **fields: object) -> Replication:
    raw = {
        "id": id,
        "innovation_id": innovation_id,
        "government": "Kota Sigma",
        "status": "berjalan",
        **fields,
    }
    return validate_replication(raw)


# --- the record ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"status": "selesai"}, "status"),
        ({"status": None}, "status"),
        ({"level": "desa"}, "level"),
        ({"government": "  "}, "government"),
        ({"id": "Bukan Slug"}, "id"),
        ({"innovation_id": "x" * 130}, "innovation_id"),
        ({"year": 1900}, "year"),
        ({"year": "2020"}, "year"),
        ({"province": "x" * 101}, "province"),
        ({"evidence": "bukti\x00"}, "evidence"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_records_name_the_field(change: dict[str, object], field: str) -> None:
    raw = {
        "id": "r1",
        "innovation_id": "psc-119-alpha",
        "government": "Kota Sigma",
        "status": "berjalan",
        **change,
    }
    with pytest.raises(InvalidRecord) as caught:
        validate_replication(raw)
    assert caught.value.field == field


def test_a_valid_record_is_stripped_and_kept() -> None:
    item = validate_replication(
        {
            "id": "r1",
            "innovation_id": "psc-119-alpha",
            "government": " Kabupaten Tau ",
            "level": "kabupaten",
            "province": "Bali",
            "year": 2022,
            "status": "direncanakan",
            "evidence": "https://contoh.go.id/perbup",
            "note": "",
        }
    )
    assert item.government == "Kabupaten Tau" and item.note is None and item.year == 2022


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("Kabupaten Sleman", "kabupaten"),
        ("Kota Delta", "kota"),
        ("Pemerintah Provinsi Bali", "provinsi"),
        ("Kab. Bima", "kabupaten"),
        ("Dinas Kesehatan", None),
        ("", None),
    ],
)
def test_the_level_is_read_from_a_government_name(name: str, level: str | None) -> None:
    assert guess_level(name) == level


def test_proposed_ids_are_slugs() -> None:
    assert proposed_id("psc-119-alpha", "Kota Delta (Jatim)") == "psc-119-alpha--kota-delta-jatim"
    assert proposed_id("a" * 120, "Kota B").startswith("a" * 110)
    validate_replication(
        {
            "id": proposed_id("a" * 120, "Kota B"),
            "innovation_id": "a",
            "government": "Kota B",
            "status": "berjalan",
        }
    )


# --- CRUD and history ---------------------------------------------------------------------------


def test_create_get_replace_delete_keeps_every_version(registry: Registry) -> None:
    first = registry.create(rep())
    assert registry.get("r1") == first
    second = replace(first, status="berhenti", note="anggaran dihentikan")
    registry.replace(second)
    registry.replace(second)  # identical: no new version
    assert registry.get("r1") == second
    registry.delete("r1")
    with pytest.raises(UnknownReplication):
        registry.get("r1")
    versions = registry.history("r1")
    assert [v["op"] for v in versions] == ["create", "update", "delete"]
    assert versions[0]["record"]["status"] == "berjalan"
    assert versions[1]["record"]["note"] == "anggaran dihentikan"


def test_unknown_ids_and_duplicates_are_refused(registry: Registry) -> None:
    registry.create(rep())
    with pytest.raises(DuplicateReplication):
        registry.create(rep())
    with pytest.raises(UnknownReplication):
        registry.replace(rep("r9"))
    with pytest.raises(UnknownReplication):
        registry.delete("r9")
    with pytest.raises(UnknownReplication):
        registry.history("r9")
    with pytest.raises(InvalidRecord) as caught:
        registry.create(rep("r2", innovation_id="tidak-ada"))
    assert caught.value.field == "innovation_id"
    with pytest.raises(InvalidRecord):
        registry.replace(rep("r1", innovation_id="tidak-ada"))


def test_new_ids_are_numbered_when_an_adopter_repeats(registry: Registry) -> None:
    base = registry.new_id("psc-119-alpha", "Kota Sigma")
    registry.create(rep(base))
    second = registry.new_id("psc-119-alpha", "Kota Sigma")
    assert second == base + "-2"
    registry.create(rep(second))
    assert registry.new_id("psc-119-alpha", "Kota Sigma") == base + "-3"


# --- filters and pages --------------------------------------------------------------------------


@pytest.fixture
def filled(registry: Registry) -> Registry:
    rows = [
        ("a1", "psc-119-alpha", "kota", "Bali", 2020, "berjalan"),
        ("a2", "psc-119-alpha", "kabupaten", "Aceh", 2021, "berhenti"),
        ("b1", "psc-119-beta", "kota", "bali", 2021, "direncanakan"),
        ("b2", "psc-119-beta", None, None, None, "berjalan"),
    ]
    for key, innovation, level, province, year, status in rows:
        registry.create(
            rep(
                key,
                innovation,
                level=level,
                province=province,
                year=year,
                status=status,
                government=f"Pemerintah {key}",
            )
        )
    return registry


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        (RegistryFilters(), ["a1", "a2", "b1", "b2"]),
        (RegistryFilters(innovation_id="psc-119-beta"), ["b1", "b2"]),
        (RegistryFilters(province="BALI"), ["a1", "b1"]),
        (RegistryFilters(level="kota"), ["a1", "b1"]),
        (RegistryFilters(status="berjalan"), ["a1", "b2"]),
        (RegistryFilters(year=2021), ["a2", "b1"]),
        (RegistryFilters(year=2021, level="kota", province="Bali"), ["b1"]),
        (RegistryFilters(innovation_id="tidak-ada"), []),
    ],
)
def test_filters_select_records(filled: Registry, filters: RegistryFilters, ids: list[str]) -> None:
    items, total = filled.list(filters, limit=100)
    assert [i.id for i in items] == ids and total == len(ids)
    assert [i.id for i in filled.select(filters)] == ids


def test_pages_cover_every_record_once(filled: Registry) -> None:
    pages = [filled.list(RegistryFilters(), limit=3, offset=o) for o in (0, 3, 6)]
    assert [[i.id for i in items] for items, _ in pages] == [["a1", "a2", "b1"], ["b2"], []]
    assert {total for _, total in pages} == {4}


# --- bulk files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_imports_back_unchanged(filled: Registry, tmp_path: Path, fmt: str) -> None:
    filled.replace(replace(filled.get("a1"), note='=SUM(A1) kutip "ya", koma\nbaris'))
    items = filled.select(RegistryFilters())
    data = "".join(export_csv(items) if fmt == "csv" else export_jsonl(items)).encode()
    other = Catalogue(tmp_path / "other.sqlite3")
    import_rows(other, TINY.read_bytes(), "jsonl")
    report = Registry(other).import_rows(data, fmt)
    assert report.accepted == ["a1", "a2", "b1", "b2"] and not report.rejected
    assert Registry(other).select(RegistryFilters()) == items
    seq = Registry(other).seq()
    Registry(other).import_rows(data, fmt)
    assert Registry(other).seq() == seq  # a repeated import writes nothing


def test_an_empty_csv_export_is_its_header() -> None:
    assert "".join(export_csv([])).startswith("id,innovation_id,government")


def test_bad_rows_are_rejected_with_their_field(registry: Registry) -> None:
    data = (
        b"innovation_id,government,status,year\n"
        b"psc-119-alpha,Kota Rho,berjalan,2021\n"
        b"tidak-ada,Kota Rho,berjalan,2021\n"
        b"psc-119-alpha,Kota Pi,selesai,\n"
        b"psc-119-alpha,Kota Rho,berhenti,2023\n"
        b"psc-119-alpha,Kota Phi,berjalan,dua\n"
    )
    report = registry.import_rows(data, "csv")
    assert report.accepted == ["psc-119-alpha--kota-rho"]
    assert [(r.row, r.field) for r in report.rejected] == [
        (2, "innovation_id"),
        (3, "status"),
        (4, "id"),
        (5, "year"),
    ]
    unknown = registry.import_rows(b"id,warna\nx,merah\n", "csv")
    assert unknown.rejected[0].field == "warna" and "replication" in unknown.rejected[0].reason
    # A rejected row names its id as an innovation import does: trimmed, as it would be stored.
    padded = registry.import_rows(
        b'{"id": " ganda ", "innovation_id": "tidak-ada", "government": "Kota Rho"}\n', "jsonl"
    )
    assert [(r.id, r.field) for r in padded.rejected] == [("ganda", "id")]


def test_a_rejected_row_names_the_line_a_person_finds_it_on(registry: Registry) -> None:
    """As the innovation import does: the spreadsheet row (the header is row 1), the JSONL line."""
    csv_rows = (
        b"innovation_id,government,status\npsc-119-alpha,Kota Rho,berjalan\ntidak-ada,Kota Rho,berjalan\n"
    )
    [bad] = registry.import_rows(csv_rows, "csv").rejected
    assert (bad.row, bad.line, bad.to_dict()["line"]) == (2, 3, 3)
    jsonl = b'{"innovation_id": "psc-119-alpha", "government": "Kota Pi", "status": "berjalan"}\n[1]\n'
    [bad] = registry.import_rows(jsonl, "jsonl").rejected
    assert (bad.row, bad.to_dict()["line"]) == (2, 2)


# --- adopters -----------------------------------------------------------------------------------


def test_the_registry_decides_for_every_government_it_ever_recorded() -> None:
    item = Innovation(
        id="x",
        name="x",
        level="kota",
        sector="kesehatan",
        replicated_by=["Kota A", "kota a", "Kota B", "Kota C"],
    )
    legacy = adopters_of(item, None)
    assert active_governments(legacy) == ["Kota A", "Kota B", "Kota C"]
    stopped = Replication("r1", "x", "Kota B", "berhenti", year=2020)
    new = Replication("r2", "x", "Kabupaten D", "direncanakan", level="kabupaten", year=2023)
    ledger = Ledger((new, stopped), frozenset({"kota b", "kabupaten d", "kota c"}))
    adopters = adopters_of(item, ledger)  # Kota C: deleted from the registry, so not counted
    assert [(a.government, a.status) for a in adopters] == [
        ("Kota B", "berhenti"),
        ("Kabupaten D", "direncanakan"),
        ("Kota A", None),
    ]
    assert active_governments(adopters) == ["Kabupaten D", "Kota A"]


# --- upgrade ------------------------------------------------------------------------------------


def test_replicated_by_is_imported_once_on_upgrade(tmp_path: Path) -> None:
    data = tmp_path / "data"
    catalogue = open_catalogue(data, seed=TINY)
    registry = Registry(catalogue)
    imported = registry.select(RegistryFilters(innovation_id="akta-lahir-gamma"))
    assert [(r.government, r.level, r.status) for r in imported] == [
        ("Kabupaten Epsilon", "kabupaten", "berjalan"),
        ("Kota Delta", "kota", "berjalan"),
    ]
    catalogue.close()
    # A database from before the registry: its tables and the meta key are missing.
    with sqlite3.connect(data / DATABASE) as db:
        db.executescript("DROP TABLE replications; DROP TABLE replication_history;")
        db.execute("DELETE FROM meta WHERE key = ?", (LEGACY_IMPORTED,))
    reopened = open_catalogue(data, seed=TINY)
    assert not reopened.missing_tables and not reopened.warnings
    registry = Registry(reopened)
    assert registry.select(RegistryFilters()) == imported
    registry.delete(imported[0].id)  # a curator's delete is not undone by the next start
    reopened.close()
    again = Registry(open_catalogue(data, seed=TINY))
    assert [r.id for r in again.select(RegistryFilters())] == [imported[1].id]


# --- ranking ------------------------------------------------------------------------------------


def test_registry_adopters_count_with_replicated_by_and_stopped_ones_do_not() -> None:
    item = Innovation(id="x", name="x", level="kota", sector="kesehatan", replicated_by=["Kota A", "Kota B"])
    config = RankingConfig()
    assert value_components(item, config)["replications"] == pytest.approx(0.04)
    ledger = Ledger(
        (
            Replication("r1", "x", "Kota A", "berhenti", level="kota"),
            Replication("r2", "x", "Kabupaten C", "berjalan", level="kabupaten"),
            Replication("r3", "x", "Kabupaten D", "direncanakan", level="kabupaten"),
        ),
        frozenset({"kota a", "kabupaten c", "kabupaten d"}),
    )
    assert value_components(item, config, ledger)["replications"] == pytest.approx(0.06)
    assert replication_count(item, ledger) == 3


@pytest.mark.parametrize(
    ("asker", "status", "bonus"),
    [
        (Asker(level="kabupaten"), "berjalan", 0.02),
        (Asker(level="kabupaten"), "berhenti", 0.0),
        (Asker(level="kota"), "berjalan", 0.0),
        (Asker(), "berjalan", 0.0),
    ],
)
def test_an_adopter_of_the_askers_level_is_a_small_boost(asker: Asker, status: str, bonus: float) -> None:
    item = Innovation(id="x", name="x", level="kota", sector="kesehatan")
    ledger = Ledger(
        (Replication("r1", "x", "Kabupaten C", status, level="kabupaten"),), frozenset({"kabupaten c"})
    )
    found = context_components(item, asker, RankingConfig(), ledger)["adopter_level"]
    assert found == pytest.approx(bonus)


AMBULANCE = "ambulans lambat datang darurat"


def _match(rec: Recommender, innovation_id: str, asker: Asker | None = None) -> Match:
    return next(
        m for m in rec.recommend(AMBULANCE, asker=asker, limit=10).matches if m.innovation.id == innovation_id
    )


def test_a_registry_write_reaches_the_ranking_without_a_build(recommender: Recommender) -> None:
    before = _match(recommender, "psc-119-beta", Asker(level="kabupaten"))
    version = recommender.index_version
    recommender.registry.create(
        rep("r1", "psc-119-beta", government="Kabupaten Omega", level="kabupaten", year=2023)
    )
    assert recommender.sync_registry() and not recommender.sync_registry()
    after = _match(recommender, "psc-119-beta", Asker(level="kabupaten"))
    assert recommender.index_version == version
    assert after.components["replications"] == pytest.approx(before.components["replications"] + 0.02)
    assert after.components["adopter_level"] == pytest.approx(0.02)
    assert after.score == pytest.approx(before.score + 0.04, abs=1e-5)
    assert [(a.government, a.year, a.status) for a in after.adopter_list()] == [
        ("Kabupaten Omega", 2023, "berjalan")
    ]
    assert after.to_dict()["innovation"]["replicated_by"] == ["Kabupaten Omega"]
    # Stopping it takes both away again.
    recommender.registry.replace(replace(recommender.registry.get("r1"), status="berhenti"))
    recommender.sync_registry()
    stopped = _match(recommender, "psc-119-beta", Asker(level="kabupaten"))
    assert stopped.components["replications"] == pytest.approx(before.components["replications"])
    assert stopped.components["adopter_level"] == 0.0


def test_a_build_after_a_registry_write_rescores_the_unchanged_record(recommender: Recommender) -> None:
    recommender.registry.create(rep("r1", "psc-119-beta", government="Kota Omega"))
    item = recommender.catalogue.get("izin-theta")
    CatalogueWriter(recommender).replace(replace(item, awards=[]))
    recommender.rebuild()  # the beta record object is reused; its registry entries changed
    state = recommender._state
    assert state is not None
    expected = [
        sum(value_components(i, state.config, state.ledgers.get(i.id)).values()) if i else 0.0
        for i in state.items
    ]
    np.testing.assert_allclose(state.value, expected, rtol=1e-6)
    assert _match(recommender, "psc-119-beta").components["replications"] == pytest.approx(0.02)


def test_another_process_sees_a_registry_write_at_its_next_update_step(
    tmp_path: Path, recommender: Recommender, encoder: HashingEncoder
) -> None:
    other = open_recommender(tmp_path / "data", [encoder], seed=TINY)
    other.ensure_index()
    recommender.registry.create(rep("r1", "psc-119-beta", government="Kota Omega"))
    assert _match(other, "psc-119-beta").components["replications"] == 0.0
    IndexUpdater(other).step()
    assert _match(other, "psc-119-beta").components["replications"] == pytest.approx(0.02)
