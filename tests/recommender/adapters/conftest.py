"""Shared inputs: the real LAN export (read from ../shared at run time) and an invented CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.adapters import LanAdapter, SectorInference
from recommender.adapters.base import AdaptedRow
from recommender.adapters.sector import BUNDLED_CATALOGUE, read_catalogue

FIXTURES = Path(__file__).parent / "fixtures"
LAN_EXPORT = Path(__file__).resolve().parents[4] / "shared" / "data" / "lan" / "inovasi_lan.jsonl"


@pytest.fixture(scope="session")
def catalogue() -> list[dict]:
    return read_catalogue(BUNDLED_CATALOGUE)


@pytest.fixture(scope="session")
def sectors(catalogue: list[dict]) -> SectorInference:
    return SectorInference(catalogue)


@pytest.fixture(scope="session")
def lan_bytes() -> bytes:
    if not LAN_EXPORT.is_file():
        pytest.skip("../shared/data/lan/inovasi_lan.jsonl is not here")
    return LAN_EXPORT.read_bytes()


@pytest.fixture(scope="session")
def lan_rows(lan_bytes: bytes, sectors: SectorInference) -> list[AdaptedRow]:
    return list(LanAdapter(sectors).adapt(lan_bytes))
