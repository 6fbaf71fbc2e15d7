"""A data directory holding the catalogue database and the index snapshots."""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections.abc import Iterator
from pathlib import Path

from index.encoders import Encoder
from index.snapshot import SnapshotStore
from recommender.builds import ChildBuilds
from recommender.catalogue import Catalogue
from recommender.engine import Recommender
from recommender.importing import import_rows
from recommender.ranking import RankingConfig
from recommender.registry import Registry

logger = logging.getLogger(__name__)

BUNDLED_CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "innovations.jsonl"
DATABASE = "replikasi.sqlite3"
SNAPSHOTS = "snapshots"
MODELS = "models"
# Held while a data directory is opened: the second of two server workers started on a new
# directory waits for the first to seed it instead of finding a half-seeded (empty) catalogue.
OPEN_LOCK = ".open.lock"


def open_catalogue(data_dir: Path, *, seed: Path | None = BUNDLED_CATALOGUE) -> Catalogue:
    """The data directory's catalogue; only a brand-new data directory is seeded from ``seed``.

    An emptied catalogue stays empty on restart. A database found empty or missing tables in a
    data directory that already existed is not re-seeded either: that is damage to report
    (``catalogue.warnings``), not a first start.
    """
    data_dir = Path(data_dir)
    with _opening(data_dir):
        return _open_catalogue(data_dir, seed)


@contextlib.contextmanager
def _opening(data_dir: Path) -> Iterator[None]:
    """One process at a time opens (and, if new, seeds) a data directory; a directory that
    cannot hold the lock file (read-only) is opened without it, as nothing can seed it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(data_dir / OPEN_LOCK, "a+b")  # noqa: SIM115 - closed below
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _open_catalogue(data_dir: Path, seed: Path | None) -> Catalogue:
    fresh = not (data_dir / DATABASE).exists() and not (data_dir / SNAPSHOTS).exists()
    catalogue = Catalogue(data_dir / DATABASE)
    catalogue.warnings = []
    if catalogue.missing_tables:
        catalogue.warnings.append(
            f"the catalogue database {catalogue.path} was empty or missing tables "
            f"({', '.join(catalogue.missing_tables)}); the bundled catalogue was not re-seeded: "
            "restore the database from a backup or import the innovations again"
        )
    if seed is not None and fresh:
        report = import_rows(catalogue, seed.read_bytes(), "jsonl")
        catalogue.set_meta("seeded_from", f"{seed.name}: {len(report.accepted)} innovations")
        from recommender.bundle import record_applied

        record_applied(catalogue, seed)
        logger.info(
            "new data directory %s: seeded the catalogue with %d innovations from %s (%d rejected)",
            data_dir,
            len(report.accepted),
            seed,
            len(report.rejected),
        )
    elif seed is not None and seed == BUNDLED_CATALOGUE and not catalogue.missing_tables:
        _upgrade(catalogue, seed)
    if not catalogue.missing_tables:
        added = Registry(catalogue).import_replicated_by()  # once per database (a meta key)
        if added:
            logger.info("copied %d replicated_by entries into the replication registry", added)
    return catalogue


def _upgrade(catalogue: Catalogue, seed: Path) -> None:
    """Fill fields a newer bundle adds (replication kits) without touching local edits."""
    try:
        from recommender.bundle import upgrade_from_bundle
    except ImportError:  # pragma: no cover - the upgrade module ships with the package
        return
    changed = upgrade_from_bundle(catalogue, seed)
    if changed:
        logger.info("filled new bundled fields of %d innovations", len(changed))


def open_recommender(
    data_dir: Path,
    encoders: list[Encoder],
    *,
    config: RankingConfig | None = None,
    seed: Path | None = BUNDLED_CATALOGUE,
    ann_min_rows: int | None = None,
    builds: ChildBuilds | None = None,
) -> Recommender:
    """A recommender over the data directory (the index is not loaded until ensure_index);
    ``builds``: when bulk changes are built in a child process (None: always in this one)."""
    catalogue = open_catalogue(data_dir, seed=seed)
    store = (
        SnapshotStore(Path(data_dir) / SNAPSHOTS)
        if ann_min_rows is None
        else SnapshotStore(Path(data_dir) / SNAPSHOTS, ann_min_rows=ann_min_rows)
    )
    return Recommender(catalogue, encoders, store, config, builds=builds)
