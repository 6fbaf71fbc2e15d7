"""Bulk index changes built in a child process, so the serving process's readers keep the GIL.

The child opens the same catalogue and snapshot store, builds (appends or compacts) a snapshot
exactly as the serving process would, writes it and points CURRENT at it; the serving process
then loads it the way it loads a snapshot the CLI built. A child that fails changes nothing:
the old snapshot keeps serving and the changes stay pending.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from index.analysis import Analyzer
from index.encoders import Encoder
from recommender.ranking import RankingConfig

logger = logging.getLogger(__name__)

# A spawned child imports the libraries and loads the snapshot (seconds): worth it for a bulk
# change only; a single edit is appended in the serving process (well under a second).
CHILD_MIN_CHANGES = 500
CHILD_NICE = 10


class ChildBuildFailed(RuntimeError):
    """The child process building a bulk change exited without writing its snapshot."""


@dataclass(frozen=True)
class ChildBuilds:
    """When a change is built in a child process, and how the child gets its encoders.

    ``encoders`` must be picklable (a module-level function or a ``functools.partial`` of
    one, e.g. of ``index.encoders.load_encoders``): the child is spawned, not forked, and
    loads its own copy of the same encoders, one thread each.
    """

    encoders: Callable[[], list[Encoder]]
    min_changes: int = CHILD_MIN_CHANGES
    nice: int = CHILD_NICE
    timeout: float = 3600.0


@dataclass(frozen=True)
class _Job:
    database: Path
    snapshots: Path
    ann_min_rows: int
    config: RankingConfig
    analyzer: Analyzer


def build_in_child(
    builds: ChildBuilds,
    database: Path,
    snapshots: Path,
    ann_min_rows: int,
    config: RankingConfig,
    analyzer: Analyzer,
) -> str:
    """Build the catalogue's pending changes into a new snapshot in a spawned child process
    and wait for it; returns the version it wrote and pointed CURRENT at. Raises
    ChildBuildFailed, with the child's own reason when it could send one, unless it exited
    cleanly."""
    context = multiprocessing.get_context("spawn")
    job = _Job(Path(database), Path(snapshots), ann_min_rows, config, analyzer)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(builds, job, sender), name="replikasi-build", daemon=True
    )
    try:
        child.start()
    except Exception as exc:  # noqa: BLE001 - no memory to fork, an encoder factory that cannot be pickled
        receiver.close()
        raise ChildBuildFailed(f"the index build could not start a child process: {exc}") from exc
    finally:
        sender.close()  # the child has its own end now
    logger.info("index catching up in child process %s (nice %d)", child.pid, builds.nice)
    child.join(builds.timeout)
    if child.is_alive():
        child.kill()
        child.join()
        receiver.close()
        raise ChildBuildFailed(f"the index build in a child process ran past {builds.timeout:.0f} s")
    reply = _reply(receiver)
    if child.exitcode != 0 or "version" not in reply:
        reason = f": {reply['error']}" if "error" in reply else ""
        raise ChildBuildFailed(
            f"the index build in a child process exited with code {child.exitcode}{reason}"
        )
    return str(reply["version"])


def _reply(receiver: Connection) -> dict[str, str]:
    """What the child sent before it exited (nothing when it died first)."""
    with receiver:
        try:
            return dict(receiver.recv()) if receiver.poll() else {}
        except (EOFError, OSError):
            return {}


def _child_main(builds: ChildBuilds, job: _Job, sender: Connection) -> None:
    """In the child: lower priority, one BLAS thread, then the same build the server does;
    sends the parent the version written, or the reason it failed."""
    try:
        version = _build(builds, job)
    except BaseException as exc:
        sender.send({"error": f"{type(exc).__name__}: {exc}"})
        raise
    sender.send({"version": version})


def _build(builds: ChildBuilds, job: _Job) -> str:
    os.nice(builds.nice)
    from index.snapshot import SnapshotStore
    from index.threads import one_blas_thread
    from recommender.catalogue import Catalogue
    from recommender.engine import Recommender

    one_blas_thread()
    store = SnapshotStore(job.snapshots, ann_min_rows=job.ann_min_rows)
    recommender = Recommender(Catalogue(job.database), builds.encoders(), store, job.config, job.analyzer)
    recommender.ensure_index()
    version = recommender.rebuild()
    if recommender.problems:
        raise ChildBuildFailed("; ".join(recommender.problems))
    return version
