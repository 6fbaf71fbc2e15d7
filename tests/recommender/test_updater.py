"""The index updater when several processes share one data directory (workers, the CLI)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from index.encoders import HashingEncoder
from recommender.engine import Recommender
from recommender.workspace import open_recommender
from recommender.writer import CatalogueWriter, IndexUpdater

PROBLEM = "ambulans lama datang saat warga gawat darurat"


def _second_process(tmp_path: Path, encoder: HashingEncoder) -> Recommender:
    """Another process on the same data directory: its own catalogue connection and store."""
    other = open_recommender(tmp_path / "data", [encoder], seed=None)
    other.ensure_index()
    return other


def test_a_delete_through_another_process_leaves_results_before_any_build(
    tmp_path: Path, encoder: HashingEncoder, recommender: Recommender
) -> None:
    other = _second_process(tmp_path, encoder)
    assert "psc-119-alpha" in [m.innovation.id for m in other.recommend(PROBLEM).matches]
    CatalogueWriter(recommender).delete("psc-119-alpha")
    updater = IndexUpdater(other, debounce=60, max_delay=60)
    assert updater.step() is False  # no build yet: the quiet time has not passed
    assert updater.builds == 0
    assert "psc-119-alpha" not in [m.innovation.id for m in other.recommend(PROBLEM).matches]
    assert other.pending() == 1  # still counted as not yet indexed


def test_a_worker_that_did_not_write_waits_the_quiet_time_too(
    tmp_path: Path, encoder: HashingEncoder, recommender: Recommender
) -> None:
    other = _second_process(tmp_path, encoder)
    item = recommender.catalogue.get("bank-sampah-delta")
    CatalogueWriter(recommender).replace(dataclasses.replace(item, name="Bank Sampah Baru"))
    waiting = IndexUpdater(other, debounce=60, max_delay=60)
    assert waiting.step() is False and waiting.builds == 0
    eager = IndexUpdater(other, debounce=0, max_delay=60)
    assert eager.step() is True and not other.behind()


def test_a_snapshot_that_fails_to_become_live_is_released(
    monkeypatch, recommender: Recommender, encoder: HashingEncoder
) -> None:
    import pytest

    from recommender import engine

    snapshot = recommender.snapshots.load_path(
        recommender.snapshots.root / recommender.index_version, [encoder], recommender.analyzer
    )
    assert snapshot._lease is not None

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("state")

    monkeypatch.setattr(engine, "SearchState", broken)
    with pytest.raises(RuntimeError):
        recommender._swap(snapshot)
    assert snapshot._lease is None


def test_the_near_duplicate_check_catches_up_with_other_processes_without_a_rebuild(
    tmp_path: Path, encoder: HashingEncoder, recommender: Recommender, monkeypatch
) -> None:
    import pytest

    from recommender.errors import InvalidRecord

    mine = CatalogueWriter(recommender)
    mine.warm()
    other = CatalogueWriter(_second_process(tmp_path, encoder))
    source = recommender.catalogue.get("bank-sampah-delta")
    other.create(
        dataclasses.replace(
            source,
            id="bank-sampah-baru",
            problem="Sampah rumah tangga menumpuk di sungai kota pesisir setiap musim hujan tiba.",
            solution="Warga menabung sampah terpilah di bank sampah "
            "kelurahan dan menukarnya dengan saldo listrik.",
        )
    )
    deleted = recommender.catalogue.get("kdrt-eta")
    other.delete("kdrt-eta")
    monkeypatch.setattr(recommender.catalogue, "all", lambda: pytest.fail("rebuilt from scratch"))
    twin = dataclasses.replace(recommender.catalogue.get("bank-sampah-baru"), id="bank-sampah-lain")
    with pytest.raises(InvalidRecord, match="bank-sampah-baru"):
        mine.create(twin)
    # The deleted record's text is free again.
    assert mine.create(dataclasses.replace(deleted, id="kdrt-eta-baru")).created


def test_an_incremental_build_rescores_the_edited_record_and_keeps_the_others(
    recommender: Recommender,
) -> None:
    import numpy as np

    from recommender.ranking import value_components

    before = recommender._state
    item = recommender.catalogue.get("izin-theta")
    CatalogueWriter(recommender).replace(dataclasses.replace(item, awards=[], replicated_by=[]))
    recommender.rebuild()
    state = recommender._state
    assert state is not before
    expected = [sum(value_components(i, state.config).values()) if i else 0.0 for i in state.items]
    np.testing.assert_allclose(state.value, expected, rtol=1e-6)
    row = state.rows["izin-theta"]
    assert state.value[row] != before.value[before.rows["izin-theta"]]
    kept = [r for r in range(len(state.items)) if r != row]
    assert all(state.items[r] is before.items[before.rows[state.snapshot.doc_ids[r]]] for r in kept)
