"""A few changed documents are appended to the live snapshot, served at once, then written."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

import recommender.engine as engine
import recommender.indexing as indexing
from index.encoders import HashingEncoder
from index.snapshot import SnapshotStore
from recommender.engine import Recommender
from recommender.workspace import open_recommender
from recommender.writer import CatalogueWriter, IndexUpdater

QUERIES = [
    "ambulans lambat datang saat darurat zzyzx qwerty",  # unknown words: the no-match signals
    "ambulans lambat datang saat darurat",
    "sampah menumpuk di pasar",
    "akta kelahiran bayi",
    "perahu pustaka untuk anak pulau",
    "antrean layanan kependudukan",
]


def _answers(rec: Recommender) -> list[tuple[list[tuple[str, float]], float]]:
    """Per query: the top five (id, score) and the no-good-match probability."""
    out = []
    for q in QUERIES:
        found = rec.recommend(q, limit=5)
        out.append(
            ([(m.innovation.id, round(m.score, 4)) for m in found.matches], round(found.match_probability, 4))
        )
    return out


def _edit(rec: Recommender) -> CatalogueWriter:
    """An edit, a delete and a create, through the writer."""
    writer = CatalogueWriter(rec)
    item = rec.catalogue.get("bank-sampah-delta")
    writer.replace(dataclasses.replace(item, problem="Perahu pustaka keliling untuk anak pulau tanpa buku."))
    writer.delete("psc-119-beta")
    fresh = dataclasses.replace(
        rec.catalogue.get("psc-119-alpha"),
        id="ambulans-laut-gamma",
        name="Ambulans Laut Gamma",
        problem="Warga pulau kecil menunggu kapal berjam-jam saat darurat medis di laut.",
        solution="Perahu cepat berperalatan medis menjemput pasien dari dermaga desa.",
    )
    writer.create(fresh)
    return writer


@pytest.fixture
def appending(monkeypatch: pytest.MonkeyPatch) -> None:
    # The tiny catalogue: never compact, and append up to half of it at once.
    monkeypatch.setattr(indexing, "APPEND_MAX_SHARE", 1.0)
    monkeypatch.setattr(indexing, "FULL_REFIT_SHARE", 0.5)


def test_an_append_ranks_as_the_compacted_index_does(
    recommender: Recommender, appending, monkeypatch
) -> None:
    before = recommender.index_version
    _edit(recommender)
    recommender.rebuild()
    manifest = recommender.manifest
    assert manifest["retired"] == 2 and manifest["count"] == 12  # 10 rows, 2 retired, 2 appended
    appended = _answers(recommender)
    assert recommender.index_version != before and not recommender.behind()
    monkeypatch.setattr(indexing, "APPEND_MAX_SHARE", -1.0)  # the next build compacts
    recommender.rebuild(full=False)  # nothing pending: a no-op ...
    assert recommender.manifest["retired"] == 2
    recommender.catalogue.replace(recommender.catalogue.get("psc-119-alpha"))  # ... until a change
    recommender.rebuild()
    assert recommender.manifest.get("retired", 0) == 0 and recommender.manifest["count"] == 10
    assert _answers(recommender) == appended


def test_an_edited_documents_old_text_is_never_served(recommender: Recommender, appending) -> None:
    _edit(recommender)
    recommender.rebuild()
    ids = [[m.innovation.id for m in recommender.recommend(q, limit=10).matches] for q in QUERIES]
    assert all("psc-119-beta" not in found for found in ids)
    assert ids[4][0] == "bank-sampah-delta"  # found by its new text
    assert all(found.count("bank-sampah-delta") <= 1 for found in ids)  # one row per document
    assert "ambulans-laut-gamma" in ids[1][:3]
    assert len(recommender.items) == 10


def test_a_restart_loads_the_appended_snapshot_with_its_retired_rows(
    tmp_path: Path, encoder: HashingEncoder, recommender: Recommender, appending
) -> None:
    _edit(recommender)
    recommender.rebuild()
    served = _answers(recommender)
    again = open_recommender(tmp_path / "data", [encoder], seed=None)
    again.ensure_index()
    assert again.index_version == recommender.index_version and not again.behind()
    assert _answers(again) == served
    assert again.manifest["retired"] == 2


def test_the_change_is_served_before_the_snapshot_is_written(
    recommender: Recommender, appending, monkeypatch
) -> None:
    seen: list[str] = []
    persist = SnapshotStore.persist

    def slow_persist(store, snapshot, *args, **kwargs):
        # Called after the swap: the edited text is already searchable from memory.
        seen.append(recommender.recommend(QUERIES[4], limit=1).matches[0].innovation.id)
        assert recommender.snapshots.current_name() != snapshot.version
        return persist(store, snapshot, *args, **kwargs)

    monkeypatch.setattr(SnapshotStore, "persist", slow_persist)
    _edit(recommender)
    recommender.rebuild()
    assert seen == ["bank-sampah-delta"]
    assert recommender.snapshots.current_name() == recommender.index_version
    assert recommender.manifest["files"]  # the served state is the written copy ...
    import numpy as np

    served = recommender._state.snapshot  # noqa: SLF001 - what the queries read
    assert isinstance(served.dense[0].vectors.base, np.memmap)  # ... its vectors mapped from disk
    assert served.persisted and served.path.is_dir()


class _Later:
    """The time module as the engine sees it, its monotonic clock ``ahead`` seconds later."""

    def __init__(self, ahead: float) -> None:
        self.ahead = ahead

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead


def test_a_failed_write_keeps_serving_says_so_and_is_retried(
    recommender: Recommender, appending, monkeypatch
) -> None:
    persist = SnapshotStore.persist

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(SnapshotStore, "persist", full_disk)
    _edit(recommender)
    updater = IndexUpdater(recommender, debounce=0, max_delay=0)
    updater.step(force=True)
    assert recommender.recommend(QUERIES[4], limit=1).matches[0].innovation.id == "bank-sampah-delta"
    assert any("could not be saved" in p for p in recommender.problems)
    written = recommender.snapshots.current_name()
    assert written != recommender.index_version
    monkeypatch.setattr(SnapshotStore, "persist", persist)
    updater.step(force=True)  # within the first wait (1 s): not tried again yet
    assert recommender.snapshots.current_name() == written and not recommender.persisted
    monkeypatch.setattr(engine, "time", _Later(1.1))  # the wait is over
    updater.step(force=True)
    assert not recommender.problems and recommender.persisted
    assert recommender.snapshots.current_name() == recommender.index_version != written


def test_many_retired_rows_compact_the_index(recommender: Recommender) -> None:
    # The shipped share (10 %): two edits of ten documents retire too many rows to append.
    writer = CatalogueWriter(recommender)
    for key in ("bank-sampah-delta", "psc-119-alpha"):
        item = recommender.catalogue.get(key)
        writer.replace(dataclasses.replace(item, outcomes=(item.outcomes or "") + " Diperluas."))
    recommender.rebuild()
    assert recommender.manifest.get("retired", 0) == 0 and recommender.manifest["count"] == 10


def test_a_bulk_change_refits_instead_of_appending(recommender: Recommender, appending) -> None:
    writer = CatalogueWriter(recommender)
    base = recommender.catalogue.get("psc-119-alpha")
    topics = (
        "gudang dingin ikan nelayan",
        "irigasi sawah tadah hujan",
        "bus sekolah gratis",
        "taman baca desa",
        "pasar ternak sapi",
        "sumur bor air bersih",
    )
    for n, words in enumerate(topics):
        writer.create(
            dataclasses.replace(
                base,
                id=f"baru-{n}",
                name=words.title(),
                problem=f"Masalah {words}.",
                solution=f"Solusi {words} bersama warga.",
            )
        )
    recommender.rebuild()  # 6 new of 10 live (> half): vocabularies refitted, nothing appended
    assert "retired" not in recommender.manifest and recommender.manifest["count"] == 16
    assert recommender.recommend("irigasi sawah tadah hujan", limit=1).matches[0].innovation.id == "baru-1"


KILLED_APPEND = """
import dataclasses, sys, time
from pathlib import Path
import index.dense
import recommender.engine as engine
import recommender.indexing as indexing
from index.encoders import HashingEncoder
from recommender.workspace import open_recommender
from recommender.writer import CatalogueWriter

