"""Shared fixtures: a tiny hand-written catalogue and the deterministic test encoder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.encoders import HashingEncoder
from recommender.engine import Recommender
from recommender.workspace import open_recommender

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "tiny.jsonl"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
API_KEY = "test-key-123"


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder(256)


@pytest.fixture
def recommender(tmp_path: Path, encoder: HashingEncoder) -> Recommender:
    rec = open_recommender(tmp_path / "data", [encoder], seed=TINY)
    rec.ensure_index()
    return rec


@pytest.fixture
def client(tmp_path: Path, recommender: Recommender) -> Iterator[TestClient]:
    from service.app import create_app
    from service.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", encoder="hashing-256", api_keys=API_KEY)
    with TestClient(create_app(settings, recommender)) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}
