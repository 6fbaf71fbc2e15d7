"""Bulk changes built in a child process: the same index as a build here, and a failed child
changes nothing served."""

from __future__ import annotations

import dataclasses
import functools
import multiprocessing.context
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from index.encoders import Encoder, HashingEncoder, load_encoders
from recommender import engine
from recommender.builds import ChildBuildFailed, ChildBuilds
from recommender.engine import Recommender
from recommender.workspace import open_recommender
from recommender.writer import CatalogueWriter, IndexUpdater

pytestmark = pytest.mark.heavy  # each build spawns a Python process (seconds)

PROBLEMS = (
    "ambulans lama datang saat warga gawat darurat",
    "sampah menumpuk di sungai",
    "bayi lahir tanpa akta kelahiran",
)
CHILD = ChildBuilds(functools.partial(load_encoders, "hashing-256", threads=1), min_changes=2)


def _crash() -> list[Encoder]:
    os._exit(3)  # the child dies before it writes anything, as a killed one would


def _no_model() -> list[Encoder]:
    raise ValueError("no such model folder")


def _edit(recommender: Recommender) -> None:
    """Two changes (a bulk change for CHILD): one edit, one new innovation."""
    writer = CatalogueWriter(recommender)
    item = recommender.catalogue.get("bank-sampah-delta")
    writer.replace(dataclasses.replace(item, name="Bank Sampah Sungai Bersih"))
    writer.create(
        dataclasses.replace(
            recommender.catalogue.get("psc-119-alpha"),
            id="ambulans-desa",
            problem="Warga desa terpencil menunggu ambulans berjam-jam saat gawat darurat.",
            solution="Relawan desa dilatih dan mobil desa disiapkan sebagai ambulans siaga.",
        )
    )


def _ranking(recommender: Recommender) -> list[list[tuple[str, float]]]:
    return [
        [(m.innovation.id, round(m.score, 6)) for m in recommender.recommend(p).matches] for p in PROBLEMS
    ]


def _count_children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the child builds started (one list item, incremented)."""
    count = [0]
    real = engine.build_in_child

    def counted(*args: object, **kwargs: object) -> str:
        count[0] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "build_in_child", counted)
    return count


def test_a_bulk_change_built_in_a_child_ranks_as_one_built_here(
    tmp_path: Path, recommender: Recommender, encoder: HashingEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(tmp_path / "data", tmp_path / "here")
    here = open_recommender(tmp_path / "here", [encoder], seed=None)
    here.ensure_index()
    recommender.builds = CHILD
    children = _count_children(monkeypatch)
    before = recommender.index_version
    for rec in (recommender, here):
        _edit(rec)
        rec.rebuild()
    assert children == [1]  # the recommender's build ran in a child, the other one here
    assert recommender.index_version != before and not recommender.behind()
    assert recommender.snapshots.current_name() == recommender.index_version  # written by the child
    assert recommender.persisted and recommender.problems == []
    assert recommender.manifest["catalogue_hash"] == here.manifest["catalogue_hash"]
    assert _ranking(recommender) == _ranking(here)
    assert "ambulans-desa" in [m.innovation.id for m in recommender.recommend(PROBLEMS[0]).matches]


def test_a_single_edit_is_not_sent_to_a_child(recommender: Recommender) -> None:
    recommender.builds = dataclasses.replace(CHILD, encoders=_crash)
    item = recommender.catalogue.get("bank-sampah-delta")
    CatalogueWriter(recommender).replace(dataclasses.replace(item, name="Bank Sampah Baru"))
    recommender.rebuild()  # below min_changes: built here (a child would crash)
    assert not recommender.behind()


def test_a_crashed_child_leaves_the_old_snapshot_serving_and_the_change_pending(
    recommender: Recommender,
) -> None:
    recommender.builds = dataclasses.replace(CHILD, encoders=_crash)
    before, current = recommender.index_version, recommender.snapshots.current_name()
    _edit(recommender)
    updater = IndexUpdater(recommender, debounce=0)
    assert updater.step(force=True) is False
    assert updater.last_error is not None and "exited with code 3" in updater.last_error
    assert recommender.index_version == before and recommender.snapshots.current_name() == current
    assert recommender.pending() == 2 and recommender.behind()
    assert recommender.recommend(PROBLEMS[0]).matches  # still serving
    # Retried: a child that works now builds it.
    recommender.builds = CHILD
    assert updater.step(force=True) is True
    assert not recommender.behind() and recommender.pending() == 0


def test_children_that_keep_failing_hand_the_build_back_to_this_process(recommender: Recommender) -> None:
    recommender.builds = dataclasses.replace(CHILD, encoders=_crash)
    _edit(recommender)
    for _ in range(2):
        with pytest.raises(ChildBuildFailed):
            recommender.rebuild()
    recommender.rebuild()  # built here: the change does not stay unsearchable
    assert not recommender.behind()
    _edit_again(recommender)
    with pytest.raises(ChildBuildFailed):  # the next bulk change is tried in a child again
        recommender.rebuild()


def _edit_again(recommender: Recommender) -> None:
    writer = CatalogueWriter(recommender)
    for key in ("bank-sampah-delta", "psc-119-alpha"):
        item = recommender.catalogue.get(key)
        writer.replace(dataclasses.replace(item, name=f"{item.name} Baru"))


def test_a_child_that_cannot_start_counts_as_failed_and_the_build_comes_back_here(
    recommender: Recommender, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_memory(self: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", no_memory)
    recommender.builds = CHILD
    _edit(recommender)
    for _ in range(2):
        with pytest.raises(ChildBuildFailed, match="could not start"):
            recommender.rebuild()
    recommender.rebuild()
    assert not recommender.behind()


def test_a_worker_waits_for_another_process_s_build_instead_of_spawning_its_own(
    tmp_path: Path, recommender: Recommender, encoder: HashingEncoder
) -> None:
    """Two workers see the same bulk change: the one that finds the build lock taken waits,
    then serves what the other wrote (a child of its own would crash here)."""
    other = open_recommender(tmp_path / "data", [encoder], seed=None)
    other.ensure_index()
    _edit(other)
    other.rebuild()  # the other worker's build, written and pointed at by CURRENT
    recommender.builds = dataclasses.replace(CHILD, encoders=_crash)
    held = threading.Event()

    def hold_the_lock() -> None:
        with other.snapshots.build_lock():
            held.set()
            time.sleep(0.5)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    held.wait()
    recommender.rebuild()
    holder.join()
    assert not recommender.behind() and recommender.index_version == other.index_version


def test_a_failed_child_tells_the_server_why(recommender: Recommender) -> None:
    recommender.builds = dataclasses.replace(CHILD, encoders=_no_model)
    _edit(recommender)
    with pytest.raises(ChildBuildFailed, match="ValueError: no such model folder"):
        recommender.rebuild()
