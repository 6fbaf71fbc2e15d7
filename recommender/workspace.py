"""A data directory holding the catalogue database and the index snapshots."""

from __future__ import annotations

import logging
from pathlib import Path

from index.encoders import Encoder
from index.snapshot import SnapshotStore
from recommender.catalogue import Catalogue
from recommender.engine import Recommender
from recommender.importing import import_rows
from recommender.ranking import RankingConfig

logger = logging.getLogger(__name__)

BUNDLED_CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "innovations.jsonl"
DATABASE = "replikasi.sqlite3"
SNAPSHOTS = "snapshots"
MODELS = "models"


def open_catalogue(data_dir: Path, *, seed: Path | None = BUNDLED_CATALOGUE) -> Catalogue:
    """The data directory's catalogue; an empty one is filled from ``seed`` on first use."""
    catalogue = Catalogue(Path(data_dir) / DATABASE)
    if seed is not None and catalogue.count() == 0:
        report = import_rows(catalogue, seed.read_bytes(), "jsonl")
        logger.info("seeded the catalogue with %d innovations from %s (%d rejected)",
                    len(report.accepted), seed, len(report.rejected))
    return catalogue


def open_recommender(data_dir: Path, encoders: list[Encoder], *, config: RankingConfig | None = None,
                     seed: Path | None = BUNDLED_CATALOGUE) -> Recommender:
    """A recommender over the data directory (the index is not loaded until ensure_index)."""
    catalogue = open_catalogue(data_dir, seed=seed)
    return Recommender(catalogue, encoders, SnapshotStore(Path(data_dir) / SNAPSHOTS), config)
