"""Upgrading a data directory from a newer bundled catalogue: fill gaps, never undo local edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recommender.bundle import (
    MARKER,
    applied_digest,
    bundle_digest,
    record_applied,
    upgrade_from_bundle,
)
from recommender.catalogue import Catalogue
from recommender.record import validate_record

BASE = {"level": "kabupaten", "sector": "kesehatan"}
KIT = {
    "prerequisites": "Ambulans siaga; Petugas terlatih",
    "steps": "Bentuk tim; Latih petugas",
    "obstacles": "Sinyal lemah",
    "contact": "psc@alpha.go.id",
}


def record(key: str, **fields: Any) -> dict[str, Any]:
    return {"id": key, "name": key.title(), "problem": f"Masalah {key}.", **BASE, **fields}


def write_bundle(path: Path, rows: list[dict[str, Any]], *, extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + extra, encoding="utf-8")
    return path


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    cat = Catalogue(tmp_path / "data" / "replikasi.sqlite3")
    cat.upsert(
        validate_record(r)
        for r in [
            record("alpha"),
            record("beta", contact="Dinkes Beta (lokal)"),
            record("gamma", steps="Langkah lokal"),
        ]
    )
    return cat


def test_empty_fields_are_filled_and_local_values_kept(catalogue: Catalogue, tmp_path: Path) -> None:
    bundle = write_bundle(
        tmp_path / "bundle.jsonl",
        [
            record("alpha", **KIT, replicated_by=["Kota Delta"]),
            record("beta", **KIT),
            record("gamma", problem="Teks bundel yang lain.", steps="Langkah bundel"),
        ],
    )
    assert upgrade_from_bundle(catalogue, bundle) == ["alpha", "beta"]
    alpha, beta, gamma = (catalogue.get(k) for k in ("alpha", "beta", "gamma"))
    assert (alpha.prerequisites, alpha.steps, alpha.contact) == (
        KIT["prerequisites"],
        KIT["steps"],
        KIT["contact"],
    )
    assert alpha.replicated_by == ["Kota Delta"]  # an empty list counts as empty
    assert beta.contact == "Dinkes Beta (lokal)" and beta.steps == KIT["steps"]
    # Nothing empty in gamma: its local problem and steps stay, and it is not reported.
    assert (gamma.problem, gamma.steps) == ("Masalah gamma.", "Langkah lokal")


def test_deleted_and_unknown_innovations_are_not_added(catalogue: Catalogue, tmp_path: Path) -> None:
    catalogue.delete("alpha")
    bundle = write_bundle(tmp_path / "bundle.jsonl", [record("alpha", **KIT), record("delta", **KIT)])
    assert upgrade_from_bundle(catalogue, bundle) == []
    assert not catalogue.exists("alpha") and not catalogue.exists("delta")


def test_a_bundle_is_applied_once_so_a_later_local_deletion_stays(
    catalogue: Catalogue, tmp_path: Path
) -> None:
    bundle = write_bundle(tmp_path / "bundle.jsonl", [record("alpha", **KIT)])
    assert upgrade_from_bundle(catalogue, bundle) == ["alpha"]
    marker = catalogue.path.parent / MARKER
    assert marker.read_text().strip() == bundle_digest(bundle.read_bytes())
    assert applied_digest(catalogue) == bundle_digest(bundle.read_bytes())

    cleared = catalogue.get("alpha")
    cleared.obstacles = None  # a curator removes a kit field on purpose
    catalogue.replace(cleared)
    assert upgrade_from_bundle(catalogue, bundle) == []
    assert catalogue.get("alpha").obstacles is None

    # A new bundle (different content) is applied again, once.
    write_bundle(bundle, [record("alpha", **KIT), record("beta", steps="Langkah baru")])
    assert upgrade_from_bundle(catalogue, bundle) == ["alpha", "beta"]
    assert catalogue.get("alpha").obstacles == KIT["obstacles"]
    assert upgrade_from_bundle(catalogue, bundle) == []


def test_a_catalogue_seeded_from_the_bundle_is_marked_so_nothing_returns(tmp_path: Path) -> None:
    bundle = write_bundle(tmp_path / "bundle.jsonl", [record("alpha", **KIT)])
    cat = Catalogue(tmp_path / "fresh" / "replikasi.sqlite3")
    cat.upsert([validate_record(record("alpha", **KIT))])  # as seeding does
    record_applied(cat, bundle)
    cleared = cat.get("alpha")
    cleared.steps = None
    cat.replace(cleared)
    assert upgrade_from_bundle(cat, bundle) == []
    assert cat.get("alpha").steps is None


def test_invalid_and_repeated_rows_are_skipped_and_the_rest_applied(
    catalogue: Catalogue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundle = write_bundle(
        tmp_path / "bundle.jsonl",
        [
            record("alpha", level="desa", **KIT),  # invalid: unknown level
            record("beta", steps="Langkah pertama"),
            record("beta", steps="Langkah kedua"),  # repeated id: the first wins
        ],
        extra="{not json\n",
    )
    assert upgrade_from_bundle(catalogue, bundle) == ["beta"]
    assert catalogue.get("alpha").steps is None
    assert catalogue.get("beta").steps == "Langkah pertama"
    assert "row 1 skipped" in caplog.text and "row 3 skipped" in caplog.text
    assert "row 4 skipped" in caplog.text


def test_a_missing_bundle_changes_nothing(catalogue: Catalogue, tmp_path: Path) -> None:
    assert upgrade_from_bundle(catalogue, tmp_path / "absent.jsonl") == []
    assert applied_digest(catalogue) is None


def test_the_shipped_bundle_fills_kits_of_an_old_catalogue(tmp_path: Path) -> None:
    """The real bundled catalogue upgrades a copy with its kit fields stripped."""
    bundle = Path(__file__).resolve().parents[2] / "data" / "innovations.jsonl"
    rows = [json.loads(line) for line in bundle.read_text(encoding="utf-8").splitlines()]
    kits = {r["id"] for r in rows if any(r.get(f) for f in KIT)}
    assert len(kits) >= 100
    cat = Catalogue(tmp_path / "replikasi.sqlite3")
    cat.upsert(validate_record({k: v for k, v in r.items() if k not in KIT}) for r in rows)
    assert set(upgrade_from_bundle(cat, bundle)) == kits
    assert all(cat.get(k).steps or cat.get(k).prerequisites for k in kits)
