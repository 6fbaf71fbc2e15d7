"""Bringing an existing catalogue up to a newer bundled one without undoing local edits."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from recommender.catalogue import Catalogue
from recommender.errors import InvalidRecord
from recommender.importing import read_rows
from recommender.record import FIELDS, Innovation, validate_record

logger = logging.getLogger(__name__)

# Next to the database: the SHA-256 of the last bundle applied, so each bundle is applied once.
# Without it, a kit field a curator deleted on purpose would come back at the next start.
MARKER = "bundle.applied"


def bundle_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def marker_path(catalogue: Catalogue) -> Path:
    return catalogue.path.parent / MARKER


def applied_digest(catalogue: Catalogue) -> str | None:
    """The digest of the bundle last applied to this catalogue, or None if none was."""
    try:
        return marker_path(catalogue).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def read_bundle(data: bytes) -> dict[str, Innovation]:
    """The valid records of a JSONL bundle by id; unreadable rows and repeated ids are skipped."""
    records: dict[str, Innovation] = {}
    for row, raw, error in read_rows(data, "jsonl"):
        try:
            if error is not None:
                raise error
            item = validate_record(raw)
        except InvalidRecord as exc:
            logger.warning("bundled catalogue row %d skipped: %s", row, exc)
            continue
        if item.id in records:
            logger.warning("bundled catalogue row %d skipped: id %r repeats", row, item.id)
            continue
        records[item.id] = item
    return records


def fill_empty(stored: Innovation, bundled: Innovation) -> Innovation:
    """``stored`` with each empty field (None, "", []) taken from ``bundled``; the rest kept."""
    merged = stored.to_dict()
    extra = bundled.to_dict()
    for name in FIELDS:
        if merged[name] in (None, "", []) and extra[name] not in (None, "", []):
            merged[name] = extra[name]
    # Both halves were valid on their own; validating again keeps that a guarantee, not a hope.
    return validate_record(merged)


def upgrade_from_bundle(catalogue: Catalogue, bundle_path: Path) -> list[str]:
    """Fill empty fields of stored innovations from the bundle; return the ids that changed.

    Only innovations already in the catalogue are touched: a locally deleted one is never
    re-added, and a filled field is never overwritten. Runs once per bundle content.
    """
    path = Path(bundle_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        logger.warning("no bundled catalogue at %s; nothing to upgrade", path)
        return []
    digest = bundle_digest(data)
    if applied_digest(catalogue) == digest:
        return []
    bundled = read_bundle(data)
    with catalogue.write_lock:
        stored = catalogue.versions(bundled)
        changed = []
        for key, current in stored.items():
            if current is None:
                continue
            merged = fill_empty(current, bundled[key])
            if merged != current:
                changed.append(merged)
        catalogue.upsert(changed)
        _write_marker(marker_path(catalogue), digest)
    ids = [item.id for item in changed]
    logger.info("bundled catalogue %s applied: %d innovations gained fields", digest[:12], len(ids))
    return ids


def record_applied(catalogue: Catalogue, bundle_path: Path) -> None:
    """Mark a bundle as applied without merging: call it right after seeding from that bundle,
    so a kit field deleted before the next start is not filled in again then."""
    _write_marker(marker_path(catalogue), bundle_digest(Path(bundle_path).read_bytes()))


def _write_marker(path: Path, digest: str) -> None:
    # Write then rename, so a crash leaves either the old digest or the new one, never half.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(digest + "\n", encoding="utf-8")
    os.replace(temporary, path)