original = index.dense.DenseIndex.save

def slow_save(self, folder, position):
    files = original(self, folder, position)
    with open(files[0], "r+b") as handle:  # leave the vector file half-written
        handle.truncate(files[0].stat().st_size // 2)
    print("writing", folder, rec.recommend("perahu pustaka anak pulau", limit=1).matches[0].innovation.id,
          flush=True)
    time.sleep(60)
    return files

index.dense.DenseIndex.save = slow_save
indexing.APPEND_MAX_SHARE = 1.0
rec = open_recommender(Path(sys.argv[1]), [HashingEncoder(256)], seed=None)
rec.ensure_index()
item = rec.catalogue.get("bank-sampah-delta")
CatalogueWriter(rec).replace(dataclasses.replace(item, problem="Perahu pustaka untuk anak pulau tanpa buku."))
rec.rebuild()
"""


@pytest.mark.heavy
def test_a_kill_while_an_appended_snapshot_is_written_serves_the_previous_one_then_catches_up(
    tmp_path: Path, encoder: HashingEncoder, recommender: Recommender
) -> None:
    import os
    import signal
    import subprocess
    import sys

    first = recommender.index_version
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_APPEND, str(tmp_path / "data")],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    assert line[0] == "writing" and any(Path(line[1]).iterdir())  # files half on disk
    assert line[2] == "bank-sampah-delta"  # served from memory before it was written
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    again = open_recommender(tmp_path / "data", [encoder], seed=None)
    again.ensure_index()
    assert again.index_version == first and again.behind() and not again.problems
    again.rebuild()
    assert (
        again.recommend("perahu pustaka anak pulau", limit=1).matches[0].innovation.id == "bank-sampah-delta"
    )


def test_the_evaluation_scores_an_appended_index_by_its_rows(recommender: Recommender, appending) -> None:
    from recommender.evaluation import Query, run_systems

    _edit(recommender)
    recommender.rebuild()
    assert recommender.manifest["retired"] == 2
    run = run_systems(recommender, [Query("q", QUERIES[4], "paraphrase")])
    for system, ranked in run.ranked.items():
        found = ranked["q"]
        assert len(found) == len(set(found)) and "psc-119-beta" not in found and "" not in found, system
        assert found[0] == "bank-sampah-delta", system


def test_every_snapshot_records_the_catalogue_hash_of_what_it_indexed(
    recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full builds and appends alike: the manifest's hash is the catalogue's own."""
    monkeypatch.setattr(indexing, "APPEND_MAX_SHARE", 1.0)
    monkeypatch.setattr(indexing, "FULL_REFIT_SHARE", 0.5)
    assert recommender.manifest["catalogue_hash"] == recommender.catalogue.catalogue_hash()
    _edit(recommender)
    recommender.rebuild()
    assert recommender.manifest["retired"] == 2  # sanity: this build appended
    assert recommender.manifest["catalogue_hash"] == recommender.catalogue.catalogue_hash()
    recommender.rebuild(full=True)
    assert recommender.manifest["catalogue_hash"] == recommender.catalogue.catalogue_hash()


def test_only_the_snapshot_a_child_reported_skips_its_checksums(
    tmp_path: Path, recommender: Recommender, encoder: HashingEncoder
) -> None:
    """A snapshot another process wrote is verified before it is served; the one this
    process's child just wrote and named is trusted (its checksums were computed from it)."""
    other = open_recommender(tmp_path / "data", [encoder], seed=None)
    other.ensure_index()
    _edit(other)
    written = other.rebuild(full=True)
    vectors = tmp_path / "data" / "snapshots" / written / "dense-0.npy"
    data = bytearray(vectors.read_bytes())
    data[-5] ^= 0xFF  # a flipped byte in the last vector: loads, fails its checksum
    vectors.write_bytes(bytes(data))
    assert not recommender.refresh() and "checksum" in " ".join(recommender.problems)
    assert recommender.refresh(trusted=written) and recommender.index_version == written
